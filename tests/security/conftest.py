"""Fixtures of the security tests: an organisation tree, roles made to measure, clients."""

from __future__ import annotations

import pytest

from rapport.core.actions.base import ActionContext

SYSTEM = None


def system() -> ActionContext:
    return ActionContext(user=None, channel="system")


@pytest.fixture(autouse=True)
def _two_factor_optional(settings):
    # SEC-8's administrator two-factor requirement is switched on by the tests about it only.
    settings.ADMIN_MFA = "optional"


@pytest.fixture
def make_role(db):
    """``make_role(privileges, misc=(), hierarchy=False, name=None)`` → a Role."""
    import itertools

    from rapport.security.models import Role, root_business_unit

    counter = itertools.count(1)

    def make(privileges: dict, *, misc=(), hierarchy: bool = False, name: str | None = None):
        return Role.objects.create(name=name or f"Test role {next(counter)}", business_unit=root_business_unit(),
                                   privileges=privileges, misc_privileges=list(misc), manager_hierarchy=hierarchy)

    return make


@pytest.fixture
def person(db):
    """``person(username, unit, roles=None, **extra)`` → a user created through the action."""
    from rapport.security.actions import create_user

    def make(username, unit=None, roles=None, **extra):
        return create_user(system(), username=username, password="Correct-Horse-9", business_unit=unit, roles=roles, **extra)

    return make



@pytest.fixture
def shipped(db):
    from rapport.security.roles import shipped_role

    return shipped_role
