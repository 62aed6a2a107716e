"""Pool actions (SAL-21, SAL-23): release, abandon and claim; the automatic return; the pool rules.

The three record actions run inside :func:`rapport.core.actions.base.run_action` (access 404/403,
If-Match, inputs, precondition from ``rules.py``, one transaction with the row locked, audit, outbox
event). ``POST /api/v1/<accounts|leads>/<id>/<release|abandon|claim>/``.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.actions.base import Action, ActionContext, ActionResult, emit_event, write_audit
from rapport.core.actions.crud import save_record, set_owner
from rapport.core.entities import FieldSpec, get_entity
from rapport.core.errors import CapacityReached, InvalidState, PermissionDenied, RecordValidationError
from rapport.core.serialization import diff, snapshot
from rapport.pool import rules
from rapport.pool.models import PoolRule

REASON_MAX_LENGTH = 500
# The audit action of every change of hands through the pool: it is an assignment (to nobody, or to
# the claimer); the changes show the pool and the reason.
AUDIT_ACTION = "assign"


def _put_in_pool(spec, record, ctx: ActionContext, pool: str, reason: str, operation: str) -> ActionResult:
    record.owner_user_id = None
    record.owner_team_id = None  # the owning business unit stays: it says whose public pool it is
    record.pool = pool
    record.pooled_on = ctx.now
    save_record(spec, record, ctx, operation=operation)
    return ActionResult(record=record, audit_changes={"reason": [None, reason]})


def release_record(spec, record, ctx: ActionContext, reason=None) -> ActionResult:
    """Put an owned record into its business unit's public pool (a manager or data administrator)."""
    result = _put_in_pool(spec, record, ctx, rules.PUBLIC, reason, "release")
    result.message = _("\"%(name)s\" is in the public pool now.") % {"name": str(record)}
    return result


def abandon_record(spec, record, ctx: ActionContext, reason=None) -> ActionResult:
    """The owner hands a record to the agent administrator's pool, with the reason."""
    result = _put_in_pool(spec, record, ctx, rules.AGENT, reason, "abandon")
    result.message = _("\"%(name)s\" went to the agent administrator's pool.") % {"name": str(record)}
    result.next_url = f"/{spec.set_name}/"  # the owner usually cannot see it any more
    return result


def _lock_user(user) -> None:
    """Serialize one user's claims, so two claims at the limit cannot both pass the count."""
    from rapport.security.models import User

    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


def claim_record(spec, record, ctx: ActionContext) -> ActionResult:
    """Take a pool record: the caller owns it, unless they already hold their capacity (409)."""
    user = ctx.user
    if user is None or not getattr(user, "pk", None):
        raise PermissionDenied()
    _lock_user(user)
    limit = rules.capacity_of(user)
    held = rules.held_by(user)
    if held >= limit:
        raise CapacityReached(
            _("You already hold %(held)d customers; the limit is %(limit)d. Release or abandon some before claiming more.")
            % {"held": held, "limit": limit},
            extra={"capacity": limit, "held": held},
        )
    # Compare and set: only one of two claims of the same record takes it, on every database (the
    # runner's row lock does this on PostgreSQL already; this makes it independent of the lock).
    taken = spec.model.objects.filter(pk=record.pk, pool__in=rules.POOLS, owner_user__isnull=True,
                                      owner_team__isnull=True).update(pool="")
    if not taken:
        raise InvalidState(_("The record is not in a pool (someone may have claimed it already)."))
    previous_pool = record.pool
    set_owner(record, user)
    record.pool = ""
    record.pooled_on = None
    save_record(spec, record, ctx, operation="claim")
    return ActionResult(record=record, audit_changes={"pool": [previous_pool, ""]},
                        message=_("\"%(name)s\" is yours now.") % {"name": str(record)})


def _reason_input():
    return [FieldSpec("reason", "textarea", gettext_lazy("Reason"), required=True, max_length=REASON_MAX_LENGTH,
                      column="reason")]


def pool_actions() -> list[Action]:
    """The pool actions of accounts and leads (added to their specs by ``PoolConfig.ready``)."""
    return [
        Action(name="claim", label=gettext_lazy("Claim"), handler=claim_record, privilege="read",
               precondition=rules.can_claim, audit_action=AUDIT_ACTION, style="primary"),
        Action(name="release", label=gettext_lazy("Release to the pool"), handler=release_record, privilege="assign",
               precondition=rules.can_release, audit_action=AUDIT_ACTION, inputs=_reason_input(),
               post_write_check=False),
        Action(name="abandon", label=gettext_lazy("Abandon"), handler=abandon_record, privilege="write",
               precondition=rules.can_abandon, audit_action=AUDIT_ACTION, inputs=_reason_input(),
               post_write_check=False,
               confirm=gettext_lazy("Hand this customer to the agent administrator's pool? You will no longer own it.")),
    ]


# --- automatic return (SAL-21: no effective contact for N days) -----------------------------------


