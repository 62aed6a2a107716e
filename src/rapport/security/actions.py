"""Security actions on users and API tokens: create, change, disable, unlock, reset the password.

Business units and teams are in ``actions_organisation.py``, roles and field security profiles in
``actions_roles.py``, sharing in ``actions_sharing.py``; all write an audit entry.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.actions.base import ActionContext
from rapport.core.entities import get_entity
from rapport.core.errors import (
    ErrorCollector,
    InvalidState,
    NotFound,
    PermissionDenied,
    RecordValidationError,
)
from rapport.core.models import AuditEntry
from rapport.security.models import ApiToken, BusinessUnit, User, hash_token, root_business_unit

DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365


def _audit_user(user: User, action: str, changes: dict, ctx: ActionContext) -> None:
    AuditEntry.objects.create(
        entity="users", record_id=user.pk, record_name=user.username, action=action, changes=changes,
        user_id=ctx.user.pk if getattr(ctx.user, "pk", None) else None, channel=ctx.channel,
        request_id=ctx.request_id, occurred_on=ctx.now,
    )


def validate_scopes(scopes) -> list[str]:
    """``<set>:read``, ``<set>:write``, ``*:read``, ``*:write``; unknown sets are refused."""
    if scopes in (None, ""):
        return []
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise RecordValidationError.single("scopes", _("Give the scopes as a list of \"<set>:read|write\"."), "invalid")
    errors = ErrorCollector()
    for scope in scopes:
        set_name, _sep, access = scope.partition(":")
        if access not in {"read", "write"} or (set_name != "*" and get_entity(set_name) is None):
            errors.add("scopes", _("Unknown scope \"%(scope)s\".") % {"scope": scope[:60]}, "invalid")
    errors.raise_if_any()
    return list(dict.fromkeys(scopes))


def create_token(user: User, ctx: ActionContext, *, name: str = "", expires_on=None, scopes=None) -> tuple[ApiToken, str]:
    """Create a personal API token; returns it and its secret, which is never stored or shown again.

    An administrator creates tokens for anyone, everyone else only for themself.
    """
    actor = ctx.user
    if actor is not None and actor.pk != user.pk and not actor.is_system_administrator:
        raise PermissionDenied(_("You may create tokens only for yourself."))
    errors = ErrorCollector()
    if not isinstance(name, str) or len(name) > 100:
        errors.add("name", _("Ensure this value has at most %(limit)d characters.") % {"limit": 100}, "too-long")
        name = ""
    today = timezone.localdate()
    if expires_on in (None, ""):
        expiry_date = today + dt.timedelta(days=DEFAULT_TOKEN_DAYS)
    else:
        try:
            expiry_date = expires_on if isinstance(expires_on, dt.date) else dt.date.fromisoformat(str(expires_on))
        except ValueError:
            expiry_date = None
            errors.add("expires_on", _("Enter a valid date (YYYY-MM-DD)."), "invalid")
        if expiry_date is not None and not today < expiry_date <= today + dt.timedelta(days=MAX_TOKEN_DAYS):
            errors.add("expires_on", _("The expiry must be after today and at most %(days)d days ahead.") % {"days": MAX_TOKEN_DAYS}, "invalid")
    errors.raise_if_any()
    scopes = validate_scopes(scopes)
    secret = ApiToken.new_secret()
    expires_at = dt.datetime.combine(expiry_date, dt.time.max, tzinfo=dt.UTC)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, key_hash=hash_token(secret), prefix=secret[:10],
                                        scopes=scopes, expires_on=expires_at, created_on=ctx.now)
        _audit_user(user, "token", {"token": [None, token.prefix], "expires_on": [None, expiry_date.isoformat()]}, ctx)
    return token, secret


def revoke_token(token_id, ctx: ActionContext) -> None:
    """Revoke at once: the token answers 401 from the next request."""
    token = ApiToken.objects.filter(pk=token_id).select_related("user").first()
    actor = ctx.user
    if token is None or (token.user_id != actor.pk and not actor.is_system_administrator):
        raise NotFound()
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_on__isnull=True).update(revoked_on=ctx.now)
        _audit_user(token.user, "token", {"token": [token.prefix, None]}, ctx)


def create_user(ctx: ActionContext, *, username: str, password: str | None, email: str = "", full_name: str = "",
                business_unit: BusinessUnit | None = None, is_superuser: bool = False,
                must_change_password: bool = False, roles=None, teams=None, manager: User | None = None,
                mobile_phone: str = "", language: str = "", time_zone: str = "",
                managed_business_units=None) -> User:
    """Create a user (an administrator with ``is_superuser``); the login name must be unique.

    ``roles`` defaults to the Salesperson role (a superuser also gets System Administrator), so a
    new user reads and writes the records they own and nothing else until given more.
    Only holders of ``manage_users`` (or the system itself) create users, and they give no role
    with more privileges than they hold.
    """
    from rapport.security.actions_common import require_manage_users, role_within_actor
    from rapport.security.roles import DEFAULT_ROLE, shipped_role

    require_manage_users(ctx)
    username = (username or "").strip() if isinstance(username, str) else ""
    errors = ErrorCollector()
    if not username or len(username) > 150:
        errors.add("username", _("Enter a login name of 1 to 150 characters."), "invalid")
    elif User.objects.filter(username__iexact=username).exists():
        errors.add("username", _("The login name \"%(name)s\" is taken.") % {"name": username}, "unique")
    if business_unit is not None and not business_unit.is_active:
        errors.add("business_unit", _("The business unit is disabled."), "inactive")
    if manager is not None and not manager.is_active:
        errors.add("manager", _("The manager is a disabled user."), "inactive-user")
    errors.raise_if_any()
    if password:
        validate_new_password(password, User(username=username, email=email, full_name=full_name))
    if roles is None:
        roles = [shipped_role(DEFAULT_ROLE)]
        if is_superuser:
            roles.append(shipped_role("system_administrator"))
    else:
        role_within_actor(ctx, roles)
    with transaction.atomic():
        user = User(username=username, email=email, full_name=full_name, mobile_phone=mobile_phone,
                    business_unit=business_unit or root_business_unit(), manager=manager,
                    language=language, time_zone=time_zone,
                    is_superuser=is_superuser, is_staff=is_superuser, must_change_password=must_change_password,
                    date_joined=ctx.now)
        if password:
            user.set_password(password)
            user.password_changed_on = ctx.now
        else:
            user.set_unusable_password()
        user.save()
        user.roles.set(roles)
        if teams:
            user.teams.set(teams)
        if managed_business_units:
            user.managed_business_units.set(managed_business_units)
        user.forget_security_cache()
        changes = {"username": [None, username], "business_unit": [None, str(user.business_unit_id)],
                   "roles": [None, sorted(str(r.pk) for r in roles)]}
        if is_superuser:
            changes["is_superuser"] = [None, True]
        if teams:
            changes["teams"] = [None, sorted(str(t.pk) for t in teams)]
        if manager is not None:
            changes["manager"] = [None, str(manager.pk)]
        _audit_user(user, "create", changes, ctx)
    return user


def validate_new_password(password, user: User, key: str = "password") -> None:
    """The password policy (settings.AUTH_PASSWORD_VALIDATORS): 400 naming ``key`` when broken."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if not isinstance(password, str) or not password:
        raise RecordValidationError.single(key, _("Enter a password."), "required")
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise RecordValidationError({key: error.messages}, {key: ["invalid"] * len(error.messages)})


