"""The demo organisation, loaded idempotently by ``rapport demo`` (a second run adds nothing).

A multilingual customer base: Chinese in both scripts (mainland, Taiwan, Hong Kong), Russian,
Hungarian and English companies and people; groups with branches (up to three levels); contacts at
most accounts; notes on some records. Everything is generated from a fixed seed, so every run
describes the same organisation, and only what is missing is created — accounts are matched by
account number, contacts by e-mail, notes by record and title.

Records are written through the actions, like any other write, so they carry audit history and
outbox events. Later issues add users and roles, leads, opportunities and activities.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from rapport.core.actions.base import ActionContext
from rapport.core.actions.crud import create_record
from rapport.core.entities import get_entity
from rapport.security.actions import create_user
from rapport.security.models import User

SEED = 20240611

ACCOUNTS = [
    # (account number, name, city, country, phone, industry, parent number)
    ("DEMO-001", "北京华为科技有限公司", "北京", "China", "+86 10 8888 1234", "technology", None),
    ("DEMO-002", "辽宁重型机械集团有限公司", "沈阳", "China", "+86 24 2345 6789", "manufacturing", None),
    ("DEMO-003", "辽宁重型机械集团大连分公司", "大连", "China", "+86 411 8765 4321", "manufacturing", "DEMO-002"),
    ("DEMO-004", "臺北精密機械股份有限公司", "臺北", "Taiwan", "+886 2 2345 6789", "manufacturing", None),
    ("DEMO-005", "ООО «Сибирская горная компания»", "Новосибирск", "Russia", "+7 383 123 45 67", "mining", None),
    ("DEMO-006", "Győri Építőipari Kft.", "Győr", "Hungary", "+36 96 123 456", "construction", None),
    ("DEMO-007", "Northwind Traders Ltd", "London", "United Kingdom", "+44 20 7946 0000", "wholesale", None),
]
CONTACTS = [
    # (first, last, account number, job title, email)
    ("伟", "张", "DEMO-001", "采购经理", "zhang.wei@example.cn"),
    ("芳", "李", "DEMO-002", "总经理", "li.fang@example.cn"),
    ("強", "王", "DEMO-004", "業務經理", "wang.qiang@example.tw"),
    ("Иван", "Петров", "DEMO-005", "Главный инженер", "i.petrov@example.ru"),
    ("Zoltán", "Kovács", "DEMO-006", "Ügyvezető", "kovacs.zoltan@example.hu"),
    ("Margaret", "Peacock", "DEMO-007", "Purchasing Manager", "m.peacock@example.co.uk"),
]


# --- the generated part -----------------------------------------------------------------------


@dataclass
class AccountPlan:
    number: str
    data: dict
    parent: str | None = None
    culture: str = "en"
    domain: str = ""
    contacts: list[dict] = field(default_factory=list)


# Cultures: cities (name, latin, phone prefix, postal code), name parts, titles, currency.
CULTURES = {
    "zh-hans": {
        "country": "China", "currency": "CNY", "tld": "cn",
        "cities": [("上海", "shanghai", "+86 21", "200000"), ("深圳", "shenzhen", "+86 755", "518000"),
                   ("杭州", "hangzhou", "+86 571", "310000"), ("南京", "nanjing", "+86 25", "210000"),
                   ("武汉", "wuhan", "+86 27", "430000"), ("成都", "chengdu", "+86 28", "610000"),
                   ("西安", "xian", "+86 29", "710000"), ("天津", "tianjin", "+86 22", "300000"),
                   ("苏州", "suzhou", "+86 512", "215000"), ("广州", "guangzhou", "+86 20", "510000")],
        "brands": [("长江", "changjiang"), ("东方", "dongfang"), ("金桥", "jinqiao"), ("恒信", "hengxin"),
                   ("远航", "yuanhang"), ("新纪元", "xinjiyuan"), ("宏达", "hongda"), ("中联", "zhonglian"),
                   ("瑞丰", "ruifeng"), ("天诚", "tiancheng"), ("海川", "haichuan"), ("嘉禾", "jiahe")],
        "trades": [("科技", "technology"), ("贸易", "wholesale"), ("物流", "logistics"), ("电子", "technology"),
                   ("建设", "construction"), ("食品", "retail"), ("医药", "healthcare"), ("能源", "energy")],
        "suffix": "有限公司",
        "streets": ["建国路", "人民路", "解放大道", "中山路", "科技园路"],
        "surnames": [("张", "zhang"), ("王", "wang"), ("李", "li"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
                     ("黄", "huang"), ("赵", "zhao"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun")],
        "given": [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("磊", "lei"),
                  ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("婷", "ting"), ("建国", "jianguo"),
                  ("晓明", "xiaoming"), ("丽华", "lihua")],
        "titles": ["总经理", "采购经理", "销售总监", "财务主管", "技术经理", "行政助理", "项目经理"],
    },
    "zh-hant": {
        "country": "Taiwan", "currency": "TWD", "tld": "tw",
        "cities": [("臺北", "taipei", "+886 2", "100"), ("新竹", "hsinchu", "+886 3", "300"),
                   ("臺中", "taichung", "+886 4", "400"), ("高雄", "kaohsiung", "+886 7", "800"),
                   ("桃園", "taoyuan", "+886 3", "330")],
        "brands": [("聯發", "lianfa"), ("宏遠", "hongyuan"), ("華碩", "huashuo"), ("永豐", "yongfeng"),
                   ("台光", "taiguang"), ("國泰", "guotai"), ("寶成", "baocheng"), ("東元", "dongyuan")],
        "trades": [("科技", "technology"), ("貿易", "wholesale"), ("電子", "technology"), ("實業", "manufacturing"),
                   ("精密機械", "manufacturing"), ("物流", "logistics")],
        "suffix": "股份有限公司",
        "streets": ["忠孝東路", "中正路", "民生東路", "中山北路"],
        "surnames": [("陳", "chen"), ("林", "lin"), ("黃", "huang"), ("張", "chang"), ("李", "lee"), ("王", "wang"),
                     ("吳", "wu"), ("劉", "liu"), ("蔡", "tsai"), ("楊", "yang")],
        "given": [("志明", "chih-ming"), ("淑芬", "shu-fen"), ("家豪", "chia-hao"), ("雅婷", "ya-ting"),
                  ("俊傑", "chun-chieh"), ("怡君", "yi-chun"), ("建宏", "chien-hung"), ("美玲", "mei-ling")],
        "titles": ["總經理", "業務經理", "採購專員", "財務長", "技術主管", "專案經理"],
    },
    "zh-hk": {
        "country": "Hong Kong", "currency": "HKD", "tld": "hk",
        "cities": [("香港", "hongkong", "+852", ""), ("九龍", "kowloon", "+852", "")],
        "brands": [("恒昌", "hangcheong"), ("利豐", "leifung"), ("永安", "wingon"), ("大昌", "taicheong")],
        "trades": [("貿易", "wholesale"), ("物流", "logistics"), ("地產", "real_estate"), ("金融", "finance")],
        "suffix": "有限公司",
        "streets": ["皇后大道中", "彌敦道", "德輔道中"],
        "surnames": [("陳", "chan"), ("李", "lee"), ("張", "cheung"), ("黃", "wong"), ("何", "ho"), ("梁", "leung")],
        "given": [("嘉欣", "ka-yan"), ("志偉", "chi-wai"), ("詠詩", "wing-sze"), ("家樂", "ka-lok")],
        "titles": ["董事總經理", "營運經理", "採購經理", "會計主任"],
    },
    "ru": {
        "country": "Russia", "currency": "RUB", "tld": "ru",
        "cities": [("Москва", "moskva", "+7 495", "101000"), ("Санкт-Петербург", "spb", "+7 812", "190000"),
                   ("Екатеринбург", "ekb", "+7 343", "620000"), ("Казань", "kazan", "+7 843", "420000"),
                   ("Новосибирск", "nsk", "+7 383", "630000"), ("Самара", "samara", "+7 846", "443000"),
                   ("Нижний Новгород", "nnov", "+7 831", "603000")],
        "brands": [("Северная", "severnaya"), ("Волжская", "volzhskaya"), ("Уральская", "uralskaya"),
                   ("Балтийская", "baltiyskaya"), ("Сибирская", "sibirskaya"), ("Восточная", "vostochnaya"),
                   ("Центральная", "centralnaya")],
        "trades": [("логистика", "logistics"), ("торговая компания", "wholesale"), ("строительная компания", "construction"),
                   ("энергетика", "energy"), ("агрофирма", "agriculture"), ("металлургия", "manufacturing"),
                   ("IT-группа", "technology")],
        "forms": ["ООО", "АО", "ПАО"],
        "streets": ["ул. Ленина", "пр. Мира", "ул. Гагарина", "Невский пр.", "ул. Садовая"],
        "male": [("Александр", "aleksandr"), ("Дмитрий", "dmitry"), ("Сергей", "sergey"), ("Андрей", "andrey"),
                 ("Михаил", "mikhail"), ("Алексей", "aleksey")],
        "female": [("Ольга", "olga"), ("Елена", "elena"), ("Наталья", "natalya"), ("Татьяна", "tatyana"),
                   ("Анна", "anna"), ("Мария", "maria")],
        "surnames": [("Иванов", "ivanov"), ("Смирнов", "smirnov"), ("Кузнецов", "kuznetsov"), ("Попов", "popov"),
                     ("Соколов", "sokolov"), ("Лебедев", "lebedev"), ("Козлов", "kozlov"), ("Новиков", "novikov")],
        "titles": ["Генеральный директор", "Коммерческий директор", "Менеджер по закупкам", "Главный бухгалтер",
                   "Руководитель отдела продаж", "Инженер"],
    },
    "hu": {
        "country": "Hungary", "currency": "HUF", "tld": "hu",
        "cities": [("Budapest", "budapest", "+36 1", "1051"), ("Debrecen", "debrecen", "+36 52", "4024"),
                   ("Szeged", "szeged", "+36 62", "6720"), ("Pécs", "pecs", "+36 72", "7621"),
                   ("Győr", "gyor", "+36 96", "9021"), ("Miskolc", "miskolc", "+36 46", "3525"),
                   ("Székesfehérvár", "szekesfehervar", "+36 22", "8000")],
        "adjectives": {"Budapest": "Budapesti", "Debrecen": "Debreceni", "Szeged": "Szegedi", "Pécs": "Pécsi",
                       "Győr": "Győri", "Miskolc": "Miskolci", "Székesfehérvár": "Székesfehérvári"},
        "trades": [("Logisztikai", "logistics"), ("Élelmiszer", "retail"), ("Gépgyártó", "manufacturing"),
                   ("Informatikai", "technology"), ("Építőipari", "construction"), ("Mezőgazdasági", "agriculture"),
                   ("Energetikai", "energy"), ("Kereskedelmi", "wholesale")],
        "forms": ["Kft.", "Zrt.", "Bt."],
        "streets": ["Fő utca", "Kossuth Lajos utca", "Petőfi Sándor utca", "Rákóczi út", "Andrássy út"],
        "surnames": ["Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh", "Farkas"],
        "given": ["László", "István", "József", "Gábor", "Zsuzsanna", "Katalin", "Éva", "Ágnes", "Péter", "Erzsébet"],
        "titles": ["Ügyvezető igazgató", "Beszerzési vezető", "Értékesítési vezető", "Pénzügyi vezető",
                   "Projektmenedzser", "Irodavezető"],
    },
    "en": {
        "country": "United Kingdom", "currency": "GBP", "tld": "co.uk",
        "cities": [("London", "london", "+44 20", "EC1A 1BB"), ("Manchester", "manchester", "+44 161", "M1 1AE"),
                   ("Edinburgh", "edinburgh", "+44 131", "EH1 1YZ"), ("Bristol", "bristol", "+44 117", "BS1 4DJ"),
                   ("Leeds", "leeds", "+44 113", "LS1 4AP"), ("Dublin", "dublin", "+353 1", "D02 X285")],
        "brands": ["Ashford", "Blackwood", "Carrington", "Davenport", "Elmsworth", "Fairfax", "Greenhill",
                   "Hartley", "Kingsbridge", "Oakridge"],
        "trades": [("Engineering", "manufacturing"), ("Logistics", "logistics"), ("Software", "technology"),
                   ("Foods", "retail"), ("Energy", "energy"), ("Consulting", "consulting"), ("Trading", "wholesale")],
        "forms": ["Ltd", "plc", "LLP"],
        "streets": ["High Street", "Station Road", "Church Lane", "King Street", "Victoria Road"],
        "given": ["Oliver", "Amelia", "George", "Isla", "Harry", "Emily", "Jack", "Sophie", "Thomas", "Grace"],
        "surnames": ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomson", "Walker", "Wright"],
        "titles": ["Managing Director", "Purchasing Manager", "Head of Sales", "Finance Director", "Operations Manager",
                   "Office Manager"],
    },
}

# Groups with branches: (culture, group name, city index, industry, [(branch name, city index, [sub-branches])]).
GROUPS = [
    ("zh-hans", "华联商业集团有限公司", "hualian", 0, "retail", [
        ("华联商业集团华东区域有限公司", 0, [("华联商业集团杭州分公司", 2), ("华联商业集团南京分公司", 3),
                                  ("华联商业集团苏州分公司", 8)]),
        ("华联商业集团华南区域有限公司", 9, [("华联商业集团深圳分公司", 1)]),
        ("华联商业集团成都分公司", 5, []),
        ("华联商业集团武汉分公司", 4, []),
    ]),
    ("zh-hant", "台灣聯合電子股份有限公司", "tuec", 0, "technology", [
        ("台灣聯合電子新竹分公司", 1, []), ("台灣聯合電子臺中分公司", 2, []), ("台灣聯合電子高雄分公司", 3, []),
    ]),
    ("ru", "АО «Уральская металлургическая компания»", "umk", 2, "manufacturing", [
        ("Филиал АО «УМК» в Москве", 0, []), ("Филиал АО «УМК» в Казани", 3, []),
        ("Филиал АО «УМК» в Самаре", 5, []),
    ]),
    ("hu", "Magyar Agrár Holding Zrt.", "magyaragrar", 0, "agriculture", [
        ("Magyar Agrár Holding Debreceni Telephely", 1, []), ("Magyar Agrár Holding Szegedi Telephely", 2, []),
        ("Magyar Agrár Holding Pécsi Telephely", 3, []),
    ]),
    ("en", "Northwind Group plc", "northwindgroup", 0, "wholesale", [
        ("Northwind Group Manchester", 1, []), ("Northwind Group Edinburgh", 2, []), ("Northwind Group Dublin", 5, []),
    ]),
]
STANDALONE = {"zh-hans": 20, "zh-hant": 10, "zh-hk": 5, "ru": 14, "hu": 12, "en": 12}
RELATIONSHIPS = ["customer", "customer", "customer", "prospect", "prospect", "partner", "supplier", "reseller"]

NOTES = {
    "zh-hans": [("首次拜访", "与采购部门会面，介绍了我们的产品线。对方对价格比较敏感，下个季度再跟进。"),
                ("合同续签", "客户希望续签三年合同，要求增加售后服务条款。"),
                ("年度预算", "对方财务确认明年的IT预算增加百分之十五。")],
    "zh-hant": [("拜訪紀錄", "與業務經理討論新產品的導入時程，對方希望先試用一個月。"),
                ("報價追蹤", "已寄出正式報價，客戶表示下週回覆。")],
    "zh-hk": [("會議摘要", "客戶計劃擴展至大灣區，需要物流方案報價。")],
    "ru": [("Первая встреча", "Встретились с отделом закупок. Интерес к поставкам во втором квартале."),
           ("Переговоры о цене", "Клиент просит скидку 7% при годовом контракте. Согласовать с руководством."),
           ("Отзыв о сервисе", "Довольны скоростью доставки, жалоб на качество нет.")],
    "hu": [("Első megbeszélés", "Bemutattuk a termékeinket a beszerzési vezetőnek. Árajánlatot kértek."),
           ("Szerződés", "A szerződés tervezetét elküldtük, a jogi osztály véleményezi."),
           ("Elégedettség", "Az ügyfél elégedett a szállítási határidőkkel.")],
    "en": [("Kick-off meeting", "Met the purchasing team; they want a proposal for the spring range."),
           ("Renewal", "Contract renewal due in Q3. Champion is supportive, finance wants better terms."),
           ("Service review", "Quarterly review went well; two open tickets, both minor.")],
}


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch in "-.")


def _phone(rng: random.Random, prefix: str) -> str:
    return f"{prefix} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"


def _address(rng: random.Random, culture: str) -> str:
    street = rng.choice(CULTURES[culture]["streets"])
    number = rng.randint(1, 188)
    if culture.startswith("zh"):
        return f"{street}{number}号" if culture == "zh-hans" else f"{street}{number}號"
    if culture == "ru":
        return f"{street}, д. {number}"
    if culture == "hu":
        return f"{street} {number}."
    return f"{number} {street}"


def _standalone_name(rng: random.Random, culture: str, city: tuple) -> tuple[str, str, str]:
    """(company name, latin slug for its web domain, industry)."""
    c = CULTURES[culture]
    if culture.startswith("zh"):
        brand, brand_latin = rng.choice(c["brands"])
        trade, industry = rng.choice(c["trades"])
        return f"{city[0]}{brand}{trade}{c['suffix']}", f"{brand_latin}-{city[1]}", industry
    if culture == "ru":
        adjective, latin = rng.choice(c["brands"])
        trade, industry = rng.choice(c["trades"])
        return f"{rng.choice(c['forms'])} «{adjective} {trade}»", f"{latin}-{city[1]}", industry
    if culture == "hu":
        trade, industry = rng.choice(c["trades"])
        return f"{c['adjectives'][city[0]]} {trade} {rng.choice(c['forms'])}", _ascii(f"{city[0]}-{trade}"), industry
    brand = rng.choice(c["brands"])
    trade, industry = rng.choice(c["trades"])
    return f"{brand} {trade} {rng.choice(c['forms'])}", _ascii(f"{brand}-{trade}"), industry


def _person(rng: random.Random, culture: str) -> tuple[str, str, str, str]:
    """(first name, last name, e-mail local part, salutation)."""
    c = CULTURES[culture]
    if culture.startswith("zh"):
        (last, last_latin), (first, first_latin) = rng.choice(c["surnames"]), rng.choice(c["given"])
        return first, last, f"{last_latin}.{first_latin}", ""
    if culture == "ru":
        female = rng.random() < 0.45
        first, first_latin = rng.choice(c["female" if female else "male"])
        last, last_latin = rng.choice(c["surnames"])
        if female:
            last, last_latin = last + "а", last_latin + "a"
        return first, last, f"{first_latin[0]}.{last_latin}", "ms" if female else "mr"
    first, last = rng.choice(c["given"]), rng.choice(c["surnames"])
    if culture == "hu":
        return first, last, _ascii(f"{last}.{first}"), ""
    return first, last, _ascii(f"{first}.{last}"), rng.choice(["mr", "ms", "dr", ""])


def plan_organisation() -> list[AccountPlan]:
    """The whole generated organisation, the same on every call (fixed seed, fixed order)."""
    rng = random.Random(SEED)
    plans: list[AccountPlan] = []
    counter = iter(range(8, 10_000))

    def account(culture, name, slug, city, industry, parent=None, employees=None) -> AccountPlan:
        c = CULTURES[culture]
        number = f"DEMO-{next(counter):03d}"
        domain = f"{slug}.example.{c['tld']}"
        data = {
            "name": name, "account_number": number, "city": city[0], "country": c["country"],
            "postal_code": city[3], "address_line1": _address(rng, culture), "phone": _phone(rng, city[2]),
            "industry": industry, "relationship_type": rng.choice(RELATIONSHIPS), "website": f"https://www.{domain}",
            "email": f"info@{domain}", "currency": c["currency"],
            "employees": employees or rng.choice([12, 35, 80, 150, 420, 900, 2500]),
            "annual_revenue": str(Decimal(rng.randint(5, 9000)) * 100_000),
        }
        plan = AccountPlan(number, data, parent, culture, domain)
        plans.append(plan)
        return plan

    for culture, name, slug, city_index, industry, branches in GROUPS:
        cities = CULTURES[culture]["cities"]
        group = account(culture, name, slug, cities[city_index], industry, employees=12000)
        group.data["relationship_type"] = "customer"
        for position, (branch_name, branch_city, subs) in enumerate(branches, start=1):
            branch = account(culture, branch_name, f"{slug}-{position}", cities[branch_city], industry, group.number)
            for sub_position, (sub_name, sub_city) in enumerate(subs, start=1):
                account(culture, sub_name, f"{slug}-{position}-{sub_position}", cities[sub_city], industry, branch.number)
    used_names = {p.data["name"] for p in plans} | {a[1] for a in ACCOUNTS}
    for culture, count in STANDALONE.items():
        made = 0
        while made < count:
            city = rng.choice(CULTURES[culture]["cities"])
            name, slug, industry = _standalone_name(rng, culture, city)
            if name in used_names:
                continue
            used_names.add(name)
            account(culture, name, slug, city, industry)
            made += 1

    emails = {c[4] for c in CONTACTS}
    for plan in plans:
        c = CULTURES[plan.culture]
        for _ in range(rng.choice([1, 2, 2, 3, 3, 4])):
            first, last, local, salutation = _person(rng, plan.culture)
            email = f"{local}@{plan.domain}"
            if email in emails:
                continue
            emails.add(email)
            plan.contacts.append({
                "first_name": first, "last_name": last, "salutation": salutation, "job_title": rng.choice(c["titles"]),
                "email": email, "phone": _phone(rng, plan.data["phone"].rsplit(" ", 2)[0]),
                "mobile_phone": _phone(rng, plan.data["phone"].split(" ")[0]),
                "city": plan.data["city"], "country": c["country"],
            })
    return plans


def plan_notes(plans: list[AccountPlan]) -> list[tuple[str, str, str, str]]:
    """(entity, key, title, text): notes on about a third of the accounts and some contacts."""
    rng = random.Random(SEED + 1)
    notes = []
    for plan in plans:
        texts = NOTES["zh-hant" if plan.culture == "zh-hk" and rng.random() < 0.5 else plan.culture]
        if rng.random() < 0.35:
            for title, text in rng.sample(texts, k=min(len(texts), rng.choice([1, 1, 2]))):
                notes.append(("accounts", plan.number, title, text))
        if plan.contacts and rng.random() < 0.2:
            title, text = rng.choice(texts)
            notes.append(("contacts", plan.contacts[0]["email"], title, text))
    return notes


# --- loading ----------------------------------------------------------------------------------


def load_demo(admin_password: str) -> str:
    """Create the administrator and the demo records that are missing; return a summary line."""
    from rapport.core.models import Note

    system = ActionContext(user=None, channel="system")
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = create_user(system, username="admin", password=admin_password, full_name="Administrator",
                            email="admin@example.com", is_superuser=True)
    # The demo's own records are not checked against each other (the shipped warn rules are active).
    ctx = ActionContext(user=admin, channel="system", suppress_duplicate_detection=True)
    accounts_spec, contacts_spec, notes_spec = get_entity("accounts"), get_entity("contacts"), get_entity("notes")
    plans = plan_organisation()
    created = {"accounts": 0, "contacts": 0, "notes": 0}
    with transaction.atomic():
        by_number = {a.account_number: a for a in accounts_spec.model.objects.filter(account_number__startswith="DEMO-")}
        for number, name, city, country, phone, industry, parent in ACCOUNTS:
            if number in by_number:
                continue
            data = {"name": name, "account_number": number, "city": city, "country": country, "phone": phone,
                    "industry": industry, "relationship_type": "customer"}
            if parent:
                data["parent_account"] = str(by_number[parent].pk)
            by_number[number] = create_record(accounts_spec, data, ctx).record
            created["accounts"] += 1
        for plan in plans:  # parents come before their branches
            if plan.number in by_number:
                continue
            data = dict(plan.data)
            if plan.parent:
                data["parent_account"] = str(by_number[plan.parent].pk)
            by_number[plan.number] = create_record(accounts_spec, data, ctx).record
            created["accounts"] += 1

        wanted = [(first, last, number, title, email) for first, last, number, title, email in CONTACTS]
        contact_rows = [({"first_name": f, "last_name": la, "job_title": t, "email": e}, n, e) for f, la, n, t, e in wanted]
        contact_rows += [(contact, plan.number, contact["email"]) for plan in plans for contact in plan.contacts]
        by_email = {c.email: c for c in contacts_spec.model.objects.filter(email__in=[row[2] for row in contact_rows])}
        for data, number, email in contact_rows:
            if email in by_email:
                continue
            by_email[email] = create_record(contacts_spec, {**data, "account": str(by_number[number].pk)}, ctx).record
            created["contacts"] += 1

        notes = plan_notes(plans)
        targets = {("accounts", k): by_number[k].pk for e, k, _t, _x in notes if e == "accounts"}
        targets |= {("contacts", k): by_email[k].pk for e, k, _t, _x in notes if e == "contacts"}
        existing = set(Note.objects.filter(regarding_id__in=set(targets.values())).values_list("regarding_id", "title"))
        for entity, key, title, text in notes:
            record_id = targets[(entity, key)]
            if (record_id, title) in existing:
                continue
            create_record(notes_spec, {"regarding": {"entity": entity, "id": str(record_id)}, "title": title,
                                       "text": text}, ctx)
            existing.add((record_id, title))
            created["notes"] += 1
    from rapport.sales.demo import load_sales_demo

    with transaction.atomic():
        created.update(load_sales_demo(ctx))
    from rapport.activities.demo import load_activities_demo

    created.update(load_activities_demo(ctx))
    from rapport.security.demo import load_security_demo

    created.update(load_security_demo(ctx))
    from rapport.pool.demo import load_pool_demo

    created.update(load_pool_demo(ctx))
    from rapport.duplicates.shipped import ensure_shipped_rules

    with transaction.atomic():
        ensure_shipped_rules(active=True)
    total = sum(created.values())
    return (f"Demo organisation ready ({total} records added: {created['accounts']} accounts, "
            f"{created['contacts']} contacts, {created['notes']} notes).")
