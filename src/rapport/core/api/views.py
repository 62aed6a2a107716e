"""Generic API endpoints for every registered entity (thin adapters: parse → access → action → render)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid

from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.core.actions.base import ActionContext, run_action
from rapport.core.actions.crud import create_record, delete_record, update_record
from rapport.core.api import schema
from rapport.core.entities import EntitySpec, get_entity
from rapport.core.errors import NotFound, PermissionDenied
from rapport.core.listing import fetch_page, parse_list_params
from rapport.core.models import AuditEntry
from rapport.core.permissions.access import access_record
from rapport.core.permissions.fields import field_readable
from rapport.core.query import QueryError
from rapport.core.serialization import record_to_dict, select_related_for


def token_allows(token, set_name: str, access: str) -> bool:
    """Token scopes (``<set>:read``, ``<set>:write``, ``*:…``); no scopes means the user's full rights."""
    scopes = getattr(token, "scopes", None)
    if not scopes:
        return True
    wanted = {f"{set_name}:write", "*:write"}
    if access == "read":
        wanted |= {f"{set_name}:read", "*:read"}
    return bool(wanted & set(scopes))


class RapportAPIView(APIView):
    """Base of every API endpoint: activates the caller's language, builds the action context."""

    parser_classes = [JSONParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        language = getattr(request.user, "language", "")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language

    def context(self) -> ActionContext:
        return ActionContext.from_request(self.request, "api")

    def require_scope(self, set_name: str, access: str, record_id=None) -> None:
        """403 when the token's scopes do not cover ``access`` on ``set_name``.

        On a single record an unreadable or missing one is still a 404 first (API.md: 401, 404,
        403, …), so a scoped token learns nothing it could not learn by reading.
        """
        if not token_allows(self.request.auth, set_name, access):
            if record_id is not None:
                access_record(self.request.user, set_name, record_id, "read")
            raise PermissionDenied(_("This token's scopes do not allow %(access)s on %(set)s.") % {"access": access, "set": set_name})


class EntityView(RapportAPIView):
    set_name: str = ""

    @property
    def spec(self) -> EntitySpec:
        return get_entity(self.set_name)

    def record_response(self, record, *, status: int = 200, fields=None, expand=frozenset(), headers=None) -> Response:
        spec = self.spec
        names = fields or [n for n in spec.api_fields if field_readable(self.request.user, spec, n)]
        body = record_to_dict(spec, record, names, set(expand))
        response = Response(body, status=status, headers=headers)
        response["ETag"] = f'"{record.version}"'
        return response

    def detail_params(self):
        """``fields`` and ``expand`` on a single record; any other parameter is a 400."""
        params = self.request.query_params
        for key in params:
            if key not in {"fields", "expand"}:
                raise QueryError(_("Unknown parameter \"%(name)s\".") % {"name": key}, "unknown-field", field=key)
        query = parse_list_params(self.spec, self.request.user, {k: params.get(k) for k in params})
        return query.fields, query.expand


class EntityListView(EntityView):
    def get(self, request):
        self.require_scope(self.set_name, "read")
        params = {key: request.query_params.get(key) for key in request.query_params}
        for key in request.query_params:
            if len(request.query_params.getlist(key)) > 1:
                raise QueryError(_("The parameter \"%(name)s\" is given more than once.") % {"name": key}, "invalid-value", field=key)
        query = parse_list_params(self.spec, request.user, params)
        page = fetch_page(query)
        body = {"results": [record_to_dict(self.spec, row, query.fields, query.expand) for row in page.rows], "next": None}
        if page.next_cursor:
            following = request.query_params.copy()
            following["cursor"] = page.next_cursor
            body["next"] = request.build_absolute_uri(request.path + "?" + following.urlencode())
        if page.count is not None:
            body["count"] = page.count
        return Response(body)

    def post(self, request):
        self.require_scope(self.set_name, "write")
        result = create_record(self.spec, request.data, self.context())
        location = f"/api/v1/{self.set_name}/{result.record.pk}/"
        return self.record_response(result.record, status=201, headers={"Location": location})


class EntityDetailView(EntityView):
    def get(self, request, pk):
        self.require_scope(self.set_name, "read", pk)
        fields, expand = self.detail_params()
        spec = self.spec
        queryset = spec.model.objects.all()
        joins = select_related_for(spec, expand)
        if joins:
            queryset = queryset.select_related(*joins)
        record = access_record(request.user, self.set_name, pk, "read", queryset=queryset)
        return self.record_response(record, fields=fields, expand=expand)

    def patch(self, request, pk):
        self.require_scope(self.set_name, "write", pk)
        result = update_record(self.spec, pk, request.data, self.context(), if_match=request.headers.get("If-Match"))
        return self.record_response(result.record)

    def delete(self, request, pk):
        self.require_scope(self.set_name, "write", pk)
        delete_record(self.spec, pk, self.context(), if_match=request.headers.get("If-Match"))
        return Response(status=204)


class EntityActionView(EntityView):
    action_name: str = ""

    def post(self, request, pk):
        self.require_scope(self.set_name, "write", pk)
        result = run_action(self.set_name, pk, self.action_name, self.context(), request.data,
                            if_match=request.headers.get("If-Match"))
        record_body = record_to_dict(self.spec, result.record,
                                     [n for n in self.spec.api_fields if field_readable(request.user, self.spec, n)])
        body = {"record": record_body, "created": {role: str(getattr(r, "pk", r)) for role, r in result.created.items()}}
        response = Response(body)
        response["ETag"] = f'"{result.record.version}"'
        return response


def _encode(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str):
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        return dt.datetime.fromisoformat(values[0]), uuid.UUID(values[1])
    except (ValueError, TypeError, IndexError, KeyError, binascii.Error, UnicodeError):
        raise QueryError(_("The cursor is not valid; start again from the first page."), "invalid-cursor", field="cursor")


def audit_page(spec: EntitySpec, user, record_id, *, cursor: str | None, page_size: int):
    """A record's audit entries newest first, without the fields the user may not read."""
    rows = AuditEntry.objects.filter(entity=spec.set_name, record_id=record_id)
    if cursor:
        moment, last_id = _decode(cursor)
        from django.db.models import Q

        rows = rows.filter(Q(occurred_on__lt=moment) | Q(occurred_on=moment, id__lt=last_id))
    rows = list(rows.order_by("-occurred_on", "-id")[: page_size + 1])
    following = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        following = _encode([rows[-1].occurred_on.isoformat(), str(rows[-1].id)])
    entries = []
    for entry in rows:
        changes = {k: v for k, v in (entry.changes or {}).items() if field_readable(user, spec, k)}
        entries.append({"id": str(entry.id), "action": entry.action, "changes": changes,
                        "user": str(entry.user_id) if entry.user_id else None, "channel": entry.channel,
                        "occurred_on": entry.occurred_on.isoformat()})
    return entries, following


class EntityAuditView(EntityView):
    def get(self, request, pk):
        self.require_scope(self.set_name, "read", pk)
        for key in request.query_params:
            if key not in {"cursor", "page_size"}:
                raise QueryError(_("Unknown parameter \"%(name)s\".") % {"name": key}, "unknown-field", field=key)
        access_record(request.user, self.set_name, pk, "read")
        try:
            page_size = int(request.query_params.get("page_size", 50))
        except ValueError:
            page_size = 0
        if not 1 <= page_size <= 500:
            raise QueryError(_("page_size must be between 1 and %(max)d.") % {"max": 500}, "invalid-value", field="page_size")
        entries, following = audit_page(self.spec, request.user, pk, cursor=request.query_params.get("cursor"), page_size=page_size)
        next_url = None
        if following:
            params = request.query_params.copy()
            params["cursor"] = following
            next_url = request.build_absolute_uri(request.path + "?" + params.urlencode())
        return Response({"results": entries, "next": next_url})


class UnknownPathView(RapportAPIView):
    """A path under an entity set that names nothing: 404 problem+json for every method."""

    schema = None

    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request)

    def _not_found(self, request, *args, **kwargs):
        raise NotFound()

    get = post = put = patch = delete = _not_found


