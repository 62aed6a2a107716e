"""Valid create data for every registered entity, built from its FieldSpecs.

The generic generator writes a value per field type (text, e-mail, phone, URL, number, money,
date, choice, required lookups through the target's own factory). What cannot be generated —
a required polymorphic reference such as ``notes.regarding`` or ``connections.record1`` —
comes from an override registered with :func:`register_factory`; apps register theirs in an
optional ``rapport/<app>/testing.py`` (loaded by :func:`load_app_factories`), so the engine never
imports a domain app. An entity for which neither works has no factory, and the completeness
test in ``tests/entities/test_every_entity.py`` fails for it.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
from collections.abc import Callable

from rapport.core.entities import EntitySpec, FieldSpec, all_entities, get_entity

Override = Callable[[EntitySpec, object, dict], dict]
FACTORY_OVERRIDES: dict[str, Override] = {}
_counter = itertools.count(1)
_apps_loaded = False


class NoFactory(LookupError):
    """The entity has a required field that neither the generator nor an override can fill."""


def register_factory(set_name: str):
    """Register ``fn(spec, user, data) -> data`` completing the generated create data of ``set_name``."""

    def decorator(fn: Override) -> Override:
        FACTORY_OVERRIDES[set_name] = fn
        return fn

    return decorator


def load_app_factories() -> None:
    """Import ``<app>.testing`` of every installed Rapport app that has one (once)."""
    global _apps_loaded
    if _apps_loaded:
        return
    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("rapport.") and config.name != "rapport.core":
            module = f"{config.name}.testing"
            if importlib.util.find_spec(module) is not None:
                importlib.import_module(module)
    _apps_loaded = True


def _text(fs: FieldSpec, n: int) -> str:
    if fs.name == "currency":
        return "EUR"
    value = f"{str(fs.label).capitalize()} {n}"
    return value[: fs.max_length] if fs.max_length else value


def generated_value(fs: FieldSpec, n: int):
    """A valid value of ``fs`` (JSON form), or ``NotImplemented`` when none can be generated."""
    if fs.type == "email":
        return f"generated{n}@example.com"
    if fs.type == "url":
        return f"https://example.com/{n}"
    if fs.type == "phone":
        return f"+1 555 {n % 10000:04d}"
    if fs.type in {"text", "textarea"}:
        return _text(fs, n)
    if fs.type == "integer":
        return 60 + n % 40  # inside the usual validators (percentages, similarity 50–100)
    if fs.type in {"decimal", "money"}:
        return f"{n % 100000}.50"
    if fs.type == "boolean":
        return True
    if fs.type == "date":
        return "2024-05-17"
    if fs.type == "datetime":
        return "2024-05-17T10:30:00+00:00"
    if fs.type == "choice" and fs.choices:
        return fs.choices[0][0]
    return NotImplemented


def _lookup_value(fs: FieldSpec, user, depth: int):
    if fs.target == "users":
        return str(user.pk)
    if fs.target == "business-units":
        return str(user.business_unit_id)
    target = get_entity(fs.target or "")
    if target is None or depth > 3:
        return NotImplemented
    from rapport.core.errors import PermissionDenied

    try:
        return str(create_for(target, user, _depth=depth + 1).pk)
    except (NoFactory, PermissionDenied):  # e.g. an organisation-owned target: left to the app's override
        return NotImplemented


def _generate(spec: EntitySpec, user, *, full: bool, depth: int) -> dict:
    data: dict = {}
    n = next(_counter)
    for name in spec.writable_fields:
        fs = spec.field_map[name]
        if fs.system or (not fs.required and (not full or fs.type in {"lookup", "polylookup", "regarding"})):
            continue
        if fs.type == "lookup":
            value = _lookup_value(fs, user, depth) if user is not None else NotImplemented
        else:
            value = generated_value(fs, n)
        if value is NotImplemented:
            if fs.required:
                data[name] = NotImplemented
            continue
        data[name] = value
    return data


def build_create_data(spec: EntitySpec, user, *, full: bool = False, _depth: int = 0) -> dict:
    """Create data for ``spec`` that ``user`` may submit; ``full`` fills every generatable field.

    Required lookups are satisfied by creating the target record for ``user`` through its own
    factory. Raises :class:`NoFactory` when a required field cannot be filled.
    """
    load_app_factories()
    data = _generate(spec, user, full=full, depth=_depth)
    override = FACTORY_OVERRIDES.get(spec.set_name)
    if override is not None:
        data = override(spec, user, {k: v for k, v in data.items() if v is not NotImplemented})
    missing = sorted(k for k, v in data.items() if v is NotImplemented)
    missing += sorted(n for n in spec.writable_fields if spec.field_map[n].required and n not in data)
    if missing:
        raise NoFactory(f"{spec.set_name}: no factory value for required field(s) {', '.join(dict.fromkeys(missing))}")
    return data


def missing_factory_fields(spec: EntitySpec) -> list[str]:
    """Required fields of ``spec`` no generator or override fills (without creating anything)."""
    load_app_factories()
    if spec.set_name in FACTORY_OVERRIDES:
        return []
    missing = []
    for name in spec.writable_fields:
        fs = spec.field_map[name]
        if not fs.required:
            continue
        if fs.type == "lookup":
            target = get_entity(fs.target or "")
            if fs.target in {"users", "business-units"} or (target is not None and target is not spec
                                                            and not missing_factory_fields(target)):
                continue
            missing.append(name)
        elif generated_value(fs, 1) is NotImplemented:
            missing.append(name)
    return missing


def has_factory(spec: EntitySpec) -> bool:
    return not missing_factory_fields(spec)


def create_for(spec: EntitySpec, user, *, _depth: int = 0, **values):
    """Create a record of ``spec`` owned by ``user`` through the generic create action."""
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record

    data = {**build_create_data(spec, user, _depth=_depth), **values}
    return create_record(spec, data, ActionContext(user=user, channel="system")).record


def reference_to_a_record(user, feature: str, *, exclude: set[str] = frozenset()) -> dict:
    """``{"entity", "id"}`` of a new record, readable by ``user``, of an entity with ``feature``."""
    for candidate in all_entities():
        if feature in candidate.features and candidate.set_name not in exclude and candidate.creatable and has_factory(candidate):
            record = create_for(candidate, user)
            return {"entity": candidate.set_name, "id": str(record.pk)}
    raise NoFactory(f"no entity with the feature {feature!r} can be created")


@register_factory("notes")
def _note(spec, user, data):
    return {**data, "regarding": reference_to_a_record(user, "notes", exclude={"notes"})}


@register_factory("connections")
def _connection(spec, user, data):
    return {
        **data,
        "record1": reference_to_a_record(user, "connections", exclude={"connections"}),
        "record2": reference_to_a_record(user, "connections", exclude={"connections"}),
    }
