"""Who may release, abandon and claim pool records, and the capacity rule (SAL-21, SAL-23).

Pure predicates (``can_*`` return the reason an action cannot run now, or None) used by the actions
as preconditions and by the record page to show only the buttons that work.

Decisions:

* **release** (to the business unit's public pool) is for managers and data administrators: the
  ``assign`` privilege on the record *and* either that privilege at business-unit depth or deeper on
  the entity set, or being the manager of the record's business unit or of its owner. A salesperson
  hands a customer back with **abandon** instead.
* **abandon** (to the agent administrator's pool) is for the record's owner (or a member of the
  owning team), with the ``write`` privilege.
* **claim** needs only ``read`` from the runner — a pooled record is readable through the pool clause
  of the record filter but writable by nobody below organisation depth — and this module decides the
  rest: the record is in a pool, the caller may own records of the set (``write`` at user depth or
  more), and the pool is theirs: the public pool of their business unit (or of a unit below it, with
  ``write`` at parent:child depth), the agent pool for Agent Administrators; organisation-depth
  writers (data administrators) claim from any pool.
  The capacity check runs in the action, under a lock, and answers 409 ``capacity-reached``.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from rapport.core.permissions.privileges import BUSINESS_UNIT, NONE, ORGANIZATION, PARENT_CHILD, security_for
from rapport.pool.models import (
    DEFAULT_CAPACITY,
    DEFAULT_DAILY_EFFECTIVE_CONTACTS,
    DEFAULT_DAILY_NEW_CUSTOMERS,
    DEFAULT_RETURN_AFTER_DAYS,
    PoolRule,
)

PUBLIC = "public"
AGENT = "agent"
POOLS = (PUBLIC, AGENT)
# The entity sets with a pool, and the state in which a record counts against the capacity.
POOL_SETS = {"accounts": "active", "leads": "open"}
AGENT_ADMINISTRATOR = "agent_administrator"
_AGENT_CACHE = "_rapport_pool_agent_administrator"


def is_agent_administrator(user) -> bool:
    """Whether ``user`` holds the Agent Administrator role, directly or through a team (cached on the user)."""
    cached = user.__dict__.get(_AGENT_CACHE)
    if cached is None:
        from rapport.security.models import Role

        cached = bool(user.pk) and Role.objects.filter(code=AGENT_ADMINISTRATOR).filter(
            Q(users=user) | Q(teams__members=user)).exists()
        user.__dict__[_AGENT_CACHE] = cached
    return cached


def in_pool(record) -> bool:
    return record.pool in POOLS and not record.owner_user_id and not record.owner_team_id


# --- rules as data ------------------------------------------------------------------------------


DEFAULTS = {"capacity": DEFAULT_CAPACITY, "return_after_days": DEFAULT_RETURN_AFTER_DAYS,
            "daily_new_customers": DEFAULT_DAILY_NEW_CUSTOMERS, "daily_effective_contacts": DEFAULT_DAILY_EFFECTIVE_CONTACTS}


def _resolve(unit_id, rows: dict, parents: dict | None) -> dict:
    found = None
    seen = set()
    current = unit_id
    while parents is not None and current is not None and current not in seen:
        if current in rows:
            found = rows[current]
            break
        seen.add(current)
        current = parents.get(current)
    found = found or rows.get(None)
    if found is None:
        return dict(DEFAULTS)
    return {name: found[name] for name in DEFAULTS}


def _rows() -> dict:
    return {row["business_unit_id"]: row for row in PoolRule.objects.values("business_unit_id", *DEFAULTS)}


def _parents() -> dict:
    from rapport.security.models import BusinessUnit

    return dict(BusinessUnit.objects.values_list("id", "parent_id"))


def rule_for_unit(unit_id) -> dict:
    """The effective rules of a business unit: its own row, else the nearest parent's, else the
    organisation's, else the defaults. ``{"capacity": int, "return_after_days": int}``."""
    rows = _rows()
    needs_tree = unit_id is not None and any(key is not None for key in rows)
    return _resolve(unit_id, rows, _parents() if needs_tree else None)


def rules_by_unit() -> dict:
    """The effective rules of every business unit (two queries)."""
    rows, parents = _rows(), _parents()
    return {unit_id: _resolve(unit_id, rows, parents) for unit_id in parents}


def capacity_of(user) -> int:
    """How many active accounts and open leads ``user`` may own (SAL-23)."""
    return rule_for_unit(user.business_unit_id)["capacity"]


def held_by(user) -> int:
    """The active accounts and open leads ``user`` owns themself (team-owned records do not count)."""
    from rapport.core.entities import get_entity

    total = 0
    for set_name, state in POOL_SETS.items():
        total += get_entity(set_name).model.objects.filter(owner_user_id=user.pk, state=state).count()
    return total


# --- predicates ---------------------------------------------------------------------------------


def _is_administrator(user) -> bool:
    return bool(getattr(user, "is_system_administrator", False))


def manages(user, spec, record) -> bool:
    """A manager or data administrator for ``record``: deep ``assign``, or the manager of its unit or owner."""
    if _is_administrator(user):
        return True
    security = security_for(user)
    if security.depth(spec.set_name, "assign") >= BUSINESS_UNIT:
        return True
    if record.owning_business_unit_id and record.owning_business_unit_id in security.managed_units():
        return True
    return bool(security.manager_hierarchy and record.owner_user_id and record.owner_user_id in security.subordinates())


def can_release(spec, record, user) -> str | None:
    if in_pool(record) or not (record.owner_user_id or record.owner_team_id):
        return _("The record is already in a pool.")
    if not manages(user, spec, record):
        return _("Only a manager or a data administrator releases records to the public pool; abandon it instead.")
    return None


def can_abandon(spec, record, user) -> str | None:
    if in_pool(record) or not (record.owner_user_id or record.owner_team_id):
        return _("The record is already in a pool.")
    if record.owner_user_id != user.pk and record.owner_team_id not in user.team_ids():
        return _("Only the record's owner can abandon it.")
    return None


def can_claim(spec, record, user) -> str | None:
    if not in_pool(record):
        return _("The record is not in a pool (someone may have claimed it already).")
    if _is_administrator(user):
        return None
    security = security_for(user)
    write = security.depth(spec.set_name, "write")
    if write == NONE:
        return _("Your roles do not let you own %(entities)s, so you cannot claim one.") % {
            "entities": str(spec.label_plural).lower()}
    if write >= ORGANIZATION:
        return None
    if record.pool == AGENT:
        if not is_agent_administrator(user):
            return _("Only an agent administrator claims from the agent administrator's pool.")
        return None
    reaches = record.owning_business_unit_id == user.business_unit_id or (
        write >= PARENT_CHILD and record.owning_business_unit_id in security.own_subtree())
    if not user.business_unit_id or not reaches:
        return _("The record is in another business unit's pool.")
    return None
