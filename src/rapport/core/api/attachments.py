"""``PUT``/``GET /api/v1/notes/<id>/attachment/``."""

from django.http import FileResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser

from rapport.core.api.schema import problems, read_serializer
from rapport.core.api.views import EntityView
from rapport.core.attachments import attach_note_file
from rapport.core.entities import get_entity
from rapport.core.errors import NotFound
from rapport.core.permissions.access import access_record


def download_response(note) -> FileResponse:
    """A note's file as a download — never rendered inline from our origin."""
    if not note.file:
        raise NotFound()
    response = FileResponse(note.file.open("rb"), as_attachment=True, filename=note.file_name,
                            content_type=note.file_content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class NoteAttachmentView(EntityView):
    set_name = "notes"
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="notes_attachment_download", tags=["notes"],
                   responses={(200, "application/octet-stream"): bytes, **problems(401, 403, 404)})
    def get(self, request, pk):
        self.require_scope("notes", "read", pk)
        return download_response(access_record(request.user, "notes", pk, "read"))

    @extend_schema(operation_id="notes_attachment_upload", tags=["notes"],
                   request={"multipart/form-data": inline_serializer("NoteFile", {"file": serializers.FileField()})},
                   responses={200: read_serializer(get_entity("notes")) if get_entity("notes") else None,
                              **problems(400, 401, 403, 404)})
    def put(self, request, pk):
        self.require_scope("notes", "write", pk)
        note = attach_note_file(pk, request.FILES.get("file"), self.context())
        return self.record_response(note)
