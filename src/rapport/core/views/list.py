"""The generic list page ``/<set>/`` (PLT-3, PLT-4, PLT-6, PLT-12).

It takes the same parameters as the API's list (``view``, ``q``, ``filter``, ``<field>__<op>``,
``ordering``, ``fields``, ``page_size``, ``cursor``, ``count``) through the same parser, so a list
URL is something people can bookmark and share, and rows come only from the record filter.
Counts are exact when the whole result is on one page, capped otherwise ("1,000+", exact on
demand with ``count=true``): a whole-table count is the slow part of lists at scale.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.entities import EntitySpec, FieldSpec
from rapport.core.listing import (
    RESERVED_PARAMS,
    ViewSpec,
    base_queryset,
    fetch_page,
    parse_list_params,
    system_views,
)
from rapport.core.models import SavedView
from rapport.core.permissions.fields import field_readable
from rapport.core.permissions.filter import can_create
from rapport.core.permissions.privileges import has_misc_privilege
from rapport.core.query import QueryError, operators_for, shorthand_condition
from rapport.core.query.compile import NO_VALUE
from rapport.core.registry import registry
from rapport.core.serialization import select_related_for
from rapport.core.views.common import entity_page, ui_entity
from rapport.core.views.display import field_label, show
from rapport.core.views.widgets import build_widget, principal_groups

COUNT_CAP = 1000
BULK_ACTIONS = ("activate", "deactivate", "assign")
FILTER_BAR_PREFIX = "fb-"

# --- extension point: tools on the list toolbar ------------------------------------------------
# Export (PLT-14) arrives with its own issue; it registers a tool here rather than this page
# showing a button that does nothing. A tool is ``tool(spec, request, list_query_string)`` and
# returns ``{"label": str, "url": str}`` or None (not offered for this list/user).
ListTool = Callable[[EntitySpec, object, str], dict | None]
LIST_TOOLS: list[ListTool] = []


def register_list_tool(tool: ListTool) -> ListTool:
    """Add a link to every list's toolbar (e.g. "Export to Excel" with the list's own parameters)."""
    if tool not in LIST_TOOLS:
        LIST_TOOLS.append(tool)
    return tool


# --- extension point: more actions on the selected records ------------------------------------
# A bulk button is ``button(spec, request)`` and returns ``{"label": str, "url": str}`` or None (not
# offered for this list/user); it submits the selection (``ids``, ``next`` and the CSRF token) by
# POST to ``url`` (the button's ``formaction``), e.g. "Merge" for two selected records.
ListBulkButton = Callable[[EntitySpec, object], dict | None]
def register_list_bulk_button(name: str, button: ListBulkButton) -> ListBulkButton:
    """Add a button to every list's "Selected:" bar (the selection is posted to its own URL)."""
    registry["list_bulk_buttons"].add(name, button)
    return button


OPERATOR_ORDER = [
    "eq", "ne", "contains", "begins-with", "ends-with", "lt", "le", "gt", "ge", "between", "in", "not-in",
    "null", "not-null", "today", "yesterday", "this-week", "this-month", "last-month", "this-year", "last-year",
    "last-x-days", "next-x-days", "last-x-months", "next-x-months", "eq-current-user", "ne-current-user",
    "eq-current-user-business-unit", "under-business-unit",
]
OPERATOR_LABELS = {
    "eq": gettext_lazy("equals"), "ne": gettext_lazy("does not equal"), "contains": gettext_lazy("contains"),
    "begins-with": gettext_lazy("begins with"), "ends-with": gettext_lazy("ends with"),
    "lt": gettext_lazy("is less than"), "le": gettext_lazy("is at most"), "gt": gettext_lazy("is greater than"),
    "ge": gettext_lazy("is at least"), "between": gettext_lazy("is between"), "in": gettext_lazy("is one of"),
    "not-in": gettext_lazy("is none of"), "null": gettext_lazy("is empty"), "not-null": gettext_lazy("is not empty"),
    "today": gettext_lazy("today"), "yesterday": gettext_lazy("yesterday"), "this-week": gettext_lazy("this week"),
    "this-month": gettext_lazy("this month"), "last-month": gettext_lazy("last month"),
    "this-year": gettext_lazy("this year"), "last-year": gettext_lazy("last year"),
    "last-x-days": gettext_lazy("in the last … days"), "next-x-days": gettext_lazy("in the next … days"),
    "last-x-months": gettext_lazy("in the last … months"), "next-x-months": gettext_lazy("in the next … months"),
    "eq-current-user": gettext_lazy("is me"), "ne-current-user": gettext_lazy("is not me"),
    "eq-current-user-business-unit": gettext_lazy("is my business unit"),
    "under-business-unit": gettext_lazy("is under the business unit"),
}
COUNT_OPERATORS = {"last-x-days", "next-x-days", "last-x-months", "next-x-months"}
# System views that are the same list narrowed to the user's own records, and back ("My …" ↔ "All").
MINE_TO_ALL = {"my-active": "active", "mine": "all"}


