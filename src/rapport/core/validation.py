"""Input validation from metadata: one home for the messages the UI, API and import show.

:func:`clean_values` turns submitted values (JSON from the API, strings from forms and files)
into attribute assignments for a record, collecting every fault per field with a stable code.
Cross-field rules live in the model's ``clean()`` and are reported the same way.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.entities import EntitySpec, FieldSpec, get_entity
from rapport.core.errors import ErrorCollector, PermissionDenied, RecordValidationError
from rapport.core.permissions.fields import field_updatable
from rapport.core.query.compile import user_zone

TEXTAREA_MAX = 100_000
PHONE_RE = re.compile(r"^[0-9+()\-./ xX#*extEXT]*$")


def _model_field(spec: EntitySpec, fs: FieldSpec):
    try:
        return spec.model._meta.get_field(fs.column or fs.name)
    except Exception:
        return None


def coerce_input(spec: EntitySpec, fs: FieldSpec, raw, user, errors: ErrorCollector, key: str | None = None):
    """Coerce one submitted value; returns ``(ok, assignments)``."""
    key = key or fs.name
    invalid = _("Enter a valid value.")
    empty = raw is None or (isinstance(raw, str) and raw.strip() == "")
    if fs.type == "list":
        # An action input that is a list of codes (e.g. the rights of a share), checked against choices.
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw) or (fs.choices and set(raw) - fs.choice_codes):
            errors.add(key, _("Give a list of: %(choices)s.") % {"choices": ", ".join(c for c, _l in fs.choices or [])}, "invalid-choice")
            return False, {}
        return True, {fs.column or fs.name: list(dict.fromkeys(raw))}
    if fs.type in {"text", "textarea", "email", "phone", "url"}:
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            errors.add(key, _("Enter text."), "invalid")
            return False, {}
        value = raw.strip() if fs.type != "textarea" else raw
        if "\x00" in value:
            errors.add(key, _("The text contains a null character."), "invalid")
            return False, {}
        limit = fs.max_length or (TEXTAREA_MAX if fs.type == "textarea" else None)
        if limit and len(value) > limit:
            errors.add(
                key,
                _("Ensure this value has at most %(limit)d characters (it has %(length)d).") % {"limit": limit, "length": len(value)},
                "too-long",
            )
            return False, {}
        if value and fs.type == "email":
            try:
                validate_email(value)
            except DjangoValidationError:
                errors.add(key, _("Enter a valid e-mail address."), "invalid")
                return False, {}
        if value and fs.type == "url":
            candidate = value if "://" in value else f"https://{value}"
            try:
                URLValidator(schemes=["http", "https"])(candidate)
            except DjangoValidationError:
                errors.add(key, _("Enter a valid web address."), "invalid")
                return False, {}
            value = candidate
        if value and fs.type == "phone" and not PHONE_RE.match(value):
            errors.add(key, _("Enter a valid phone number."), "invalid")
            return False, {}
        if value:
            # The model field's own validators (e.g. the ISO 4217 pattern of ``currency``).
            return _run_validators(spec, fs, value, errors, key)
        return True, {fs.column: value}
    if empty and fs.type != "boolean":
        if fs.type == "choice":
            return True, {fs.column: ""}
        if fs.type == "regarding":
            return True, {f"{fs.column}_entity": "", f"{fs.column}_id": None}
        if fs.type == "polylookup":
            return True, {f"{c}_id": None for c in (fs.targets or {}).values()}
        if fs.type == "lookup":
            return True, {f"{fs.column}_id": None}
        if not fs.nullable:
            errors.add(key, _("This field is required."), "required")
            return False, {}
        return True, {fs.column: None}
    if fs.type == "integer":
        if isinstance(raw, bool) or isinstance(raw, float) and not raw.is_integer():
            errors.add(key, _("Enter a whole number."), "invalid")
            return False, {}
        try:
            value = int(str(raw).strip().replace(",", "")) if isinstance(raw, str) else int(raw)
        except (TypeError, ValueError):
            errors.add(key, _("Enter a whole number."), "invalid")
            return False, {}
        return _run_validators(spec, fs, value, errors, key)
    if fs.type in {"decimal", "money"}:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
            errors.add(key, _("Enter a number."), "invalid")
            return False, {}
        try:
            value = Decimal(str(raw).strip().replace(",", "") if isinstance(raw, str) else str(raw))
        except (InvalidOperation, ValueError):
            errors.add(key, _("Enter a number."), "invalid")
            return False, {}
        if not value.is_finite():
            errors.add(key, _("Enter a number."), "invalid")
            return False, {}
        places = fs.decimal_places if fs.decimal_places is not None else 2
        digits = exact_digits(fs)
        if value.as_tuple().exponent < -places:
            errors.add(key, _("Use at most %(places)d decimal places.") % {"places": places}, "invalid")
            return False, {}
        if abs(value) >= Decimal(10) ** (digits - places):
            errors.add(key, _("The number is too large."), "invalid")
            return False, {}
        return _run_validators(spec, fs, value.quantize(Decimal(1).scaleb(-places)), errors, key)
    if fs.type == "boolean":
        if isinstance(raw, bool):
            return True, {fs.column: raw}
        if isinstance(raw, str) and raw.lower() in {"true", "on", "1", "yes"}:
            return True, {fs.column: True}
        if raw is None or isinstance(raw, str) and raw.lower() in {"false", "off", "0", "no", ""}:
            return True, {fs.column: False}
        errors.add(key, _("Enter true or false."), "invalid")
        return False, {}
    if fs.type == "date":
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return True, {fs.column: raw}
        try:
            value = dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            errors.add(key, _("Enter a valid date (YYYY-MM-DD)."), "invalid")
            return False, {}
        if not 1800 <= value.year <= 2999:
            errors.add(key, _("Enter a valid date (YYYY-MM-DD)."), "invalid")
            return False, {}
        return True, {fs.column: value}
    if fs.type == "datetime":
        if isinstance(raw, dt.datetime):
            value = raw
        else:
            try:
                value = dt.datetime.fromisoformat(str(raw).strip().replace("Z", "+00:00"))
            except ValueError:
                errors.add(key, _("Enter a valid date and time (ISO 8601)."), "invalid")
                return False, {}
        if timezone.is_naive(value):
            value = value.replace(tzinfo=user_zone(user))
        if not 1800 <= value.year <= 2999:
            errors.add(key, _("Enter a valid date and time (ISO 8601)."), "invalid")
            return False, {}
        return True, {fs.column: value}
    if fs.type == "choice":
        if not isinstance(raw, str) or raw not in fs.choice_codes:
            errors.add(
                key,
                _("\"%(value)s\" is not one of the choices (%(choices)s).") % {"value": str(raw)[:60], "choices": ", ".join(sorted(fs.choice_codes))},
                "invalid-choice",
            )
            return False, {}
        return True, {fs.column: raw}
    if fs.type == "lookup":
        pk = _uuid(raw)
        target = get_entity(fs.target or "")
        if pk is None:
            errors.add(key, _("Enter a valid id."), "invalid")
            return False, {}
        if not _readable(user, fs.target, target, pk):
            errors.add(key, _("The record %(id)s does not exist or you may not see it.") % {"id": pk}, "does-not-exist")
            return False, {}
        return True, {f"{fs.column}_id": pk}
    if fs.type == "polylookup":
        pk = _uuid(raw)
        if pk is None:
            errors.add(key, _("Enter a valid id."), "invalid")
            return False, {}
        for set_name, column in (fs.targets or {}).items():
            if _readable(user, set_name, get_entity(set_name), pk):
                assignments = {f"{c}_id": None for c in fs.targets.values()}
                assignments[f"{column}_id"] = pk
                return True, assignments
        errors.add(key, _("The record %(id)s does not exist or you may not see it.") % {"id": pk}, "does-not-exist")
        return False, {}
    if fs.type == "regarding":
        if not isinstance(raw, dict) or set(raw) - {"entity", "id"} or "entity" not in raw or "id" not in raw:
            errors.add(key, _("Give the record as {\"entity\": \"<set>\", \"id\": \"<id>\"}."), "invalid")
            return False, {}
        target = get_entity(str(raw["entity"])) if isinstance(raw["entity"], str) else None
        pk = _uuid(raw["id"])
        if target is None or pk is None or not _readable(user, target.set_name, target, pk):
            errors.add(key, _("The record does not exist or you may not see it."), "does-not-exist")
            return False, {}
        return True, {f"{fs.column}_entity": target.set_name, f"{fs.column}_id": pk}
    errors.add(key, invalid, "invalid")
    return False, {}


# SQLite keeps decimals as 8-byte floats: beyond 15 significant digits a value would come back
# changed (or fail to read), so both databases accept at most this many digits.
EXACT_DIGITS = 15


def exact_digits(fs: FieldSpec) -> int:
    """The number of digits a decimal field accepts (its own limit, at most EXACT_DIGITS)."""
    return min(fs.max_digits or 19, EXACT_DIGITS)


def _run_validators(spec, fs, value, errors, key):
    model_field = _model_field(spec, fs)
    if model_field is not None:
        try:
            model_field.run_validators(value)
        except DjangoValidationError as error:
            for message in error.messages:
                errors.add(key, message, "invalid")
            return False, {}
    return True, {fs.column: value}


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def _readable(user, set_name, target_spec, pk) -> bool:
    if target_spec is not None:
        return target_spec.model.objects.for_user(user, "read").filter(pk=pk).exists()
    from rapport.security.models import BusinessUnit, Team, User

    model = {"users": User, "teams": Team, "business-units": BusinessUnit}.get(set_name)
    if model is None:
        return False
    return model.objects.filter(pk=pk).exists()


def clean_values(spec: EntitySpec, data, user, *, creating: bool, record=None) -> dict:
    """Validate ``data`` for a create or an update; return attribute assignments.

    Unknown fields (``unknown-field``), read-only fields (``read-only``), missing required values
    (``required``) and bad values are collected per field and raised together as one
    ``RecordValidationError``; a field the user may not update is a ``PermissionDenied``.
    """
    if not isinstance(data, dict):
        raise RecordValidationError({"non_field_errors": [_("Send the fields as a JSON object.")]}, {"non_field_errors": ["invalid"]})
    errors = ErrorCollector()
    assignments: dict = {}
    for key, raw in data.items():
        fs = spec.get_field(key) if isinstance(key, str) else None
        if fs is None:
            errors.add(str(key), _("Unknown field \"%(field)s\".") % {"field": key}, "unknown-field")
            continue
        if key == "custom":
            _clean_custom(spec, raw, record, errors, assignments)
            continue
        if fs.read_only or fs.system:
            errors.add(key, _("This field is read-only."), "read-only")
            continue
        if not field_updatable(user, spec, key):
            raise PermissionDenied(_("You may not change the field \"%(field)s\".") % {"field": key}, errors={key: [_("You may not change this field.")]}, codes={key: ["field-not-updatable"]})
        ok, values = coerce_input(spec, fs, raw, user, errors, key)
        if ok:
            if fs.required and _is_blank(fs, values):
                errors.add(key, _("This field is required."), "required")
                continue
            assignments.update(values)
    if creating:
        for name in spec.writable_fields:
            fs = spec.field_map[name]
            if fs.required and name not in data and name not in errors.errors:
                errors.add(name, _("This field is required."), "required")
    errors.raise_if_any()
    return assignments


def _is_blank(fs: FieldSpec, values: dict) -> bool:
    return all(v is None or v == "" for v in values.values())


def _clean_custom(spec, raw, record, errors: ErrorCollector, assignments: dict) -> None:
    # Custom field definitions come with customization (PLT-10); until then no name is known,
    # so only an empty object is accepted. PATCH merges keys; null clears one.
    if not isinstance(raw, dict):
        errors.add("custom", _("Send custom fields as an object."), "invalid")
        return
    for name in raw:
        errors.add(f"custom.{name}", _("Unknown custom field \"%(field)s\".") % {"field": name}, "unknown-field")


def run_model_clean(record) -> None:
    """The model's cross-field rules, unique fields and constraints, reported per field like every
    other validation error (a duplicate unique value is a 400 ``unique``, never a database error)."""
    errors = ErrorCollector()
    checks = (record.clean, lambda: record.validate_unique(exclude=[record._meta.pk.name]), record.validate_constraints)
    for check in checks:
        try:
            check()
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                for field_name, field_errors in error.error_dict.items():
                    key = "non_field_errors" if field_name == "__all__" else field_name
                    for item in field_errors:
                        for message in item.messages:
                            errors.add(key, message, item.code or "invalid")
            else:
                for item in error.error_list:
                    for message in item.messages:
                        errors.add("non_field_errors", message, item.code or "invalid")
    errors.raise_if_any()
