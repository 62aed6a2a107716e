"""Write hooks (``registry["write_hooks"]``): what must happen inside every write of a sales record,
whichever path made it (UI form, API, import, action).

* Opportunity lines: a closed opportunity's lines are read-only with it, and the opportunity's
  estimated revenue follows its lines when it is system-calculated (SAL-9).
* Leads: a new lead, or a lead given to someone else, notifies its owner (WESTRAC) — an outbox
  event for now; the notifications of the activities issue deliver it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from rapport.core.actions.base import emit_event, write_audit
from rapport.core.errors import InvalidState
from rapport.core.serialization import diff, snapshot


def sales_write_hook(phase, spec, record, ctx, operation) -> None:
    if spec.set_name == "opportunity-products":
        _opportunity_line(phase, record, ctx)
    elif spec.set_name == "opportunity-closes" and phase == "before_save" and operation == "update":
        raise InvalidState(_("A close record is history and cannot be changed."))
    elif spec.set_name == "leads" and phase == "after_save" and operation in {"create", "assign"}:
        owner = record.owner_user_id or record.owner_team_id
        emit_event(spec, record.pk, "owner-notification", ctx, {
            "owner": str(owner) if owner else None,
            "owner_type": "users" if record.owner_user_id else "teams",
            "reason": "new" if operation == "create" else "assigned",
            "title": str(record.topic),
        })


def _opportunity_line(phase, line, ctx) -> None:
    from rapport.core.actions.crud import save_record
    from rapport.core.entities import get_entity
    from rapport.sales.models import Opportunity

    if not line.opportunity_id:
        return
    opportunity = Opportunity.objects.filter(pk=line.opportunity_id).first()
    if opportunity is None:
        return
    spec = get_entity("opportunities")
    if phase in {"before_save", "before_delete"} and opportunity.state in spec.read_only_states:
        raise InvalidState(_("The opportunity is %(state)s; its products are read-only until it is reopened.")
                           % {"state": spec.state_label(opportunity.state).lower()})
    if phase in {"after_save", "after_delete"} and opportunity.revenue_system_calculated:
        before = snapshot(spec, opportunity)
        save_record(spec, opportunity, ctx, operation="recalculate")  # clean() sums the lines
        changes = diff(before, snapshot(spec, opportunity))
        if changes:
            write_audit(spec, opportunity.pk, "update", changes, ctx, str(opportunity))
