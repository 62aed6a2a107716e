"""Sales pages the generic views cannot draw: the stage bar panel, the competitor panel, the
customer type-ahead (account or contact), the pipeline board and the reports.

Thin adapters (ANCHORS §3.12): parse → access through the record filter → call the action runner
→ render. Every read goes through ``for_user``; every write through ``run_action``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core.actions.base import run_action
from rapport.core.entities import get_entity
from rapport.core.errors import (
    InvalidState,
    NotFound,
    PreconditionFailed,
    RapportError,
    RecordValidationError,
)
from rapport.core.search import quick_find_q
from rapport.core.views.common import holds, refusal_page, safe_next, ui_context
from rapport.sales import reports, rules
from rapport.sales.models import Opportunity, OpportunityCompetitor, SalesProcess
from rapport.sales.processes import default_process, label, stages_of

LOOKUP_ROWS = 10
BOARD_CARDS = 400  # cards drawn per board (the column totals always count everything)


# --- detail panels ---------------------------------------------------------------------------------


def stage_bar_context(request, opportunity) -> dict:
    """The process as a bar of stages, the current stage's exit criteria and what the user may do."""
    spec = get_entity("opportunities")
    stages = stages_of(opportunity.sales_process_id) if opportunity.sales_process_id else []
    current = rules.current_stage(opportunity, stages)
    done = set(opportunity.completed_criteria or [])
    can_write = opportunity.state == "open" and holds(request.user, spec, opportunity, "write")
    items = []
    for stage in stages:
        if stage.outcome != "open" and not (current is not None and stage.pk == current.pk):
            if opportunity.state == "open":
                continue
        items.append({"code": stage.code, "name": label(stage.name), "probability": stage.probability,
                      "current": current is not None and stage.pk == current.pk,
                      "passed": current is not None and stage.sequence < current.sequence,
                      "outcome": stage.outcome})
    criteria = []
    if current is not None:
        criteria = [{"id": str(c.pk), "name": label(c.name), "required": c.is_required, "done": str(c.pk) in done}
                    for c in current.criteria.all().order_by("sequence")]
    days = None
    if opportunity.stage_entered_on:
        days = (dt.datetime.now(dt.UTC) - opportunity.stage_entered_on).days
    return {"stages": items, "current": current, "current_name": label(current.name) if current else "",
            "process_name": label(opportunity.sales_process.name) if opportunity.sales_process_id else "",
            "criteria": criteria, "can_write": can_write, "days_in_stage": days,
            "promote_refusal": rules.can_promote(spec, opportunity, request.user) if can_write else None}


def competitor_panel_context(request, competitor) -> dict:
    """The deals we compete in against ``competitor`` (open) and the ones we lost, with win/loss numbers."""
    user = request.user
    linked = Opportunity.objects.for_user(user, "read").filter(
        pk__in=OpportunityCompetitor.objects.for_user(user, "read").filter(competitor=competitor).values("opportunity_id"))
    numbers = linked.aggregate(open=Count("id", filter=_q(state="open")), won=Count("id", filter=_q(state="won")),
                               lost=Count("id", filter=_q(state="lost")), lost_revenue=Sum("estimated_revenue", filter=_q(state="lost")))
    columns = ("pk", "topic", "estimated_revenue", "currency", "estimated_close_date", "actual_close_date", "status_reason")
    open_deals = list(linked.filter(state="open").order_by("estimated_close_date", "pk").values(*columns)[:20])
    lost_deals = list(linked.filter(state="lost").order_by("-actual_close_date", "pk").values(*columns)[:20])
    spec = get_entity("opportunities")
    for deal in lost_deals:
        deal["reason"] = spec.status_reason_label(deal["status_reason"])
    closed = numbers["won"] + numbers["lost"]
    return {"open_deals": open_deals, "lost_deals": lost_deals, "numbers": numbers,
            "win_rate": round(100.0 * numbers["won"] / closed, 1) if closed else None}