def set_preferences(user: User, ctx: ActionContext, *, language: str, time_zone: str) -> User:
    """A user's own language and time zone (PLT-11); empty means the browser's language / UTC."""
    import zoneinfo

    from django.conf import settings

    if ctx.user is None or (ctx.user.pk != user.pk and not ctx.user.is_system_administrator):
        raise PermissionDenied(_("You may change only your own preferences."))
    language = (language or "").strip().lower()
    time_zone = (time_zone or "").strip()
    errors = ErrorCollector()
    if language and language not in {code for code, _name in settings.LANGUAGES}:
        errors.add("language", _("Choose one of the offered languages."), "invalid-choice")
    if time_zone and time_zone not in zoneinfo.available_timezones():
        errors.add("time_zone", _("Choose a time zone from the list, e.g. Europe/Budapest."), "invalid-choice")
    errors.raise_if_any()
    changes = {}
    if user.language != language:
        changes["language"] = [user.language, language]
    if user.time_zone != time_zone:
        changes["time_zone"] = [user.time_zone, time_zone]
    if changes:
        with transaction.atomic():
            user.language, user.time_zone = language, time_zone
            user.save(update_fields=["language", "time_zone"])
            _audit_user(user, "update", changes, ctx)
    return user


# --- user administration (SEC-2) --------------------------------------------------------------------

