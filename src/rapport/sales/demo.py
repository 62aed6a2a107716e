"""Demo sales data: leads, opportunities across both shipped processes and every stage, competitors
(other heavy-equipment makers) and sales literature. Idempotent: records are matched by a natural key
(competitor and subject name, lead e-mail, opportunity topic, literature title) and only what is
missing is created — through the actions, like any other write.
"""

from __future__ import annotations

import datetime as dt

from rapport.core.actions.base import run_action
from rapport.core.actions.crud import create_record
from rapport.core.entities import get_entity

COMPETITORS = [
    ("Komatsu", "6301", "PC200 hydraulic excavator", "https://www.komatsu.com",
     "Broad range, strong dealer network in Asia", "Higher parts prices", "Mining fleet renewals", "Aggressive financing"),
    ("Hitachi Construction Machinery", "6305", "ZX-series excavators", "https://www.hitachicm.com",
     "Hydraulics reputation", "Smaller loader range", "Rental companies", "Price cuts in China"),
    ("Volvo Construction Equipment", "VOLV-B", "Articulated haulers", "https://www.volvoce.com",
     "Operator comfort, fuel economy", "Fewer mining-class machines", "Road building", "Electric compact machines"),
    ("Liebherr", "", "R 9800 mining excavator", "https://www.liebherr.com",
     "Very large mining machines", "Long delivery times", "Port cranes", "Direct sales to mines"),
    ("SANY", "600031", "SY215 excavator", "https://www.sanyglobal.com",
     "Low prices, fast delivery", "Resale value", "Export markets", "Expanding service network"),
    ("XCMG", "000425", "Wheel loaders", "https://www.xcmg.com",
     "Full product line at low cost", "Brand outside China", "Belt and Road projects", "State-backed financing"),
    ("JCB", "", "Backhoe loaders", "https://www.jcb.com",
     "Backhoe loader leader", "Limited large excavators", "Utilities", "Telematics bundles"),
]

LEADS = [
    # (first, last, company, topic, source, rating, email, phone, referred_by, city, country)
    ("Wei", "Zhang", "长江建设工程有限公司", "三台挖掘机更新", "trade_show", "hot", "zhang.wei@changjiang.example", "+86 21 5555 0101", "", "上海", "China"),
    ("Mei", "Lin", "臺中營造股份有限公司", "輪式裝載機租賃", "web_site", "warm", "lin.mei@taichung.example", "+886 4 2222 0102", "", "臺中", "Taiwan"),
    ("Алексей", "Смирнов", "ООО «Уралстрой»", "Бульдозеры для карьера", "referral", "hot", "smirnov@uralstroy.example", "+7 343 555 01 03", "Operator club: Иван Петров", "Екатеринбург", "Russia"),
    ("Gábor", "Nagy", "Alföldi Útépítő Kft.", "Grader a megyei útépítéshez", "advertisement", "warm", "nagy.gabor@alfoldi.example", "+36 62 555 104", "", "Szeged", "Hungary"),
    ("Emma", "Clarke", "Clarke Quarries Ltd", "Two D8 dozers", "word_of_mouth", "cold", "emma@clarkequarries.example", "+44 1234 555105", "", "Leeds", "United Kingdom"),
    ("Jun", "Wang", "恒信物流有限公司", "叉装车询价", "campaign_response", "warm", "wang.jun@hengxin.example", "+86 27 5555 0106", "", "武汉", "China"),
    ("Olga", "Ivanova", "АО «Северный порт»", "Портовые погрузчики", "trade_show", "hot", "ivanova@sevport.example", "+7 812 555 01 07", "", "Санкт-Петербург", "Russia"),
    ("Péter", "Szabó", "Dunamenti Bánya Zrt.", "Kotrógép bérlés", "phone_call", "cold", "szabo@dunamenti.example", "+36 1 555 0108", "", "Budapest", "Hungary"),
    ("Tom", "Baker", "Baker Civil Engineering", "Cold planer for resurfacing", "operator_club", "warm", "tom@bakercivil.example", "+44 161 555 0109", "", "Manchester", "United Kingdom"),
    ("Fang", "Chen", "天诚矿业有限公司", "矿用自卸车", "referral", "hot", "chen.fang@tiancheng.example", "+86 29 5555 0110", "客户推荐：李芳", "西安", "China"),
]
# index in LEADS → what happens to it
LEAD_OUTCOMES = {0: "qualify", 3: "qualify", 5: ("disqualify", "no_longer_interested"), 7: ("disqualify", "cannot_contact"),
                 8: ("disqualify", "duplicate")}

