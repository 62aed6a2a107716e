"""Bulk actions from a list (PLT-12): activate, deactivate, assign, edit, delete the selected records.

Each record goes through the same action as on its own page, in its own transaction, so the
privilege and state rules apply per record; the result says which succeeded and why others failed.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rapport.core.actions.base import run_action
from rapport.core.actions.crud import delete_record
from rapport.core.entities import EntitySpec, get_entity
from rapport.core.errors import HasDependents, NotFound, PermissionDenied, RapportError, RecordValidationError
from rapport.core.views.common import entity_page, safe_next, ui_context
from rapport.core.views.list import BULK_ACTIONS
from rapport.core.views.widgets import build_widget

MAX_BULK = 500


def _ids(values) -> list[uuid.UUID]:
    result = []
    for value in values:
        try:
            pk = uuid.UUID(str(value))
        except ValueError:
            continue
        if pk not in result:
            result.append(pk)
    return result


def _reason(error: RapportError) -> str:
    if isinstance(error, HasDependents):
        counts = error.extra.get("dependents", {})
        return _("Other records depend on it: %(counts)s.") % {"counts": ", ".join(
            f"{count} {str(get_entity(s).label_plural).lower() if get_entity(s) else s}" for s, count in sorted(counts.items()))}
    if isinstance(error, NotFound):
        return _("The record does not exist or you may not see it.")
    field_messages = [m for items in (error.errors or {}).values() for m in items]
    if isinstance(error, RecordValidationError) and field_messages:
        return " ".join(field_messages)
    return error.detail


BULK_EDIT_TYPES = {"text", "textarea", "email", "phone", "url", "integer", "decimal", "money", "date", "datetime",
                   "boolean", "choice", "lookup"}


def bulk_edit_fields(spec: EntitySpec, user) -> list:
    """The fields a bulk edit may set: writable, of a simple type, updatable by ``user``."""
    from rapport.core.permissions.fields import field_updatable

    return [spec.field_map[n] for n in spec.writable_fields
            if spec.field_map[n].type in BULK_EDIT_TYPES and field_updatable(user, spec, n)]


def _bulk_edit(request, spec: EntitySpec, back: str):
    """Set the chosen fields on every selected record, each through the update action on its own."""
    from rapport.core.actions.crud import update_record
    from rapport.core.views.widgets import submitted_value

    ids = _ids(request.POST.getlist("ids"))[:MAX_BULK]
    if not ids:
        messages.error(request, _("Select at least one record first."))
        return redirect(back)
    fields = bulk_edit_fields(spec, request.user)
    by_name = {fs.name: fs for fs in fields}
    chosen = [n for n in request.POST.getlist("change") if n in by_name]
    label = _("Bulk edit")
    if not request.POST.get("confirmed") or not chosen:
        readable = [str(row) for row in spec.model.objects.for_user(request.user, "read").filter(pk__in=ids)[:20]]
        widgets = [(build_widget(spec, fs, value=request.POST.get(fs.name, "") if request.POST.get("confirmed") else "",
                                 prefix="bulk-"), fs.name in chosen) for fs in fields]
        for widget, _checked in widgets:
            widget.required = False
            widget.quick_create_url = None
        error = _("Tick at least one field to change.") if request.POST.get("confirmed") else None
        context = {"spec": spec, "label": label, "ids": ids, "names": readable, "count": len(ids), "widgets": widgets,
                   "next": back, "error": error}
        return render(request, "core/bulk_edit.html", context, status=400 if error else 200)
    values = {name: submitted_value(by_name[name], request.POST) for name in chosen}
    ctx = ui_context(request)
    readable = {row.pk: str(row) for row in spec.model.objects.for_user(request.user, "read").filter(pk__in=ids)}
    succeeded, failed = [], []
    for pk in ids:
        display = readable.get(pk, str(pk))
        try:
            update_record(spec, pk, dict(values), ctx)
        except RapportError as error:
            failed.append({"name": display, "reason": _reason(error), "url": f"/{spec.set_name}/{pk}/" if pk in readable else None})
        else:
            succeeded.append({"name": display, "url": f"/{spec.set_name}/{pk}/"})
    summary = ngettext(
        "%(action)s: %(done)d of %(total)d record succeeded.",
        "%(action)s: %(done)d of %(total)d records succeeded.", len(ids),
    ) % {"action": str(label), "done": len(succeeded), "total": len(ids)}
    context = {"spec": spec, "label": label, "summary": summary, "succeeded": succeeded, "failed": failed, "next": back}
    return render(request, "core/bulk_result.html", context)


@require_POST
@entity_page
def bulk_view(request, spec: EntitySpec):
    back = safe_next(request.POST.get("next"), f"/{spec.set_name}/")
    name = request.POST.get("bulk_action", "")
    if name == "edit":
        from rapport.core.permissions.privileges import has_misc_privilege

        if not has_misc_privilege(request.user, "bulk_edit"):
            raise PermissionDenied(_("You do not have the privilege to edit records in bulk."))
        return _bulk_edit(request, spec, back)
    if name == "delete" and spec.deletable:
        action, label = None, _("Delete")
    elif name in BULK_ACTIONS and name in spec.action_map and spec.action_map[name].show_in_ui:
        action = spec.action_map[name]
        label = action.label
    else:
        messages.error(request, _("Choose an action for the selected records."))
        return redirect(back)
    ids = _ids(request.POST.getlist("ids"))[:MAX_BULK]
    if not ids:
        messages.error(request, _("Select at least one record first."))
        return redirect(back)
    readable = {row.pk: str(row) for row in spec.model.objects.for_user(request.user, "read").filter(pk__in=ids)}
    inputs = {fs.name: request.POST.get(fs.name, "") for fs in (action.inputs if action else [])}
    errors = {fs.name: [_("This field is required.")] for fs in (action.inputs if action else [])
              if fs.required and not inputs.get(fs.name) and request.POST.get("confirmed")}
    needs_confirmation = action is None or bool(action.inputs or action.confirm)
    if (needs_confirmation and not request.POST.get("confirmed")) or errors:
        widgets = [build_widget(spec, fs, value=inputs.get(fs.name, ""), errors=errors.get(fs.name), prefix="bulk-")
                   for fs in (action.inputs if action else [])]
        context = {"spec": spec, "action_name": name, "label": label, "ids": ids, "names": list(readable.values())[:20],
                   "count": len(ids), "widgets": widgets, "next": back, "is_delete": action is None,
                   "confirm": action.confirm if action else None}
        return render(request, "core/bulk_confirm.html", context, status=400 if errors else 200)
    ctx = ui_context(request)
    succeeded, failed = [], []
    for pk in ids:
        display = readable.get(pk, str(pk))
        try:
            if action is None:
                delete_record(spec, pk, ctx)
            else:
                run_action(spec.set_name, pk, action.name, ctx, {k: v for k, v in inputs.items()})
        except RapportError as error:
            failed.append({"name": display, "reason": _reason(error), "url": f"/{spec.set_name}/{pk}/" if pk in readable else None})
        else:
            succeeded.append({"name": display, "url": None if action is None else f"/{spec.set_name}/{pk}/"})
    summary = ngettext(
        "%(action)s: %(done)d of %(total)d record succeeded.",
        "%(action)s: %(done)d of %(total)d records succeeded.", len(ids),
    ) % {"action": str(label), "done": len(succeeded), "total": len(ids)}
    context = {"spec": spec, "label": label, "summary": summary, "succeeded": succeeded, "failed": failed, "next": back}
    return render(request, "core/bulk_result.html", context)
