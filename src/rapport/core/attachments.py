"""Attaching a file to a note (PLT-9): checked size and type, audited, served only as a download."""

from __future__ import annotations

import mimetypes
import os

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core.actions.base import ActionContext, emit_event, stamp, write_audit
from rapport.core.entities import get_entity
from rapport.core.errors import RecordValidationError
from rapport.core.permissions.access import access_record

# Office documents, PDF, images, text and e-mail (API.md "notes").
ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".rtf": "application/rtf",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".eml": "message/rfc822",
    ".msg": "application/vnd.ms-outlook",
}
MAGIC = {
    ".pdf": [b"%PDF"],
    ".png": [b"\x89PNG"],
    ".jpg": [b"\xff\xd8\xff"],
    ".jpeg": [b"\xff\xd8\xff"],
    ".gif": [b"GIF87a", b"GIF89a"],
    ".docx": [b"PK"], ".xlsx": [b"PK"], ".pptx": [b"PK"], ".odt": [b"PK"], ".ods": [b"PK"], ".odp": [b"PK"],
}


def clean_upload(uploaded) -> tuple[str, str]:
    """The safe file name and content type of an upload, or a 400 on ``file``."""
    if uploaded is None:
        raise RecordValidationError.single("file", _("Choose a file to upload."), "required")
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if uploaded.size > limit:
        raise RecordValidationError.single(
            "file", _("The file is larger than the limit of %(mb)d MB.") % {"mb": settings.MAX_UPLOAD_MB}, "too-large")
    if uploaded.size == 0:
        raise RecordValidationError.single("file", _("The file is empty."), "invalid")
    name = os.path.basename((uploaded.name or "file").replace("\\", "/"))[:200] or "file"
    extension = os.path.splitext(name)[1].lower()
    if extension not in ALLOWED_TYPES:
        raise RecordValidationError.single(
            "file", _("Files of type \"%(ext)s\" are not allowed. Allowed: office documents, PDF, images, text and e-mail.")
            % {"ext": extension or "?"}, "type-not-allowed")
    head = uploaded.read(512)
    uploaded.seek(0)
    expected = MAGIC.get(extension)
    if expected and not any(head.startswith(m) for m in expected):
        raise RecordValidationError.single("file", _("The file's content does not match its type."), "type-not-allowed")
    if extension in {".txt", ".csv"} and head.lstrip().lower().startswith((b"<!doctype", b"<html", b"<script", b"<svg")):
        raise RecordValidationError.single("file", _("The file's content does not match its type."), "type-not-allowed")
    return name, ALLOWED_TYPES[extension] or mimetypes.guess_type(name)[0] or "application/octet-stream"


def attach_note_file(note_id, uploaded, ctx: ActionContext):
    """Replace the note's file (a note has at most one)."""
    spec = get_entity("notes")
    with transaction.atomic():
        note = access_record(ctx.user, "notes", note_id, "write", lock=True)
        name, content_type = clean_upload(uploaded)
        old = note.file_name or None
        if note.file:
            note.file.delete(save=False)
        note.file.save(f"{note.pk}.bin", uploaded, save=False)
        note.file_name, note.file_size, note.file_content_type = name, uploaded.size, content_type
        stamp(note, ctx)
        note.save()
        write_audit(spec, note.pk, "update", {"file_name": [old, name]}, ctx, str(note))
        emit_event(spec, note.pk, "file-attached", ctx)
    return note
