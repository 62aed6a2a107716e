"""Privileges × depths (SEC-4): what a user holds, from the roles of the user and of their teams.

A user's effective depth for a privilege on an entity set is the deepest one any of their roles
grants — their own roles and the roles of every team they belong to. Everything here is computed
once per user object (one request) and kept on it, so the record filter never asks per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

DEPTHS = ("none", "user", "business_unit", "parent_child", "organization")
NONE, USER, BUSINESS_UNIT, PARENT_CHILD, ORGANIZATION = range(5)
DEPTH_RANK = {name: rank for rank, name in enumerate(DEPTHS)}
PRIVILEGES = ("create", "read", "write", "delete", "append", "append_to", "assign", "share")
MISC_PRIVILEGES = ("export", "bulk_edit", "import", "merge", "manage_users", "customize")
CACHE_ATTRIBUTE = "_rapport_security"
# A manager chain deeper than this is a data error (or a cycle); the walk stops there.
MAX_HIERARCHY_LEVELS = 20


@dataclass
class UserSecurity:
    """The effective privileges of one user, and the facts the record filter needs, cached lazily."""

    user_id: object
    business_unit_id: object
    team_ids: list
    depths: dict[str, dict[str, int]] = field(default_factory=dict)
    misc: set[str] = field(default_factory=set)
    manager_hierarchy: bool = False
    is_role_administrator: bool = False
    _unit_children: dict | None = None
    _own_subtree: list | None = None
    _managed_units: list | None = None
    _subordinates: list | None = None
    _shared_entities: set | None = None

    def depth(self, set_name: str, privilege: str) -> int:
        return self.depths.get(set_name, {}).get(privilege, NONE)

    # --- business unit tree -----------------------------------------------------------------------
    def _children(self) -> dict:
        if self._unit_children is None:
            from rapport.security.models import BusinessUnit

            children: dict = {}
            for unit_id, parent_id in BusinessUnit.objects.values_list("id", "parent_id"):
                children.setdefault(parent_id, []).append(unit_id)
            self._unit_children = children
        return self._unit_children

    def subtree(self, unit_ids) -> list:
        """The units and every unit below them (the tree is small: one query, then memory)."""
        children = self._children()
        found, frontier = [], list(unit_ids)
        seen = set()
        while frontier:
            unit = frontier.pop()
            if unit in seen:
                continue
            seen.add(unit)
            found.append(unit)
            frontier.extend(children.get(unit, []))
        return found

    def own_subtree(self) -> list:
        if self._own_subtree is None:
            self._own_subtree = self.subtree([self.business_unit_id]) if self.business_unit_id else []
        return self._own_subtree

    def managed_units(self) -> list:
        """The business units the user manages (管辖部门) and the units below them."""
        if self._managed_units is None:
            from rapport.security.models import User

            direct = list(User.managed_business_units.through.objects.filter(user_id=self.user_id)
                          .values_list("businessunit_id", flat=True))
            self._managed_units = self.subtree(direct) if direct else []
        return self._managed_units

    def subordinates(self) -> list:
        """Users below this one in the manager chain (direct and indirect reports)."""
        if self._subordinates is None:
            from rapport.security.models import User

            found: list = []
            seen = {self.user_id}
            frontier = [self.user_id]
            for _level in range(MAX_HIERARCHY_LEVELS):
                if not frontier:
                    break
                frontier = [pk for pk in User.objects.filter(manager_id__in=frontier).values_list("id", flat=True)
                            if pk not in seen]
                seen.update(frontier)
                found.extend(frontier)
            self._subordinates = found
        return self._subordinates

    def shared_entities(self) -> set:
        """Entity sets with at least one record shared with the user or one of their teams."""
        if self._shared_entities is None:
            from rapport.security.models import RecordShare

            self._shared_entities = set(RecordShare.objects.filter(self.principal_q()).values_list("entity", flat=True).distinct())
        return self._shared_entities

    def principal_q(self) -> Q:
        condition = Q(user_id=self.user_id)
        if self.team_ids:
            condition |= Q(team_id__in=self.team_ids)
        return condition


def _roles_of(user):
    from rapport.security.models import Role

    # No DISTINCT: a role reached twice (directly and through a team) changes no maximum.
    return Role.objects.filter(Q(users=user) | Q(teams__members=user)).values_list(
        "privileges", "misc_privileges", "manager_hierarchy", "code")


def security_for(user) -> UserSecurity:
    """The cached :class:`UserSecurity` of ``user`` (computed on first use for this instance)."""
    cached = user.__dict__.get(CACHE_ATTRIBUTE)
    if cached is not None:
        return cached
    security = UserSecurity(user_id=user.pk, business_unit_id=user.business_unit_id, team_ids=list(user.team_ids()))
    if user.pk:
        for privileges, misc, hierarchy, code in _roles_of(user):
            for set_name, granted in (privileges or {}).items():
                if not isinstance(granted, dict):
                    continue
                current = security.depths.setdefault(set_name, {})
                for privilege, depth in granted.items():
                    rank = DEPTH_RANK.get(depth, NONE)
                    if rank > current.get(privilege, NONE):
                        current[privilege] = rank
            security.misc.update(code for code in (misc or []) if isinstance(code, str))
            security.manager_hierarchy = security.manager_hierarchy or bool(hierarchy)
            if code == "system_administrator":
                security.is_role_administrator = True
    user.__dict__[CACHE_ATTRIBUTE] = security
    return security


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def privilege_depth(user, set_name: str, privilege: str) -> str:
    """The user's effective depth name for ``privilege`` on ``set_name``."""
    if not _active(user):
        return "none"
    if user.is_system_administrator:
        return "organization"
    return DEPTHS[security_for(user).depth(set_name, privilege)]


def effective_privileges(user) -> dict:
    """``{"<set>": {"<privilege>": "<depth>"}}`` for every registered entity (``GET /me``)."""
    from rapport.core.entities import all_entities

    result = {}
    for spec in all_entities():
        result[spec.set_name] = {privilege: privilege_depth(user, spec.set_name, privilege) for privilege in PRIVILEGES}
    return result


def has_misc_privilege(user, code: str) -> bool:
    """Whether ``user`` holds the miscellaneous privilege ``code`` (export, import, manage_users, …)."""
    if code not in MISC_PRIVILEGES:
        raise ValueError(f"unknown miscellaneous privilege {code!r}")
    if not _active(user):
        return False
    if user.is_system_administrator:
        return True
    return code in security_for(user).misc


def misc_privileges_of(user) -> list[str]:
    return [code for code in MISC_PRIVILEGES if has_misc_privilege(user, code)]
