"""Opportunity actions: promote, demote, set-stage and ticking exit criteria (SAL-7); win, lose and
reopen (SAL-8). Stage changes are audited with the time spent in the stage left behind.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.actions.base import Action, ActionResult
from rapport.core.actions.crud import create_record, save_record
from rapport.core.entities import FieldSpec, get_entity
from rapport.core.errors import InvalidState, RecordValidationError
from rapport.sales import rules
from rapport.sales.choices import LOSE_REASONS
from rapport.sales.processes import closing_stage, label, stages_of


def move_to_stage(spec, opportunity, ctx, stage) -> dict:
    """Put ``opportunity`` in ``stage`` (probability defaults to the stage's); the audit extra."""
    entered = opportunity.stage_entered_on
    previous = opportunity.stage
    opportunity.stage = stage.code
    opportunity.stage_entered_on = ctx.now
    opportunity.probability = stage.probability
    if previous == stage.code:
        return {}
    seconds = int((ctx.now - entered).total_seconds()) if entered else None
    return {"time_in_stage": [{"stage": previous, "seconds": seconds}, None]}


def _stage_result(spec, opportunity, ctx, stage) -> ActionResult:
    extra = move_to_stage(spec, opportunity, ctx, stage)
    save_record(spec, opportunity, ctx, operation="stage")
    return ActionResult(record=opportunity, audit_changes=extra,
                        message=_("The opportunity is now in %(stage)s.") % {"stage": label(stage.name)})


def promote_opportunity(spec, opportunity, ctx) -> ActionResult:
    """Move to the next open stage once the current stage's required exit criteria are met."""
    stages = rules.open_stages(opportunity)
    stage = rules.current_stage(opportunity, stages)
    return _stage_result(spec, opportunity, ctx, stages[stages.index(stage) + 1])


def demote_opportunity(spec, opportunity, ctx) -> ActionResult:
    """Move back one open stage."""
    stages = rules.open_stages(opportunity)
    stage = rules.current_stage(opportunity, stages)
    return _stage_result(spec, opportunity, ctx, stages[stages.index(stage) - 1])


def set_opportunity_stage(spec, opportunity, ctx, stage=None) -> ActionResult:
    """Move to any open stage of the process; moving forward needs the passed stages' criteria."""
    target = next((s for s in stages_of(opportunity.sales_process_id) if s.code == stage), None)
    if target is None:
        codes = ", ".join(s.code for s in stages_of(opportunity.sales_process_id))
        raise RecordValidationError.single(
            "stage", _("\"%(stage)s\" is not a stage of this sales process (%(codes)s).") % {"stage": stage, "codes": codes},
            "invalid-choice")
    refusal = rules.stage_move_refusal(opportunity, target)
    if refusal:
        raise InvalidState(refusal)
    return _stage_result(spec, opportunity, ctx, target)


def check_criterion(spec, opportunity, ctx, criterion=None, checked=None) -> ActionResult:
    """Tick (or untick) an exit criterion of the opportunity's process."""
    import uuid

    from rapport.sales.models import StageCriterion

    try:
        criterion_id = uuid.UUID(str(criterion))
    except ValueError:
        criterion_id = None
    found = StageCriterion.objects.filter(pk=criterion_id, stage__sales_process_id=opportunity.sales_process_id).first()
    if found is None:
        raise RecordValidationError.single("criterion", _("This is not an exit criterion of the opportunity's sales process."),
                                           "does-not-exist")
    done = [c for c in (opportunity.completed_criteria or []) if c != str(found.pk)]
    if checked is None or checked:
        done.append(str(found.pk))
    opportunity.completed_criteria = done
    save_record(spec, opportunity, ctx, operation="criteria")
    return ActionResult(record=opportunity)


def _close_record(opportunity, ctx, *, outcome, reason, revenue, close_date, competitor=None, description=""):
    """The close record of a win or a loss. People do not create these (``creatable=False``): only
    this action does, so it is saved here rather than through the create action's privilege check."""
    from rapport.core.actions.base import write_audit
    from rapport.core.serialization import snapshot
    from rapport.sales.models import OpportunityClose

    subject = (_("Opportunity won: %(topic)s") if outcome == "won" else _("Opportunity lost: %(topic)s")) % {
        "topic": opportunity.topic}
    spec = get_entity("opportunity-closes")
    close = OpportunityClose(opportunity=opportunity, subject=subject[:300], outcome=outcome, reason=reason or "",
                             actual_revenue=revenue, close_date=close_date, competitor=competitor,
                             description=description or "")
    save_record(spec, close, ctx, creating=True, operation="create")
    changes = {k: [None, v] for k, v in snapshot(spec, close).items() if v not in (None, "", False, {}, [])}
    write_audit(spec, close.pk, "create", changes, ctx, str(close))
    return close


def _today(ctx):
    return timezone.localdate(ctx.now)


def win_opportunity(spec, opportunity, ctx, actual_revenue=None, actual_close_date=None) -> ActionResult:
    """Close as won: actual revenue (defaults to the estimate) and close date (defaults to today)."""
    revenue = actual_revenue if actual_revenue is not None else opportunity.estimated_revenue
    close_date = actual_close_date or _today(ctx)
    extra = {}
    stage = closing_stage(opportunity.sales_process_id, "won")
    if stage is not None:
        extra = move_to_stage(spec, opportunity, ctx, stage)
    opportunity.state, opportunity.status_reason = "won", "won"
    opportunity.actual_revenue, opportunity.actual_close_date = revenue, close_date
    opportunity.probability = 100
    save_record(spec, opportunity, ctx, operation="win")
    close = _close_record(opportunity, ctx, outcome="won", reason="won", revenue=revenue, close_date=close_date)
    return ActionResult(record=opportunity, created={"opportunity_close": close}, audit_changes=extra,
                        message=_("The opportunity was won."))


def lose_opportunity(spec, opportunity, ctx, status_reason=None, competitor=None, description=None) -> ActionResult:
    """Close as lost (lost, no deal, cancelled, out-sold), optionally to a competitor."""
    from rapport.core.permissions.access import access_record
    from rapport.sales.models import OpportunityCompetitor

    rival = access_record(ctx.user, "competitors", competitor, "read") if competitor else None
    extra = {}
    stage = closing_stage(opportunity.sales_process_id, "lost", status_reason)
    if stage is not None:
        extra = move_to_stage(spec, opportunity, ctx, stage)
    close_date = _today(ctx)
    opportunity.state, opportunity.status_reason = "lost", status_reason
    opportunity.actual_revenue, opportunity.actual_close_date = None, close_date
    opportunity.probability = 0
    save_record(spec, opportunity, ctx, operation="lose")
    created = {}
    if rival is not None and not OpportunityCompetitor.objects.filter(opportunity=opportunity, competitor=rival).exists():
        created["opportunity_competitor"] = create_record(
            get_entity("opportunity-competitors"), {"opportunity": str(opportunity.pk), "competitor": str(rival.pk)}, ctx).record
    created["opportunity_close"] = _close_record(opportunity, ctx, outcome="lost", reason=status_reason, revenue=None,
                                                 close_date=close_date, competitor=rival, description=description)
    return ActionResult(record=opportunity, created=created, audit_changes=extra, message=_("The opportunity was closed as lost."))


def reopen_opportunity(spec, opportunity, ctx) -> ActionResult:
    """Open a won or lost opportunity again, back in the last open stage it can be in."""
    extra = {}
    stages = stages_of(opportunity.sales_process_id)
    current = rules.current_stage(opportunity, stages)
    if current is not None and current.outcome != "open":
        open_ones = [s for s in stages if s.outcome == "open"]
        if open_ones:
            extra = move_to_stage(spec, opportunity, ctx, open_ones[-1])
    elif current is not None:
        opportunity.probability = current.probability
    opportunity.state, opportunity.status_reason = "open", "in_progress"
    opportunity.actual_revenue, opportunity.actual_close_date = None, None
    save_record(spec, opportunity, ctx, operation="reopen")
    return ActionResult(record=opportunity, audit_changes=extra, message=_("The opportunity is open again."))


def opportunity_actions() -> list[Action]:
    return [
        Action(name="promote", label=gettext_lazy("Promote"), handler=promote_opportunity, precondition=rules.can_promote,
               audit_action="stage", style="primary"),
        Action(name="demote", label=gettext_lazy("Demote"), handler=demote_opportunity, precondition=rules.can_demote,
               audit_action="stage"),
        Action(name="set-stage", label=gettext_lazy("Set stage"), handler=set_opportunity_stage,
               precondition=rules.can_set_stage, audit_action="stage", show_in_ui=False,
               inputs=[FieldSpec("stage", "text", gettext_lazy("Stage"), required=True, max_length=32, column="stage")]),
        Action(name="check-criterion", label=gettext_lazy("Tick an exit criterion"), handler=check_criterion,
               precondition=rules.can_set_stage, show_in_ui=False,
               inputs=[FieldSpec("criterion", "text", gettext_lazy("Criterion"), required=True, max_length=36, column="criterion"),
                       FieldSpec("checked", "boolean", gettext_lazy("Done"), column="checked")]),
        Action(name="win", label=gettext_lazy("Close as won"), handler=win_opportunity, precondition=rules.can_close,
               audit_action="state", style="primary",
               inputs=[FieldSpec("actual_revenue", "money", gettext_lazy("Actual revenue"), decimal_places=2, max_digits=19,
                                 column="actual_revenue"),
                       FieldSpec("actual_close_date", "date", gettext_lazy("Actual close date"), column="actual_close_date")]),
        Action(name="lose", label=gettext_lazy("Close as lost"), handler=lose_opportunity, precondition=rules.can_close,
               audit_action="state",
               inputs=[FieldSpec("status_reason", "choice", gettext_lazy("Reason"), required=True, choices=list(LOSE_REASONS),
                                 column="status_reason"),
                       FieldSpec("competitor", "lookup", gettext_lazy("Lost to competitor"), target="competitors",
                                 column="competitor"),
                       FieldSpec("description", "textarea", gettext_lazy("Description"), column="description")]),
        Action(name="reopen", label=gettext_lazy("Reopen"), handler=reopen_opportunity, precondition=rules.can_reopen,
               audit_action="state", allow_in_read_only_state=True),
    ]
