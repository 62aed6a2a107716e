"""Security actions on the organisation: business units (SEC-1) and teams (SEC-3)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from rapport.core.actions.base import ActionContext
from rapport.core.errors import ErrorCollector, HasDependents, InvalidState, NotFound
from rapport.security.actions_common import (
    as_uuid,
    audit,
    check_fields,
    ids,
    reference,
    references,
    require_manage_users,
    require_object,
    role_within_actor,
    text_value,
)
from rapport.security.models import BusinessUnit, Role, Team, User

# --- business units ---------------------------------------------------------------------------------

UNIT_WRITABLE = {"name", "parent"}
UNIT_READ_ONLY = {"id", "is_active", "created_on", "path"}


def access_business_unit(unit_id) -> BusinessUnit:
    pk = as_uuid(unit_id)
    unit = BusinessUnit.objects.filter(pk=pk).first() if pk else None
    if unit is None:
        raise NotFound()
    return unit


def ancestors(unit: BusinessUnit | None) -> list:
    """The unit and the units above it, nearest first (stops on a cycle in bad data)."""
    chain, seen = [], set()
    while unit is not None and unit.pk not in seen:
        chain.append(unit)
        seen.add(unit.pk)
        unit = unit.parent
    return chain


def _clean_unit(data, unit: BusinessUnit | None) -> dict:
    data = require_object(data)
    errors = ErrorCollector()
    check_fields(data, UNIT_WRITABLE, UNIT_READ_ONLY, errors)
    values = {}
    name = text_value(data, "name", errors, max_length=160, required=unit is None or "name" in data)
    if name:
        taken = BusinessUnit.objects.filter(name__iexact=name)
        if unit is not None:
            taken = taken.exclude(pk=unit.pk)
        if taken.exists():
            errors.add("name", _("A business unit named \"%(name)s\" exists.") % {"name": name}, "unique")
        values["name"] = name
    is_root = unit is not None and unit.parent_id is None
    present, parent = reference(BusinessUnit, data, "parent", errors, required=unit is None, nullable=is_root)
    if present:
        if is_root and parent is not None:
            errors.add("parent", _("The root business unit has no parent."), "invalid")
        elif unit is not None and parent is not None and any(a.pk == unit.pk for a in ancestors(parent)):
            errors.add("parent", _("A business unit cannot be placed under itself or one of its own units."), "cycle")
        elif parent is not None and not parent.is_active:
            errors.add("parent", _("The parent business unit is disabled."), "inactive")
        values["parent"] = parent
    errors.raise_if_any()
    return values


def create_business_unit(data, ctx: ActionContext) -> BusinessUnit:
    """A new unit under ``parent`` (HC360 "新增部门"); names are unique across the organisation."""
    require_manage_users(ctx)
    values = _clean_unit(data, None)
    with transaction.atomic():
        unit = BusinessUnit.objects.create(name=values["name"], parent=values["parent"], created_on=ctx.now)
        audit("business-units", unit.pk, unit.name, "create",
              {"name": [None, unit.name], "parent": [None, str(unit.parent_id)]}, ctx)
    return unit


def update_business_unit(unit_id, data, ctx: ActionContext) -> BusinessUnit:
    """Rename or move a unit; a parent that would make a cycle is refused (``errors.parent``)."""
    require_manage_users(ctx)
    with transaction.atomic():
        unit = access_business_unit(unit_id)
        values = _clean_unit(data, unit)
        changes = {}
        if "name" in values and values["name"] != unit.name:
            changes["name"] = [unit.name, values["name"]]
            unit.name = values["name"]
        if "parent" in values:
            new_id = values["parent"].pk if values["parent"] else None
            if new_id != unit.parent_id:
                changes["parent"] = [str(unit.parent_id) if unit.parent_id else None, str(new_id) if new_id else None]
                unit.parent = values["parent"]
        if changes:
            unit.save(update_fields=["name", "parent"])
            audit("business-units", unit.pk, unit.name, "update", changes, ctx)
    return unit


def set_business_unit_active(unit_id, active: bool, ctx: ActionContext) -> BusinessUnit:
    """Disable (its users, and the users of the units below it, cannot sign in) or enable a unit."""
    require_manage_users(ctx)
    with transaction.atomic():
        unit = access_business_unit(unit_id)
        if unit.is_active == active:
            raise InvalidState(_("The business unit is already enabled.") if active else _("The business unit is already disabled."))
        if not active and unit.parent_id is None:
            raise InvalidState(_("The root business unit cannot be disabled."))
        if active and unit.parent is not None and not unit.parent.is_active:
            raise InvalidState(_("Enable the parent business unit first."))
        if not active and ctx.user is not None and ctx.user.business_unit_id in _subtree_ids(unit):
            raise InvalidState(_("You cannot disable your own business unit."))
        unit.is_active = active
        unit.save(update_fields=["is_active"])
        audit("business-units", unit.pk, unit.name, "state", {"is_active": [not active, active]}, ctx)
    return unit


def _subtree_ids(unit: BusinessUnit) -> set:
    found, frontier = {unit.pk}, [unit.pk]
    while frontier:
        frontier = [pk for pk in BusinessUnit.objects.filter(parent_id__in=frontier).values_list("id", flat=True) if pk not in found]
        found.update(frontier)
    return found


def business_unit_usable(unit_id) -> bool:
    """A unit and every unit above it are enabled (a user of a disabled unit cannot sign in)."""
    unit = BusinessUnit.objects.filter(pk=unit_id).first()
    return unit is not None and all(u.is_active for u in ancestors(unit))


def business_unit_path(unit: BusinessUnit) -> str:
    """"Company / Branch / Department" for display."""
    return " / ".join(u.name for u in reversed(ancestors(unit)))


# --- teams --------------------------------------------------------------------------------------------

TEAM_WRITABLE = {"name", "business_unit", "members", "roles"}
TEAM_READ_ONLY = {"id", "created_on"}


def access_team(team_id) -> Team:
    pk = as_uuid(team_id)
    team = Team.objects.filter(pk=pk).first() if pk else None
    if team is None:
        raise NotFound()
    return team


def _clean_team(data, team: Team | None) -> dict:
    data = require_object(data)
    errors = ErrorCollector()
    check_fields(data, TEAM_WRITABLE, TEAM_READ_ONLY, errors)
    values = {}
    name = text_value(data, "name", errors, max_length=160, required=team is None or "name" in data)
    if name:
        taken = Team.objects.filter(name__iexact=name)
        if team is not None:
            taken = taken.exclude(pk=team.pk)
        if taken.exists():
            errors.add("name", _("A team named \"%(name)s\" exists.") % {"name": name}, "unique")
        values["name"] = name
    present, unit = reference(BusinessUnit, data, "business_unit", errors, required=team is None, nullable=False)
    if present:
        if not unit.is_active:
            errors.add("business_unit", _("The business unit is disabled."), "inactive")
        values["business_unit"] = unit
    present, members = references(User, data, "members", errors)
    if present:
        if any(not m.is_active for m in members):
            errors.add("members", _("A disabled user cannot join a team."), "inactive-user")
        values["members"] = members
    present, roles = references(Role, data, "roles", errors)
    if present:
        values["roles"] = roles
    errors.raise_if_any()
    return values


def _check_team_escalation(team: Team | None, values: dict, ctx: ActionContext) -> None:
    """Joining a team gives its roles: an administrator who is not a system administrator may
    neither give a team a role beyond their own nor join a team that holds one."""
    if ctx.user is None or ctx.user.is_system_administrator:
        return
    roles = values.get("roles", list(team.roles.all()) if team is not None else [])
    if "roles" in values:
        role_within_actor(ctx, roles)
    members = values.get("members")
    if members is not None and any(m.pk == ctx.user.pk for m in members):
        already = team is not None and team.members.filter(pk=ctx.user.pk).exists()
        if not already:
            role_within_actor(ctx, roles, key="members")


def create_team(data, ctx: ActionContext) -> Team:
    require_manage_users(ctx)
    values = _clean_team(data, None)
    _check_team_escalation(None, values, ctx)
    with transaction.atomic():
        team = Team.objects.create(name=values["name"], business_unit=values["business_unit"], created_on=ctx.now)
        team.members.set(values.get("members", []))
        team.roles.set(values.get("roles", []))
        audit("teams", team.pk, team.name, "create", {
            "name": [None, team.name], "business_unit": [None, str(team.business_unit_id)],
            "members": [None, ids(values.get("members", []))], "roles": [None, ids(values.get("roles", []))],
        }, ctx)
    return team


def update_team(team_id, data, ctx: ActionContext) -> Team:
    """Rename, move, change members or roles. Records owned by the team follow it to a new unit."""
    require_manage_users(ctx)
    with transaction.atomic():
        team = access_team(team_id)
        values = _clean_team(data, team)
        _check_team_escalation(team, values, ctx)
        changes = {}
        if "name" in values and values["name"] != team.name:
            changes["name"] = [team.name, values["name"]]
            team.name = values["name"]
        if "business_unit" in values and values["business_unit"].pk != team.business_unit_id:
            changes["business_unit"] = [str(team.business_unit_id), str(values["business_unit"].pk)]
            team.business_unit = values["business_unit"]
        if changes:
            team.save(update_fields=["name", "business_unit"])
        if "business_unit" in changes:
            from rapport.core.entities import all_entities

            for spec in all_entities():
                if spec.is_owned:
                    spec.model.objects.filter(owner_team_id=team.pk).update(owning_business_unit_id=team.business_unit_id)
        for key in ("members", "roles"):
            if key in values:
                manager = getattr(team, key)
                before, after = ids(manager.all()), ids(values[key])
                if before != after:
                    manager.set(values[key])
                    changes[key] = [before, after]
        if changes:
            audit("teams", team.pk, team.name, "update", changes, ctx)
        if ctx.user is not None:
            ctx.user.forget_security_cache()
    return team


def delete_team(team_id, ctx: ActionContext) -> None:
    """Delete a team that owns no records (assign them first)."""
    require_manage_users(ctx)
    with transaction.atomic():
        team = access_team(team_id)
        name, pk = team.name, team.pk
        try:
            with transaction.atomic():
                team.delete()
        except ProtectedError:
            detail = _("The team owns records; assign them to someone else first.")
            raise HasDependents(detail, errors={"non_field_errors": [detail]}, codes={"non_field_errors": ["has-dependents"]})
        audit("teams", pk, name, "delete", {"name": [name, None]}, ctx)
