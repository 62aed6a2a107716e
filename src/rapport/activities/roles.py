"""Privileges of the per-type activity sets and contact logs follow those of ``activities``.

The per-type sets read and write the one activity table, whose record filter uses the
``activities`` privileges; only *create* is checked per set. So that a role that may create
activities may create tasks, calls … and contact logs too, each role's privileges for those sets
start as a copy of its ``activities`` privileges (only while they are still the shipped defaults,
so an administrator's change is kept). Runs after ``migrate``, after the shipped roles are synced.
"""

from __future__ import annotations

from rapport.activities.choices import TYPE_SETS

FOLLOWERS = [*TYPE_SETS.values(), "contact-logs"]


def ensure_default_data() -> None:
    """The escalation rules and maturity classes an organisation starts with, when it has none
    (the migration creates them; a flushed database, e.g. between tests, gets them back here)."""
    from importlib import import_module

    from django.apps import apps

    seed = import_module("rapport.activities.migrations.0002_default_rules_and_maturity_classes")
    seed.create(apps, None)


def sync_activity_privileges(sender=None, **kwargs) -> int:
    """Copy each role's ``activities`` privileges to the follower sets still at their defaults."""
    if kwargs.get("using", "default") != "default":
        return 0
    try:
        ensure_default_data()
    except Exception:  # the tables are not there yet (migrating backwards)
        return 0
    from rapport.core.entities import get_entity
    from rapport.security.models import Role
    from rapport.security.roles import SHIPPED_ROLES, template_privileges

    try:
        roles = list(Role.objects.all())
    except Exception:  # the table is not there yet (migrating backwards)
        return 0
    changed = 0
    for role in roles:
        privileges = dict(role.privileges or {})
        source = privileges.get("activities")
        if not source:
            continue
        dirty = False
        for set_name in FOLLOWERS:
            spec = get_entity(set_name)
            if spec is None:
                continue
            current = privileges.get(set_name)
            default = template_privileges(role.code, spec) if role.code in SHIPPED_ROLES else None
            if current is None or current == default:
                if current != source:
                    privileges[set_name] = dict(source)
                    dirty = True
        if dirty:
            role.privileges = privileges
            role.save(update_fields=["privileges"])
            changed += 1
    return changed
