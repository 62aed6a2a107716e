"""Sales reports (SAL-16): pipeline funnel, forecast by month, win rates, lead conversion and
disqualification reasons. Every figure is one aggregate query over the record filter
(``for_user(user, "read")``), so a salesperson's report counts only what they may read, and each
row carries the query-language filter of the records behind it (drill-down to the list).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils.translation import gettext as _

from rapport.sales.processes import label, stages_of

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass
class ReportFilter:
    """The filters every report takes: owner, business unit, period (inclusive dates)."""

    owner: str | None = None
    business_unit: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    process: object = None

    def opportunity_q(self, date_field: str) -> Q:
        q = Q()
        if self.owner:
            q &= Q(owner_user_id=self.owner)
        if self.business_unit:
            q &= Q(owning_business_unit_id=self.business_unit)
        if self.start:
            q &= Q(**{f"{date_field}__gte": self.start})
        if self.end:
            q &= Q(**{f"{date_field}__lte": self.end})
        return q

    def conditions(self, date_field: str) -> list[dict]:
        """The same filter in the query language (for drill-down links)."""
        conditions = []
        if self.owner:
            conditions.append({"field": "owner", "op": "eq", "value": str(self.owner)})
        if self.business_unit:
            conditions.append({"field": "owning_business_unit", "op": "eq", "value": str(self.business_unit)})
        if self.start and self.end:
            conditions.append({"field": date_field, "op": "between", "value": [self.start.isoformat(), self.end.isoformat()]})
        elif self.start:
            conditions.append({"field": date_field, "op": "ge", "value": self.start.isoformat()})
        elif self.end:
            conditions.append({"field": date_field, "op": "le", "value": self.end.isoformat()})
        return conditions


def list_url(set_name: str, conditions: list[dict]) -> str:
    """The list page of ``set_name`` narrowed to ``conditions`` (every record, not only mine)."""
    return f"/{set_name}/?" + urlencode({"view": "all", "filter": json.dumps({"and": conditions}, separators=(",", ":"))})


def _money(value) -> Decimal:
    return (Decimal(value) if value is not None else ZERO).quantize(CENT)


def _weighted_sum():
    return Sum(ExpressionWrapper(F("estimated_revenue") * F("probability"), output_field=DecimalField(max_digits=24, decimal_places=2)))


def _percent(part, whole) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class Row:
    label: str
    count: int = 0
    estimated: Decimal = ZERO
    weighted: Decimal = ZERO
    url: str = ""
    extra: dict = field(default_factory=dict)
    bar: float = 0.0  # share of the largest row, for the chart (0–100)


def _bars(rows: list[Row], key) -> None:
    largest = max((key(r) for r in rows), default=0) or 0
    for row in rows:
        row.bar = round(100.0 * float(key(row)) / float(largest), 1) if largest else 0.0


def pipeline_funnel(user, filters: ReportFilter) -> dict:
    """Open opportunities of a process by stage: count, estimated and weighted revenue."""
    from rapport.sales.models import Opportunity

    process = filters.process
    rows_by_stage = {
        item["stage"]: item
        for item in Opportunity.objects.for_user(user, "read")
        .filter(filters.opportunity_q("estimated_close_date"), state="open", sales_process=process)
        .values("stage").annotate(count=Count("id"), estimated=Sum("estimated_revenue"), weighted=_weighted_sum())
        .order_by()
    }
    base = [{"field": "state", "op": "eq", "value": "open"},
            {"field": "sales_process", "op": "eq", "value": str(process.pk)}, *filters.conditions("estimated_close_date")]
    rows = []
    for stage in stages_of(process.pk):
        if stage.outcome != "open":
            continue
        item = rows_by_stage.get(stage.code, {})
        rows.append(Row(label=label(stage.name), count=item.get("count", 0), estimated=_money(item.get("estimated")),
                        weighted=_money((item.get("weighted") or 0) / Decimal(100)),
                        url=list_url("opportunities", [*base, {"field": "stage", "op": "eq", "value": stage.code}]),
                        extra={"code": stage.code, "probability": stage.probability}))
    _bars(rows, lambda r: r.count)
    totals = Row(label=_("Total"), count=sum(r.count for r in rows), estimated=sum((r.estimated for r in rows), ZERO),
                 weighted=sum((r.weighted for r in rows), ZERO), url=list_url("opportunities", base))
    return {"rows": rows, "totals": totals}


def _month(field: str):
    """The month of a date field, grouped natively: SQLite keeps dates as ISO text, so its first seven
    characters are the month (``TruncMonth`` would call a Python function for every row)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return Substr(field, 1, 7)
    return TruncMonth(field)


