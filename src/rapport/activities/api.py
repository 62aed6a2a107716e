"""API endpoints the generated ones do not cover (API.md): timelines, notifications, contact-log creation.

Thin adapters: parse → access → action → render.
"""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from rapport.activities.models import Notification
from rapport.activities.notifications import as_json, mark_read
from rapport.activities.timeline import MAX_PAGE, parse_filter, timeline_page
from rapport.core.api import schema
from rapport.core.api.views import EntityListView, RapportAPIView
from rapport.core.entities import all_entities, get_entity
from rapport.core.permissions.access import access_record
from rapport.core.permissions.fields import field_readable
from rapport.core.query import QueryError
from rapport.core.serialization import record_to_dict

REFERENCE = schema.ReferenceField(allow_null=True, required=False)

TimelineItem = inline_serializer("TimelineItem", {
    "kind": serializers.ChoiceField(choices=["activity", "note", "event"]),
    "id": serializers.UUIDField(),
    "entity": serializers.CharField(),
    "subject": serializers.CharField(),
    "activity_type": serializers.CharField(allow_null=True),
    "state": serializers.CharField(allow_null=True),
    "occurred_on": serializers.DateTimeField(),
})
TimelinePage = inline_serializer("TimelinePage", {
    "results": TimelineItem.__class__(many=True),
    "next": serializers.URLField(allow_null=True),
})
NotificationItem = inline_serializer("Notification", {
    "id": serializers.UUIDField(),
    "kind": serializers.CharField(),
    "title": serializers.CharField(),
    "record": schema.ReferenceField(allow_null=True),
    "created_on": serializers.DateTimeField(),
    "read_on": serializers.DateTimeField(allow_null=True),
})
NotificationPage = inline_serializer("NotificationPage", {
    "results": NotificationItem.__class__(many=True),
    "next": serializers.URLField(allow_null=True),
    "unread": serializers.IntegerField(),
})


def _page_size(params, default: int) -> int:
    try:
        size = int(params.get("page_size", default))
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE:
        raise QueryError(_("page_size must be between 1 and %(max)d.") % {"max": MAX_PAGE}, "invalid-value", field="page_size")
    return size


def _next_url(request, cursor):
    if not cursor:
        return None
    params = request.query_params.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(request.path + "?" + params.urlencode())


class TimelineView(RapportAPIView):
    """``GET /api/v1/<set>/<id>/timeline/``: activities, notes and key events, newest first."""

    set_name = ""

    def get(self, request, pk):
        self.require_scope(self.set_name, "read", pk)
        for key in request.query_params:
            if key not in {"cursor", "page_size", "kind", "activity_type", "state"}:
                raise QueryError(_("Unknown parameter \"%(name)s\".") % {"name": key}, "unknown-field", field=key)
        spec = get_entity(self.set_name)
        record = access_record(request.user, self.set_name, pk, "read")
        items, following = timeline_page(request.user, spec, record.pk, cursor=request.query_params.get("cursor"),
                                         page_size=_page_size(request.query_params, 25),
                                         flt=parse_filter(request.query_params))
        return Response({"results": items, "next": _next_url(request, following)})


class NotificationListView(RapportAPIView):
    """``GET /api/v1/notifications/?unread=true``: the caller's own notifications, newest first."""

    @extend_schema(operation_id="notifications_list", tags=["notifications"], responses={
        200: NotificationPage, **schema.problems(400, 401)},
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL), OpenApiParameter("page_size", OpenApiTypes.INT),
                    OpenApiParameter("cursor", OpenApiTypes.STR)])
    def get(self, request):
        from rapport.activities.timeline import _before, decode_cursor, encode_cursor

        for key in request.query_params:
            if key not in {"unread", "page_size", "cursor"}:
                raise QueryError(_("Unknown parameter \"%(name)s\".") % {"name": key}, "unknown-field", field=key)
        unread = (request.query_params.get("unread") or "false").lower()
        if unread not in {"true", "false"}:
            raise QueryError(_("unread takes true or false."), "invalid-value", field="unread")
        size = _page_size(request.query_params, 50)
        rows = Notification.objects.filter(recipient=request.user)
        if unread == "true":
            rows = rows.filter(read_on__isnull=True)
        cursor = request.query_params.get("cursor")
        if cursor:
            rows = rows.filter(_before("created_on", decode_cursor(cursor)))
        rows = list(rows.order_by("-created_on", "-id")[: size + 1])
        following = None
        if len(rows) > size:
            rows = rows[:size]
            following = encode_cursor(rows[-1].created_on, rows[-1].pk)
        count = Notification.objects.filter(recipient=request.user, read_on__isnull=True).count()
        return Response({"results": [as_json(n) for n in rows], "next": _next_url(request, following), "unread": count})


