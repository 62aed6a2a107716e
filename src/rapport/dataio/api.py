"""API of import, export and bulk edit (API.md "Data quality")."""

from __future__ import annotations

import csv
import io
import uuid

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from rapport.core.actions.base import ActionContext
from rapport.core.actions.crud import update_record
from rapport.core.api.schema import LIST_PARAMETERS, problems
from rapport.core.api.views import RapportAPIView
from rapport.core.entities import get_entity
from rapport.core.errors import NotFound, PermissionDenied, RapportError, RecordValidationError
from rapport.core.listing import parse_list_params
from rapport.core.permissions.privileges import has_misc_privilege
from rapport.core.query import QueryError
from rapport.dataio import export, service
from rapport.dataio.models import Import, ImportIssue

MAX_ERRORS_IN_JSON = 1000
MAX_BULK_IDS = 500


def import_body(job: Import, request=None) -> dict:
    issues = list(ImportIssue.objects.filter(import_job=job).order_by("row", "id")[:MAX_ERRORS_IN_JSON]
                  .values("row", "field", "message", "kind"))
    errors_csv = f"/api/v1/imports/{job.pk}/errors.csv"
    if request is not None:
        errors_csv = request.build_absolute_uri(errors_csv)
    state, message = job.state, job.message
    if service.worker_lost(job):
        state, message = "failed", lost_message()
    return {
        "id": str(job.pk), "entity": job.entity, "state": state, "file_name": job.original_name,
        "dry_run": job.dry_run, "duplicates": job.duplicates, "mapping": job.mapping,
        "rows_total": job.rows_total, "rows_imported": job.rows_imported, "rows_failed": job.rows_failed,
        "rows_skipped": job.rows_skipped, "rows_flagged": job.rows_flagged, "message": message,
        "errors": issues, "errors_csv": errors_csv,
        "created_on": job.created_on.isoformat(), "finished_on": job.finished_on.isoformat() if job.finished_on else None,
    }


def lost_message() -> str:
    return _("The worker stopped while running this import. Resume it: it continues after the last saved row.")


def errors_csv_response(job: Import) -> HttpResponse:
    """The per-row report: row, column, field, kind, message (UTF-8 with BOM)."""
    columns = {field: header for header, field in (job.mapping or {}).items()}

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield "\ufeff".encode()
        writer.writerow([_("Row"), _("Column"), _("Field"), _("Kind"), _("Message")])
        for issue in ImportIssue.objects.filter(import_job=job).order_by("row", "id").iterator(chunk_size=2000):
            values = [issue.row, columns.get(issue.field, ""), issue.field, issue.get_kind_display(), issue.message]
            writer.writerow([export.csv_text(v) for v in values])
            if buffer.tell() > 65536:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


ISSUE = inline_serializer("ImportIssue", {
    "row": serializers.IntegerField(), "field": serializers.CharField(), "message": serializers.CharField(),
    "kind": serializers.ChoiceField(choices=["error", "skipped", "flagged"]),
}, many=True)
IMPORT = inline_serializer("Import", {
    "id": serializers.UUIDField(), "entity": serializers.CharField(),
    "state": serializers.ChoiceField(choices=["draft", "queued", "running", "finished", "failed", "cancelled"]),
    "file_name": serializers.CharField(), "dry_run": serializers.BooleanField(), "duplicates": serializers.CharField(),
    "mapping": serializers.DictField(child=serializers.CharField()),
    "rows_total": serializers.IntegerField(allow_null=True), "rows_imported": serializers.IntegerField(),
    "rows_failed": serializers.IntegerField(), "rows_skipped": serializers.IntegerField(),
    "rows_flagged": serializers.IntegerField(), "message": serializers.CharField(), "errors": ISSUE,
    "errors_csv": serializers.URLField(), "created_on": serializers.DateTimeField(),
    "finished_on": serializers.DateTimeField(allow_null=True),
})
IMPORT_REQUEST = inline_serializer("ImportRequest", {
    "file": serializers.FileField(help_text="CSV (UTF-8 or GB18030) or .xlsx; the first row names the columns"),
    "entity": serializers.CharField(help_text="The entity set, e.g. leads"),
    "mapping": serializers.CharField(required=False, help_text="JSON object: column header → field name (default: auto-mapping)"),
    "value_mapping": serializers.CharField(required=False, help_text="JSON object: field → {value in the file: option code}"),
    "duplicates": serializers.ChoiceField(choices=["skip", "flag", "create"], required=False),
    "dry_run": serializers.BooleanField(required=False),
    "owner": serializers.CharField(required=False, help_text="Owner of the imported records: a user or team id, or a user name"),
})
SET_NAME = OpenApiParameter("set_name", OpenApiTypes.STR, OpenApiParameter.PATH, description="The entity set")


