"""The record form ``/<set>/new/`` and ``/<set>/<id>/edit/``, and quick create in a dialog (PLT-7).

Tabs and sections come from ``spec.tabs``. Submitting calls the generic create/update actions;
the messages under each field are the action layer's, so the form says what the API says.
The version the form was opened at goes back as ``if_match``: when someone else saved first the
form keeps the user's input, shows what changed, and overwrites only when asked to.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rapport.core.actions.crud import create_record, update_record
from rapport.core.entities import EntitySpec, FieldSpec
from rapport.core.errors import (
    DuplicateDetected,
    InvalidState,
    PermissionDenied,
    PreconditionFailed,
    RapportError,
    RecordValidationError,
)
from rapport.core.permissions.access import access_record
from rapport.core.permissions.fields import field_readable, field_updatable
from rapport.core.permissions.filter import can_create
from rapport.core.serialization import select_related_for
from rapport.core.validation import clean_values
from rapport.core.views.common import entity_page, ui_context
from rapport.core.views.display import field_label
from rapport.core.views.widgets import build_widget, form_value, model_default, submitted_value

NOT_EDITABLE_TYPES = {"json", "regarding", "uuid"}


def layout_names(spec: EntitySpec) -> list[str]:
    return [name for tab in spec.tabs for section in tab.sections for name in section.fields]


def editable(spec: EntitySpec, user, fs: FieldSpec) -> bool:
    return (not fs.read_only and not fs.system and fs.type not in NOT_EDITABLE_TYPES
            and field_updatable(user, spec, fs.name))


def editable_names(spec: EntitySpec, user, names=None) -> list[str]:
    return [n for n in (names or layout_names(spec)) if editable(spec, user, spec.field_map[n])]


def quick_create_names(spec: EntitySpec, user) -> list[str]:
    """Required fields, the name and the quick-find fields, in form order (the quick-create form)."""
    wanted = {n for n, fs in spec.field_map.items() if fs.required} | {spec.primary_field} | set(spec.quick_find)
    ordered = [n for n in layout_names(spec) if n in wanted]
    ordered += [n for n in spec.writable_fields if n in wanted and n not in ordered]
    return editable_names(spec, user, ordered)


def record_queryset(spec: EntitySpec):
    """Records with their lookups joined, so a form or page shows names without a query per field."""
    return spec.model.objects.all().select_related(*select_related_for(spec, spec.api_fields))


def collect(spec: EntitySpec, user, post, names: list[str]):
    """What the form sent: the action's input, the inputs to redraw, and the form's own checks."""
    data, values, displays, own_errors = {}, {}, {}, {}
    for name in names:
        fs = spec.field_map[name]
        raw = submitted_value(fs, post)
        values[name] = raw
        if fs.type in {"lookup", "polylookup"}:
            displays[name] = post.get(f"{name}__display", "")
            if not raw and displays[name].strip():
                own_errors[name] = [_("Choose a record from the list, or clear the field.")]
        data[name] = raw
    return data, values, displays, own_errors


def build_tabs(spec: EntitySpec, user, *, record, values, displays, errors, creating: bool, prefix: str = ""):
    tabs = []
    for index, tab in enumerate(spec.tabs):
        sections = []
        for section in tab.sections:
            widgets = []
            for name in section.fields:
                fs = spec.field_map[name]
                if not field_readable(user, spec, name):
                    continue
                is_editable = editable(spec, user, fs)
                if not is_editable and creating:
                    continue
                widgets.append(build_widget(
                    spec, fs, value=values.get(name, ""), display=displays.get(name, ""), errors=errors.get(name),
                    prefix=prefix, record=record, read_only=not is_editable,
                ))
            if widgets:
                sections.append({"title": section.title, "widgets": widgets})
        if sections:
            tabs.append({"title": tab.title, "id": f"{prefix}form-tab-{index}", "sections": sections,
                         "has_errors": any(w.errors for s in sections for w in s["widgets"])})
    return tabs


def stray_errors(spec: EntitySpec, errors: dict, shown: set[str]) -> list[str]:
    """Errors the form has no input for (a rule across fields, or a required field not on the form)."""
    result = []
    for key, items in errors.items():
        if key in shown:
            continue
        fs = spec.get_field(key)
        for message in items:
            result.append(message if key == "non_field_errors" or fs is None else f"{field_label(fs)}: {message}")
    return result


def initial_values(spec: EntitySpec, user, get, names: list[str]):
    """A new record's inputs: the model's defaults, then values in the URL (``?account=<id>``)."""
    values, displays = {}, {}
    for name in names:
        fs = spec.field_map[name]
        values[name] = model_default(spec, fs)
        given = get.get(name)
        if given:
            if fs.type == "lookup":
                try:
                    related = access_record(user, fs.target, given, "read")
                except RapportError:
                    continue
                values[name], displays[name] = form_value(spec, fs, _Holder(fs.column, related))
            else:
                values[name] = given
    return values, displays


class _Holder:
    """Lets ``form_value`` read one related record as if it hung off a record."""

    def __init__(self, column, related):
        setattr(self, column, related)


def _render_form(request, spec, *, record, values, displays, errors, creating, conflict=None, status=200,
                 duplicates=None):
    names = layout_names(spec)
    tabs = build_tabs(spec, request.user, record=record, values=values, displays=displays, errors=errors, creating=creating)
    shown = {w.name for t in tabs for s in t["sections"] for w in s["widgets"]}
    active = next((i for i, t in enumerate(tabs) if t["has_errors"]), 0)
    context = {
        "spec": spec, "record": record, "creating": creating, "tabs": tabs, "active_tab": active,
        "form_errors": stray_errors(spec, errors, shown), "has_errors": bool(errors), "conflict": conflict,
        "version": request.POST.get("version") if request.method == "POST" and conflict else (record.version if record else ""),
        "action_url": f"/{spec.set_name}/new/" if creating else f"/{spec.set_name}/{record.pk}/edit/",
        "cancel_url": f"/{spec.set_name}/" if creating else f"/{spec.set_name}/{record.pk}/",
        "names": names,
        "duplicates": duplicates.extra.get("duplicates", []) if duplicates else [],
        "duplicate_detail": duplicates.detail if duplicates else "",
        "can_override": bool(duplicates and duplicates.extra.get("can_override")),
    }
    return render(request, "core/form.html", context, status=status)


@entity_page
def create_view(request, spec: EntitySpec):
    user = request.user
    if not (spec.creatable and can_create(user, spec)):
        raise PermissionDenied(_("You may not create %(entity)s.") % {"entity": str(spec.label_plural).lower()})
    names = editable_names(spec, user)
    if request.method != "POST":
        values, displays = initial_values(spec, user, request.GET, names)
        return _render_form(request, spec, record=None, values=values, displays=displays, errors={}, creating=True)
    data, values, displays, own_errors = collect(spec, user, request.POST, names)
    try:
        if own_errors:
            _validate_only(spec, user, data, creating=True)
            raise RecordValidationError(own_errors)
        result = create_record(spec, data, ui_context(request))
    except RecordValidationError as problem:
        errors = _merge(problem.errors, own_errors)
        return _render_form(request, spec, record=None, values=values, displays=displays, errors=errors,
                            creating=True, status=400)
    except PermissionDenied:
        raise
    except DuplicateDetected as problem:
        return _render_form(request, spec, record=None, values=values, displays=displays, errors={}, creating=True,
                            status=409, duplicates=problem)
    except RapportError as problem:  # e.g. a state rule
        return _render_form(request, spec, record=None, values=values, displays=displays,
                            errors={"non_field_errors": [problem.detail]}, creating=True, status=400)
    messages.success(request, _("%(entity)s \"%(name)s\" was created.") % {
        "entity": str(spec.label), "name": str(result.record)})
    return redirect(f"/{spec.set_name}/{result.record.pk}/")


def _validate_only(spec, user, data, *, creating, record=None):
    """The action layer's messages for the other fields when the form itself refuses one."""
    try:
        clean_values(spec, data, user, creating=creating, record=record)
    except RecordValidationError:
        raise
    except RapportError:
        pass