class NotificationReadView(RapportAPIView):
    """``POST /api/v1/notifications/<id>/read/``: mark one of the caller's notifications read."""

    @extend_schema(operation_id="notifications_read", tags=["notifications"], request=None,
                   responses={200: NotificationItem, **schema.problems(401, 404)})
    def post(self, request, pk):
        return Response(as_json(mark_read(request.user, pk, timezone.now())))


class ContactLogListView(EntityListView):
    """``contact-logs`` list and create; the create answers ``{"record", "created": {"task"}}``.

    Overrides the generated create only in its answer (API.md: a contact log with a next contact
    date creates its follow-up task, returned like an action's created record).
    """

    set_name = "contact-logs"

    def post(self, request):
        from rapport.core.actions.crud import create_record

        self.require_scope(self.set_name, "write")
        result = create_record(self.spec, request.data, self.context())
        record = result.record
        names = [n for n in self.spec.api_fields if field_readable(request.user, self.spec, n)]
        created = {role: str(r.pk) for role, r in getattr(record, "_created", {}).items()}
        response = Response({"record": record_to_dict(self.spec, record, names), "created": created}, status=201,
                            headers={"Location": f"/api/v1/{self.set_name}/{record.pk}/"})
        response["ETag"] = f'"{record.version}"'
        return response


def _contact_log_views():
    from rapport.core.api.views import build_entity_views

    generated = build_entity_views(get_entity("contact-logs"))["list"]
    view = type("ContactLogsListView", (ContactLogListView,), {})
    view.get = generated.get
    spec = get_entity("contact-logs")
    view.post = extend_schema(
        operation_id="contact-logs_create", tags=["contact-logs"], request=schema.write_serializer(spec, False),
        responses={201: inline_serializer("ContactLogCreated", {
            "record": schema.read_serializer(spec)(),
            "created": serializers.DictField(child=serializers.UUIDField()),
        }), **schema.problems(400, 401, 403)},
    )(ContactLogListView.post)
    return view


def api_urlpatterns() -> list:
    """Placed before the generated entity URLs (so ``contact-logs/`` and the timelines win)."""
    patterns = [
        path("notifications/", NotificationListView.as_view(), name="api-notifications"),
        path("notifications/<uuid:pk>/read/", NotificationReadView.as_view(), name="api-notification-read"),
        path("contact-logs/", _contact_log_views().as_view(), name="api-contact-logs-list-create"),
    ]
    for spec in all_entities():
        view = type(f"{spec.set_name.title().replace('-', '')}TimelineView", (TimelineView,), {"set_name": spec.set_name})
        view.get = extend_schema(
            operation_id=f"{spec.set_name}_timeline", tags=[spec.set_name], responses={
                200: TimelinePage, **schema.problems(400, 401, 403, 404)},
            parameters=[OpenApiParameter("kind", OpenApiTypes.STR), OpenApiParameter("activity_type", OpenApiTypes.STR),
                        OpenApiParameter("state", OpenApiTypes.STR), OpenApiParameter("page_size", OpenApiTypes.INT),
                        OpenApiParameter("cursor", OpenApiTypes.STR)],
        )(_own(TimelineView.get))
        patterns.append(path(f"{spec.set_name}/<uuid:pk>/timeline/", view.as_view(), name=f"api-{spec.set_name}-timeline"))
    return patterns


def _own(method):
    def handler(self, *args, **kwargs):
        return method(self, *args, **kwargs)

    handler.__name__ = method.__name__
    return handler