USER_WRITABLE = {"username", "full_name", "email", "mobile_phone", "business_unit", "manager", "roles", "teams",
                 "managed_business_units", "language", "time_zone"}
USER_READ_ONLY = {"id", "is_active", "is_locked", "lock_reason", "must_change_password", "two_factor_enabled",
                  "last_login", "created_on", "is_system_administrator"}
# What a user may change on their own record without "Manage users"; the rest would be escalation.
SELF_SERVICE = {"full_name", "email", "mobile_phone", "language", "time_zone"}
SELF_ESCALATION = {"roles", "teams", "business_unit", "manager", "managed_business_units", "username"}


def _access_user(user_id) -> User:
    from rapport.security.actions_common import as_uuid

    pk = as_uuid(user_id)
    user = User.objects.filter(pk=pk).first() if pk else None
    if user is None:
        raise NotFound()
    return user


def _manager_cycle(user: User, manager: User | None) -> bool:
    seen = set()
    current = manager
    while current is not None and current.pk not in seen:
        if current.pk == user.pk:
            return True
        seen.add(current.pk)
        current = current.manager
    return False


def clean_user_values(data, ctx: ActionContext, *, user: User | None) -> dict:
    """Validate the fields of a user create (``user`` None) or update; returns the values given."""
    import zoneinfo

    from django.conf import settings

    from rapport.security.actions_common import (
        check_fields,
        reference,
        references,
        require_object,
        text_value,
    )
    from rapport.security.models import Role, Team

    data = require_object(data)
    errors = ErrorCollector()
    writable = USER_WRITABLE | ({"password", "must_change_password"} if user is None else set())
    check_fields(data, writable, USER_READ_ONLY - ({"must_change_password"} if user is None else set()), errors)
    values: dict = {}
    for key, limit in (("username", 150), ("full_name", 200), ("email", 254), ("mobile_phone", 50)):
        value = text_value(data, key, errors, max_length=limit, required=(key == "username" and user is None))
        if value is not None:
            values[key] = value
    if "username" in values:
        from django.contrib.auth.validators import UnicodeUsernameValidator
        from django.core.exceptions import ValidationError

        try:
            UnicodeUsernameValidator()(values["username"])
        except ValidationError:
            errors.add("username", _("Use letters, digits and @ . + - _ only."), "invalid")
        else:
            taken = User.objects.filter(username__iexact=values["username"])
            if user is not None:
                taken = taken.exclude(pk=user.pk)
            if taken.exists():
                errors.add("username", _("The login name \"%(name)s\" is taken.") % {"name": values["username"]}, "unique")
    if values.get("email"):
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(values["email"])
        except ValidationError:
            errors.add("email", _("Enter a valid e-mail address."), "invalid")
    for key, choices, message in (
        ("language", {code for code, _name in settings.LANGUAGES}, _("Choose one of the offered languages.")),
        ("time_zone", None, _("Choose a time zone from the list, e.g. Europe/Budapest.")),
    ):
        value = text_value(data, key, errors, max_length=64)
        if value:
            allowed = choices if choices is not None else zoneinfo.available_timezones()
            if value not in allowed:
                errors.add(key, message, "invalid-choice")
                continue
        if value is not None:
            values[key] = value
    present, unit = reference(BusinessUnit, data, "business_unit", errors, required=user is None, nullable=False)
    if present:
        if not unit.is_active:
            errors.add("business_unit", _("The business unit is disabled."), "inactive")
        values["business_unit"] = unit
    present, manager = reference(User, data, "manager", errors)
    if present:
        if manager is not None and not manager.is_active:
            errors.add("manager", _("The manager is a disabled user."), "inactive-user")
        elif user is not None and _manager_cycle(user, manager):
            errors.add("manager", _("A user cannot report to themself or to one of their reports."), "cycle")
        values["manager"] = manager
    for key, model in (("roles", Role), ("teams", Team), ("managed_business_units", BusinessUnit)):
        present, rows = references(model, data, key, errors)
        if present:
            values[key] = rows
    if user is None:
        if "must_change_password" in data:
            if isinstance(data["must_change_password"], bool):
                values["must_change_password"] = data["must_change_password"]
            else:
                errors.add("must_change_password", _("Enter true or false."), "invalid")
        if data.get("password") not in (None, ""):
            values["password"] = data["password"]
    errors.raise_if_any()
    return values