def _units_by_days() -> dict[int, list]:
    """Business units grouped by their effective return period (0 = never)."""
    groups: dict[int, list] = {}
    for unit_id, rule in rules.rules_by_unit().items():
        groups.setdefault(rule["return_after_days"], []).append(unit_id)
    return groups


def idle_accounts(now, days: int, unit_ids):
    """Owned active accounts in ``unit_ids`` with no effective contact and no change of hands (creation,
    assignment, claim) in the last ``days`` days — the ones due back in the pool.

    An effective contact is a completed activity regarding the account (a call, visit, e-mail …) or
    an effective contact log entry (SAL-22: not maturity class 0, not "not reached", not "busy")."""
    from rapport.activities.models import Activity, ContactLog
    from rapport.core.models import AuditEntry

    spec = get_entity("accounts")
    cutoff = now - dt.timedelta(days=days)
    contacted = Activity.objects.filter(regarding_entity="accounts", regarding_id=OuterRef("pk"), state="completed").filter(
        Q(closed_on__gte=cutoff) | Q(closed_on__isnull=True, modified_on__gte=cutoff))
    logged = ContactLog.objects.filter(regarding_entity="accounts", regarding_id=OuterRef("pk"), effective=True,
                                       created_on__gte=cutoff)
    changed_hands = AuditEntry.objects.filter(entity="accounts", record_id=OuterRef("pk"), action__in=("create", "assign"),
                                              occurred_on__gte=cutoff)
    return (spec.model.objects.filter(owner_user__isnull=False, state="active", pool="", created_on__lt=cutoff,
                                      owning_business_unit_id__in=unit_ids)
            .filter(~Exists(contacted), ~Exists(logged), ~Exists(changed_hands)))


def return_idle_accounts(*, now=None, limit: int = 5000) -> int:
    """Release the owned accounts without an effective contact for the configured days (a system job).

    Idempotent: each account is re-checked under its row lock and released in its own transaction,
    audited with channel ``system``; a second run finds nothing more to do.
    """
    now = now or timezone.now()
    spec = get_entity("accounts")
    released = 0
    for days, unit_ids in sorted(_units_by_days().items()):
        if days <= 0:
            continue
        for pk in list(idle_accounts(now, days, unit_ids).values_list("pk", flat=True)[: max(0, limit - released)]):
            with transaction.atomic():
                record = idle_accounts(now, days, unit_ids).select_for_update().filter(pk=pk).first()
                if record is None:
                    continue  # contacted, claimed or released meanwhile
                ctx = ActionContext(user=None, channel="system", now=now)
                before = snapshot(spec, record)
                reason = _("No effective contact for %(days)d days.") % {"days": days}
                _put_in_pool(spec, record, ctx, rules.PUBLIC, reason, "return")
                changes = {**diff(before, snapshot(spec, record)), "reason": [None, reason]}
                write_audit(spec, record.pk, AUDIT_ACTION, changes, ctx, str(record))
                emit_event(spec, record.pk, "returned-to-pool", ctx, {"changes": changes})
            released += 1
    return released


# --- the rules as data ---------------------------------------------------------------------------


def set_pool_rule(ctx: ActionContext, *, business_unit=None, capacity, return_after_days, daily_new_customers=None,
                  daily_effective_contacts=None) -> PoolRule:
    """Create or change the organisation's pool rules (``business_unit`` None) or a unit's override.

    Administrators only (system administrators and holders of ``customize``)."""
    from rapport.core.permissions.privileges import has_misc_privilege

    if not has_misc_privilege(ctx.user, "customize"):
        raise PermissionDenied(_("Only an administrator changes the pool rules."))
    errors: dict = {}
    values = {}
    checks = [("capacity", capacity, 1, 100000), ("return_after_days", return_after_days, 0, 3650),
              ("daily_new_customers", daily_new_customers, 0, 1000),
              ("daily_effective_contacts", daily_effective_contacts, 0, 1000)]
    for name, raw, low, high in checks:
        if raw is None and name.startswith("daily_"):
            continue  # the daily targets keep their value unless given
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            errors[name] = [_("Enter a whole number.")]
            continue
        if not low <= value <= high:
            errors[name] = [_("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}]
            continue
        values[name] = value
    if errors:
        raise RecordValidationError(errors, {name: ["invalid"] for name in errors})
    with transaction.atomic():
        rule = PoolRule.objects.select_for_update().filter(business_unit=business_unit).first() or PoolRule(business_unit=business_unit)
        for name, value in values.items():
            setattr(rule, name, value)
        rule.modified_on = ctx.now
        rule.modified_by_id = getattr(ctx.user, "pk", None)
        rule.save()
    return rule


def delete_pool_rule(ctx: ActionContext, rule_id) -> None:
    """Remove a business unit's override (the organisation's row stays; it can only be changed)."""
    from rapport.core.permissions.privileges import has_misc_privilege

    if not has_misc_privilege(ctx.user, "customize"):
        raise PermissionDenied(_("Only an administrator changes the pool rules."))
    PoolRule.objects.filter(pk=rule_id, business_unit__isnull=False).delete()
