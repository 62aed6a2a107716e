"""Notes and attachments on any record (PLT-9): the panel, adding a note with a file, download, delete.

A note is created by the generic create action on the ``notes`` entity and its file attached by
``attach_note_file`` (size and type checks) in the same transaction, so a refused file leaves no
note behind. Files are only ever sent as downloads.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core.actions.crud import create_record, delete_record
from rapport.core.api.attachments import download_response
from rapport.core.attachments import attach_note_file
from rapport.core.entities import EntitySpec, get_entity
from rapport.core.errors import NotFound, PermissionDenied, RapportError, RecordValidationError
from rapport.core.permissions.access import access_record
from rapport.core.views.common import entity_page, record_url, refusal_page, safe_next, ui_context
from rapport.core.views.display import format_datetime

PANEL_NOTES = 50


def notes_panel(spec: EntitySpec, record, user, *, errors=None, values=None) -> dict:
    """The record's notes, newest first, with what the user may do with each (fixed query count)."""
    notes_spec = get_entity("notes")
    rows = list(
        notes_spec.model.objects.for_user(user, "read")
        .filter(regarding_entity=spec.set_name, regarding_id=record.pk)
        .select_related("created_by").order_by("-created_on", "-id")[:PANEL_NOTES]
    )
    deletable = set()
    if rows:
        deletable = set(notes_spec.model.objects.for_user(user, "delete").filter(pk__in=[n.pk for n in rows])
                        .values_list("pk", flat=True))
    notes = [{
        "id": note.pk, "title": note.title, "text": note.text, "created_on": format_datetime(note.created_on),
        "created_on_iso": note.created_on.isoformat(), "author": str(note.created_by) if note.created_by else "",
        "file_name": note.file_name, "file_size": filesizeformat(note.file_size) if note.file_size else "",
        "download_url": f"/notes/{note.pk}/file/" if note.file_name else None,
        "delete_url": f"/notes/{note.pk}/delete/" if note.pk in deletable else None,
    } for note in rows]
    return {"notes": notes, "add_url": f"/{spec.set_name}/{record.pk}/notes/", "errors": errors or {},
            "values": values or {}, "back": f"/{spec.set_name}/{record.pk}/"}


@require_POST
@entity_page
def add_note(request, spec: EntitySpec, pk):
    user = request.user
    record = access_record(user, spec.set_name, pk, "read")
    if "notes" not in spec.features:
        raise NotFound()
    title = request.POST.get("title", "")
    text = request.POST.get("text", "")
    uploaded = request.FILES.get("file")
    errors: dict = {}
    if not title.strip() and not text.strip() and uploaded is None:
        errors = {"text": [_("Write a note or choose a file.")]}
    else:
        ctx = ui_context(request)
        try:
            with transaction.atomic():
                note = create_record(get_entity("notes"), {
                    "regarding": {"entity": spec.set_name, "id": str(record.pk)}, "title": title, "text": text,
                }, ctx).record
                if uploaded is not None:
                    attach_note_file(note.pk, uploaded, ctx)
        except RecordValidationError as problem:
            errors = problem.errors
        except PermissionDenied:
            raise
        except RapportError as problem:
            errors = {"non_field_errors": [problem.detail]}
    if request.htmx:
        panel = notes_panel(spec, record, user, errors=errors, values={"title": title, "text": text} if errors else {})
        return render(request, "core/_notes.html", {"panel": panel, "spec": spec, "record": record,
                                                    "added": not errors})
    if errors:
        for items in errors.values():
            for message in items:
                messages.error(request, message)
    else:
        messages.success(request, _("The note was added."))
    return redirect(f"/{spec.set_name}/{record.pk}/#notes")


@login_required
def download_note_file(request, pk):
    try:
        note = access_record(request.user, "notes", pk, "read")
        return download_response(note)
    except NotFound as error:
        return refusal_page(request, error, 404)


@require_POST
@login_required
def delete_note(request, pk):
    try:
        note = access_record(request.user, "notes", pk, "read")
        back = record_url(note.regarding_entity, note.regarding_id) or "/"
        delete_record(get_entity("notes"), note.pk, ui_context(request))
    except NotFound as error:
        return refusal_page(request, error, 404)
    except PermissionDenied as error:
        return refusal_page(request, error, 403)
    messages.success(request, _("The note was deleted."))
    return redirect(safe_next(back, "/") + "#notes")