def _merge(errors: dict, own: dict) -> dict:
    merged = {k: list(v) for k, v in errors.items()}
    for key, items in own.items():
        merged.setdefault(key, [])
        merged[key] = items + [m for m in merged[key] if m not in items]
    return merged


@entity_page
def edit_view(request, spec: EntitySpec, pk):
    user = request.user
    record = access_record(user, spec.set_name, pk, "write", queryset=record_queryset(spec))
    if spec.has_state and record.state in spec.read_only_states:
        messages.error(request, _("The record is %(state)s and read-only. Activate it to change it.")
                       % {"state": spec.state_label(record.state).lower()})
        return redirect(f"/{spec.set_name}/{record.pk}/")
    names = editable_names(spec, user)
    if request.method != "POST":
        values, displays = {}, {}
        for name in names:
            values[name], displays[name] = form_value(spec, spec.field_map[name], record)
        return _render_form(request, spec, record=record, values=values, displays=displays, errors={}, creating=False)
    data, values, displays, own_errors = collect(spec, user, request.POST, names)
    if_match = request.POST.get("overwrite") or request.POST.get("version") or None
    try:
        if own_errors:
            _validate_only(spec, user, data, creating=False, record=record)
            raise RecordValidationError(own_errors)
        result = update_record(spec, record.pk, data, ui_context(request), if_match=if_match)
    except PreconditionFailed:
        current = access_record(user, spec.set_name, pk, "read", queryset=record_queryset(spec))
        return _render_form(request, spec, record=current, values=values, displays=displays, errors={}, creating=False,
                            conflict=_conflict(spec, current, values, names), status=409)
    except RecordValidationError as problem:
        return _render_form(request, spec, record=record, values=values, displays=displays,
                            errors=_merge(problem.errors, own_errors), creating=False, status=400)
    except InvalidState as problem:
        return _render_form(request, spec, record=record, values=values, displays=displays,
                            errors={"non_field_errors": [problem.detail]}, creating=False, status=400)
    except DuplicateDetected as problem:
        return _render_form(request, spec, record=record, values=values, displays=displays, errors={},
                            creating=False, status=409, duplicates=problem)
    messages.success(request, _("Your changes to \"%(name)s\" were saved.") % {"name": str(result.record)})
    return redirect(f"/{spec.set_name}/{result.record.pk}/")


