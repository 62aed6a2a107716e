"""Fixtures of the activities tests: a sales team (manager with a salesperson) and helpers."""

import pytest


@pytest.fixture
def manager(make_user):
    from rapport.security.roles import shipped_role

    return make_user("mia", full_name="Mia Manager", email="mia@example.com", roles=[shipped_role("sales_manager")])


@pytest.fixture
def seller(make_user, manager):
    return make_user("sam", full_name="Sam Seller", email="sam@example.com", manager=manager)


@pytest.fixture
def account_of():
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    def make(user, **data):
        return create_record(get_entity("accounts"), {"name": "Acme Mining", **data},
                             ActionContext(user=user, channel="api")).record

    return make


@pytest.fixture
def activity_of():
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    def make(user, set_name="tasks", **data):
        return create_record(get_entity(set_name), {"subject": "Prepare the offer", **data},
                             ActionContext(user=user, channel="api")).record

    return make


@pytest.fixture
def act():
    """``act(user, set, id, action, inputs)`` runs an action through the runner."""
    from rapport.core.actions.base import ActionContext, run_action

    def run(user, set_name, pk, action, inputs=None, now=None):
        return run_action(set_name, pk, action, ActionContext(user=user, channel="api", now=now), inputs or {})

    return run
