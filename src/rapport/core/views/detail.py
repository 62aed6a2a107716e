"""The detail page ``/<set>/<id>/``: header with state and owner, the form's fields read-only,
related sub-grids, notes and attachments, audit history, and the actions the user may run now.
Running an action and deleting live here too (``/<set>/<id>/run/<action>/``, ``/<set>/<id>/delete/``).
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from rapport.core.actions.base import run_action
from rapport.core.actions.crud import delete_record
from rapport.core.entities import COMMON_DETAIL_PANELS, EntitySpec, get_entity
from rapport.core.errors import (
    HasDependents,
    InvalidState,
    NotFound,
    PreconditionFailed,
    RapportError,
    RecordValidationError,
)
from rapport.core.permissions.access import access_record
from rapport.core.permissions.fields import field_readable
from rapport.core.permissions.filter import can_create
from rapport.core.serialization import select_related_for
from rapport.core.views.common import entity_page, holds, ui_context, ui_entity
from rapport.core.views.display import field_label, show
from rapport.core.views.form import record_queryset
from rapport.core.views.notes import notes_panel
from rapport.core.views.widgets import build_widget

SUB_GRID_ROWS = 10


def action_buttons(spec: EntitySpec, record, user) -> list[dict]:
    """The actions ``user`` may run on ``record`` now: privilege held and no refusal (precondition)."""
    held: dict[str, bool] = {}
    buttons = []
    for action in spec.action_map.values():
        if not action.show_in_ui:
            continue
        if action.privilege not in held:
            held[action.privilege] = holds(user, spec, record, action.privilege)
        if not held[action.privilege] or action.refusal(spec, record, user):
            continue
        buttons.append({
            "name": action.name, "label": action.label, "style": action.style, "confirm": action.confirm,
            "needs_form": bool(action.inputs or action.confirm), "url": f"/{spec.set_name}/{record.pk}/run/{action.name}/",
            "widgets": [build_widget(spec, fs, prefix=f"{action.name}-") for fs in action.inputs],
        })
    return buttons


def sub_grids(spec: EntitySpec, record, user) -> list[dict]:
    """Related records (``spec.sub_grids``), each its own set through the record filter."""
    grids = []
    for grid in spec.sub_grids:
        related = ui_entity(grid.entity_set)
        link = related.get_field(grid.lookup) if related else None
        if related is None or link is None or link.type != "lookup":
            continue
        columns = [related.field_map[c] for c in (grid.columns or related.default_columns)
                   if c in related.field_map and field_readable(user, related, c)]
        ordering = list(related.default_ordering)
        rows = list(
            related.model.objects.for_user(user, "read").filter(**{f"{link.column}_id": record.pk})
            .select_related(*select_related_for(related, [c.name for c in columns])).order_by(*ordering, "id")[: SUB_GRID_ROWS + 1]
        )
        more = len(rows) > SUB_GRID_ROWS
        grids.append({
            "title": grid.title or related.label_plural, "set_name": related.set_name,
            "headers": [field_label(c) for c in columns],
            "rows": [{"url": f"/{related.set_name}/{row.pk}/", "cells": [
                {"label": field_label(c), "text": shown.text, "url": shown.url}
                for c, shown in ((c, show(related, c, row)) for c in columns)]} for row in rows[:SUB_GRID_ROWS]],
            "more": more, "all_url": f"/{related.set_name}/?view=all&{grid.lookup}={record.pk}",
            "new_url": f"/{related.set_name}/new/?{grid.lookup}={record.pk}"
            if related.creatable and can_create(user, related) else None,
            "new_label": _("New %(entity)s") % {"entity": str(related.label).lower()},
            "id": f"grid-{grid.entity_set}-{grid.lookup}",
        })
    return grids


def detail_panels(request, spec: EntitySpec, record) -> list[str]:
    """The entity's own panels (``spec.detail_panels``), then those every entity shows, rendered in order."""
    panels = []
    for panel in [*spec.detail_panels, *COMMON_DETAIL_PANELS]:
        extra = panel.context(request, spec, record) if panel.context is not None else {}
        if extra is None:
            continue
        panels.append(render_to_string(panel.template, {**extra, "spec": spec, "record": record}, request=request))
    return panels


def field_sections(spec: EntitySpec, record, user) -> list[dict]:
    tabs = []
    for index, tab in enumerate(spec.tabs):
        sections = []
        for section in tab.sections:
            items = [{"label": field_label(spec.field_map[n]), "value": show(spec, spec.field_map[n], record, long=True)}
                     for n in section.fields if field_readable(user, spec, n)]
            if items:
                sections.append({"title": section.title, "items": items})
        if sections:
            tabs.append({"id": f"tab-fields-{index}", "title": tab.title, "sections": sections})
    return tabs