OPPORTUNITIES = [
    # (topic, account number, process, target, revenue, close in days, competitor)
    ("Excavator fleet renewal 2025", "DEMO-002", "westrac", "identification", "1800000.00", 120, "Komatsu"),
    ("Port handling loaders", "DEMO-003", "westrac", "qualification", "950000.00", 75, "SANY"),
    ("Quarry dozers D9", "DEMO-005", "westrac", "development", "2400000.00", 45, "Liebherr"),
    ("Road grader package", "DEMO-006", "westrac", "proposal", "620000.00", 20, "Volvo Construction Equipment"),
    ("Backhoe loaders for utilities", "DEMO-007", "westrac", "won", "310000.00", -15, "JCB"),
    ("Mining trucks tender", "DEMO-005", "westrac", "lost", "4200000.00", -30, "Komatsu"),
    ("Wheel loader replacement", "DEMO-004", "westrac", "no_deal", "280000.00", -40, "XCMG"),
    ("Compact excavators for rental", "DEMO-001", "westrac", "qualification", "450000.00", 60, "Hitachi Construction Machinery"),
    ("Cold planer for city roads", "DEMO-006", "dynamics-365", "qualify", "380000.00", 90, None),
    ("Articulated haulers", "DEMO-002", "dynamics-365", "develop", "1250000.00", 50, "Volvo Construction Equipment"),
    ("Service contract renewal", "DEMO-007", "dynamics-365", "propose", "150000.00", 30, None),
    ("Telehandlers for logistics park", "DEMO-001", "dynamics-365", "close", "520000.00", 10, "JCB"),
    ("Generator sets", "DEMO-004", "dynamics-365", "won", "210000.00", -5, None),
]

SUBJECTS = [("Products", None), ("Excavators", "Products"), ("Loaders and dozers", "Products"), ("Services", None)]
LITERATURE = [
    ("Excavator range brochure 2025", "Excavators", "brochure", 365, None),
    ("Dozer specification sheet D8/D9", "Loaders and dozers", "spec_sheet", 200, None),
    ("Service agreement price sheet", "Services", "price_sheet", 90, None),
    ("Komatsu PC200 versus our 320: comparison", "Excavators", "competitor_info", 180, "Komatsu"),
]


def _run(set_name, record, action, ctx, **inputs):
    return run_action(set_name, record.pk, action, ctx, inputs)


def _move_to(opportunity, target, ctx):
    """Tick the criteria on the way and set the stage (or close as won/lost) like a salesperson would."""
    from rapport.sales.models import SalesStage, StageCriterion

    if target in {"won", "lost", "no_deal"}:
        if target == "won":
            _run("opportunities", opportunity, "win", ctx)
        else:
            _run("opportunities", opportunity, "lose", ctx, status_reason="out_sold" if target == "lost" else "no_deal")
        return
    stage = SalesStage.objects.get(sales_process_id=opportunity.sales_process_id, code=target)
    for criterion in StageCriterion.objects.filter(stage__sales_process_id=opportunity.sales_process_id,
                                                   stage__sequence__lt=stage.sequence):
        _run("opportunities", opportunity, "check-criterion", ctx, criterion=str(criterion.pk))
    if opportunity.stage != target:
        _run("opportunities", opportunity, "set-stage", ctx, stage=target)