def list_columns(spec: EntitySpec, user, query, params) -> list[FieldSpec]:
    if params.get("fields"):
        names = query.fields
    elif query.view is not None:
        names = query.view.columns
    else:
        names = spec.default_columns
    return [spec.field_map[n] for n in names if n in spec.field_map and spec.field_map[n].type != "json"
            and field_readable(user, spec, n)]


def sortable(fs: FieldSpec) -> bool:
    return fs.sortable and fs.type not in {"json", "polylookup", "regarding"}


def _query_string(params: dict, **changes) -> str:
    merged = {k: v for k, v in params.items() if v not in (None, "")}
    for key, value in changes.items():
        if value in (None, ""):
            merged.pop(key, None)
        else:
            merged[key] = value
    return urlencode(merged)


def filter_bar_rows(spec: EntitySpec, user, raw: str | None):
    """The filter bar's rows for a ``filter`` parameter, or None when the bar cannot show it."""
    if not raw:
        return []
    try:
        tree = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(tree, dict):
        return None
    conditions = tree["and"] if set(tree) == {"and"} and isinstance(tree["and"], list) else [tree]
    rows = []
    for node in conditions:
        if not isinstance(node, dict) or not {"field", "op"} <= set(node) or set(node) - {"field", "op", "value"}:
            return None
        fs = spec.get_field(str(node["field"]))
        if fs is None or not fs.filterable or node["op"] not in operators_for(fs) or not field_readable(user, spec, fs.name):
            return None
        rows.append({"field": fs.name, "op": node["op"], "value": node.get("value")})
    return rows


def filter_fields(spec: EntitySpec, user) -> list[FieldSpec]:
    return [fs for fs in spec.field_map.values()
            if fs.filterable and operators_for(fs) and fs.type not in {"json", "regarding"} and field_readable(user, spec, fs.name)]