def forecast_by_month(user, filters: ReportFilter) -> dict:
    """Open opportunities by month of estimated close: count, estimated and weighted revenue."""
    from rapport.sales.models import Opportunity

    items = (Opportunity.objects.for_user(user, "read")
             .filter(filters.opportunity_q("estimated_close_date"), state="open", estimated_close_date__isnull=False)
             .annotate(month=_month("estimated_close_date")).values("month")
             .annotate(count=Count("id"), estimated=Sum("estimated_revenue"), weighted=_weighted_sum()).order_by("month"))
    rows = []
    for item in items:
        month = item["month"]
        if isinstance(month, str):  # SQLite: "YYYY-MM"
            month = dt.date(int(month[:4]), int(month[5:7]), 1)
        month = month.date() if isinstance(month, dt.datetime) else month
        last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        conditions = [{"field": "state", "op": "eq", "value": "open"}, *_without_period(filters.conditions("estimated_close_date")),
                      {"field": "estimated_close_date", "op": "between", "value": [month.isoformat(), last.isoformat()]}]
        rows.append(Row(label=month.strftime("%Y-%m"), count=item["count"], estimated=_money(item["estimated"]),
                        weighted=_money((item["weighted"] or 0) / Decimal(100)), url=list_url("opportunities", conditions)))
    _bars(rows, lambda r: r.estimated)
    totals = Row(label=_("Total"), count=sum(r.count for r in rows), estimated=sum((r.estimated for r in rows), ZERO),
                 weighted=sum((r.weighted for r in rows), ZERO))
    return {"rows": rows, "totals": totals}


def _without_period(conditions: list[dict]) -> list[dict]:
    return [c for c in conditions if c["field"] not in {"estimated_close_date", "actual_close_date", "created_on"}]


def win_rates(user, filters: ReportFilter) -> dict:
    """WESTRAC KPIs over opportunities closed in the period (by actual close date).

    * win rate — won ÷ closed (won + lost);
    * participation rate — deals decided between us and a competitor (won, lost, out-sold) ÷ closed;
      the rest (no deal, cancelled) ended without anyone selling;
    * close rate — won ÷ opportunities expected to close in the period (estimated close date);
    * funnel ratio — open pipeline (estimated revenue) ÷ won revenue in the period.
    """
    from rapport.sales.models import Opportunity

    readable = Opportunity.objects.for_user(user, "read")
    closed = readable.filter(filters.opportunity_q("actual_close_date"), state__in=["won", "lost"]).aggregate(
        won=Count("id", filter=Q(state="won")), lost=Count("id", filter=Q(state="lost")),
        decided=Count("id", filter=Q(state="won") | Q(state="lost", status_reason__in=["lost", "out_sold"])),
        won_revenue=Sum("actual_revenue", filter=Q(state="won")))
    expected = readable.filter(filters.opportunity_q("estimated_close_date")).aggregate(
        total=Count("id"), won=Count("id", filter=Q(state="won")))
    pipeline = readable.filter(filters.opportunity_q("estimated_close_date"), state="open").aggregate(
        estimated=Sum("estimated_revenue"))
    won, lost = closed["won"], closed["lost"]
    won_revenue = _money(closed["won_revenue"])
    pipeline_revenue = _money(pipeline["estimated"])
    base = filters.conditions("actual_close_date")
    return {
        "won": won, "lost": lost, "closed": won + lost, "won_revenue": won_revenue, "pipeline_revenue": pipeline_revenue,
        "win_rate": _percent(won, won + lost),
        "participation_rate": _percent(closed["decided"], won + lost),
        "close_rate": _percent(expected["won"], expected["total"]),
        "expected": expected["total"],
        "funnel_ratio": round(float(pipeline_revenue / won_revenue), 2) if won_revenue else None,
        "won_url": list_url("opportunities", [{"field": "state", "op": "eq", "value": "won"}, *base]),
        "lost_url": list_url("opportunities", [{"field": "state", "op": "eq", "value": "lost"}, *base]),
        "by_competitor": by_competitor(user, filters),
    }


def by_competitor(user, filters: ReportFilter) -> list[Row]:
    """Closed opportunities per competitor they listed: won against it and lost (to anyone)."""
    from rapport.sales.models import Competitor, OpportunityCompetitor

    readable = OpportunityCompetitor.objects.for_user(user, "read").filter(
        opportunity__in=_closed_ids(user, filters))
    items = readable.values("competitor_id").annotate(
        won=Count("id", filter=Q(opportunity__state="won")), lost=Count("id", filter=Q(opportunity__state="lost"))).order_by()
    names = dict(Competitor.objects.for_user(user, "read").filter(pk__in=[i["competitor_id"] for i in items])
                 .values_list("pk", "name"))
    rows = [Row(label=names.get(i["competitor_id"], ""), count=i["won"] + i["lost"], url=f"/competitors/{i['competitor_id']}/",
                extra={"won": i["won"], "lost": i["lost"], "win_rate": _percent(i["won"], i["won"] + i["lost"])})
            for i in items if i["competitor_id"] in names]
    rows.sort(key=lambda r: (-r.count, r.label))
    return rows


