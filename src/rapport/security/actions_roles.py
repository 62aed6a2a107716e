"""Security actions on roles (SEC-4) and field security profiles (SEC-6)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core.actions.base import ActionContext
from rapport.core.entities import OWNER_FIELDS, SYSTEM_FIELDS, get_entity
from rapport.core.errors import ErrorCollector, InvalidState, NotFound
from rapport.security.actions_common import (
    as_uuid,
    audit,
    check_fields,
    ids,
    reference,
    require_manage_users,
    require_object,
    role_within_actor,
    text_value,
)
from rapport.security.models import (
    DEPTHS,
    MISC_PRIVILEGES,
    RECORD_PRIVILEGES,
    BusinessUnit,
    FieldSecurityProfile,
    Role,
    Team,
    User,
    root_business_unit,
)

ROLE_WRITABLE = {"name", "business_unit", "privileges", "misc_privileges", "manager_hierarchy"}
ROLE_READ_ONLY = {"id", "is_shipped", "code", "created_on", "modified_on"}


def access_role(role_id) -> Role:
    pk = as_uuid(role_id)
    role = Role.objects.filter(pk=pk).first() if pk else None
    if role is None:
        raise NotFound()
    return role


def clean_privileges(raw, errors: ErrorCollector) -> dict | None:
    """``{"<set>": {"<privilege>": "<depth>"}}`` with known sets, privileges and depths only."""
    if not isinstance(raw, dict):
        errors.add("privileges", _("Give the privileges as {\"<set>\": {\"<privilege>\": \"<depth>\"}}."), "invalid")
        return None
    result = {}
    for set_name, granted in raw.items():
        if not isinstance(set_name, str) or get_entity(set_name) is None:
            errors.add("privileges", _("Unknown entity set \"%(set)s\".") % {"set": str(set_name)[:60]}, "unknown-entity")
            continue
        if not isinstance(granted, dict):
            errors.add("privileges", _("Give the privileges of \"%(set)s\" as an object.") % {"set": set_name}, "invalid")
            continue
        clean = {}
        for privilege, depth in granted.items():
            if privilege not in RECORD_PRIVILEGES:
                errors.add("privileges", _("Unknown privilege \"%(privilege)s\".") % {"privilege": str(privilege)[:60]}, "unknown-privilege")
            elif depth not in DEPTHS:
                errors.add("privileges", _("Unknown depth \"%(depth)s\"; use one of %(depths)s.")
                           % {"depth": str(depth)[:60], "depths": ", ".join(DEPTHS)}, "invalid-choice")
            else:
                clean[privilege] = depth
        result[set_name] = clean
    return result


def _clean_role(data, role: Role | None) -> dict:
    data = require_object(data)
    errors = ErrorCollector()
    check_fields(data, ROLE_WRITABLE, ROLE_READ_ONLY, errors)
    values = {}
    name = text_value(data, "name", errors, max_length=160, required=role is None or "name" in data)
    if name:
        values["name"] = name
    present, unit = reference(BusinessUnit, data, "business_unit", errors, nullable=True)
    if present:
        values["business_unit"] = unit or root_business_unit()
    if "privileges" in data:
        privileges = clean_privileges(data["privileges"], errors)
        if privileges is not None:
            values["privileges"] = privileges
    if "misc_privileges" in data:
        raw = data["misc_privileges"]
        if not isinstance(raw, list) or any(code not in MISC_PRIVILEGES for code in raw):
            errors.add("misc_privileges", _("Give a list of: %(codes)s.") % {"codes": ", ".join(MISC_PRIVILEGES)}, "invalid-choice")
        else:
            values["misc_privileges"] = list(dict.fromkeys(raw))
    if "manager_hierarchy" in data:
        if isinstance(data["manager_hierarchy"], bool):
            values["manager_hierarchy"] = data["manager_hierarchy"]
        else:
            errors.add("manager_hierarchy", _("Enter true or false."), "invalid")
    if "name" in values:
        unit = values.get("business_unit") or (role.business_unit if role else root_business_unit())
        taken = Role.objects.filter(name__iexact=values["name"], business_unit=unit)
        if role is not None:
            taken = taken.exclude(pk=role.pk)
        if taken.exists():
            errors.add("name", _("A role named \"%(name)s\" exists in this business unit.") % {"name": values["name"]}, "unique")
    errors.raise_if_any()
    return values


def _snapshot(role: Role) -> dict:
    return {"name": role.name, "business_unit": str(role.business_unit_id), "privileges": role.privileges,
            "misc_privileges": role.misc_privileges, "manager_hierarchy": role.manager_hierarchy}


def create_role(data, ctx: ActionContext) -> Role:
    require_manage_users(ctx)
    values = _clean_role(data, None)
    candidate = Role(name=values["name"], business_unit=values.get("business_unit") or root_business_unit(),
                     privileges=values.get("privileges", {}), misc_privileges=values.get("misc_privileges", []),
                     manager_hierarchy=values.get("manager_hierarchy", False), created_on=ctx.now, modified_on=ctx.now)
    role_within_actor(ctx, [candidate], key="privileges")
    with transaction.atomic():
        candidate.save(force_insert=True)
        audit("roles", candidate.pk, candidate.name, "create", {k: [None, v] for k, v in _snapshot(candidate).items()}, ctx)
    return candidate


def update_role(role_id, data, ctx: ActionContext) -> Role:
    """Change a role; ``privileges`` replaces the sets it names (a set left out keeps its depths)."""
    require_manage_users(ctx)
    with transaction.atomic():
        role = access_role(role_id)
        values = _clean_role(data, role)
        before = _snapshot(role)
        if "privileges" in values:
            merged = dict(role.privileges or {})
            merged.update(values.pop("privileges"))
            role.privileges = merged
        for key, value in values.items():
            setattr(role, key, value)
        role_within_actor(ctx, [role], key="privileges")
        after = _snapshot(role)
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changes:
            role.modified_on = ctx.now
            role.save()
            audit("roles", role.pk, role.name, "update", changes, ctx)
        if ctx.user is not None:
            ctx.user.forget_security_cache()
    return role


def delete_role(role_id, ctx: ActionContext) -> None:
    """Delete a role of your own making; the shipped roles stay."""
    require_manage_users(ctx)
    with transaction.atomic():
        role = access_role(role_id)
        if role.is_shipped:
            raise InvalidState(_("A shipped role cannot be deleted; change its privileges instead."))
        role_within_actor(ctx, [role], key="privileges")
        name, pk = role.name, role.pk
        role.delete()
        audit("roles", pk, name, "delete", {"name": [name, None]}, ctx)


# --- field security profiles ---------------------------------------------------------------------------

PROFILE_WRITABLE = {"name", "description", "fields", "members"}
PROFILE_READ_ONLY = {"id", "created_on"}


def access_profile(profile_id) -> FieldSecurityProfile:
    pk = as_uuid(profile_id)
    profile = FieldSecurityProfile.objects.filter(pk=pk).first() if pk else None
    if profile is None:
        raise NotFound()
    return profile


def _clean_profile(data, profile) -> dict:
    data = require_object(data)
    errors = ErrorCollector()
    check_fields(data, PROFILE_WRITABLE, PROFILE_READ_ONLY, errors)
    values = {}
    name = text_value(data, "name", errors, max_length=160, required=profile is None or "name" in data)
    if name:
        taken = FieldSecurityProfile.objects.filter(name__iexact=name)
        if profile is not None:
            taken = taken.exclude(pk=profile.pk)
        if taken.exists():
            errors.add("name", _("A profile named \"%(name)s\" exists.") % {"name": name}, "unique")
        values["name"] = name
    description = text_value(data, "description", errors, max_length=2000)
    if description is not None:
        values["description"] = description
    if "fields" in data:
        raw = data["fields"]
        if not isinstance(raw, dict):
            errors.add("fields", _("Give the fields as {\"<set>.<field>\": {\"read\": true, \"update\": false}}."), "invalid")
        else:
            clean = {}
            for key, grant in raw.items():
                set_name, _dot, field_name = str(key).partition(".")
                spec = get_entity(set_name)
                fs = spec.get_field(field_name) if spec is not None else None
                if fs is None:
                    errors.add("fields", _("Unknown field \"%(field)s\".") % {"field": str(key)[:80]}, "unknown-field")
                    continue
                if field_name in SYSTEM_FIELDS or field_name in OWNER_FIELDS or field_name == spec.primary_field or fs.system:
                    errors.add("fields", _("The field \"%(field)s\" cannot be secured.") % {"field": key}, "invalid")
                    continue
                if not isinstance(grant, dict) or set(grant) - {"read", "update"} or not all(isinstance(v, bool) for v in grant.values()):
                    errors.add("fields", _("Give \"%(field)s\" as {\"read\": true|false, \"update\": true|false}.") % {"field": key}, "invalid")
                    continue
                clean[key] = {"read": bool(grant.get("read")), "update": bool(grant.get("update"))}
            values["fields"] = clean
    if "members" in data:
        raw = data["members"]
        if not isinstance(raw, list):
            errors.add("members", _("Give a list of user and team ids."), "invalid")
        else:
            users, teams = [], []
            for item in raw:
                pk = as_uuid(item)
                user = User.objects.filter(pk=pk).first() if pk else None
                team = Team.objects.filter(pk=pk).first() if pk and user is None else None
                if user is None and team is None:
                    errors.add("members", _("The record %(id)s does not exist.") % {"id": str(item)[:40]}, "does-not-exist")
                    break
                (users if user is not None else teams).append(user or team)
            values["users"], values["teams"] = users, teams
    errors.raise_if_any()
    return values


def _members(profile) -> list[str]:
    return ids([*profile.users.all(), *profile.teams.all()])


def create_field_security_profile(data, ctx: ActionContext) -> FieldSecurityProfile:
    require_manage_users(ctx)
    values = _clean_profile(data, None)
    with transaction.atomic():
        profile = FieldSecurityProfile.objects.create(name=values["name"], description=values.get("description", ""),
                                                      fields=values.get("fields", {}), created_on=ctx.now)
        profile.users.set(values.get("users", []))
        profile.teams.set(values.get("teams", []))
        audit("field-security-profiles", profile.pk, profile.name, "create",
              {"name": [None, profile.name], "fields": [None, profile.fields], "members": [None, _members(profile)]}, ctx)
    return profile


def update_field_security_profile(profile_id, data, ctx: ActionContext) -> FieldSecurityProfile:
    require_manage_users(ctx)
    with transaction.atomic():
        profile = access_profile(profile_id)
        values = _clean_profile(data, profile)
        changes = {}
        for key in ("name", "description", "fields"):
            if key in values and getattr(profile, key) != values[key]:
                changes[key] = [getattr(profile, key), values[key]]
                setattr(profile, key, values[key])
        if changes:
            profile.save()
        if "users" in values:
            before = _members(profile)
            profile.users.set(values["users"])
            profile.teams.set(values["teams"])
            after = _members(profile)
            if before != after:
                changes["members"] = [before, after]
        if changes:
            audit("field-security-profiles", profile.pk, profile.name, "update", changes, ctx)
    return profile


def delete_field_security_profile(profile_id, ctx: ActionContext) -> None:
    require_manage_users(ctx)
    with transaction.atomic():
        profile = access_profile(profile_id)
        name, pk = profile.name, profile.pk
        profile.delete()
        audit("field-security-profiles", pk, name, "delete", {"name": [name, None]}, ctx)