def create_user_from_data(data, ctx: ActionContext) -> User:
    """``POST /users/``: an administrator's new user must change the given password at first sign-in."""
    from rapport.security.actions_common import require_manage_users

    require_manage_users(ctx)
    values = clean_user_values(data, ctx, user=None)
    password = values.pop("password", None)
    must_change = values.pop("must_change_password", bool(password))
    return create_user(ctx, password=password, must_change_password=must_change, **values)


def update_user(user_id, data, ctx: ActionContext) -> User:
    """Change a user. Anyone changes their own name, e-mail, phone, language and time zone; the rest
    needs "Manage users", and nobody changes their own roles, teams, business unit or manager
    (self-escalation is refused with 403 naming the field)."""
    from rapport.core.permissions.privileges import has_misc_privilege
    from rapport.security.actions_common import ids, role_within_actor

    with transaction.atomic():
        user = _access_user(user_id)
        User.objects.select_for_update().filter(pk=user.pk).first()
        actor = ctx.user
        if actor is not None and isinstance(data, dict):
            # 403 before 400 (API.md): the refusal of the privilege comes first.
            is_self = actor.pk == user.pk
            administrator = has_misc_privilege(actor, "manage_users")
            if not is_self and not administrator:
                raise PermissionDenied(_("You need the \"Manage users\" privilege for this."))
            for key in sorted(k for k in data if isinstance(k, str)):
                if is_self and key in SELF_ESCALATION:
                    raise PermissionDenied(_("You may not change your own %(field)s.") % {"field": key},
                                           errors={key: [_("You may not change this on your own user.")]},
                                           codes={key: ["self-escalation"]})
                if key in USER_WRITABLE and key not in SELF_SERVICE and not administrator:
                    raise PermissionDenied(_("You need the \"Manage users\" privilege for this."),
                                           errors={key: [_("You may not change this field.")]}, codes={key: ["permission-denied"]})
        values = clean_user_values(data, ctx, user=user)
        if actor is not None:
            if "roles" in values:
                role_within_actor(ctx, [r for r in values["roles"] if r not in set(user.roles.all())])
            if "teams" in values:
                from rapport.security.models import Role

                team_roles = Role.objects.filter(teams__in=[t.pk for t in values["teams"]]).exclude(teams__members=user)
                role_within_actor(ctx, list(team_roles), key="teams")
        changes = {}
        update_fields = []
        for key in ("username", "full_name", "email", "mobile_phone", "language", "time_zone"):
            if key in values and getattr(user, key) != values[key]:
                changes[key] = [getattr(user, key), values[key]]
                setattr(user, key, values[key])
                update_fields.append(key)
        for key in ("business_unit", "manager"):
            if key in values:
                new = values[key]
                old_id = getattr(user, f"{key}_id")
                new_id = new.pk if new is not None else None
                if old_id != new_id:
                    changes[key] = [str(old_id) if old_id else None, str(new_id) if new_id else None]
                    setattr(user, key, new)
                    update_fields.append(key)
        if update_fields:
            user.save(update_fields=update_fields)
        if "business_unit" in changes:
            move_owned_records(user, values["business_unit"])
        for key in ("roles", "teams", "managed_business_units"):
            if key in values:
                manager = getattr(user, key)
                before = ids(manager.all())
                after = ids(values[key])
                if before != after:
                    manager.set(values[key])
                    changes[key] = [before, after]
        if changes:
            _audit_user(user, "update", changes, ctx)
        user.forget_security_cache()
    return user


