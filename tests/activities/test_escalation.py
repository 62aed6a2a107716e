"""Escalation (ACT-5) under a controllable clock: 1 day urgent, 3 days normal, 15 days re-assign,
overdue to the owner and the branch manager; rules are data; no duplicates after a restart."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.activities.escalation import process_escalations
from rapport.activities.models import Activity, EscalationRule, EscalationTimer, Notification
from rapport.core.jobs import clock

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def start():
    return timezone.now()


@pytest.fixture
def at(monkeypatch):
    """``at(moment)`` moves the jobs' clock there."""
    def move(moment):
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment
    return move


def assigned(manager, seller, activity_of, act, start, **data):
    task = activity_of(manager, **data)
    act(manager, "tasks", task.pk, "assign", {"owner": str(seller.pk)}, now=start)
    Notification.objects.all().delete()  # the assignment's own notification
    return Activity.objects.get(pk=task.pk)


def kinds(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_the_default_rules_are_data(db):
    rules = {(r.kind, r.priority, r.after_hours) for r in EscalationRule.objects.all()}
    assert {("notify_manager", "urgent", 24), ("notify_manager", "normal", 72), ("reassign", "", 360),
            ("notify_overdue", "", 0)} <= rules


def test_urgent_not_acted_on_within_a_day_notifies_the_manager(manager, seller, activity_of, act, start, at):
    assigned(manager, seller, activity_of, act, start, priority="urgent")
    at(start + DAY - HOUR)
    assert process_escalations() == 0
    at(start + DAY + HOUR)
    assert process_escalations() == 1
    assert kinds(manager) == ["escalation"] and kinds(seller) == []


def test_normal_waits_three_days(manager, seller, activity_of, act, start, at):
    assigned(manager, seller, activity_of, act, start, priority="normal")
    at(start + 2 * DAY)
    assert process_escalations() == 0
    at(start + 3 * DAY + HOUR)
    assert process_escalations() == 1
    assert kinds(manager) == ["escalation"]


def test_acting_on_it_resets_the_timer(manager, seller, activity_of, act, start, at):
    task = assigned(manager, seller, activity_of, act, start, priority="urgent")
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import update_record
    from rapport.core.entities import get_entity

    update_record(get_entity("tasks"), task.pk, {"description": "Called, waiting for the buyer"},
                  ActionContext(user=seller, now=start + 20 * HOUR))
    at(start + DAY + HOUR)
    assert process_escalations() == 0
    at(start + 20 * HOUR + DAY + HOUR)
    assert process_escalations() == 1


def test_a_completed_activity_does_not_escalate(manager, seller, activity_of, act, start, at):
    task = assigned(manager, seller, activity_of, act, start, priority="urgent")
    act(seller, "tasks", task.pk, "complete", {"outcome": "done"})
    at(start + 30 * DAY)
    assert process_escalations() == 0
    assert not EscalationTimer.objects.filter(activity_id=task.pk, fired_on__isnull=True).exists()


def test_no_action_for_fifteen_days_reassigns_to_the_manager(manager, seller, activity_of, act, start, at):
    task = assigned(manager, seller, activity_of, act, start, priority="low")
    at(start + 15 * DAY - HOUR)
    process_escalations()
    assert Activity.objects.get(pk=task.pk).owner_user_id == seller.pk
    at(start + 15 * DAY + HOUR)
    process_escalations()
    task.refresh_from_db()
    assert task.owner_user_id == manager.pk
    assert kinds(manager) == ["reassigned"] and kinds(seller) == ["reassigned"]
    from rapport.core.models import AuditEntry

    entry = AuditEntry.objects.get(record_id=task.pk, action="assign", channel="system")
    assert entry.changes["owner"] == [str(seller.pk), str(manager.pk)]


def test_overdue_notifies_the_owner_and_the_branch_manager(make_user, manager, seller, activity_of, act, start, at):
    from rapport.security.models import BusinessUnit

    branch_manager = make_user("bea", full_name="Branch Manager", managed_business_units=[seller.business_unit])
    task = activity_of(seller, due_on=(start + 2 * HOUR).isoformat())
    at(start + HOUR)
    assert process_escalations() == 0
    at(start + 3 * HOUR)
    assert process_escalations() == 2
    assert kinds(seller) == ["overdue"] and kinds(branch_manager) == ["overdue"]
    assert Notification.objects.get(recipient=seller).record_id == task.pk
    assert BusinessUnit.objects.filter(pk=seller.business_unit_id).exists()


def test_a_rule_changed_as_data_applies(manager, seller, activity_of, act, start, at):
    EscalationRule.objects.filter(kind="notify_manager", priority="normal").update(after_hours=5)
    assigned(manager, seller, activity_of, act, start, priority="normal")
    at(start + 6 * HOUR)
    assert process_escalations() == 1


def test_no_duplicate_notifications_after_a_worker_restart(manager, seller, activity_of, act, start, at):
    """Through the scheduler: two workers (a restart) at and after the due time notify once."""
    from rapport.core.jobs.models import ScheduledJob
    from rapport.core.jobs.scheduler import ensure_schedules, run_due_jobs

    assigned(manager, seller, activity_of, act, start, priority="urgent")
    at(start)
    ensure_schedules(now=start)
    assert ScheduledJob.objects.filter(name="activities.escalations").exists()
    at(start + DAY + HOUR)
    assert "activities.escalations" in run_due_jobs("worker-1")
    at(start + DAY + 3 * HOUR)
    run_due_jobs("worker-2")  # the worker came back under a new id
    assert process_escalations() == 0  # and running the job by hand again changes nothing
    assert kinds(manager) == ["escalation"]
    # A firing interrupted before commit is not lost: it runs once on the next pass.
    assert EscalationTimer.objects.filter(fired_on__isnull=False).count() == 1


def test_a_firing_that_fails_midway_leaves_the_timer_due(manager, seller, activity_of, act, start, at, monkeypatch):
    from rapport.activities import escalation

    assigned(manager, seller, activity_of, act, start, priority="urgent")
    at(start + 2 * DAY)

    def crash(timer, now):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(escalation, "fire_timer", crash)
    with pytest.raises(RuntimeError):
        escalation.process_escalations()
    monkeypatch.undo()
    at(start + 2 * DAY)
    assert EscalationTimer.objects.filter(fired_on__isnull=True).exists()
    assert escalation.process_escalations() == 1
    assert escalation.process_escalations() == 0
