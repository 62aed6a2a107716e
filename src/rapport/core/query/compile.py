"""The condition tree (API.md "The condition tree"): validate against metadata and compile to ``Q``.

This is the only module that turns a stored or sent condition into SQL. Views, saved views,
the API's ``filter`` and ``<field>__<op>`` parameters, and later Advanced Find, marketing lists,
workflows, reports and charts all call :func:`compile_filter`. Identifiers are checked against
the entity's metadata and never interpolated; values are coerced to the field's type.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.entities import DATE_TYPES, NUMBER_TYPES, TEXT_TYPES, EntitySpec, FieldSpec, get_entity
from rapport.core.errors import RecordValidationError

COMPARISON = {"eq", "ne", "lt", "le", "gt", "ge", "in", "not-in", "between", "null", "not-null"}
TEXT_ONLY = {"contains", "begins-with", "ends-with"}
DATE_ONLY = {
    "last-x-days", "next-x-days", "last-x-months", "next-x-months", "today", "yesterday",
    "this-week", "this-month", "last-month", "this-year", "last-year",
}
USER_ONLY = {"eq-current-user", "ne-current-user"}
BUSINESS_UNIT_ONLY = {"eq-current-user-business-unit", "under-business-unit"}
OPERATORS = COMPARISON | TEXT_ONLY | DATE_ONLY | USER_ONLY | BUSINESS_UNIT_ONLY
NO_VALUE = {"null", "not-null", "today", "yesterday", "this-week", "this-month", "last-month", "this-year",
            "last-year", "eq-current-user", "ne-current-user", "eq-current-user-business-unit"}
MAX_DEPTH = 12
MAX_NODES = 200


class QueryError(RecordValidationError):
    """A condition tree that cannot be run: the message names the fault."""

    def __init__(self, message, code: str, field: str = "filter"):
        super().__init__({field: [message]}, {field: [code]}, detail=message)


def operators_for(fs: FieldSpec) -> set[str]:
    """The operators a field supports (the UI's filter bar offers the same list)."""
    if fs.type in TEXT_TYPES:
        return COMPARISON | TEXT_ONLY
    if fs.type in NUMBER_TYPES:
        return COMPARISON
    if fs.type in DATE_TYPES:
        return COMPARISON | DATE_ONLY
    if fs.type == "boolean":
        return {"eq", "ne", "null", "not-null"}
    if fs.type == "choice":
        return {"eq", "ne", "in", "not-in", "null", "not-null"}
    if fs.type in {"lookup", "polylookup"}:
        ops = {"eq", "ne", "in", "not-in", "null", "not-null"}
        targets = {fs.target} if fs.type == "lookup" else set(fs.targets or {})
        if "users" in targets:
            ops |= USER_ONLY
        if "business-units" in targets:
            ops |= BUSINESS_UNIT_ONLY
        return ops
    if fs.type == "uuid":
        return {"eq", "ne", "in", "not-in"}
    if fs.type == "regarding":
        return {"eq", "ne", "in", "null", "not-null"}
    return set()


def user_zone(user) -> dt.tzinfo:
    name = getattr(user, "time_zone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


class _Compiler:
    def __init__(self, user, now: dt.datetime | None = None):
        self.user = user
        self.now = now or timezone.now()
        self.zone = user_zone(user)
        self.nodes = 0

    # --- structure ---------------------------------------------------------------------------
    def node(self, spec: EntitySpec, node, depth: int) -> Q:
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            raise QueryError(_("The filter is too deeply nested or too large."), "too-complex")
        if not isinstance(node, dict):
            raise QueryError(_("Each part of the filter must be an object."), "malformed")
        if "and" in node or "or" in node:
            if len(node) != 1:
                raise QueryError(_("A group has exactly one key, \"and\" or \"or\"."), "malformed")
            key = "and" if "and" in node else "or"
            items = node[key]
            if not isinstance(items, list):
                raise QueryError(_("The value of \"%(key)s\" must be a list.") % {"key": key}, "malformed")
            result = Q()
            if key == "or" and items:
                result = Q(pk__in=[])
            for item in items:
                part = self.node(spec, item, depth + 1)
                result = (result & part) if key == "and" else (result | part)
            return result
        if "any" in node:
            return self.any(spec, node, depth)
        if "field" in node:
            return self.condition(spec, node)
        raise QueryError(_("A filter part must be a group, a condition or an \"any\"."), "malformed")

    def any(self, spec: EntitySpec, node: dict, depth: int) -> Q:
        unknown = set(node) - {"any", "where"}
        if unknown:
            raise QueryError(_("Unknown key in \"any\": %(key)s.") % {"key": sorted(unknown)[0]}, "malformed")
        target = node["any"]
        if not isinstance(target, str) or not target:
            raise QueryError(_("\"any\" names a related set, e.g. \"contacts.account\"."), "malformed")
        set_name, _dot, lookup = target.partition(".")
        related = get_entity(set_name)
        if related is None:
            raise QueryError(_("Unknown entity set \"%(set)s\".") % {"set": set_name}, "unknown-set")
        candidates = [
            fs for fs in related.field_map.values()
            if (fs.type == "lookup" and fs.target == spec.set_name) or fs.type == "regarding"
        ]
        if lookup:
            chosen = [fs for fs in candidates if fs.name == lookup]
        else:
            chosen = candidates if len(candidates) == 1 else []
        if len(chosen) != 1:
            raise QueryError(
                _("\"%(set)s\" has no single lookup to %(entity)s; name it as \"%(set)s.<lookup>\".")
                % {"set": set_name, "entity": spec.set_name},
                "unknown-field",
            )
        link = chosen[0]
        where = node.get("where", {"and": []})
        inner = self.node(related, where, depth + 1)
        rows = related.model.objects.for_user(self.user, "read").filter(inner)
        if link.type == "regarding":
            rows = rows.filter(**{f"{link.column}_entity": spec.set_name})
            return Q(pk__in=rows.values(f"{link.column}_id"))
        return Q(pk__in=rows.values(link.column))

    def condition(self, spec: EntitySpec, node: dict) -> Q:
        unknown = set(node) - {"field", "op", "value"}
        if unknown:
            raise QueryError(_("Unknown key in a condition: %(key)s.") % {"key": sorted(unknown)[0]}, "malformed")
        path = node.get("field")
        op = node.get("op", "eq")
        if not isinstance(path, str) or not path:
            raise QueryError(_("A condition needs a \"field\"."), "malformed")
        if not isinstance(op, str) or op not in OPERATORS:
            raise QueryError(_("Unknown operator \"%(op)s\".") % {"op": op}, "unknown-operator")
        has_value = "value" in node
        if op not in NO_VALUE and not has_value:
            raise QueryError(_("The operator \"%(op)s\" needs a value.") % {"op": op}, "invalid-value")
        return self.path(spec, path.split("."), path, op, node.get("value"))

    def path(self, spec: EntitySpec, parts: list[str], full: str, op: str, value) -> Q:
        fs = resolve_field(spec, parts[0], self.user, full)
        if len(parts) == 1:
            return self.compare(spec, fs, op, value, full)
        if fs.type != "lookup" or get_entity(fs.target or "") is None:
            raise QueryError(_("\"%(field)s\" is not a lookup that can be followed.") % {"field": parts[0]}, "unknown-field")
        target = get_entity(fs.target)
        inner = self.path(target, parts[1:], full, op, value)
        return Q(**{f"{fs.column}__in": target.model.objects.for_user(self.user, "read").filter(inner).values("pk")})

    # --- values ------------------------------------------------------------------------------
    def compare(self, spec: EntitySpec, fs: FieldSpec, op: str, value, full: str) -> Q:
        if op not in operators_for(fs):
            raise QueryError(
                _("The operator \"%(op)s\" does not apply to the field \"%(field)s\".") % {"op": op, "field": full},
                "unknown-operator",
            )
        if fs.type == "polylookup":
            return self.compare_polylookup(fs, op, value, full)
        if fs.type == "regarding":
            return self.compare_regarding(fs, op, value, full)
        column = fs.column
        if fs.type in {"lookup"}:
            column = f"{fs.column}_id"
        text = fs.type in TEXT_TYPES
        if op == "null":
            return self.is_null(fs, column)
        if op == "not-null":
            return ~self.is_null(fs, column)
        if op in USER_ONLY:
            q = Q(**{column: self.user.pk})
            return q if op == "eq-current-user" else ~q
        if op == "eq-current-user-business-unit":
            return Q(**{column: getattr(self.user, "business_unit_id", None)})
        if op == "under-business-unit":
            return Q(**{f"{column}__in": business_unit_subtree(self.coerce(fs, value, full))})
        if op in DATE_ONLY:
            return self.date_range(fs, column, op, value, full)
        if op in {"in", "not-in"}:
            if not isinstance(value, list) or not value or len(value) > 500:
                raise QueryError(_("\"%(op)s\" takes a non-empty list of values.") % {"op": op}, "invalid-value")
            values = [self.coerce(fs, v, full) for v in value]
            if text:
                q = Q(pk__in=[])
                for v in values:
                    q |= Q(**{f"{column}__iexact": v})
            else:
                q = Q(**{f"{column}__in": values})
            return q if op == "in" else ~q
        if op == "between":
            if not isinstance(value, list) or len(value) != 2:
                raise QueryError(_("\"between\" takes [low, high]."), "invalid-value")
            low, high = (self.coerce(fs, v, full) for v in value)
            if fs.type == "datetime" and isinstance(low, dt.date) and not isinstance(low, dt.datetime):
                return Q(**{f"{column}__gte": self.day_start(low), f"{column}__lt": self.day_start(high + dt.timedelta(days=1))})
            if text:
                return Q(GreaterThanOrEqual(Lower(column), low.lower())) & Q(LessThanOrEqual(Lower(column), high.lower()))
            return Q(**{f"{column}__gte": low, f"{column}__lte": high})
        coerced = self.coerce(fs, value, full)
        if fs.type == "datetime" and isinstance(coerced, dt.date) and not isinstance(coerced, dt.datetime):
            return self.datetime_by_day(column, op, coerced)
        if op in TEXT_ONLY:
            lookup = {"contains": "icontains", "begins-with": "istartswith", "ends-with": "iendswith"}[op]
            return Q(**{f"{column}__{lookup}": coerced})
        if op in {"eq", "ne"}:
            q = Q(**{f"{column}__iexact" if text else column: coerced})
            return q if op == "eq" else ~q
        if text:
            # Ordering comparisons ignore case too, so both databases give the same set.
            comparison = {"lt": LessThan, "le": LessThanOrEqual, "gt": GreaterThan, "ge": GreaterThanOrEqual}[op]
            return Q(comparison(Lower(column), coerced.lower()))
        lookup = {"lt": "lt", "le": "lte", "gt": "gt", "ge": "gte"}[op]
        return Q(**{f"{column}__{lookup}": coerced})

    def is_null(self, fs: FieldSpec, column: str) -> Q:
        q = Q(**{f"{column}__isnull": True})
        if fs.type in TEXT_TYPES or fs.type == "choice":
            q |= Q(**{column: ""})
        return q

    def compare_polylookup(self, fs: FieldSpec, op: str, value, full: str) -> Q:
        columns = [f"{c}_id" for c in (fs.targets or {}).values()]
        if op in {"null", "not-null"}:
            q = Q()
            for c in columns:
                q &= Q(**{f"{c}__isnull": True})
            return q if op == "null" else ~q
        if op in USER_ONLY:
            users_column = f"{fs.targets['users']}_id"
            q = Q(**{users_column: self.user.pk})
            return q if op == "eq-current-user" else ~q
        values = value if op in {"in", "not-in"} else [value]
        if not isinstance(values, list) or not values:
            raise QueryError(_("\"%(op)s\" takes a non-empty list of values.") % {"op": op}, "invalid-value")
        ids = [self.coerce_uuid(v, full) for v in values]
        q = Q(pk__in=[])
        for c in columns:
            q |= Q(**{f"{c}__in": ids})
        return q if op in {"eq", "in"} else ~q

    def compare_regarding(self, fs: FieldSpec, op: str, value, full: str) -> Q:
        column = f"{fs.column}_id"
        if op in {"null", "not-null"}:
            q = Q(**{f"{column}__isnull": True})
            return q if op == "null" else ~q
        values = value if op == "in" else [value]
        if not isinstance(values, list) or not values:
            raise QueryError(_("\"%(op)s\" takes a non-empty list of values.") % {"op": op}, "invalid-value")
        ids = [self.coerce_uuid(v.get("id") if isinstance(v, dict) else v, full) for v in values]
        q = Q(**{f"{column}__in": ids})
        return ~q if op == "ne" else q

    def coerce_uuid(self, value, full: str):
        try:
            return uuid.UUID(str(value))
        except (ValueError, TypeError, AttributeError):
            raise QueryError(_("\"%(value)s\" is not a valid id for \"%(field)s\".") % {"value": value, "field": full}, "invalid-value")

    def coerce(self, fs: FieldSpec, value, full: str):
        bad = QueryError(
            _("\"%(value)s\" is not a valid value for \"%(field)s\".") % {"value": str(value)[:100], "field": full},
            "invalid-value",
        )
        if value is None or isinstance(value, dict | list):
            raise bad
        if fs.type in TEXT_TYPES:
            if isinstance(value, bool):
                raise bad
            return str(value)[:1000]
        if fs.type == "integer":
            if isinstance(value, bool):
                raise bad
            try:
                number = int(str(value).strip())
            except ValueError:
                raise bad
            if abs(number) > 2**62:
                raise bad
            return number
        if fs.type in {"decimal", "money"}:
            if isinstance(value, bool):
                raise bad
            try:
                number = Decimal(str(value).strip())
            except (InvalidOperation, ValueError):
                raise bad
            if not number.is_finite() or abs(number) >= Decimal(10) ** 18:
                raise bad
            return number
        if fs.type == "boolean":
            if isinstance(value, bool):
                return value
            if str(value).lower() in {"true", "1"}:
                return True
            if str(value).lower() in {"false", "0"}:
                return False
            raise bad
        if fs.type == "date":
            try:
                return dt.date.fromisoformat(str(value))
            except ValueError:
                raise bad
        if fs.type == "datetime":
            text = str(value)
            if len(text) == 10:
                try:
                    return dt.date.fromisoformat(text)
                except ValueError:
                    raise bad
            try:
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise bad
            if timezone.is_naive(moment):
                moment = moment.replace(tzinfo=self.zone)
            return moment
        if fs.type == "choice":
            if str(value) not in fs.choice_codes:
                raise bad
            return str(value)
        if fs.type in {"lookup", "uuid"}:
            return self.coerce_uuid(value, full)
        raise bad

    # --- dates -------------------------------------------------------------------------------
    def today(self) -> dt.date:
        return self.now.astimezone(self.zone).date()

    def day_start(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=self.zone)

    def datetime_by_day(self, column: str, op: str, day: dt.date) -> Q:
        start, end = self.day_start(day), self.day_start(day + dt.timedelta(days=1))
        if op == "eq":
            return Q(**{f"{column}__gte": start, f"{column}__lt": end})
        if op == "ne":
            return ~Q(**{f"{column}__gte": start, f"{column}__lt": end})
        return {
            "lt": Q(**{f"{column}__lt": start}),
            "le": Q(**{f"{column}__lt": end}),
            "gt": Q(**{f"{column}__gte": end}),
            "ge": Q(**{f"{column}__gte": start}),
        }[op]

    def date_range(self, fs: FieldSpec, column: str, op: str, value, full: str) -> Q:
        today = self.today()
        if op in {"last-x-days", "next-x-days", "last-x-months", "next-x-months"}:
            if isinstance(value, bool):
                value = None
            try:
                count = int(value)
            except (TypeError, ValueError):
                count = -1
            if count < 0 or count > 36500:
                raise QueryError(
                    _("\"%(op)s\" takes a whole number of days or months.") % {"op": op}, "invalid-value"
                )
        if op == "today":
            first, last = today, today
        elif op == "yesterday":
            first = last = today - dt.timedelta(days=1)
        elif op == "this-week":
            first = today - dt.timedelta(days=today.weekday())
            last = first + dt.timedelta(days=6)
        elif op == "this-month":
            first, last = today.replace(day=1), _month_end(today)
        elif op == "last-month":
            last = today.replace(day=1) - dt.timedelta(days=1)
            first = last.replace(day=1)
        elif op == "this-year":
            first, last = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
        elif op == "last-year":
            first, last = dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
        elif op == "last-x-days":
            first, last = today - dt.timedelta(days=count), today
        elif op == "next-x-days":
            first, last = today, today + dt.timedelta(days=count)
        elif op == "last-x-months":
            first, last = _add_months(today, -count), today
        else:  # next-x-months
            first, last = today, _add_months(today, count)
        if fs.type == "date":
            return Q(**{f"{column}__gte": first, f"{column}__lte": last})
        if op == "last-x-days" or op == "last-x-months":
            return Q(**{f"{column}__gte": self.day_start(first), f"{column}__lte": self.now})
        if op == "next-x-days" or op == "next-x-months":
            return Q(**{f"{column}__gte": self.now, f"{column}__lt": self.day_start(last + dt.timedelta(days=1))})
        return Q(**{f"{column}__gte": self.day_start(first), f"{column}__lt": self.day_start(last + dt.timedelta(days=1))})


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def business_unit_subtree(root_id) -> list:
    """The id of a business unit and of every unit below it."""
    from rapport.security.models import BusinessUnit

    found = [root_id]
    frontier = [root_id]
    while frontier:
        frontier = list(BusinessUnit.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        frontier = [f for f in frontier if f not in found]
        found.extend(frontier)
    return found


def resolve_field(spec: EntitySpec, name: str, user, full: str | None = None) -> FieldSpec:
    """The filterable field ``name`` of ``spec`` that ``user`` may read, or a QueryError."""
    from rapport.core.permissions.fields import field_readable

    fs = spec.get_field(name)
    if fs is None or not fs.filterable:
        raise QueryError(
            _("Unknown field \"%(field)s\" on %(entity)s.") % {"field": full or name, "entity": spec.set_name},
            "unknown-field",
        )
    if not field_readable(user, spec, name):
        raise QueryError(_("You may not read the field \"%(field)s\".") % {"field": full or name}, "field-not-readable")
    return fs


def compile_filter(spec: EntitySpec, tree, user, *, now: dt.datetime | None = None) -> Q:
    """Validate ``tree`` against ``spec`` for ``user`` and return the ``Q`` it means.

    Raises ``QueryError`` (a 400 naming the fault) for an unknown field, operator or set, a field
    the user may not read, a bad value or a malformed tree. Related records are reached through
    sub-queries over the related entity's record filter, so a condition never reveals data the
    user may not read.
    """
    if tree is None or tree == {}:
        return Q()
    return _Compiler(user, now).node(spec, tree, 0)


SHORTHAND = {
    "": "eq", "ne": "ne", "lt": "lt", "lte": "le", "gt": "gt", "gte": "ge", "in": "in",
    "contains": "contains", "startswith": "begins-with", "isnull": None,
}


def shorthand_condition(spec: EntitySpec, key: str, raw: str) -> dict:
    """``<field>__<op>=<value>`` (API.md) as a condition of the tree."""
    name, _sep, suffix = key.partition("__")
    if suffix not in SHORTHAND:
        raise QueryError(_("Unknown operator \"%(op)s\".") % {"op": suffix}, "unknown-operator", field=key)
    if spec.get_field(name) is None or not spec.get_field(name).filterable:
        raise QueryError(_("Unknown parameter or field \"%(field)s\".") % {"field": key}, "unknown-field", field=key)
    if suffix == "isnull":
        if raw.lower() not in {"true", "false"}:
            raise QueryError(_("isnull takes true or false."), "invalid-value", field=key)
        return {"field": name, "op": "null" if raw.lower() == "true" else "not-null"}
    if suffix == "in":
        return {"field": name, "op": "in", "value": [v for v in raw.split(",")]}
    return {"field": name, "op": SHORTHAND[suffix], "value": raw}


def parse_ordering(spec: EntitySpec, text: str, user) -> list[tuple[str, bool]]:
    """``-modified_on,name`` → [("modified_on", True), ("name", False)], validated against metadata."""
    from rapport.core.permissions.fields import field_readable

    result = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        descending = part.startswith("-")
        name = part.lstrip("-")
        fs = spec.get_field(name)
        if fs is None or not fs.sortable or fs.type in {"json", "polylookup", "regarding"} or not field_readable(user, spec, name):
            raise QueryError(_("Unknown ordering field \"%(field)s\".") % {"field": name}, "unknown-field", field="ordering")
        if name not in {n for n, _d in result}:
            result.append((name, descending))
    return result