class ImportListView(RapportAPIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(operation_id="imports_create", tags=["imports"], request={"multipart/form-data": IMPORT_REQUEST},
                   responses={202: inline_serializer("ImportStarted", {"id": serializers.UUIDField(), "state": serializers.CharField()}),
                              **problems(400, 401, 403)})
    def post(self, request):
        if not hasattr(request.data, "get"):
            raise RecordValidationError.single("file", _("Send the file as multipart/form-data."), "required")
        set_name = str(request.data.get("entity") or "")
        self.require_scope(str(set_name), "write")
        upload = request.FILES.get("file")
        service.check_may_import(request.user, set_name)
        mapping = service.parse_json_object(request.data.get("mapping"), "mapping")
        value_mapping = service.parse_json_object(request.data.get("value_mapping"), "value_mapping")
        duplicates = request.data.get("duplicates") or "skip"
        dry_run = service.parse_bool(request.data.get("dry_run"), "dry_run")
        owner = service.resolve_owner_input(request.data.get("owner"), request.user)
        job = service.prepare_import(request.user, set_name, upload, getattr(upload, "name", ""), channel="import")
        try:
            service.configure(job, mapping=mapping or None, value_mapping=value_mapping, duplicates=duplicates,
                              dry_run=dry_run, owner=owner)
        except RapportError:
            service.discard(job)
            job.delete()
            raise
        job = service.start(job)
        response = Response({"id": str(job.pk), "state": job.state}, status=202)
        response["Location"] = f"/api/v1/imports/{job.pk}/"
        return response

    @extend_schema(operation_id="imports_list", tags=["imports"], responses={200: inline_serializer("ImportList", {
        "results": inline_serializer("ImportSummary", {"id": serializers.UUIDField(), "entity": serializers.CharField(),
                                                       "state": serializers.CharField(), "file_name": serializers.CharField(),
                                                       "created_on": serializers.DateTimeField()}, many=True),
        "next": serializers.URLField(allow_null=True)}), **problems(401)})
    def get(self, request):
        rows = service.engine.visible_imports(request.user).order_by("-created_on")[:50]
        return Response({"results": [{"id": str(j.pk), "entity": j.entity, "state": j.state, "file_name": j.original_name,
                                      "created_on": j.created_on.isoformat()} for j in rows], "next": None})


class ImportDetailView(RapportAPIView):
    @extend_schema(operation_id="imports_retrieve", tags=["imports"], responses={200: IMPORT, **problems(401, 404)})
    def get(self, request, pk):
        return Response(import_body(service.get_import(request.user, pk), request))


class ImportErrorsView(RapportAPIView):
    def perform_content_negotiation(self, request, force=False):
        return JSONRenderer(), "application/json"

    @extend_schema(operation_id="imports_errors_csv", tags=["imports"],
                   responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The per-row report"),
                              **problems(401, 404)})
    def get(self, request, pk):
        return errors_csv_response(service.get_import(request.user, pk))


def _spec_or_404(set_name: str):
    spec = get_entity(set_name)
    if spec is None:
        raise NotFound()
    return spec


class ExportView(RapportAPIView):
    """``GET /api/v1/<set>/export/?format=xlsx|csv`` with the list parameters."""

    def perform_content_negotiation(self, request, force=False):
        # ``format`` names the file format here, not an API renderer.
        return JSONRenderer(), "application/json"

    @extend_schema(operation_id="export", tags=["export"], parameters=[
        SET_NAME, OpenApiParameter("format", OpenApiTypes.STR, enum=["xlsx", "csv"], description="xlsx (default) or csv"),
        *LIST_PARAMETERS[:6]],
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(OpenApiTypes.BINARY),
                   (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY), **problems(400, 401, 403, 404)})
    def get(self, request, set_name):
        spec = _spec_or_404(set_name)
        self.require_scope(set_name, "read")
        if not has_misc_privilege(request.user, "export"):
            raise PermissionDenied(_("You do not have the privilege to export data."))
        return export_response(spec, request.user, request.query_params)


