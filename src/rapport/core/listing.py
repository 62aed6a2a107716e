"""Lists of records: one place that turns list parameters into a page (API and UI share it).

Rows come only from the record filter; the filter comes only from the query language; paging
is keyset (cursor) paging on the ordering plus ``id``, so a deep page costs what the first does
and every record is seen once even while others are written.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import F, Q
from django.utils.translation import gettext as _

from rapport.core.entities import EntitySpec, get_entity
from rapport.core.permissions.fields import field_readable
from rapport.core.query import QueryError, compile_filter, parse_ordering, shorthand_condition
from rapport.core.search import quick_find_q
from rapport.core.serialization import plain, select_related_for

RESERVED_PARAMS = {"q", "filter", "ordering", "fields", "expand", "view", "page_size", "cursor", "count"}
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass
class ViewSpec:
    """A system view: a named filter, ordering and columns (PLT-3)."""

    code: str
    name: str
    filter: dict
    ordering: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def system_views(spec: EntitySpec) -> list[ViewSpec]:
    """The views every entity gets: "My active …", "All active …", inactive and all."""
    plural = str(spec.label_plural)
    mine = {"field": "owner", "op": "eq-current-user"}
    views = []
    if spec.has_state:
        active = {"field": "state", "op": "eq", "value": spec.initial_state}
        if spec.is_owned:
            views.append(ViewSpec("my-active", _("My active %(plural)s") % {"plural": plural.lower()}, {"and": [mine, active]}))
        views.append(ViewSpec("active", _("All active %(plural)s") % {"plural": plural.lower()}, {"and": [active]}))
        views.append(ViewSpec("inactive", _("Inactive %(plural)s") % {"plural": plural.lower()},
                              {"and": [{"field": "state", "op": "ne", "value": spec.initial_state}]}))
    elif spec.is_owned:
        views.append(ViewSpec("mine", _("My %(plural)s") % {"plural": plural.lower()}, {"and": [mine]}))
    views.append(ViewSpec("all", _("All %(plural)s") % {"plural": plural.lower()}, {}))
    views.append(ViewSpec("recent", _("%(plural)s modified in the last 7 days") % {"plural": plural},
                          {"and": [{"field": "modified_on", "op": "last-x-days", "value": 7}]}, ["-modified_on"]))
    for view in views:
        view.ordering = view.ordering or list(spec.default_ordering)
        view.columns = list(spec.default_columns)
    return views


def resolve_view(spec: EntitySpec, user, code: str | None) -> ViewSpec | None:
    """A system view by code, or a saved view (personal or shared) by id, or None."""
    if not code:
        return None
    for view in system_views(spec):
        if view.code == code:
            return view
    from rapport.core.models import SavedView

    try:
        pk = uuid.UUID(str(code))
    except ValueError:
        raise QueryError(_("Unknown view \"%(view)s\".") % {"view": code}, "unknown-view", field="view")
    saved = SavedView.objects.visible_to(user).filter(entity=spec.set_name, pk=pk).first()
    if saved is None:
        raise QueryError(_("Unknown view \"%(view)s\".") % {"view": code}, "unknown-view", field="view")
    return ViewSpec(str(saved.pk), saved.name, saved.filter or {}, saved.ordering or list(spec.default_ordering),
                    saved.columns or list(spec.default_columns))


@dataclass
class ListQuery:
    """Parsed list parameters (API.md "GET /api/v1/<set>/")."""

    spec: EntitySpec
    user: object
    condition: Q
    ordering: list[tuple[str, bool]]
    fields: list[str]
    expand: set[str]
    page_size: int
    cursor: str | None
    count: bool
    view: ViewSpec | None = None


def parse_list_params(spec: EntitySpec, user, params, *, default_fields: list[str] | None = None) -> ListQuery:
    """Validate every parameter; unknown names and bad values raise ``QueryError`` (a 400)."""
    view = resolve_view(spec, user, params.get("view"))
    conditions = []
    if view is not None and view.filter:
        conditions.append(view.filter)
    raw_filter = params.get("filter")
    if raw_filter:
        try:
            tree = json.loads(raw_filter)
        except (ValueError, TypeError):
            raise QueryError(_("The filter is not valid JSON."), "malformed")
        conditions.append(tree)
    extra_q = Q()
    for key in params:
        if key in RESERVED_PARAMS:
            continue
        value = params.get(key)
        if key in spec.extra_list_params:
            extra_q &= spec.extra_list_params[key](value)
            continue
        conditions.append(shorthand_condition(spec, key, value))
    condition = compile_filter(spec, {"and": conditions}, user) if conditions else Q()
    condition &= extra_q
    if params.get("q"):
        condition &= quick_find_q(spec, user, params.get("q"))
    ordering_text = params.get("ordering") or ",".join(view.ordering if view else spec.default_ordering)
    ordering = parse_ordering(spec, ordering_text, user)
    fields = default_fields or [n for n in spec.api_fields if field_readable(user, spec, n)]
    if params.get("fields"):
        requested = [f.strip() for f in params.get("fields").split(",") if f.strip()]
        for name in requested:
            if name not in spec.field_map or not field_readable(user, spec, name):
                raise QueryError(_("Unknown field \"%(field)s\".") % {"field": name}, "unknown-field", field="fields")
        fields = list(dict.fromkeys(requested))
    expand = set()
    if params.get("expand"):
        for name in [f.strip() for f in params.get("expand").split(",") if f.strip()]:
            fs = spec.get_field(name)
            if fs is None or fs.type not in {"lookup", "polylookup"} or not field_readable(user, spec, name):
                raise QueryError(_("\"%(field)s\" is not a lookup that can be expanded.") % {"field": name}, "unknown-field", field="expand")
            expand.add(name)
    page_size = DEFAULT_PAGE_SIZE
    if params.get("page_size"):
        try:
            page_size = int(params.get("page_size"))
        except ValueError:
            page_size = -1
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise QueryError(_("page_size must be between 1 and %(max)d.") % {"max": MAX_PAGE_SIZE}, "invalid-value", field="page_size")
    count_text = (params.get("count") or "false").lower()
    if count_text not in {"true", "false"}:
        raise QueryError(_("count takes true or false."), "invalid-value", field="count")
    return ListQuery(spec, user, condition, ordering, fields, expand, page_size, params.get("cursor"), count_text == "true", view)


def base_queryset(spec: EntitySpec, user, condition: Q = Q()):
    """The readable records of ``spec`` matching ``condition``."""
    return spec.model.objects.for_user(user, "read").filter(condition)


def _column(spec: EntitySpec, name: str) -> str:
    fs = spec.field_map[name]
    return f"{fs.column}_id" if fs.type == "lookup" else (fs.column or name)


def _nullable(spec: EntitySpec, name: str) -> bool:
    try:
        return spec.model._meta.get_field(spec.field_map[name].column or name).null
    except Exception:
        return False


def order_keys(spec: EntitySpec, ordering: list[tuple[str, bool]]) -> list[tuple[str, bool, bool]]:
    keys = [(name, desc, _nullable(spec, name)) for name, desc in ordering]
    if "id" not in {name for name, _d, _n in keys}:
        keys.append(("id", False, False))
    return keys


def order_by_expressions(spec: EntitySpec, keys) -> list:
    expressions = []
    for name, desc, nullable in keys:
        column = _column(spec, name)
        if nullable:
            # Nulls sort as the largest value on both databases, so the keyset logic is one.
            expressions.append(F(column).desc(nulls_first=True) if desc else F(column).asc(nulls_last=True))
        else:
            expressions.append(F(column).desc() if desc else F(column).asc())
    return expressions


def encode_cursor(spec: EntitySpec, keys, record) -> str:
    values = [plain(getattr(record, _column(spec, name))) for name, _desc, _nullable in keys]
    raw = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _parse_cursor_value(spec: EntitySpec, name: str, value):
    if value is None:
        return None
    fs = spec.field_map[name]
    if fs.type in {"lookup", "uuid"}:
        return uuid.UUID(str(value))
    if fs.type == "datetime":
        return dt.datetime.fromisoformat(value)
    if fs.type == "date":
        return dt.date.fromisoformat(value)
    if fs.type in {"decimal", "money"}:
        return Decimal(value)
    if fs.type == "integer":
        return int(value)
    if fs.type == "boolean":
        if not isinstance(value, bool):
            raise ValueError("boolean")
        return value
    if not isinstance(value, str):
        raise ValueError("text")
    return value


def decode_cursor(spec: EntitySpec, keys, cursor: str) -> list:
    bad = QueryError(_("The cursor is not valid; start again from the first page."), "invalid-cursor", field="cursor")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
        if not isinstance(values, list) or len(values) != len(keys):
            raise bad
        return [_parse_cursor_value(spec, name, v) for (name, _d, _n), v in zip(keys, values, strict=True)]
    except (ValueError, TypeError, binascii.Error, InvalidOperation, UnicodeError):
        raise bad


def after_q(spec: EntitySpec, keys, values) -> Q:
    """Rows strictly after ``values`` in the order of ``keys`` (nulls largest)."""
    result = Q(pk__in=[])
    equal = Q()
    for (name, desc, nullable), value in zip(keys, values, strict=True):
        column = _column(spec, name)
        if value is None:
            beyond = Q(**{f"{column}__isnull": False}) if desc else Q(pk__in=[])
            same = Q(**{f"{column}__isnull": True})
        else:
            beyond = Q(**{f"{column}__lt" if desc else f"{column}__gt": value})
            if nullable and not desc:
                beyond |= Q(**{f"{column}__isnull": True})
            same = Q(**{column: value})
        result |= equal & beyond
        equal &= same
    return result


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    count: int | None = None


def fetch_page(query: ListQuery, *, select_related: list[str] | None = None) -> Page:
    """One page of ``query``: ``page_size`` rows after the cursor, and the next cursor."""
    spec = query.spec
    keys = order_keys(spec, query.ordering)
    queryset = base_queryset(spec, query.user, query.condition)
    total = queryset.count() if query.count else None
    if query.cursor:
        queryset = queryset.filter(after_q(spec, keys, decode_cursor(spec, keys, query.cursor)))
    joins = select_related if select_related is not None else select_related_for(spec, query.expand)
    if joins:
        queryset = queryset.select_related(*joins)
    rows = list(queryset.order_by(*order_by_expressions(spec, keys))[: query.page_size + 1])
    next_cursor = None
    if len(rows) > query.page_size:
        rows = rows[: query.page_size]
        next_cursor = encode_cursor(spec, keys, rows[-1])
    return Page(rows, next_cursor, total)


def entity_or_none(set_name: str) -> EntitySpec | None:
    return get_entity(set_name)
