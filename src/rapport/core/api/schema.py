"""OpenAPI description of the generated endpoints: DRF serializers built from metadata.

These serializers only describe the API (drf-spectacular reads them); reading and writing go
through ``serialization.py`` and the actions, so the schema and the behaviour share one source,
the ``EntitySpec``.
"""

from __future__ import annotations

from functools import cache

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import serializers

from rapport.core.api.errors import CONTENT_TYPE as PROBLEM_CONTENT_TYPE
from rapport.core.api.errors import PROBLEM_KINDS
from rapport.core.entities import EntitySpec, FieldSpec
from rapport.core.validation import exact_digits

LOOKUP_SCHEMA = {
    "oneOf": [
        {"type": "string", "format": "uuid"},
        {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}},
         "required": ["id", "name"]},
    ],
    "nullable": True,
}
REFERENCE_SCHEMA = {
    "type": "object",
    "properties": {"entity": {"type": "string"}, "id": {"type": "string", "format": "uuid"}},
    "required": ["entity", "id"],
    "nullable": True,
}


@extend_schema_field(LOOKUP_SCHEMA)
class LookupField(serializers.JSONField):
    pass


@extend_schema_field(REFERENCE_SCHEMA)
class ReferenceField(serializers.JSONField):
    pass


@extend_schema_field({"type": "object", "additionalProperties": True})
class CustomField(serializers.JSONField):
    pass


def _name(spec: EntitySpec, suffix: str) -> str:
    return "".join(part.capitalize() for part in spec.set_name.replace("-", "_").split("_")) + suffix


def schema_field(fs: FieldSpec, *, for_write: bool) -> serializers.Field:
    common = {"required": for_write and fs.required, "help_text": str(fs.label)}
    if fs.type in {"text", "textarea", "email", "phone", "url"}:
        return serializers.CharField(allow_blank=True, max_length=fs.max_length, **common,
                                     allow_null=for_write)
    if fs.type == "integer":
        return serializers.IntegerField(allow_null=fs.nullable, min_value=0 if fs.name in {"employees", "version", "file_size"} else None,
                                        max_value=2147483647, **common)
    if fs.type in {"decimal", "money"}:
        return serializers.DecimalField(max_digits=exact_digits(fs), decimal_places=fs.decimal_places or 2,
                                        allow_null=fs.nullable, coerce_to_string=True, **common)
    if fs.type == "boolean":
        return serializers.BooleanField(**common)
    if fs.type == "date":
        return serializers.DateField(allow_null=fs.nullable, **common)
    if fs.type == "datetime":
        return serializers.DateTimeField(allow_null=fs.nullable, **common)
    if fs.type == "choice":
        return serializers.ChoiceField(choices=[c for c, _l in fs.choices or []], allow_blank=True, allow_null=for_write, **common)
    if fs.type == "uuid":
        return serializers.UUIDField(allow_null=fs.nullable and fs.name != "id", **common)
    if fs.type in {"lookup", "polylookup"}:
        if for_write:
            return serializers.UUIDField(allow_null=True, **common)
        return LookupField(allow_null=True, **common)
    if fs.type == "regarding":
        return ReferenceField(allow_null=not fs.required, **common)
    if fs.type == "json" and fs.name == "custom":
        return CustomField(**common)
    # Any other JSON value (a list, an object, a scalar) as the field holds it.
    return serializers.JSONField(**common)


@cache
def read_serializer(spec: EntitySpec):
    fields = {}
    for name in spec.api_fields:
        fs = spec.field_map[name]
        fields[name] = schema_field(fs, for_write=False)
        if fs.type == "polylookup":
            fields[f"{name}_type"] = serializers.CharField(allow_null=True, required=False)
        elif fs.type == "choice":
            fields[f"{name}_display"] = serializers.CharField(required=False)
    for field in fields.values():
        field.required = False
    return type(_name(spec, "Record"), (serializers.Serializer,), fields)


@cache
def write_serializer(spec: EntitySpec, partial: bool):
    fields = {}
    for name in spec.writable_fields:
        fs = spec.field_map[name]
        field = schema_field(fs, for_write=True)
        if partial:
            field.required = False
        fields[name] = field
    fields["custom"] = CustomField(required=False)
    return type(_name(spec, "Patch" if partial else "Create"), (serializers.Serializer,), fields)


@cache
def list_serializer(spec: EntitySpec):
    return type(_name(spec, "Page"), (serializers.Serializer,), {
        "results": read_serializer(spec)(many=True),
        "next": serializers.URLField(allow_null=True),
        "count": serializers.IntegerField(required=False),
    })


@cache
def action_serializers(spec: EntitySpec, action_name: str):
    action = spec.action_map[action_name]
    fields = {fs.name: schema_field(fs, for_write=True) for fs in action.inputs}
    request = type(_name(spec, "".join(p.capitalize() for p in action_name.split("-")) + "Input"),
                   (serializers.Serializer,), fields)
    response = type(_name(spec, "".join(p.capitalize() for p in action_name.split("-")) + "Result"),
                    (serializers.Serializer,), {
                        "record": read_serializer(spec)(),
                        "created": serializers.DictField(child=serializers.UUIDField(), required=False),
                    })
    return request, response


class ProblemSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[f"/api/v1/problems/{k}" for k in PROBLEM_KINDS])
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    codes = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    action = serializers.CharField()
    changes = serializers.DictField(child=serializers.ListField(allow_empty=True))
    user = serializers.UUIDField(allow_null=True)
    channel = serializers.CharField()
    occurred_on = serializers.DateTimeField()


class AuditPageSerializer(serializers.Serializer):
    results = AuditEntrySerializer(many=True)
    next = serializers.URLField(allow_null=True)


def problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(ProblemSerializer, description=description)


def problems(*statuses: int) -> dict:
    texts = {400: "Invalid request", 401: "Not authenticated", 403: "No privilege", 404: "Not found or not readable",
             405: "Method not allowed", 409: "Duplicate detected", 412: "Version mismatch (If-Match)", 429: "Rate limited"}
    # Refusals are application/problem+json (API.md "Errors"), not the renderer's application/json.
    return {(status, PROBLEM_CONTENT_TYPE): problem(texts[status]) for status in statuses}


LIST_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Quick find over the entity's quick-find fields"),
    OpenApiParameter("filter", OpenApiTypes.STR, description="The condition tree as JSON (API.md)"),
    OpenApiParameter("ordering", OpenApiTypes.STR, description="Comma-separated fields, '-' for descending"),
    OpenApiParameter("fields", OpenApiTypes.STR, description="Comma-separated fields to return"),
    OpenApiParameter("expand", OpenApiTypes.STR, description="Comma-separated lookups to expand to {id, name}"),
    OpenApiParameter("view", OpenApiTypes.STR, description="A system view code or saved view id"),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 500 (default 50)"),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="The cursor from the previous page's next"),
    OpenApiParameter("count", OpenApiTypes.BOOL, description="Add the exact count"),
]
DETAIL_PARAMETERS = LIST_PARAMETERS[3:5]
IF_MATCH = OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="The ETag read before")
