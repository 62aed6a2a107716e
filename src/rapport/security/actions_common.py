"""What the security actions share: the audit entry, the administrator check, input helpers."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rapport.core.actions.base import ActionContext
from rapport.core.errors import ErrorCollector, NotFound, PermissionDenied, RecordValidationError
from rapport.core.models import AuditEntry
from rapport.core.permissions.access import as_uuid
from rapport.core.permissions.privileges import DEPTH_RANK, MISC_PRIVILEGES, has_misc_privilege, security_for


def audit(entity: str, record_id, record_name: str, action: str, changes: dict, ctx: ActionContext) -> AuditEntry:
    """One audit entry for a change to a user, business unit, team, role or profile."""
    return AuditEntry.objects.create(
        entity=entity, record_id=record_id, record_name=str(record_name)[:255], action=action, changes=changes,
        user_id=ctx.user.pk if getattr(ctx.user, "pk", None) else None, channel=ctx.channel,
        request_id=ctx.request_id, occurred_on=ctx.now,
    )


def is_system(ctx: ActionContext) -> bool:
    """The system itself acts (CLI, migrations, demo data): no person to check."""
    return ctx.user is None


def require_manage_users(ctx: ActionContext) -> None:
    """Only holders of the ``manage_users`` privilege administer users, units, teams and roles."""
    if is_system(ctx):
        return
    if not has_misc_privilege(ctx.user, "manage_users"):
        raise PermissionDenied(_("You need the \"Manage users\" privilege for this."))


def require_object(data) -> dict:
    if not isinstance(data, dict):
        raise RecordValidationError({"non_field_errors": [_("Send a JSON object.")]}, {"non_field_errors": ["invalid"]})
    return data


def check_fields(data: dict, writable: set[str], read_only: set[str], errors: ErrorCollector) -> None:
    """Unknown fields (``unknown-field``) and read-only ones (``read-only``) are refused by name."""
    for key in data:
        if key in read_only:
            errors.add(str(key), _("This field is read-only."), "read-only")
        elif key not in writable:
            errors.add(str(key), _("Unknown field \"%(field)s\".") % {"field": key}, "unknown-field")


def text_value(data: dict, key: str, errors: ErrorCollector, *, max_length: int, required: bool = False) -> str | None:
    """A trimmed text value; None when absent (and not required)."""
    if key not in data:
        if required:
            errors.add(key, _("This field is required."), "required")
        return None
    raw = data[key]
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        errors.add(key, _("Enter text."), "invalid")
        return None
    value = raw.strip()
    if "\x00" in value:
        errors.add(key, _("The text contains a null character."), "invalid")
        return None
    if required and not value:
        errors.add(key, _("This field is required."), "required")
        return None
    if len(value) > max_length:
        errors.add(key, _("Ensure this value has at most %(limit)d characters (it has %(length)d).")
                   % {"limit": max_length, "length": len(value)}, "too-long")
        return None
    return value


def reference(model, data: dict, key: str, errors: ErrorCollector, *, required: bool = False, nullable: bool = True):
    """A referenced row by id; ``(present, row_or_None)``."""
    if key not in data:
        if required:
            errors.add(key, _("This field is required."), "required")
        return False, None
    raw = data[key]
    if raw in (None, ""):
        if required or not nullable:
            errors.add(key, _("This field is required."), "required")
            return False, None
        return True, None
    pk = as_uuid(raw)
    row = model.objects.filter(pk=pk).first() if pk else None
    if row is None:
        errors.add(key, _("The record %(id)s does not exist.") % {"id": str(raw)[:40]}, "does-not-exist")
        return False, None
    return True, row


def references(model, data: dict, key: str, errors: ErrorCollector):
    """A list of referenced rows by id; ``(present, rows)``."""
    if key not in data:
        return False, []
    raw = data[key]
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        errors.add(key, _("Give a list of ids."), "invalid")
        return False, []
    ids = []
    for item in raw:
        pk = as_uuid(item)
        if pk is None:
            errors.add(key, _("Enter a valid id."), "invalid")
            return False, []
        ids.append(pk)
    rows = list(model.objects.filter(pk__in=ids))
    missing = set(ids) - {row.pk for row in rows}
    if missing:
        errors.add(key, _("The record %(id)s does not exist.") % {"id": sorted(str(m) for m in missing)[0]}, "does-not-exist")
        return False, []
    return True, rows


def boolean_value(data: dict, key: str, errors: ErrorCollector):
    if key not in data:
        return None
    raw = data[key]
    if isinstance(raw, bool):
        return raw
    errors.add(key, _("Enter true or false."), "invalid")
    return None


def role_within_actor(ctx: ActionContext, roles, key: str = "roles") -> None:
    """A role administrator who is not a system administrator grants nothing they do not hold."""
    if is_system(ctx) or ctx.user.is_system_administrator:
        return
    mine = security_for(ctx.user)
    for role in roles:
        if role.code == "system_administrator":
            raise PermissionDenied(_("Only a system administrator may give the System Administrator role."),
                                   errors={key: [_("You may not give more privileges than you hold.")]},
                                   codes={key: ["escalation"]})
        exceeds = any(
            DEPTH_RANK.get(depth, 0) > mine.depth(set_name, privilege)
            for set_name, granted in (role.privileges or {}).items() if isinstance(granted, dict)
            for privilege, depth in granted.items()
        ) or any(code in MISC_PRIVILEGES and code not in mine.misc for code in role.misc_privileges or [])
        if exceeds:
            raise PermissionDenied(_("The role \"%(role)s\" holds privileges you do not hold.") % {"role": role.name},
                                   errors={key: [_("You may not give more privileges than you hold.")]},
                                   codes={key: ["escalation"]})


def ids(rows) -> list[str]:
    return sorted(str(row.pk) for row in rows)


__all__ = ["audit", "require_manage_users", "NotFound"]