def filter_row_context(spec: EntitySpec, user, index: int, field_name: str | None, op: str | None, value=None) -> dict:
    """One row of the filter bar: field, operator (from ``operators_for``) and the value input it needs."""
    fields = filter_fields(spec, user)
    fs = spec.get_field(field_name or spec.primary_field)
    if fs is None or fs not in fields:
        fs = None
    operators = []
    if fs is not None:
        allowed = operators_for(fs)
        operators = [(code, OPERATOR_LABELS[code]) for code in OPERATOR_ORDER if code in allowed]
        if op not in allowed:
            op = "contains" if "contains" in allowed else operators[0][0]
    values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
    text_values = [str(v) for v in values]
    kind = "none"
    widget = None
    if fs is not None and op not in NO_VALUE:
        if op in COUNT_OPERATORS:
            kind = "count"
        elif op in {"in", "not-in"} and fs.type == "choice":
            kind = "multi-choice"
        elif op in {"in", "not-in"}:
            kind = "list"
        elif op == "between":
            kind = "between"
        elif fs.type in {"choice", "boolean"}:
            kind = "choice"
        elif fs.type == "polylookup" or (fs.type == "lookup" and ui_entity(fs.target or "") is None and fs.target in {"users", "teams"}):
            kind = "principal"
        elif fs.type == "lookup" and ui_entity(fs.target or "") is not None:
            kind = "lookup"
            widget = build_widget(None, fs, value=text_values[0] if text_values else "", prefix=f"fb-{index}-")
            widget.name = f"fb-{index}-value"
            widget.required = False
            widget.quick_create_url = None
        else:
            kind = "single"
    choices = []
    if fs is not None and kind in {"choice", "multi-choice"}:
        choices = [("true", _("Yes")), ("false", _("No"))] if fs.type == "boolean" else [(c, str(lbl)) for c, lbl in fs.choices or []]
    input_type = "text"
    if fs is not None:
        if fs.type in {"integer", "decimal", "money"}:
            input_type = "number"
        elif fs.type in {"date", "datetime"}:
            input_type = "date"
    return {
        "index": index, "fields": [(f.name, field_label(f)) for f in fields], "field": fs.name if fs else "",
        "field_label": field_label(fs) if fs else "", "operators": operators, "op": op or "", "kind": kind,
        "values": text_values, "value": text_values[0] if text_values else "",
        "value2": text_values[1] if len(text_values) > 1 else "", "list_value": ", ".join(text_values),
        "choices": choices, "input_type": input_type, "widget": widget, "set_name": spec.set_name,
        "groups": principal_groups() if kind == "principal" else [],
    }


def conditions_from_bar(spec: EntitySpec, get) -> list[dict]:
    """The condition tree's conditions from the submitted filter bar."""
    indexes = sorted({int(k.split("-")[1]) for k in get if k.startswith(FILTER_BAR_PREFIX) and k.split("-")[1].isdigit()})
    conditions = []
    for index in indexes:
        name = get.get(f"fb-{index}-field", "")
        op = get.get(f"fb-{index}-op", "") or "eq"
        fs = spec.get_field(name)
        if fs is None:
            continue
        node: dict = {"field": name, "op": op}
        if op not in NO_VALUE:
            values = [v for v in get.getlist(f"fb-{index}-value") if v.strip() != ""]
            if op in {"in", "not-in"}:
                if len(values) == 1 and fs.type != "choice":
                    values = [v.strip() for v in values[0].split(",") if v.strip()]
                node["value"] = values
            elif op == "between":
                node["value"] = [get.get(f"fb-{index}-value", ""), get.get(f"fb-{index}-value2", "")]
            else:
                node["value"] = values[0] if values else ""
        conditions.append(node)
    return conditions


def _apply_filter_bar(request, spec: EntitySpec):
    """Turn the filter bar's rows into the ``filter`` parameter and redirect to that shareable URL."""
    conditions = conditions_from_bar(spec, request.GET)
    keep = {k: request.GET.get(k) for k in ("view", "q", "ordering", "fields", "page_size") if request.GET.get(k)}
    keep.update(extra_params(spec, {k: request.GET.get(k) for k in request.GET}))
    if conditions:
        keep["filter"] = json.dumps({"and": conditions}, ensure_ascii=False, separators=(",", ":"))
    url = f"/{spec.set_name}/" + (f"?{urlencode(keep)}" if keep else "")
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _owner_condition(node) -> bool:
    return isinstance(node, dict) and node.get("field") == "owner" and node.get("op") == "eq-current-user"


