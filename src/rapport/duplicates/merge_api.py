"""API of merging (API.md "Data quality"): ``POST /api/v1/<set>/<id>/merge/`` and
``POST /api/v1/merges/<merge id>/undo/``. Thin adapters over :mod:`rapport.duplicates.merge`."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from rapport.core.api import schema
from rapport.core.api.views import EntityView, RapportAPIView
from rapport.core.entities import get_entity
from rapport.core.errors import NotFound, RecordValidationError
from rapport.core.permissions.access import access_record, as_uuid
from rapport.core.permissions.fields import field_readable
from rapport.core.serialization import record_to_dict
from rapport.duplicates.merge import MERGEABLE_SETS, merge_records, undo_merge
from rapport.duplicates.models import Merge

BODY_KEYS = {"subordinate", "fields"}


def _record_body(spec, record, user) -> dict:
    return record_to_dict(spec, record, [n for n in spec.api_fields if field_readable(user, spec, n)])


class MergeView(EntityView):
    """``POST /api/v1/<set>/<id>/merge/`` with ``{"subordinate": "<id>", "fields": {"<field>": "subordinate"}}``."""

    def post(self, request, pk):
        self.require_scope(self.set_name, "write", pk)
        body = request.data
        problem = None
        if not isinstance(body, dict):
            problem = RecordValidationError.single("non_field_errors", _("Send a JSON object."), "invalid")
        elif set(body) - BODY_KEYS:
            name = sorted(str(key) for key in set(body) - BODY_KEYS)[0]
            problem = RecordValidationError.single(name, _("Unknown field \"%(field)s\".") % {"field": name}, "unknown-field")
        if problem is not None:
            access_record(request.user, self.set_name, pk, "read")  # an unreadable record is a 404 first
            raise problem
        if body.get("subordinate") is not None and not isinstance(body.get("subordinate"), str):
            body = {**body, "subordinate": str(body["subordinate"])}
        master, merge = merge_records(self.set_name, pk, body.get("subordinate"), body.get("fields"), self.context())
        response = Response({"record": _record_body(self.spec, master, request.user), "merge": str(merge.pk)})
        response["ETag"] = f'"{master.version}"'
        return response


class MergeUndoView(RapportAPIView):
    """``POST /api/v1/merges/<merge id>/undo/``: reverses a merge while it can be undone."""

    @extend_schema(
        operation_id="merges_undo", tags=["merges"], request=None,
        responses={200: inline_serializer("MergeUndoResult", {
            "record": serializers.DictField(help_text="The master record as it reads after the undo"),
            "subordinate": serializers.UUIDField(help_text="The reactivated subordinate record")}),
            **schema.problems(400, 401, 403, 404)},
        summary="Undo a merge",
    )
    def post(self, request, pk):
        merge = Merge.objects.filter(pk=as_uuid(pk)).first()
        spec = get_entity(merge.entity) if merge is not None else None
        if spec is None:
            raise NotFound()
        self.require_scope(spec.set_name, "write", merge.master_id)
        master, subordinate = undo_merge(merge.pk, self.context())
        response = Response({"record": _record_body(spec, master, request.user), "subordinate": str(subordinate.pk)})
        response["ETag"] = f'"{master.version}"'
        return response


def merge_views() -> dict[str, type]:
    """One view class per mergeable set, each with its own OpenAPI description."""
    views = {}
    for set_name in MERGEABLE_SETS:
        spec = get_entity(set_name)
        if spec is None:
            continue
        name = "".join(part.capitalize() for part in set_name.split("-"))
        view = type(f"{name}MergeView", (MergeView,), {"set_name": set_name})

        def post(self, request, pk):
            return MergeView.post(self, request, pk)

        view.post = extend_schema(
            operation_id=f"{set_name}_merge", tags=[set_name], summary=f"Merge another record of {set_name} into this one",
            parameters=[],
            request=inline_serializer(f"{name}MergeRequest", {
                "subordinate": serializers.UUIDField(help_text="The record merged into this one (deactivated)"),
                "fields": serializers.DictField(child=serializers.ChoiceField(choices=["master", "subordinate"]),
                                                required=False,
                                                help_text="Field name → whose value the master keeps"),
            }),
            responses={200: inline_serializer(f"{name}MergeResult", {
                "record": schema.read_serializer(spec)(),
                "merge": serializers.UUIDField(help_text="The merge, for undoing it"),
            }), **schema.problems(400, 401, 403, 404)},
        )(post)
        views[set_name] = view
    return views