def _conflict(spec: EntitySpec, current, submitted: dict, names: list[str]) -> dict:
    """Which fields the other person's save changed to something else than this form holds."""
    from rapport.core.views.display import show

    differences = []
    for name in names:
        fs = spec.field_map[name]
        stored, _display = form_value(spec, fs, current)
        if (stored or "") != (submitted.get(name) or "") and not (fs.type == "boolean" and stored in ("", "false") and submitted.get(name) == "false"):
            differences.append({"label": field_label(fs), "theirs": show(spec, fs, current).text})
    modified_by = getattr(current, "modified_by", None)
    return {"version": current.version, "differences": differences, "modified_by": str(modified_by) if modified_by else "",
            "modified_on": current.modified_on}


@entity_page
def quick_create(request, spec: EntitySpec):
    """A short form for a new record, opened in a dialog from a lookup field."""
    user = request.user
    if not (spec.creatable and can_create(user, spec)):
        raise PermissionDenied(_("You may not create %(entity)s.") % {"entity": str(spec.label_plural).lower()})
    names = quick_create_names(spec, user)
    errors: dict = {}
    values, displays = initial_values(spec, user, request.GET, names) if request.method != "POST" else ({}, {})
    if request.method == "POST":
        data, values, displays, own_errors = collect(spec, user, request.POST, names)
        try:
            with transaction.atomic():
                if own_errors:
                    _validate_only(spec, user, data, creating=True)
                    raise RecordValidationError(own_errors)
                result = create_record(spec, data, ui_context(request))
        except RecordValidationError as problem:
            errors = _merge(problem.errors, own_errors)
        else:
            created = {"set": spec.set_name, "id": str(result.record.pk), "label": str(result.record)}
            if request.htmx:
                response = render(request, "core/_quick_create_done.html", {"spec": spec, "created": created})
                response["HX-Trigger"] = json.dumps({"rapport:created": created})
                return response
            messages.success(request, _("%(entity)s \"%(name)s\" was created.") % {"entity": str(spec.label), "name": created["label"]})
            return redirect(f"/{spec.set_name}/{result.record.pk}/")
    widgets = [build_widget(spec, spec.field_map[n], value=values.get(n, ""), display=displays.get(n, ""),
                            errors=errors.get(n), prefix="qc-") for n in names]
    for widget in widgets:
        widget.quick_create_url = None  # one dialog at a time
    context = {"spec": spec, "widgets": widgets, "form_errors": stray_errors(spec, errors, set(names)),
               "action_url": f"/{spec.set_name}/quick-create/", "has_errors": bool(errors)}
    template = "core/_quick_create.html" if request.htmx else "core/quick_create.html"
    # htmx swaps only successful answers, so the form with its errors is a 200 there.
    return render(request, template, context, status=400 if errors and not request.htmx else 200)