def load_sales_demo(ctx) -> dict:
    """Create the sales demo records that are missing; return how many of each were added."""
    from rapport.customers.models import Account
    from rapport.sales.models import Competitor, Lead, Opportunity, SalesLiterature, SalesProcess, Subject
    from rapport.sales.processes import ensure_shipped_processes

    ensure_shipped_processes()
    created = {"competitors": 0, "leads": 0, "opportunities": 0, "literature": 0}
    today = dt.date.today()
    competitors = {c.name: c for c in Competitor.objects.filter(name__in=[row[0] for row in COMPETITORS])}
    for name, ticker, product, website, strengths, weaknesses, opportunities, threats in COMPETITORS:
        if name not in competitors:
            competitors[name] = create_record(get_entity("competitors"), {
                "name": name, "ticker_symbol": ticker, "key_product": product, "website": website, "strengths": strengths,
                "weaknesses": weaknesses, "opportunities": opportunities, "threats": threats,
                "overview": f"{name}: heavy equipment maker competing in our territories."}, ctx).record
            created["competitors"] += 1

    existing = set(Lead.objects.filter(email__in=[row[6] for row in LEADS]).values_list("email", flat=True))
    for index, (first, last, company, topic, source, rating, email, phone, referred_by, city, country) in enumerate(LEADS):
        if email in existing:
            continue
        lead = create_record(get_entity("leads"), {
            "first_name": first, "last_name": last, "company_name": company, "topic": topic, "lead_source": source,
            "rating": rating, "email": email, "phone": phone, "referred_by": referred_by, "city": city,
            "country": country}, ctx).record
        created["leads"] += 1
        outcome = LEAD_OUTCOMES.get(index)
        if outcome == "qualify":
            _run("leads", lead, "qualify", ctx)
        elif outcome:
            _run("leads", lead, outcome[0], ctx, status_reason=outcome[1])

    accounts = {a.account_number: a for a in Account.objects.filter(account_number__startswith="DEMO-")}
    processes = {p.code: p for p in SalesProcess.objects.all()}
    have = set(Opportunity.objects.filter(topic__in=[row[0] for row in OPPORTUNITIES]).values_list("topic", flat=True))
    for topic, number, process, target, revenue, days, rival in OPPORTUNITIES:
        if topic in have or number not in accounts or process not in processes:
            continue
        opportunity = create_record(get_entity("opportunities"), {
            "topic": topic, "customer": str(accounts[number].pk), "sales_process": str(processes[process].pk),
            "estimated_revenue": revenue, "estimated_close_date": (today + dt.timedelta(days=days)).isoformat(),
            "purchase_timeframe": "this_quarter" if days < 90 else "this_year"}, ctx).record
        if rival:
            create_record(get_entity("opportunity-competitors"), {
                "opportunity": str(opportunity.pk), "competitor": str(competitors[rival].pk)}, ctx)
        create_record(get_entity("opportunity-products"), {
            "opportunity": str(opportunity.pk), "product_name": topic.split(" for ")[0][:200], "quantity": "1",
            "price_per_unit": revenue}, ctx)
        opportunity.refresh_from_db()
        _move_to(opportunity, target, ctx)
        created["opportunities"] += 1

    subjects = {s.name: s for s in Subject.objects.filter(name__in=[row[0] for row in SUBJECTS])}
    for name, parent in SUBJECTS:
        if name not in subjects:
            data = {"name": name}
            if parent:
                data["parent"] = str(subjects[parent].pk)
            subjects[name] = create_record(get_entity("subjects"), data, ctx).record
    titles = set(SalesLiterature.objects.filter(title__in=[row[0] for row in LITERATURE]).values_list("title", flat=True))
    for title, subject, kind, days, rival in LITERATURE:
        if title in titles:
            continue
        data = {"title": title, "subject": str(subjects[subject].pk), "literature_type": kind,
                "expires_on": (today + dt.timedelta(days=days)).isoformat(), "description": title}
        if rival:
            data["competitor"] = str(competitors[rival].pk)
        literature = create_record(get_entity("sales-literature"), data, ctx).record
        create_record(get_entity("notes"), {"regarding": {"entity": "sales-literature", "id": str(literature.pk)},
                                            "title": title, "text": "The document is attached to this note."}, ctx)
        created["literature"] += 1
    return created
