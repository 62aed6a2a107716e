"""Accounts without an effective contact for N days return to the public pool (SAL-21), by a job."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def age(record, days, now):
    """Make ``record`` and its audit history ``days`` days old (as if created then)."""
    then = now - dt.timedelta(days=days)
    type(record).objects.filter(pk=record.pk).update(created_on=then, modified_on=then)
    AuditEntry.objects.filter(record_id=record.pk).update(occurred_on=then)


@pytest.fixture
def rules_30_days(admin_user):
    from rapport.core.actions.base import ActionContext
    from rapport.pool.actions import set_pool_rule

    set_pool_rule(ActionContext(user=admin_user), capacity=130, return_after_days=30)


def test_idle_accounts_return_to_the_pool_once_and_contacted_ones_stay(make, act, seller, org, rules_30_days):
    from rapport.customers.models import Account
    from rapport.pool.actions import return_idle_accounts

    now = timezone.now()
    idle = make(seller, "accounts", name="Idle Mining")
    called = make(seller, "accounts", name="Called Mining")
    logged = make(seller, "accounts", name="Logged Mining")
    recent = make(seller, "accounts", name="Recent Mining")
    for record in (idle, called, logged):
        age(record, 45, now)
    age(recent, 10, now)
    call = make(seller, "phone-calls", subject="Quarterly call", regarding={"entity": "accounts", "id": str(called.pk)})
    act(seller, "phone-calls", call, "complete", outcome="Will order in spring")
    make(seller, "contact-logs", regarding={"entity": "accounts", "id": str(logged.pk)}, maturity=2)

    assert return_idle_accounts(now=now) == 1
    idle.refresh_from_db()
    assert (idle.owner_user_id, idle.pool, idle.owning_business_unit_id) == (None, "public", org["beijing"].pk)
    assert idle.pooled_on == now
    entry = AuditEntry.objects.filter(record_id=idle.pk, action="assign").get()
    assert entry.channel == "system" and entry.user_id is None
    assert entry.changes["pool"] == ["", "public"] and "30" in entry.changes["reason"][1]
    assert set(Account.objects.filter(owner_user=seller).values_list("name", flat=True)) == {
        "Called Mining", "Logged Mining", "Recent Mining"}
    # Idempotent: a second run finds nothing more.
    assert return_idle_accounts(now=now) == 0
    assert AuditEntry.objects.filter(record_id=idle.pk, action="assign").count() == 1


def test_a_claim_restarts_the_clock(make, act, seller, other_seller, manager, rules_30_days):
    from rapport.pool.actions import return_idle_accounts

    now = timezone.now()
    account = make(seller, "accounts", name="Old Quarry")
    act(manager, "accounts", account, "release", reason="Reorganisation")
    age(account, 90, now)
    act(other_seller, "accounts", account, "claim")  # today
    assert return_idle_accounts(now=now) == 0
    assert return_idle_accounts(now=now + dt.timedelta(days=31)) == 1


def test_zero_days_turns_the_return_off_and_a_unit_may_differ(make, seller, far_seller, org, admin_user):
    from rapport.core.actions.base import ActionContext
    from rapport.pool.actions import return_idle_accounts, set_pool_rule

    now = timezone.now()
    set_pool_rule(ActionContext(user=admin_user), capacity=130, return_after_days=0)
    set_pool_rule(ActionContext(user=admin_user), business_unit=org["liaoning"], capacity=130, return_after_days=7)
    beijing = make(seller, "accounts", name="Beijing Steel")
    liaoning = make(far_seller, "accounts", name="Liaoning Steel")
    age(beijing, 400, now)
    age(liaoning, 8, now)
    assert return_idle_accounts(now=now) == 1
    liaoning.refresh_from_db()
    beijing.refresh_from_db()
    assert liaoning.pool == "public" and beijing.owner_user_id == seller.pk


def test_the_job_is_declared_on_the_scheduler_and_runs_as_a_task(make, seller, rules_30_days):
    from rapport.core.jobs.scheduler import schedules
    from rapport.pool.tasks import return_idle_customers

    declared = {d.name: d for d in schedules}
    assert declared["pool.returns"].task_path == "rapport.pool.tasks.return_idle_customers"
    account = make(seller, "accounts", name="Sleepy Ltd")
    age(account, 60, timezone.now())
    assert return_idle_customers.call() == 1
