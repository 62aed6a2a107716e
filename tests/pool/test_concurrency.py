"""Two people claim the same pool record at the same moment: exactly one gets it (API.md "Public pool").

Real concurrent transactions (two threads, two database connections) on PostgreSQL, where the runner's
row lock, the claim's compare-and-set and the per-user lock decide. SQLite's test database is an
in-memory shared cache whose table locks ignore the busy timeout, so threads cannot share it there;
on SQLite the sequential test in ``test_pool_api.py`` shows the second claim seeing the changed pool
(in production SQLite serializes write transactions with ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from rapport.core.errors import RapportError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need a real database server (PostgreSQL)"),
]


def test_concurrent_claims_of_one_record_one_wins(make, act, seller, other_seller, manager):
    from rapport.core.actions.base import ActionContext, run_action
    from rapport.customers.models import Account
    from rapport.security.models import User

    account = make(seller, "accounts", name="Contested Harbour Ltd")
    act(manager, "accounts", account, "release", reason="Open to all")
    third = make(manager, "accounts", name="Unrelated")  # noqa: F841  (the manager keeps one of their own)
    claimers = [User.objects.get(pk=other_seller.pk), User.objects.get(pk=seller.pk)]
    barrier = threading.Barrier(len(claimers))
    outcomes: dict = {}

    def claim(user):
        try:
            barrier.wait(timeout=10)
            run_action("accounts", account.pk, "claim", ActionContext(user=user), {})
            outcomes[user.username] = "claimed"
        except RapportError as error:
            outcomes[user.username] = error.kind
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in claimers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()).count("claimed") == 1, outcomes
    loser = next(kind for kind in outcomes.values() if kind != "claimed")
    assert loser in {"not-found", "invalid-state"}, outcomes
    account.refresh_from_db()
    winner = next(name for name, kind in outcomes.items() if kind == "claimed")
    assert account.owner_user.username == winner and account.pool == ""
    from rapport.core.models import AuditEntry

    # One claim audited (the other assignment entry is the manager's release).
    assert AuditEntry.objects.filter(record_id=account.pk, action="assign").exclude(user=manager).count() == 1
    assert Account.objects.filter(pk=account.pk, owner_user__isnull=False).count() == 1


def test_concurrent_claims_at_the_limit_do_not_overshoot(make, act, seller, manager, admin_user):
    """One user, two browser tabs, two different records, one place left: one claim, one 409."""
    from rapport.core.actions.base import ActionContext, run_action
    from rapport.pool.actions import set_pool_rule
    from rapport.security.models import User

    first = make(manager, "accounts", name="First Pool Co")
    second = make(manager, "accounts", name="Second Pool Co")
    for record in (first, second):
        act(manager, "accounts", record, "release", reason="Open")
    set_pool_rule(ActionContext(user=admin_user), capacity=1, return_after_days=30)  # (capacity also limits creating: set it once the pool is filled)
    barrier = threading.Barrier(2)
    outcomes: list = []

    def claim(record):
        try:
            barrier.wait(timeout=10)
            run_action("accounts", record.pk, "claim", ActionContext(user=User.objects.get(pk=seller.pk)), {})
            outcomes.append("claimed")
        except RapportError as error:
            outcomes.append(error.kind)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(record,)) for record in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["capacity-reached", "claimed"], outcomes