def _q(**kwargs):
    from django.db.models import Q

    return Q(**kwargs)


# --- customer type-ahead -----------------------------------------------------------------------------


@login_required
def customer_lookup(request):
    """``/sales/customers/lookup/?q=``: readable active accounts and contacts matching the text."""
    text = (request.GET.get("q") or "").strip()[:200]
    results = []
    for set_name, kind in (("accounts", _("Account")), ("contacts", _("Contact"))):
        spec = get_entity(set_name)
        rows = spec.model.objects.for_user(request.user, "read").filter(state=spec.initial_state)
        if text:
            rows = rows.filter(quick_find_q(spec, request.user, text))
        primary = spec.primary_field
        for pk, name in rows.order_by(primary, "pk").values_list("pk", primary)[:LOOKUP_ROWS]:
            results.append({"id": str(pk), "name": name, "hint": str(kind)})
    return JsonResponse({"results": results})


# --- stage changes and criteria from the browser --------------------------------------------------


def _run(request, pk, action_name, inputs) -> str | None:
    """Run an opportunity action for the browser; the refusal message, or None when it ran."""
    try:
        run_action("opportunities", pk, action_name, ui_context(request), inputs,
                   if_match=request.POST.get("version") or None)
    except PreconditionFailed:
        return _("Someone else changed this opportunity since you opened it. Check it and try again.")
    except RecordValidationError as problem:
        return " ".join(m for items in problem.errors.values() for m in items) or problem.detail
    except (InvalidState, RapportError) as problem:
        if isinstance(problem, NotFound):
            raise
        return problem.detail
    return None


@login_required
@require_POST
def set_stage(request, pk):
    """The stage bar and the board's keyboard fallback: move to a stage through the set-stage action."""
    back = safe_next(request.POST.get("next"), f"/opportunities/{pk}/")
    try:
        refusal = _run(request, pk, "set-stage", {"stage": request.POST.get("stage", "")})
    except NotFound as error:
        return refusal_page(request, error, 404)
    if refusal:
        messages.error(request, refusal)
    else:
        messages.success(request, _("The stage was changed."))
    return redirect(back)


@login_required
@require_POST
def toggle_criterion(request, pk):
    """Tick or untick an exit criterion of the current stage (the stage bar's checklist)."""
    try:
        refusal = _run(request, pk, "check-criterion", {"criterion": request.POST.get("criterion", ""),
                                                         "checked": request.POST.get("checked") == "true"})
    except NotFound as error:
        return refusal_page(request, error, 404)
    if refusal:
        messages.error(request, refusal)
    return redirect(f"/opportunities/{pk}/")


# --- filters shared by the board and the reports ----------------------------------------------------


def _uuid(value):
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _process(request):
    processes = list(SalesProcess.objects.for_user(request.user, "read").order_by("-is_default", "name"))
    if not processes:
        processes = [default_process()]
    wanted = request.GET.get("process")
    chosen = next((p for p in processes if p.code == wanted or str(p.pk) == wanted), processes[0])
    return chosen, [{"code": p.code, "name": label(p.name), "selected": p.pk == chosen.pk} for p in processes]


def _people():
    from rapport.security.models import BusinessUnit, Team, User

    users = [(str(u.pk), str(u)) for u in User.objects.filter(is_active=True).order_by("full_name", "username")[:500]]
    teams = [(str(t.pk), str(t)) for t in Team.objects.order_by("name")[:200]]
    units = [(str(b.pk), b.name) for b in BusinessUnit.objects.filter(is_active=True).order_by("name")[:200]]
    return users, teams, units


def report_filter(request) -> tuple[reports.ReportFilter, dict]:
    owner = request.GET.get("owner") or ""
    if owner == "me":
        owner = str(request.user.pk)
    filters = reports.ReportFilter(owner=_uuid(owner), business_unit=_uuid(request.GET.get("business_unit")),
                                   start=_date(request.GET.get("start")), end=_date(request.GET.get("end")))
    filters.process, processes = _process(request)
    users, teams, units = _people()
    form = {"owner": str(filters.owner or ""), "business_unit": str(filters.business_unit or ""),
            "start": filters.start.isoformat() if filters.start else "", "end": filters.end.isoformat() if filters.end else "",
            "users": users, "teams": teams, "units": units, "processes": processes, "process": filters.process.code}
    return filters, form


