"""Side-effect-free state predicates: the actions check them, and the UI uses them to offer buttons.

Each ``can_*`` returns None when the operation may run now, or the reason (translated) it may not.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from rapport.sales.processes import label, stages_of

# --- leads --------------------------------------------------------------------------------------------


def can_qualify(spec, lead, user) -> str | None:
    if lead.state != "open":
        return _("Only an open lead can be qualified; this one is %(state)s.") % {"state": spec.state_label(lead.state).lower()}
    return None


def can_disqualify(spec, lead, user) -> str | None:
    if lead.state != "open":
        return _("Only an open lead can be disqualified; this one is %(state)s.") % {"state": spec.state_label(lead.state).lower()}
    return None


def can_reactivate(spec, lead, user) -> str | None:
    if lead.state == "open":
        return _("The lead is already open.")
    if lead.state == "qualified":
        return _("A qualified lead cannot be reactivated: its account, contact and opportunity carry on from it.")
    return None


# --- opportunities ------------------------------------------------------------------------------------


def open_stages(opportunity) -> list:
    return [s for s in stages_of(opportunity.sales_process_id) if s.outcome == "open"]


def current_stage(opportunity, stages=None):
    stages = stages if stages is not None else stages_of(opportunity.sales_process_id)
    return next((s for s in stages if s.code == opportunity.stage), None)


def unmet_criteria(opportunity, stage) -> list:
    """The required exit criteria of ``stage`` not ticked on ``opportunity``."""
    done = set(opportunity.completed_criteria or [])
    return [c for c in stage.criteria.all().order_by("sequence") if c.is_required and str(c.pk) not in done]


def criteria_refusal(opportunity, stage) -> str | None:
    missing = unmet_criteria(opportunity, stage)
    if not missing:
        return None
    return _("The exit criteria of %(stage)s are not met: %(criteria)s.") % {
        "stage": label(stage.name), "criteria": "; ".join(label(c.name) for c in missing)}


def _must_be_open(spec, opportunity) -> str | None:
    if opportunity.state != "open":
        return _("The opportunity is %(state)s; reopen it first.") % {"state": spec.state_label(opportunity.state).lower()}
    return None


def can_promote(spec, opportunity, user) -> str | None:
    reason = _must_be_open(spec, opportunity)
    if reason:
        return reason
    stages = open_stages(opportunity)
    stage = current_stage(opportunity, stages)
    if stage is None:
        return _("The opportunity has no current stage in its sales process.")
    if stage is stages[-1]:
        return _("This is the last stage; close the opportunity as won or lost.")
    return criteria_refusal(opportunity, stage)


def can_demote(spec, opportunity, user) -> str | None:
    reason = _must_be_open(spec, opportunity)
    if reason:
        return reason
    stages = open_stages(opportunity)
    stage = current_stage(opportunity, stages)
    if stage is None or stage is stages[0]:
        return _("This is the first stage; there is no stage to go back to.")
    return None


def can_set_stage(spec, opportunity, user) -> str | None:
    return _must_be_open(spec, opportunity)


def can_close(spec, opportunity, user) -> str | None:
    return _must_be_open(spec, opportunity)


def can_reopen(spec, opportunity, user) -> str | None:
    if opportunity.state == "open":
        return _("The opportunity is already open.")
    return None


def stage_move_refusal(opportunity, target) -> str | None:
    """Moving forward passes through the stages in between: each one's required criteria must be met."""
    stages = open_stages(opportunity)
    stage = current_stage(opportunity, stages)
    if target.outcome != "open":
        return _("Close the opportunity with Win or Lose to move it to %(stage)s.") % {"stage": label(target.name)}
    if stage is None or target.sequence <= stage.sequence:
        return None
    for passed in stages:
        if stage.sequence <= passed.sequence < target.sequence:
            reason = criteria_refusal(opportunity, passed)
            if reason:
                return reason
    return None