def export_response(spec, user, query_params):
    """Validate the list parameters (400 before anything is sent), then stream the file."""
    params = {key: query_params.get(key) for key in query_params}
    file_format = (params.pop("format", None) or "xlsx").lower()
    params.pop("cursor", None)
    params.pop("page_size", None)
    params.pop("count", None)
    if file_format not in {"xlsx", "csv"}:
        raise QueryError(_("format takes xlsx or csv."), "invalid-value", field="format")
    query = parse_list_params(spec, user, params)
    columns = export.export_columns(spec, user, query, params)
    stem = str(spec.label_plural).replace(" ", "-").lower() or spec.set_name
    filename = f"{spec.set_name}.{file_format}"
    if file_format == "csv":
        response = StreamingHttpResponse(export.stream_csv(query, columns), content_type="text/csv; charset=utf-8")
    else:
        handle = export.write_xlsx(query, columns, str(spec.label_plural))
        response = FileResponse(handle, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    del stem
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def bulk_update(spec, ids, values, ctx: ActionContext) -> dict:
    """Each record through the update action on its own: ``{"updated": [...], "failed": [...]}``."""
    updated, failed = [], []
    for raw in ids:
        try:
            pk = uuid.UUID(str(raw))
        except (ValueError, TypeError, AttributeError):
            failed.append({"id": str(raw)[:64], "errors": {"non_field_errors": [_("Enter a valid id.")]},
                           "codes": {"non_field_errors": ["invalid"]}})
            continue
        try:
            update_record(spec, pk, dict(values), ctx)
        except RapportError as error:
            errors = error.errors or {"non_field_errors": [error.detail]}
            codes = error.codes or {"non_field_errors": [error.kind]}
            failed.append({"id": str(pk), "errors": errors, "codes": codes, "type": f"/api/v1/problems/{error.kind}"})
        else:
            updated.append(str(pk))
    return {"updated": updated, "failed": failed}


class BulkUpdateView(RapportAPIView):
    """``POST /api/v1/<set>/bulk-update/`` with ``{"ids": [...], "values": {...}}``."""

    @extend_schema(operation_id="bulk_update", tags=["bulk-update"], parameters=[SET_NAME],
                   request=inline_serializer("BulkUpdateRequest", {
                       "ids": serializers.ListField(child=serializers.UUIDField(), max_length=MAX_BULK_IDS),
                       "values": serializers.DictField()}),
                   responses={200: inline_serializer("BulkUpdateResult", {
                       "updated": serializers.ListField(child=serializers.UUIDField()),
                       "failed": inline_serializer("BulkUpdateFailure", {
                           "id": serializers.CharField(), "errors": serializers.DictField(), "codes": serializers.DictField(),
                           "type": serializers.CharField(required=False)}, many=True)}),
                       **problems(400, 401, 403, 404)})
    def post(self, request, set_name):
        spec = _spec_or_404(set_name)
        self.require_scope(set_name, "write")
        if not has_misc_privilege(request.user, "bulk_edit"):
            raise PermissionDenied(_("You do not have the privilege to edit records in bulk."))
        body = request.data
        if not isinstance(body, dict):
            raise RecordValidationError.single("non_field_errors", _("Send a JSON object."), "invalid")
        ids, values = body.get("ids"), body.get("values")
        unknown = set(body) - {"ids", "values"}
        if unknown:
            name = sorted(unknown)[0]
            raise RecordValidationError.single(str(name), _("Unknown field \"%(field)s\".") % {"field": name}, "unknown-field")
        if not isinstance(ids, list) or not ids:
            raise RecordValidationError.single("ids", _("Give a list of record ids."), "required")
        if len(ids) > MAX_BULK_IDS:
            raise RecordValidationError.single("ids", _("At most %(max)d records at a time.") % {"max": MAX_BULK_IDS}, "invalid")
        if not isinstance(values, dict) or not values:
            raise RecordValidationError.single("values", _("Give the fields to change as an object."), "required")
        ids = list(dict.fromkeys(str(i) for i in ids))
        return Response(bulk_update(spec, ids, values, self.context()))