def _closed_ids(user, filters):
    from rapport.sales.models import Opportunity

    return Opportunity.objects.for_user(user, "read").filter(
        filters.opportunity_q("actual_close_date"), state__in=["won", "lost"]).values("pk")


def _lead_q(filters: ReportFilter) -> Q:
    q = Q()
    if filters.owner:
        q &= Q(owner_user_id=filters.owner)
    if filters.business_unit:
        q &= Q(owning_business_unit_id=filters.business_unit)
    if filters.start:
        q &= Q(created_on__date__gte=filters.start)
    if filters.end:
        q &= Q(created_on__date__lte=filters.end)
    return q


def _lead_conditions(filters: ReportFilter) -> list[dict]:
    conditions = _without_period(filters.conditions("created_on"))
    if filters.start and filters.end:
        conditions.append({"field": "created_on", "op": "between", "value": [filters.start.isoformat(), filters.end.isoformat()]})
    elif filters.start:
        conditions.append({"field": "created_on", "op": "ge", "value": filters.start.isoformat()})
    elif filters.end:
        conditions.append({"field": "created_on", "op": "le", "value": filters.end.isoformat()})
    return conditions


def lead_conversion(user, filters: ReportFilter) -> dict:
    """Leads created in the period by source and by owner: how many were qualified (conversion rate)."""
    from rapport.sales.models import Lead
    from rapport.security.models import User

    spec_source = Lead._meta.get_field("lead_source")
    source_labels = dict(spec_source.flatchoices)
    readable = Lead.objects.for_user(user, "read").filter(_lead_q(filters))
    # distinct: the revenue joins each lead's opportunities, which must not multiply the counts
    counts = {"total": Count("id", distinct=True), "qualified": Count("id", distinct=True, filter=Q(state="qualified")),
              "disqualified": Count("id", distinct=True, filter=Q(state="disqualified")),
              "revenue": Sum("opportunities__actual_revenue", filter=Q(opportunities__state="won"))}
    base = _lead_conditions(filters)

    def rows_for(items, key, name_of, condition_of):
        rows = []
        for item in items:
            rows.append(Row(label=name_of(item[key]), count=item["total"], url=list_url("leads", [*base, *condition_of(item[key])]),
                            extra={"qualified": item["qualified"], "disqualified": item["disqualified"],
                                   "open": item["total"] - item["qualified"] - item["disqualified"],
                                   "rate": _percent(item["qualified"], item["total"]),
                                   "revenue": _money(item["revenue"]),
                                   "revenue_per_qualified": _money(item["revenue"] / item["qualified"])
                                   if item["qualified"] and item["revenue"] else ZERO}))
        rows.sort(key=lambda r: (-r.count, r.label))
        _bars(rows, lambda r: r.count)
        return rows

    by_source = rows_for(readable.values("lead_source").annotate(**counts).order_by(), "lead_source",
                         lambda code: str(source_labels.get(code, "")) or _("(no source)"),
                         lambda code: [{"field": "lead_source", "op": "eq", "value": code}] if code
                         else [{"field": "lead_source", "op": "null"}])
    by_owner_items = list(readable.values("owner_user_id").annotate(**counts).order_by())
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=[i["owner_user_id"] for i in by_owner_items if i["owner_user_id"]])}
    by_owner = rows_for(by_owner_items, "owner_user_id", lambda pk: names.get(pk, _("(a team)")),
                        lambda pk: [{"field": "owner", "op": "eq", "value": str(pk)}] if pk else [])
    total = readable.aggregate(**{k: v for k, v in counts.items() if k != "revenue"})
    return {"by_source": by_source, "by_owner": by_owner, "total": total["total"], "qualified": total["qualified"],
            "rate": _percent(total["qualified"], total["total"])}


def disqualification_reasons(user, filters: ReportFilter) -> dict:
    """Disqualified leads (created in the period) by reason."""
    from rapport.core.entities import get_entity
    from rapport.sales.models import Lead

    spec = get_entity("leads")
    items = (Lead.objects.for_user(user, "read").filter(_lead_q(filters), state="disqualified")
             .values("status_reason").annotate(count=Count("id")).order_by("-count", "status_reason"))
    base = [{"field": "state", "op": "eq", "value": "disqualified"}, *_lead_conditions(filters)]
    rows = [Row(label=spec.status_reason_label(i["status_reason"]) or _("(no reason)"), count=i["count"],
                url=list_url("leads", [*base, {"field": "status_reason", "op": "eq", "value": i["status_reason"]}]))
            for i in items]
    _bars(rows, lambda r: r.count)
    total = sum(r.count for r in rows)
    for row in rows:
        row.extra["share"] = _percent(row.count, total)
    return {"rows": rows, "total": total}