# --- pipeline board --------------------------------------------------------------------------------


@login_required
def board(request):
    """Open opportunities of one process as cards in columns by stage, with totals per column."""
    user = request.user
    filters, form = report_filter(request)
    team = _uuid(request.GET.get("team"))
    form["team"] = str(team or "")
    process = filters.process
    rows = Opportunity.objects.for_user(user, "read").filter(
        filters.opportunity_q("estimated_close_date"), state="open", sales_process=process)
    if team:
        rows = rows.filter(owner_team_id=team)
    totals = {t["stage"]: t for t in rows.values("stage").annotate(
        count=Count("id"), estimated=Sum("estimated_revenue"), weighted=reports._weighted_sum()).order_by()}
    cards = list(rows.select_related("customer_account", "customer_contact", "owner_user", "owner_team")
                 .order_by("estimated_close_date", "topic", "pk")[:BOARD_CARDS])
    spec = get_entity("opportunities")
    writable = set(spec.model.objects.for_user(user, "write").filter(pk__in=[c.pk for c in cards]).values_list("pk", flat=True))
    stages = [s for s in stages_of(process.pk) if s.outcome == "open"]
    columns = []
    for stage in stages:
        total = totals.get(stage.code, {})
        columns.append({
            "code": stage.code, "name": label(stage.name), "probability": stage.probability,
            "count": total.get("count", 0), "estimated": reports._money(total.get("estimated")),
            "weighted": reports._money((total.get("weighted") or 0) / 100),
            "cards": [{"id": str(c.pk), "topic": c.topic, "version": c.version,
                       "customer": str(c.customer_account or c.customer_contact or ""),
                       "owner": str(c.owner_user or c.owner_team or ""), "revenue": c.estimated_revenue,
                       "currency": c.currency, "close": c.estimated_close_date, "movable": c.pk in writable}
                      for c in cards if c.stage == stage.code],
        })
    context = {"columns": columns, "form": form, "stage_choices": [(s.code, label(s.name)) for s in stages],
               "truncated": len(cards) >= BOARD_CARDS, "query": request.GET.urlencode()}
    return render(request, "sales/board.html", context)


# --- reports -------------------------------------------------------------------------------------------

REPORTS = [
    ("pipeline", "Pipeline funnel"),
    ("forecast", "Forecast by month"),
    ("win-rate", "Win rate and close rate"),
    ("lead-conversion", "Lead conversion"),
    ("disqualification", "Disqualification reasons"),
]


def _report_tabs(current):
    names = {"pipeline": _("Pipeline funnel"), "forecast": _("Forecast by month"), "win-rate": _("Win rate and close rate"),
             "lead-conversion": _("Lead conversion"), "disqualification": _("Disqualification reasons")}
    return [{"code": code, "name": names[code], "current": code == current} for code, _name in REPORTS]


@login_required
def reports_home(request):
    return redirect("/sales/reports/pipeline/")


@login_required
def report(request, code: str):
    builders = {
        "pipeline": reports.pipeline_funnel, "forecast": reports.forecast_by_month, "win-rate": reports.win_rates,
        "lead-conversion": reports.lead_conversion, "disqualification": reports.disqualification_reasons,
    }
    builder = builders.get(code)
    if builder is None:
        return refusal_page(request, None, 404)
    filters, form = report_filter(request)
    data = builder(request.user, filters)
    context = {"code": code, "tabs": _report_tabs(code), "form": form, "data": data, "query": request.GET.urlencode(),
               "title": next(t["name"] for t in _report_tabs(code) if t["current"])}
    return render(request, f"sales/report_{code.replace('-', '_')}.html", context)