def _own(method):
    """A fresh function per generated class, so per-entity schema annotations stay separate."""

    def handler(self, *args, **kwargs):
        return method(self, *args, **kwargs)

    handler.__name__ = method.__name__
    return handler


def build_entity_views(spec: EntitySpec) -> dict:
    """The view classes of one entity, with their OpenAPI description."""
    tag = [spec.set_name]
    read = schema.read_serializer(spec)
    name = "".join(p.capitalize() for p in spec.set_name.split("-"))
    list_view = type(f"{name}ListView", (EntityListView,), {"set_name": spec.set_name})
    list_view.get = extend_schema(
        operation_id=f"{spec.set_name}_list", tags=tag, parameters=schema.LIST_PARAMETERS,
        responses={200: schema.list_serializer(spec), **schema.problems(400, 401, 403)},
        summary=f"List {spec.set_name}",
    )(_own(list_view.get))
    list_view.post = extend_schema(
        operation_id=f"{spec.set_name}_create", tags=tag, request=schema.write_serializer(spec, False),
        responses={201: read, **schema.problems(400, 401, 403, 409)}, summary=f"Create a record in {spec.set_name}",
    )(_own(list_view.post))
    detail_view = type(f"{name}DetailView", (EntityDetailView,), {"set_name": spec.set_name})
    detail_view.get = extend_schema(
        operation_id=f"{spec.set_name}_retrieve", tags=tag, parameters=schema.DETAIL_PARAMETERS,
        responses={200: read, **schema.problems(400, 401, 403, 404)},
    )(_own(detail_view.get))
    detail_view.patch = extend_schema(
        operation_id=f"{spec.set_name}_update", tags=tag, request=schema.write_serializer(spec, True),
        parameters=[schema.IF_MATCH], responses={200: read, **schema.problems(400, 401, 403, 404, 409, 412)},
    )(_own(detail_view.patch))
    detail_view.delete = extend_schema(
        operation_id=f"{spec.set_name}_destroy", tags=tag, parameters=[schema.IF_MATCH],
        responses={204: None, **schema.problems(400, 401, 403, 404, 412)},
    )(_own(detail_view.delete))
    audit_view = type(f"{name}AuditView", (EntityAuditView,), {"set_name": spec.set_name})
    audit_view.get = extend_schema(
        operation_id=f"{spec.set_name}_audit", tags=tag, responses={200: schema.AuditPageSerializer, **schema.problems(400, 401, 403, 404)},
        parameters=[schema.LIST_PARAMETERS[6], schema.LIST_PARAMETERS[7]],
    )(_own(audit_view.get))
    actions = {}
    for action_name in spec.action_map:
        request_serializer, response_serializer = schema.action_serializers(spec, action_name)
        view = type(f"{name}{action_name.title().replace('-', '')}ActionView", (EntityActionView,),
                    {"set_name": spec.set_name, "action_name": action_name})
        view.post = extend_schema(
            operation_id=f"{spec.set_name}_{action_name.replace('-', '_')}", tags=tag, request=request_serializer,
            parameters=[schema.IF_MATCH],
            responses={200: response_serializer, **schema.problems(400, 401, 403, 404, 409, 412)},
        )(_own(view.post))
        actions[action_name] = view
    return {"list": list_view, "detail": detail_view, "audit": audit_view, "actions": actions}


__all__ = ["build_entity_views", "token_allows", "RapportAPIView", "NotFound"]
