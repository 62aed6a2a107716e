"""Escalation (ACT-5): the organisation's rules as data, timers as rows, one timed job that fires them.

* Every write of an activity recomputes its pending timers (in the write's transaction): for an
  *assigned* open activity (``assigned_by`` someone other than the owner) a ``notify_manager`` and a
  ``reassign`` rule count from the last action of the owner (or from the assignment); a
  ``notify_overdue`` rule counts from the due time. A rule with a priority applies to that priority
  only. Times are absolute (UTC), so time zones do not shift them.
* The job ``activities.escalations`` (every minute, on the scheduler) takes the due timers. Each
  is claimed by a conditional ``UPDATE … SET fired_on WHERE fired_on IS NULL`` in the same
  transaction as what it does, so a worker killed midway leaves it due and a restart or a second
  worker never fires it twice; the notifications also carry a unique key per timer and recipient.
* A timer whose basis has moved on (the owner acted, the due time changed, the activity closed or
  the rule was switched off) fires nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.activities.choices import EscalationKind, ReassignTo
from rapport.activities.models import Activity, EscalationRule, EscalationTimer
from rapport.activities.notifications import notify
from rapport.core.jobs import clock


def _basis(activity: Activity, rule: EscalationRule):
    if rule.kind == EscalationKind.NOTIFY_OVERDUE:
        return activity.due_on
    if not activity.assigned_by_id or activity.assigned_by_id == activity.owner_user_id or not activity.owner_user_id:
        return None
    return activity.last_action_on or activity.assigned_on


def schedule_timers(activity: Activity, *, now=None) -> None:
    """Replace the activity's pending timers with those its current state calls for."""
    EscalationTimer.objects.filter(activity_id=activity.pk, fired_on__isnull=True).delete()
    if activity.state != "open":
        return
    rules = [r for r in active_rules() if not r.priority or r.priority == activity.priority]
    if not rules:
        return
    fired = set(EscalationTimer.objects.filter(activity_id=activity.pk).values_list("rule_id", "basis"))
    timers = []
    for rule in rules:
        basis = _basis(activity, rule)
        if basis is None or (rule.pk, basis) in fired:
            continue
        timers.append(EscalationTimer(activity_id=activity.pk, rule_id=rule.pk, basis=basis,
                                      fire_on=basis + dt.timedelta(hours=rule.after_hours)))
    EscalationTimer.objects.bulk_create(timers)


def active_rules() -> list[EscalationRule]:
    return list(EscalationRule.objects.filter(is_active=True).order_by("after_hours", "id"))


def branch_managers(user) -> list:
    """Those who manage the user's business unit (or a unit above it), else the user's manager."""
    from rapport.security.models import BusinessUnit, User

    if user is None:
        return []
    units, unit_id, seen = [], user.business_unit_id, set()
    parents = dict(BusinessUnit.objects.values_list("id", "parent_id"))
    while unit_id and unit_id not in seen:
        seen.add(unit_id)
        units.append(unit_id)
        unit_id = parents.get(unit_id)
    managers = list(User.objects.filter(managed_business_units__in=units, is_active=True).exclude(pk=user.pk).distinct())
    if not managers and user.manager_id and user.manager.is_active:
        managers = [user.manager]
    return managers


def _system_context(now):
    from rapport.core.actions.base import ActionContext

    return ActionContext(user=None, channel="system", now=now)


def _reassign(activity: Activity, rule: EscalationRule, now) -> object | None:
    from rapport.core.actions.base import emit_event, write_audit
    from rapport.core.actions.crud import save_record, set_owner
    from rapport.core.entities import get_entity
    from rapport.core.serialization import diff, snapshot

    previous = activity.owner_user
    if rule.reassign_to == ReassignTo.USER:
        target = rule.reassign_user
    else:
        target = previous.manager if previous is not None else None
    if target is None or not target.is_active or target.pk == activity.owner_user_id:
        return None
    spec = get_entity("activities")
    ctx = _system_context(now)
    before = snapshot(spec, activity)
    set_owner(activity, target)
    activity.assigned_by_id = None
    activity.assigned_on = now
    save_record(spec, activity, ctx, operation="escalate")
    changes = diff(before, snapshot(spec, activity))
    write_audit(spec, activity.pk, "assign", changes, ctx, str(activity))
    emit_event(spec, activity.pk, "escalated", ctx, {"changes": changes, "rule": str(rule.pk)})
    return target


def fire_timer(timer: EscalationTimer, now) -> int:
    """Do what the timer's rule says, once; return the number of notifications written."""
    activity, rule = timer.activity, timer.rule
    if not rule.is_active or activity.state != "open" or _basis(activity, rule) != timer.basis:
        return 0
    owner = activity.owner_user
    key = f"escalation:{timer.pk}"
    written = 0
    if rule.kind == EscalationKind.NOTIFY_MANAGER:
        managers = [owner.manager] if owner is not None and owner.manager_id else branch_managers(owner)
        for manager in managers:
            written += bool(notify(manager, "escalation", lambda: _("Not acted on by %(user)s: %(subject)s")
                                   % {"user": owner.full_name or owner.username, "subject": activity.subject},
                                   activity, now, email=True, dedupe_key=f"{key}:{manager.pk}"))
    elif rule.kind == EscalationKind.REASSIGN:
        target = _reassign(activity, rule, now)
        if target is not None:
            written += bool(notify(target, "reassigned", lambda: _("Re-assigned to you after no action: %(subject)s")
                                   % {"subject": activity.subject}, activity, now, email=True,
                                   dedupe_key=f"{key}:{target.pk}"))
            if owner is not None:
                written += bool(notify(owner, "reassigned", lambda: _("Re-assigned to %(user)s after no action: %(subject)s")
                                       % {"user": target.full_name or target.username, "subject": activity.subject},
                                       activity, now, dedupe_key=f"{key}:{owner.pk}"))
    elif rule.kind == EscalationKind.NOTIFY_OVERDUE:
        recipients = ([owner] if owner is not None else []) + branch_managers(owner)
        for recipient in {r.pk: r for r in recipients}.values():
            written += bool(notify(recipient, "overdue", lambda: _("Overdue: %(subject)s") % {"subject": activity.subject},
                                   activity, now, email=True, dedupe_key=f"{key}:{recipient.pk}"))
    return written


def process_escalations(*, now=None, limit: int = 500) -> int:
    """Fire the due timers (the timed job); return how many notifications were written."""
    now = now or clock.now()
    written = 0
    due = list(EscalationTimer.objects.filter(fired_on__isnull=True, fire_on__lte=now)
               .order_by("fire_on", "id").values_list("id", flat=True)[:limit])
    for timer_id in due:
        with transaction.atomic():
            # The claim: only one transaction sets fired_on; it commits with what the timer did.
            if not EscalationTimer.objects.filter(pk=timer_id, fired_on__isnull=True).update(fired_on=now):
                continue
            timer = (EscalationTimer.objects.select_related("activity", "rule", "activity__owner_user__manager",
                                                            "rule__reassign_user").get(pk=timer_id))
            written += fire_timer(timer, now)
    return written