@entity_page
def detail_view(request, spec: EntitySpec, pk):
    user = request.user
    record = access_record(user, spec.set_name, pk, "read", queryset=record_queryset(spec))
    read_only = spec.has_state and record.state in spec.read_only_states
    can_write = holds(user, spec, record, "write")
    can_delete = spec.deletable and holds(user, spec, record, "delete")
    owner_fs = spec.get_field("owner")
    system = [spec.field_map[n] for n in ("modified_on", "modified_by") if n in spec.field_map]
    tabs = field_sections(spec, record, user)
    grids = sub_grids(spec, record, user)
    context = {
        "spec": spec, "record": record, "name": str(record) or _("(no name)"), "read_only": read_only,
        "state": spec.state_label(record.state) if spec.has_state else "",
        "state_code": record.state if spec.has_state else "",
        "status_reason": spec.status_reason_label(record.status_reason) if spec.has_state and record.status_reason else "",
        "owner": show(spec, owner_fs, record) if owner_fs is not None and field_readable(user, spec, "owner") else None,
        "system": [{"label": field_label(f), "value": show(spec, f, record)} for f in system],
        "field_tabs": tabs, "grids": grids, "panels": detail_panels(request, spec, record),
        "can_edit": can_write and not read_only, "edit_url": f"/{spec.set_name}/{record.pk}/edit/",
        "can_delete": can_delete, "delete_url": f"/{spec.set_name}/{record.pk}/delete/",
        "actions": action_buttons(spec, record, user),
        "notes": notes_panel(spec, record, user) if "notes" in spec.features and get_entity("notes") else None,
        "has_audit": "audit" in spec.features, "audit_url": f"/{spec.set_name}/{record.pk}/audit/",
    }
    return render(request, "core/detail.html", context)


def _input_values(action, post) -> dict:
    values = {}
    for fs in action.inputs:
        if fs.type == "list":
            values[fs.name] = post.getlist(fs.name)
            continue
        raw = post.get(fs.name, "")
        if fs.type == "boolean":
            raw = "true" if raw in {"on", "true", "1"} else "false"
        values[fs.name] = raw
    return values


@entity_page
def run_action_view(request, spec: EntitySpec, pk, action_name: str):
    """An action's inputs and confirmation (GET) and running it (POST), through the action runner."""
    action = spec.action_map.get(action_name)
    if action is None or not action.show_in_ui:
        raise NotFound()
    user = request.user
    record = access_record(user, spec.set_name, pk, "read", queryset=record_queryset(spec))
    errors: dict = {}
    values: dict = {}
    conflict = False
    if request.method == "POST":
        values = _input_values(action, request.POST)
        try:
            result = run_action(spec.set_name, record.pk, action.name, ui_context(request), values,
                                if_match=request.POST.get("version") or None)
        except PreconditionFailed:
            conflict = True
            record = access_record(user, spec.set_name, pk, "read", queryset=record_queryset(spec))
        except RecordValidationError as problem:
            errors = problem.errors
        except InvalidState as problem:
            messages.error(request, problem.detail)
            return redirect(f"/{spec.set_name}/{record.pk}/")
        else:
            messages.success(request, result.message or _("%(action)s: done for \"%(name)s\".")
                             % {"action": str(action.label), "name": str(result.record)})
            return redirect(result.next_url or f"/{spec.set_name}/{result.record.pk}/")
    widgets = [build_widget(spec, fs, value=values.get(fs.name, ""), errors=errors.get(fs.name)) for fs in action.inputs]
    stray = [m for key, items in errors.items() if key not in {fs.name for fs in action.inputs} for m in items]
    context = {"spec": spec, "record": record, "action": action, "widgets": widgets, "form_errors": stray,
               "conflict": conflict, "url": f"/{spec.set_name}/{record.pk}/run/{action.name}/",
               "refusal": action.refusal(spec, record, user),
               "current": action.current(spec, record, user) if action.current else []}
    status = 409 if conflict else (400 if errors else 200)
    return render(request, "core/action_form.html", context, status=status)


@entity_page
def delete_view(request, spec: EntitySpec, pk):
    """Delete with confirmation; a record others depend on is refused with the counts."""
    user = request.user
    record = access_record(user, spec.set_name, pk, "delete" if spec.deletable else "read")
    if not spec.deletable:
        raise NotFound()
    error = None
    if request.method == "POST":
        name = str(record)
        try:
            delete_record(spec, record.pk, ui_context(request), if_match=request.POST.get("version") or None)
        except HasDependents as problem:
            counts = problem.extra.get("dependents", {})
            error = _("It cannot be deleted while other records depend on it: %(counts)s.") % {"counts": ", ".join(
                f"{count} {str(get_entity(set_name).label_plural).lower() if get_entity(set_name) else set_name}"
                for set_name, count in sorted(counts.items()))}
        except PreconditionFailed:
            error = _("Someone else changed this record since you opened it. Check the record, then delete it again.")
            record = access_record(user, spec.set_name, pk, "read")
        except RapportError as problem:
            error = problem.detail
        else:
            messages.success(request, _("\"%(name)s\" was deleted.") % {"name": name})
            return redirect(f"/{spec.set_name}/")
    return render(request, "core/delete_confirm.html", {"spec": spec, "record": record, "error": error},
                  status=400 if error else 200)
