"""The record filter: which records a user holds a privilege on, as one ``Q``.

Authorization is a privilege check, then an access check, and the grants are a union
(ANCHORS §6; Dataverse's model):

* the user's effective depth for the privilege on the entity set (the deepest any of their roles
  or their teams' roles grants, ``privileges.py``) selects

  - ``user``: records owned by the user or by one of their teams,
  - ``business_unit``: … plus records whose owning business unit is the user's,
  - ``parent_child``: … plus records owned in the user's unit or any unit below it,
  - ``organization``: every record;

* with any depth from ``user`` up, a manager also reaches the records owned by the business units
  they manage (and their sub-units), and — when one of their roles has ``manager_hierarchy`` —
  the records owned by the users below them in the manager chain (SEC-9);
* whatever the depth, including none, records shared with the user or one of their teams with
  that right (``RecordShare``): a role never hides what a share grants.

Everything is set-based: one ``Q`` of columns and sub-queries, never a check per row. The facts
it needs (roles, teams, sub-trees, reports, which sets have shares) are read once per user object.
Organisation-owned entities (not ``OwnedRecord``) know only none and organisation: any depth
grants every record. Entities whose access follows another record (notes, connections) declare
``read_filter`` on their spec; a depth other than none (or organisation) delegates to it.
"""

from django.db.models import Q

from rapport.core.entities import all_entities, entity_for_model
from rapport.core.permissions.privileges import (
    BUSINESS_UNIT,
    NONE,
    ORGANIZATION,
    PARENT_CHILD,
    PRIVILEGES,
    USER,
    has_misc_privilege,
    security_for,
)
from rapport.core.registry import registry

NOTHING = Q(pk__in=[])

__all__ = ["PRIVILEGES", "NOTHING", "record_filter_q", "can_create", "readable_ids_q", "has_misc_privilege", "owned_q"]


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and bool(user.is_active)


def owned_q(user) -> Q:
    """Records owned by ``user`` or by one of their teams."""
    condition = Q(owner_user_id=user.pk)
    team_ids = user.team_ids()
    if team_ids:
        condition |= Q(owner_team_id__in=team_ids)
    return condition


def same_table_sets(spec) -> list[str]:
    """The sets whose records live in ``spec``'s table (an activity set and its per-type proxies):
    a share given through one of them holds through every other."""
    concrete = spec.model._meta.concrete_model
    return [other.set_name for other in all_entities() if other.model._meta.concrete_model is concrete]


def shared_q(spec, user, privilege: str) -> Q | None:
    """Records of ``spec`` shared with the user or their teams with ``privilege`` (None when none are)."""
    if privilege == "create":
        return None
    security = security_for(user)
    sets = [name for name in same_table_sets(spec) if name in security.shared_entities()]
    if not sets:
        return None
    from rapport.security.models import RecordShare

    shares = RecordShare.objects.filter(security.principal_q(), entity__in=sets, **{f"can_{privilege}": True})
    return Q(pk__in=shares.values("record_id"))


def spec_of(model):
    """The entity of ``model`` itself (a per-type proxy has its own set and privileges), else of its table."""
    table_spec = entity_for_model(model)  # also makes sure the registry is finalized
    return registry["models"].get(model) or table_spec


# The customer pool (SAL-21): records nobody owns that wait in a pool are readable beyond the owner-based
# depths (the pool's business unit, agent administrators). The pool app registers the condition here
# (``rapport.pool.visibility.pool_read_q``), so every list, count, search, export and API read sees the
# same pool. Each grant, in ``registry["read_grants"]``, is ``grant(spec, user, read_rank) -> Q | None``;
# it adds to ``read`` only.


def _owned_entity_q(spec, user, privilege: str, rank: int) -> Q:
    security = security_for(user)
    parts = []
    if rank >= ORGANIZATION:
        return Q()
    if rank >= USER:
        parts.append(owned_q(user))
        if rank == BUSINESS_UNIT and user.business_unit_id:
            parts.append(Q(owning_business_unit_id=user.business_unit_id))
        elif rank == PARENT_CHILD and user.business_unit_id:
            parts.append(Q(owning_business_unit_id__in=security.own_subtree()))
        managed = security.managed_units()
        if managed:
            parts.append(Q(owning_business_unit_id__in=managed))
        if security.manager_hierarchy:
            reports = security.subordinates()
            if reports:
                parts.append(Q(owner_user_id__in=reports))
    shared = shared_q(spec, user, privilege)
    if shared is not None:
        parts.append(shared)
    if privilege == "read":
        for grant in registry["read_grants"].values():  # the customer pool, see above
            pooled = grant(spec, user, rank)
            if pooled is not None:
                parts.append(pooled)
    if not parts:
        return NOTHING
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


def record_filter_q(model, user, privilege: str = "read") -> Q:
    """The condition selecting the records of ``model`` that ``user`` holds ``privilege`` on."""
    if privilege not in PRIVILEGES:
        raise ValueError(f"unknown privilege {privilege!r}")
    if not _active(user):
        return NOTHING
    if user.is_system_administrator:
        return Q()
    spec = spec_of(model)
    if spec is None:
        # Not a registered entity: read by everyone, changed by administrators only.
        return Q() if privilege == "read" else NOTHING
    rank = security_for(user).depth(spec.set_name, privilege)
    if spec.read_filter is not None:
        if rank == NONE:
            return NOTHING
        if rank >= ORGANIZATION:
            return Q()
        return spec.read_filter(user, privilege)
    if not spec.is_owned:
        return Q() if rank > NONE else NOTHING
    return _owned_entity_q(spec, user, privilege, rank)


def can_create(user, spec) -> bool:
    """Whether ``user`` may create records of ``spec`` at all (before field checks)."""
    if not _active(user):
        return False
    if user.is_system_administrator:
        return True
    return bool(spec.creatable) and security_for(user).depth(spec.set_name, "create") > NONE


def readable_ids_q(user, entity_set: str, column: str) -> Q:
    """``column`` points at a readable record of ``entity_set`` (used for polymorphic references)."""
    from rapport.core.entities import get_entity

    spec = get_entity(entity_set)
    if spec is None:
        return NOTHING
    if user.is_system_administrator:
        return Q()
    return Q(**{f"{column}__in": spec.model.objects.for_user(user, "read").values("pk")})
