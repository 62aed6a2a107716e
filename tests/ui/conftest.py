"""Fixtures for the browser interface's server-side tests: signed-in clients and records made by actions."""

import pytest


@pytest.fixture
def make_record():
    """``make_record(user, "accounts", name=…)`` creates through the generic create action."""
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    def make(user, set_name, **data):
        return create_record(get_entity(set_name), data, ActionContext(user=user, channel="api")).record

    return make
