"""Fixtures of the pool tests: two branches, their people (shipped roles), an account in a branch."""

from __future__ import annotations

import pytest

from rapport.core.actions.base import ActionContext


def system() -> ActionContext:
    return ActionContext(user=None, channel="system")


@pytest.fixture(autouse=True)
def _two_factor_optional(settings):
    settings.ADMIN_MFA = "optional"


@pytest.fixture
def person(org):
    """``person(username, unit_key, *role_codes, **extra)`` → a user with shipped roles."""
    from rapport.security.actions import create_user
    from rapport.security.roles import shipped_role

    def make(username, unit="beijing", *codes, **extra):
        roles = [shipped_role(code) for code in (codes or ("salesperson",))]
        return create_user(system(), username=username, password="Correct-Horse-9", business_unit=org[unit],
                           roles=roles, **extra)

    return make


@pytest.fixture
def seller(person):
    return person("wang", "beijing")


@pytest.fixture
def other_seller(person):
    return person("li", "beijing")


@pytest.fixture
def far_seller(person):
    return person("zhao", "liaoning")


@pytest.fixture
def manager(person):
    return person("chen", "beijing", "sales_manager")


@pytest.fixture
def agent_admin(person):
    return person("sun", "liaoning", "agent_administrator")


@pytest.fixture
def admin_user(make_user):
    return make_user("root-admin", admin=True)


@pytest.fixture
def make(ctx):
    """``make(user, set_name, **data)``: a record created through the generic create action."""
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    def run(user, set_name, **data):
        return create_record(get_entity(set_name), data, ctx(user)).record

    return run


@pytest.fixture
def act(ctx):
    """``act(user, set_name, record, action, **inputs)`` runs an action through the runner."""
    from rapport.core.actions.base import run_action

    def run(user, set_name, record, action, **inputs):
        return run_action(set_name, record.pk, action, ctx(user), inputs)

    return run


@pytest.fixture
def pooled_account(make, act, seller, manager):
    """An account of Beijing, released by the manager into Beijing's public pool."""
    account = make(seller, "accounts", name="Dalian Port Works")
    act(manager, "accounts", account, "release", reason="The salesperson left")
    account.refresh_from_db()
    return account