def scope_switch(spec: EntitySpec, view: ViewSpec | None, params: dict) -> dict | None:
    """The "My …" ↔ "All" switch for the current view (PLT-3)."""
    if view is None:
        return None
    if view.code in MINE_TO_ALL:
        return {"label": _("Show all"), "query": _query_string(params, view=MINE_TO_ALL[view.code], cursor=None)}
    for mine, everyone in MINE_TO_ALL.items():
        if view.code == everyone and spec.is_owned and any(v.code == mine for v in system_views(spec)):
            return {"label": _("Show only mine"), "query": _query_string(params, view=mine, cursor=None)}
    tree = view.filter or {}
    parts = tree.get("and") if isinstance(tree, dict) and set(tree) == {"and"} else None
    if parts and any(_owner_condition(p) for p in parts):
        # A saved "My …" view: the same list without the owner condition, as a shareable filter.
        rest = [p for p in parts if not _owner_condition(p)]
        extra = params.get("filter")
        if extra:
            try:
                rest.append(json.loads(extra))
            except ValueError:
                pass
        changes = {"view": "all", "filter": json.dumps({"and": rest}, ensure_ascii=False, separators=(",", ":")) if rest else None,
                   "ordering": params.get("ordering") or ",".join(view.ordering), "fields": params.get("fields") or ",".join(view.columns),
                   "cursor": None}
        return {"label": _("Show all"), "query": _query_string(params, **changes)}
    return None


def extra_params(spec: EntitySpec, params: dict) -> dict:
    """``<field>=…`` / ``<field>__<op>=…`` conditions in the URL (e.g. a sub-grid's "View all")."""
    return {k: v for k, v in params.items() if k not in RESERVED_PARAMS and not k.startswith(FILTER_BAR_PREFIX)}


def combined_filter(spec: EntitySpec, view: ViewSpec | None, params: dict) -> dict:
    """The view's filter narrowed by the page's ``filter`` and shorthand conditions (what "Save view" stores)."""
    parts = []
    for key, value in extra_params(spec, params).items():
        if key not in spec.extra_list_params:
            parts.append(shorthand_condition(spec, key, value))
    if view is not None and view.filter:
        tree = view.filter
        parts.extend(tree["and"] if isinstance(tree, dict) and set(tree) == {"and"} else [tree])
    if params.get("filter"):
        try:
            tree = json.loads(params["filter"])
        except ValueError:
            tree = None
        if isinstance(tree, dict) and tree:
            parts.extend(tree["and"] if set(tree) == {"and"} else [tree])
    return {"and": parts} if parts else {}


def _saved_view_groups(spec: EntitySpec, user):
    mine, shared = [], []
    for saved in SavedView.objects.visible_to(user).filter(entity=spec.set_name).order_by("name"):
        (mine if saved.owner_id == user.pk else shared).append(saved)
    return mine, shared