def move_owned_records(user: User, unit: BusinessUnit) -> None:
    """A user's records follow them into their new business unit (the owning unit follows the owner)."""
    from rapport.core.entities import all_entities

    for spec in all_entities():
        if spec.is_owned:
            spec.model.objects.filter(owner_user_id=user.pk).update(owning_business_unit_id=unit.pk)


def _set_user_flags(user_id, ctx: ActionContext, audit_action: str, **fields) -> User:
    from rapport.security.actions_common import require_manage_users

    require_manage_users(ctx)
    with transaction.atomic():
        user = _access_user(user_id)
        changes = {}
        for key, value in fields.items():
            old = getattr(user, key)
            if old != value:
                changes[key] = [old.isoformat() if hasattr(old, "isoformat") else old,
                                value.isoformat() if hasattr(value, "isoformat") else value]
                setattr(user, key, value)
        if changes:
            user.save(update_fields=list(fields))
            _audit_user(user, audit_action, changes, ctx)
    return user


def disable_user(user_id, ctx: ActionContext) -> User:
    """Disable a user: they cannot sign in, their tokens stop working, nothing can be assigned to them."""
    if ctx.user is not None and str(ctx.user.pk) == str(user_id):
        raise InvalidState(_("You cannot disable your own user."))
    user = _access_user(user_id)
    if not user.is_active:
        raise InvalidState(_("The user is already disabled."))
    return _set_user_flags(user_id, ctx, "state", is_active=False)


def enable_user(user_id, ctx: ActionContext) -> User:
    user = _access_user(user_id)
    if user.is_active:
        raise InvalidState(_("The user is already enabled."))
    return _set_user_flags(user_id, ctx, "state", is_active=True)


def unlock_user(user_id, ctx: ActionContext) -> User:
    """Unlock a user locked after failed sign-ins or for being unused too long (HC360 "恢复")."""
    user = _access_user(user_id)
    if user.locked_on is None:
        raise InvalidState(_("The user is not locked."))
    return _set_user_flags(user_id, ctx, "unlock", locked_on=None, lock_reason="", failed_sign_ins=0, unlocked_on=ctx.now)


def reset_password(user_id, password, ctx: ActionContext) -> User:
    """An administrator sets a temporary password; the user must change it at the next sign-in."""
    from rapport.security.actions_common import require_manage_users

    require_manage_users(ctx)
    with transaction.atomic():
        user = _access_user(user_id)
        if ctx.user is not None and ctx.user.pk == user.pk:
            raise PermissionDenied(_("Change your own password on the password page."),
                                   errors={"password": [_("Change your own password on the password page.")]},
                                   codes={"password": ["self"]})
        validate_new_password(password, user)
        user.set_password(password)
        user.must_change_password = True
        user.password_changed_on = ctx.now
        user.save(update_fields=["password", "must_change_password", "password_changed_on"])
        _audit_user(user, "reset_password", {"password": ["*", "*"], "must_change_password": [False, True]}, ctx)
    return user


def set_two_factor(user: User, ctx: ActionContext, *, secret: str) -> User:
    """Turn two-factor sign-in on with a confirmed TOTP ``secret``, or off with ``""``.

    A user changes their own; an administrator ("Manage users") may only turn it off, for a user
    who lost their device.
    """
    from rapport.security.actions_common import require_manage_users

    if ctx.user is not None and ctx.user.pk != user.pk:
        require_manage_users(ctx)
        if secret:
            raise PermissionDenied(_("Only the user sets up their own two-factor sign-in."))
    with transaction.atomic():
        enabled = bool(secret)
        changed = user.two_factor_enabled != enabled or user.totp_secret != secret
        user.totp_secret, user.two_factor_enabled = secret, enabled
        user.save(update_fields=["totp_secret", "two_factor_enabled"])
        if changed:
            _audit_user(user, "two_factor", {"two_factor_enabled": [not enabled, enabled]}, ctx)
    return user
