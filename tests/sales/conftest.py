"""Fixtures of the sales tests: records created through the actions, as people would."""

import pytest


@pytest.fixture
def act(ctx):
    """``act(user, set_name, record, action, **inputs)`` runs an action through the runner."""
    from rapport.core.actions.base import run_action

    def run(user, set_name, record, action, **inputs):
        return run_action(set_name, record.pk, action, ctx(user), inputs)

    return run


@pytest.fixture
def lead(create, alice):
    return create(alice, "leads", topic="Two D9 dozers for the quarry", first_name="Anna", last_name="Kovács",
                  company_name="Északi Bánya Zrt", email="anna@eszaki.example", phone="+36 1 234 5678", city="Pécs",
                  lead_source="trade_show")


@pytest.fixture
def account(create, alice):
    return create(alice, "accounts", name="Dalian Port Works")


@pytest.fixture
def opportunity(create, alice, account):
    return create(alice, "opportunities", topic="Ten excavators", customer=str(account.pk),
                  estimated_revenue="500000.00", estimated_close_date="2030-03-15")


@pytest.fixture
def competitor(admin, create):
    return create(admin, "competitors", name="Komatsu", key_product="PC200 excavator")