@entity_page
def entity_list(request, spec: EntitySpec):
    if any(key.startswith(FILTER_BAR_PREFIX) for key in request.GET):
        return _apply_filter_bar(request, spec)
    user = request.user
    params = {key: request.GET.get(key) for key in request.GET}
    views = system_views(spec)
    if not params.get("view"):
        params["view"] = views[0].code
    error = None
    try:
        query = parse_list_params(spec, user, params)
    except QueryError as problem:
        error = "; ".join(m for messages in problem.errors.values() for m in messages) or problem.detail
        query = parse_list_params(spec, user, {"view": views[0].code})
    columns = list_columns(spec, user, query, params)
    try:
        page = fetch_page(query, select_related=select_related_for(spec, [c.name for c in columns]))
    except QueryError as problem:  # a cursor that no longer decodes
        error = problem.detail
        query.cursor = None
        page = fetch_page(query, select_related=select_related_for(spec, [c.name for c in columns]))
    if page.count is not None:
        count, capped = page.count, False
    elif not query.cursor and page.next_cursor is None:
        count, capped = len(page.rows), False
    else:
        count = base_queryset(spec, user, query.condition)[: COUNT_CAP + 1].count()
        capped = count > COUNT_CAP
    ordering = query.ordering
    headers = []
    for fs in columns:
        header = {"name": fs.name, "label": field_label(fs), "sortable": sortable(fs), "sort": None, "query": None}
        if header["sortable"]:
            current = ordering[0] if ordering else None
            if current and current[0] == fs.name:
                header["sort"] = "descending" if current[1] else "ascending"
                next_order = fs.name if current[1] else f"-{fs.name}"
            else:
                next_order = fs.name
            header["query"] = _query_string(params, ordering=next_order, cursor=None)
        headers.append(header)
    rows = [{"record": row, "url": f"/{spec.set_name}/{row.pk}/", "name": str(row) or str(row.pk),
             "cells": [{"label": h["label"], "shown": show(spec, fs, row)} for h, fs in zip(headers, columns, strict=True)]}
            for row in page.rows]
    bar_rows = filter_bar_rows(spec, user, params.get("filter"))
    mine, shared = _saved_view_groups(spec, user)
    current_view = query.view
    own_saved = next((v for v in mine if str(v.pk) == (current_view.code if current_view else "")), None)
    bulk_actions = [(name, spec.action_map[name].label) for name in BULK_ACTIONS
                    if name in spec.action_map and spec.action_map[name].show_in_ui]
    list_query = _query_string(params, cursor=None)
    tools = [t for t in (tool(spec, request, list_query) for tool in LIST_TOOLS) if t]
    bulk_buttons = [b for b in (button(spec, request) for button in registry["list_bulk_buttons"].values()) if b]
    save_columns = [(f.name, field_label(f), f in columns) for f in
                    columns + [f for f in spec.field_map.values() if f not in columns and f.type != "json"
                               and field_readable(user, spec, f.name)]]
    context = {
        "spec": spec, "label_plural": spec.label_plural, "error": error, "headers": headers, "rows": rows,
        "count": count, "capped": capped, "cap": COUNT_CAP, "exact_count_query": _query_string(params, count="true"),
        "next_query": _query_string(params, cursor=page.next_cursor) if page.next_cursor else None,
        "first_query": _query_string(params, cursor=None) if query.cursor else None,
        "params": params, "q": params.get("q", ""), "view": current_view, "system_views": views,
        "my_views": mine, "shared_views": shared, "own_saved_view": own_saved,
        "scope_switch": scope_switch(spec, current_view, params),
        "bar_rows": [filter_row_context(spec, user, i, r["field"], r["op"], r["value"]) for i, r in enumerate(bar_rows or [])],
        "bar_unreadable": bar_rows is None, "filter_active": bool(params.get("filter")),
        "clear_filter_query": _query_string(params, filter=None, cursor=None),
        "ordering_text": ",".join(("-" if desc else "") + name for name, desc in ordering),
        "fields_text": ",".join(c.name for c in columns),
        "combined_filter": json.dumps(combined_filter(spec, current_view, params) if not error else {}, ensure_ascii=False),
        "extra_params": extra_params(spec, params) if not error else {},
        "save_columns": save_columns, "bulk_actions": bulk_actions, "bulk_buttons": bulk_buttons,
        "can_delete": spec.deletable,
        "can_bulk_edit": has_misc_privilege(user, "bulk_edit"),
        "can_create": spec.creatable and can_create(user, spec), "tools": tools,
        "list_path": f"/{spec.set_name}/?{_query_string(params)}",
    }
    partial = bool(request.htmx) and request.htmx.target == "list-results"
    template = "core/_list_results.html" if partial else "core/list.html"
    # htmx swaps only successful answers; the message is in the partial either way.
    return render(request, template, context, status=400 if error and not partial else 200)


@entity_page
def filter_row(request, spec: EntitySpec):
    """One row of the filter bar (htmx: re-drawn when its field or operator changes)."""
    try:
        index = max(0, min(int(request.GET.get("i", "0")), 50))
    except ValueError:
        index = 0
    field_name = request.GET.get(f"fb-{index}-field") or request.GET.get("field")
    op = request.GET.get(f"fb-{index}-op") or request.GET.get("op")
    context = filter_row_context(spec, request.user, index, field_name, op)
    return render(request, "core/_filter_row.html", {"row": context, "spec": spec})
