"""Records as JSON values, from metadata (used by the API, audit snapshots and exports).

Plain functions rather than DRF serializers: a list page reads 50 records × ~40 fields, and the
budget is Python time (PERFORMANCE.md), so each value is read straight from the instance.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rapport.core.entities import EntitySpec, FieldSpec, get_entity


def json_value(fs: FieldSpec, record):
    """The API value of one field of ``record`` (ids for lookups)."""
    if fs.type == "lookup":
        return _str_or_none(getattr(record, f"{fs.column}_id"))
    if fs.type == "polylookup":
        for _set_name, column in (fs.targets or {}).items():
            value = getattr(record, f"{column}_id")
            if value is not None:
                return str(value)
        return None
    if fs.type == "regarding":
        entity = getattr(record, f"{fs.column}_entity")
        rid = getattr(record, f"{fs.column}_id")
        return {"entity": entity, "id": str(rid)} if rid else None
    value = getattr(record, fs.column or fs.name)
    return plain(value)


def plain(value):
    """A Python value as its JSON form (API.md: decimals as strings, ISO dates)."""
    if value is None or isinstance(value, bool | int | str | float | dict | list):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _str_or_none(value):
    return None if value is None else str(value)


def polylookup_type(fs: FieldSpec, record) -> str | None:
    for set_name, column in (fs.targets or {}).items():
        if getattr(record, f"{column}_id") is not None:
            return set_name
    return None


def lookup_display(target_set: str, related) -> str:
    if related is None:
        return ""
    spec = get_entity(target_set)
    if spec is not None:
        return str(getattr(related, spec.primary_field, "") or "")
    return str(related)


def select_related_for(spec: EntitySpec, names) -> list[str]:
    """The joins that reading ``names`` expanded needs (so a list stays one query)."""
    joins = []
    for name in names:
        fs = spec.get_field(name)
        if fs is None:
            continue
        if fs.type == "lookup":
            joins.append(fs.column)
        elif fs.type == "polylookup":
            joins.extend((fs.targets or {}).values())
    return joins


def _getter(spec: EntitySpec, name: str, expanded: bool):
    """One function that reads field ``name`` of a record (and its companion keys)."""
    fs = spec.field_map[name]
    if expanded and fs.type == "lookup":
        def read(record, data):
            related = getattr(record, fs.column)
            data[name] = None if related is None else {"id": str(related.pk), "name": lookup_display(fs.target, related)}
        return read
    if fs.type == "polylookup":
        type_key = f"{name}_type"

        def read(record, data):
            set_name = polylookup_type(fs, record)
            if expanded:
                related = getattr(record, fs.targets[set_name]) if set_name else None
                data[name] = None if related is None else {"id": str(related.pk), "name": lookup_display(set_name, related)}
            else:
                data[name] = json_value(fs, record)
            data[type_key] = set_name
        return read
    if fs.type == "choice":
        display_key = f"{name}_display"
        column = fs.column or name
        labels = {code: label for code, label in fs.choices or ()}

        def read(record, data):
            code = getattr(record, column)
            data[name] = code
            data[display_key] = str(labels.get(code, code)) if code else ""
        return read
    if fs.type in {"text", "textarea", "email", "phone", "url", "boolean", "integer"}:
        column = fs.column or name

        def read(record, data):
            data[name] = getattr(record, column)
        return read
    if fs.type == "lookup":
        attribute = f"{fs.column}_id"

        def read(record, data):
            value = getattr(record, attribute)
            data[name] = None if value is None else str(value)
        return read

    def read(record, data):
        data[name] = json_value(fs, record)
    return read


_PLANS: dict = {}


def record_to_dict(spec: EntitySpec, record, names: list[str], expand: set[str] = frozenset()) -> dict:
    """The API representation of ``record``: the fields ``names`` (already checked readable).

    The per-field readers are built once per (entity, fields, expand) and reused: a list page
    reads thousands of values, and this is its hot path.
    """
    key = (spec.set_name, id(spec), tuple(names), frozenset(expand))
    plan = _PLANS.get(key)
    if plan is None:
        plan = [_getter(spec, name, name in expand) for name in names]
        if len(_PLANS) > 2000:
            _PLANS.clear()
        _PLANS[key] = plan
    data: dict = {}
    for read in plan:
        read(record, data)
    return data


def snapshot(spec: EntitySpec, record) -> dict:
    """Every field's JSON value (for audit diffs)."""
    values = {}
    for name, fs in spec.field_map.items():
        if name in {"id", "modified_on", "modified_by", "version", "created_on", "created_by"}:
            continue
        values[name] = json_value(fs, record)
    return values


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for fields whose value changed."""
    changes = {}
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            changes[key] = [before.get(key), after.get(key)]
    return changes
