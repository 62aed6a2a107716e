"""API of the security entities (API.md "Security entities"): users, business units, teams, roles,
field security profiles, a record's shares and the sign-in audit.

Thin adapters: parse → call the action in ``security/actions*.py`` → render. Every authenticated
caller reads users, business units, teams and roles (they are needed to pick owners and
managers); changing them needs the "Manage users" privilege, and so does reading field security
profiles and the sign-in audit. Errors are problem+json like the rest of the API.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.utils import inline_serializer as _inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from rapport.core.api.schema import problems
from rapport.core.api.views import RapportAPIView
from rapport.core.entities import get_entity
from rapport.core.errors import NotFound, PermissionDenied
from rapport.core.permissions.access import access_record
from rapport.core.permissions.privileges import has_misc_privilege
from rapport.core.query import QueryError
from rapport.security import actions, actions_organisation, actions_roles
from rapport.security.actions_common import as_uuid
from rapport.security.actions_sharing import shares_of
from rapport.security.models import BusinessUnit, FieldSecurityProfile, Role, SignInEvent, Team, User

MAX_PAGE_SIZE = 500


def _iso(value):
    return value.isoformat() if value else None


def user_dict(user: User) -> dict:
    return {
        "id": str(user.pk), "username": user.username, "full_name": user.full_name, "email": user.email,
        "mobile_phone": user.mobile_phone,
        "business_unit": str(user.business_unit_id) if user.business_unit_id else None,
        "manager": str(user.manager_id) if user.manager_id else None,
        "roles": sorted(str(pk) for pk in user.roles.values_list("id", flat=True)),
        "teams": sorted(str(pk) for pk in user.teams.values_list("id", flat=True)),
        "managed_business_units": sorted(str(pk) for pk in user.managed_business_units.values_list("id", flat=True)),
        "language": user.language, "time_zone": user.time_zone, "is_active": user.is_active,
        "is_locked": user.locked_on is not None, "lock_reason": user.lock_reason or None,
        "must_change_password": user.must_change_password, "two_factor_enabled": user.two_factor_enabled,
        "last_login": _iso(user.last_login), "created_on": _iso(user.date_joined),
    }


def business_unit_dict(unit: BusinessUnit) -> dict:
    return {"id": str(unit.pk), "name": unit.name, "parent": str(unit.parent_id) if unit.parent_id else None,
            "is_active": unit.is_active, "path": actions_organisation.business_unit_path(unit),
            "created_on": _iso(unit.created_on)}


def team_dict(team: Team) -> dict:
    return {"id": str(team.pk), "name": team.name, "business_unit": str(team.business_unit_id),
            "members": sorted(str(pk) for pk in team.members.values_list("id", flat=True)),
            "roles": sorted(str(pk) for pk in team.roles.values_list("id", flat=True)),
            "created_on": _iso(team.created_on)}


def role_dict(role: Role) -> dict:
    return {"id": str(role.pk), "name": role.name, "business_unit": str(role.business_unit_id),
            "privileges": role.privileges or {}, "misc_privileges": role.misc_privileges or [],
            "manager_hierarchy": role.manager_hierarchy, "is_shipped": role.is_shipped, "code": role.code,
            "created_on": _iso(role.created_on), "modified_on": _iso(role.modified_on)}


def profile_dict(profile: FieldSecurityProfile) -> dict:
    members = [*profile.users.values_list("id", flat=True), *profile.teams.values_list("id", flat=True)]
    return {"id": str(profile.pk), "name": profile.name, "description": profile.description,
            "fields": profile.fields or {}, "members": sorted(str(pk) for pk in members),
            "created_on": _iso(profile.created_on)}


def sign_in_dict(event: SignInEvent) -> dict:
    return {"id": str(event.pk), "user": str(event.user_id) if event.user_id else None, "username": event.username,
            "outcome": event.outcome, "reason": event.reason, "ip_address": event.ip_address,
            "user_agent": event.user_agent, "occurred_on": _iso(event.occurred_on)}


# --- listing ----------------------------------------------------------------------------------------


def inline_serializer(name: str, fields: dict, **kwargs):
    """drf-spectacular's helper on a copy: the serializer metaclass consumes the dict it is given."""
    return _inline_serializer(name, {key: copy.deepcopy(field) for key, field in fields.items()}, **kwargs)


def _encode(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        if isinstance(values, list) and len(values) == 2 and all(isinstance(v, str) for v in values):
            return values
    except (ValueError, binascii.Error, UnicodeError):
        pass
    raise QueryError(_("The cursor is not valid; start again from the first page."), "invalid-cursor", field="cursor")


class SecurityView(RapportAPIView):
    """A security entity set: list (``q``, ``page_size``, ``cursor``, ``count``) and detail."""

    set_name = ""
    model = None
    key_field = "name"
    search_fields: tuple = ("name",)
    extra_filters: dict = {}
    read_privilege: str | None = None  # a misc privilege needed to read; None: every signed-in user

    def check_read(self) -> None:
        self.require_scope(self.set_name, "read")
        if self.read_privilege and not has_misc_privilege(self.request.user, self.read_privilege):
            raise PermissionDenied(_("You need the \"Manage users\" privilege for this."))

    def check_write(self) -> None:
        self.require_scope(self.set_name, "write")

    def queryset(self):
        return self.model.objects.all()

    def render(self, row) -> dict:
        raise NotImplementedError

    def page(self, request):
        self.check_read()
        params = request.query_params
        allowed = {"q", "page_size", "cursor", "count", *self.extra_filters}
        for key in params:
            if key not in allowed:
                raise QueryError(_("Unknown parameter \"%(name)s\".") % {"name": key}, "unknown-field", field=key)
        rows = self.queryset()
        text = (params.get("q") or "").strip()[:200]
        if text:
            condition = Q()
            for name in self.search_fields:
                condition |= Q(**{f"{name}__icontains": text})
            rows = rows.filter(condition)
        for key, builder in self.extra_filters.items():
            if key in params:
                rows = rows.filter(builder(params[key]))
        try:
            page_size = int(params.get("page_size", 50))
        except ValueError:
            page_size = 0
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise QueryError(_("page_size must be between 1 and %(max)d.") % {"max": MAX_PAGE_SIZE}, "invalid-value", field="page_size")
        count_text = (params.get("count") or "false").lower()
        if count_text not in {"true", "false"}:
            raise QueryError(_("count takes true or false."), "invalid-value", field="count")
        total = rows.count() if count_text == "true" else None
        if params.get("cursor"):
            key, last_id = _decode(params["cursor"])
            if as_uuid(last_id) is None:
                raise QueryError(_("The cursor is not valid; start again from the first page."), "invalid-cursor", field="cursor")
            rows = rows.filter(Q(**{f"{self.key_field}__gt": key}) | Q(**{self.key_field: key, "pk__gt": last_id}))
        found = list(rows.order_by(self.key_field, "pk")[: page_size + 1])
        following = None
        if len(found) > page_size:
            found = found[:page_size]
            last = found[-1]
            query = params.copy()
            query["cursor"] = _encode([str(getattr(last, self.key_field)), str(last.pk)])
            following = request.build_absolute_uri(request.path + "?" + query.urlencode())
        body = {"results": [self.render(row) for row in found], "next": following}
        if total is not None:
            body["count"] = total
        return Response(body)

    def one(self, pk):
        row = self.queryset().filter(pk=pk).first()
        if row is None:
            raise NotFound()
        return row

    def answer(self, row, status: int = 200, *, action: bool = False) -> Response:
        body = self.render(row)
        if action:
            body = {"record": body, "created": {}}
        headers = {"Location": f"/api/v1/{self.set_name}/{row.pk}/"} if status == 201 else None
        return Response(body, status=status, headers=headers)


def _bool_filter(field: str):
    def build(value):
        if value.lower() not in {"true", "false"}:
            raise QueryError(_("%(name)s takes true or false.") % {"name": field}, "invalid-value", field=field)
        return Q(**{field: value.lower() == "true"})

    return build


def _id_filter(field: str, param: str):
    def build(value):
        pk = as_uuid(value)
        if pk is None:
            raise QueryError(_("Enter a valid id."), "invalid-value", field=param)
        return Q(**{field: pk})

    return build


LIST_PARAMS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Contains, case-insensitive, over the names"),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 500 (default 50)"),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="The cursor from the previous page's next"),
    OpenApiParameter("count", OpenApiTypes.BOOL, description="Add the exact count"),
]


def _page(name: str, item: dict) -> serializers.Serializer:
    return inline_serializer(name, {"results": inline_serializer(name + "Item", item, many=True),
                                    "next": serializers.URLField(allow_null=True),
                                    "count": serializers.IntegerField(required=False)})


def _ids():
    return serializers.ListField(child=serializers.UUIDField())


USER_FIELDS = {
    "id": serializers.UUIDField(read_only=True), "username": serializers.CharField(),
    "full_name": serializers.CharField(required=False), "email": serializers.CharField(required=False),
    "mobile_phone": serializers.CharField(required=False), "business_unit": serializers.UUIDField(),
    "manager": serializers.UUIDField(allow_null=True, required=False), "roles": _ids(), "teams": _ids(),
    "managed_business_units": _ids(), "language": serializers.CharField(required=False),
    "time_zone": serializers.CharField(required=False), "is_active": serializers.BooleanField(read_only=True),
    "is_locked": serializers.BooleanField(read_only=True), "lock_reason": serializers.CharField(read_only=True, allow_null=True),
    "must_change_password": serializers.BooleanField(required=False), "two_factor_enabled": serializers.BooleanField(read_only=True),
    "last_login": serializers.DateTimeField(read_only=True, allow_null=True),
    "created_on": serializers.DateTimeField(read_only=True),
}
USER_WRITE = {k: v for k, v in USER_FIELDS.items() if k in actions.USER_WRITABLE}
USER_CREATE = {**USER_WRITE, "password": serializers.CharField(required=False),
               "must_change_password": serializers.BooleanField(required=False)}
UNIT_FIELDS = {"id": serializers.UUIDField(), "name": serializers.CharField(), "parent": serializers.UUIDField(allow_null=True),
               "is_active": serializers.BooleanField(), "path": serializers.CharField(), "created_on": serializers.DateTimeField()}
UNIT_WRITE = {"name": serializers.CharField(), "parent": serializers.UUIDField(allow_null=True)}
TEAM_FIELDS = {"id": serializers.UUIDField(), "name": serializers.CharField(), "business_unit": serializers.UUIDField(),
               "members": _ids(), "roles": _ids(), "created_on": serializers.DateTimeField()}
TEAM_WRITE = {"name": serializers.CharField(), "business_unit": serializers.UUIDField(), "members": _ids(), "roles": _ids()}
PRIVILEGES_SCHEMA = serializers.DictField(child=serializers.DictField(child=serializers.ChoiceField(
    choices=["none", "user", "business_unit", "parent_child", "organization"])))
ROLE_FIELDS = {"id": serializers.UUIDField(), "name": serializers.CharField(), "business_unit": serializers.UUIDField(),
               "privileges": PRIVILEGES_SCHEMA, "misc_privileges": serializers.ListField(child=serializers.CharField()),
               "manager_hierarchy": serializers.BooleanField(), "is_shipped": serializers.BooleanField(),
               "code": serializers.CharField(allow_null=True), "created_on": serializers.DateTimeField(),
               "modified_on": serializers.DateTimeField()}
ROLE_WRITE = {"name": serializers.CharField(), "business_unit": serializers.UUIDField(allow_null=True, required=False),
              "privileges": PRIVILEGES_SCHEMA, "misc_privileges": serializers.ListField(child=serializers.CharField()),
              "manager_hierarchy": serializers.BooleanField(required=False)}
PROFILE_FIELDS = {"id": serializers.UUIDField(), "name": serializers.CharField(), "description": serializers.CharField(),
                  "fields": serializers.DictField(child=serializers.DictField(child=serializers.BooleanField())),
                  "members": _ids(), "created_on": serializers.DateTimeField()}
PROFILE_WRITE = {"name": serializers.CharField(), "description": serializers.CharField(required=False),
                 "fields": serializers.DictField(child=serializers.DictField(child=serializers.BooleanField())),
                 "members": _ids()}


def _action_result(name: str, item: dict):
    return inline_serializer(name, {"record": inline_serializer(name + "Record", item),
                                    "created": serializers.DictField(child=serializers.UUIDField(), required=False)})


# --- users ------------------------------------------------------------------------------------------


class UserViewMixin:
    set_name = "users"
    model = User
    key_field = "username"
    search_fields = ("username", "full_name", "email")
    extra_filters = {"is_active": _bool_filter("is_active"),
                     "business_unit": _id_filter("business_unit_id", "business_unit")}

    def render(self, row):
        return user_dict(row)


class UserListView(UserViewMixin, SecurityView):
    @extend_schema(operation_id="users_list", tags=["users"], parameters=LIST_PARAMS,
                   responses={200: _page("UserPage", USER_FIELDS), **problems(400, 401, 403)})
    def get(self, request):
        return self.page(request)

    @extend_schema(operation_id="users_create", tags=["users"], request=inline_serializer("UserCreate", USER_CREATE),
                   responses={201: inline_serializer("UserRecord", USER_FIELDS), **problems(400, 401, 403)})
    def post(self, request):
        self.check_write()
        user = actions.create_user_from_data(request.data, self.context())
        return self.answer(user, 201)


class UserDetailView(UserViewMixin, SecurityView):
    @extend_schema(operation_id="users_retrieve", tags=["users"],
                   responses={200: inline_serializer("UserRecordRead", USER_FIELDS), **problems(401, 404)})
    def get(self, request, pk):
        self.check_read()
        return self.answer(self.one(pk))

    @extend_schema(operation_id="users_update", tags=["users"], request=inline_serializer("UserPatch", USER_WRITE),
                   responses={200: inline_serializer("UserRecordUpdated", USER_FIELDS), **problems(400, 401, 403, 404)})
    def patch(self, request, pk):
        self.check_write()
        return self.answer(actions.update_user(pk, request.data, self.context()))


def _user_action(name: str, handler, request_fields: dict | None = None):
    class View(UserViewMixin, SecurityView):
        @extend_schema(operation_id=f"users_{name.replace('-', '_')}", tags=["users"],
                       request=inline_serializer(f"User{name.title().replace('-', '')}Input", request_fields or {}),
                       responses={200: _action_result(f"User{name.title().replace('-', '')}Result", USER_FIELDS),
                                  **problems(400, 401, 403, 404)})
        def post(self, request, pk):
            self.check_write()
            data = request.data if isinstance(request.data, dict) else {}
            unknown = set(data) - set(request_fields or {})
            if unknown:
                from rapport.core.errors import RecordValidationError

                key = sorted(unknown)[0]
                raise RecordValidationError.single(key, _("Unknown field \"%(field)s\".") % {"field": key}, "unknown-field")
            return self.answer(handler(pk, data, self.context()), action=True)

    View.__name__ = f"User{name.title().replace('-', '')}View"
    return View


UserDisableView = _user_action("disable", lambda pk, data, ctx: actions.disable_user(pk, ctx))
UserEnableView = _user_action("enable", lambda pk, data, ctx: actions.enable_user(pk, ctx))
UserUnlockView = _user_action("unlock", lambda pk, data, ctx: actions.unlock_user(pk, ctx))
UserResetPasswordView = _user_action("reset-password", lambda pk, data, ctx: actions.reset_password(pk, data.get("password"), ctx),
                                     {"password": serializers.CharField()})


# --- business units ---------------------------------------------------------------------------------


class UnitViewMixin:
    set_name = "business-units"
    model = BusinessUnit
    extra_filters = {"is_active": _bool_filter("is_active"), "parent": _id_filter("parent_id", "parent")}

    def render(self, row):
        return business_unit_dict(row)


class BusinessUnitListView(UnitViewMixin, SecurityView):
    @extend_schema(operation_id="business_units_list", tags=["business-units"], parameters=LIST_PARAMS,
                   responses={200: _page("BusinessUnitPage", UNIT_FIELDS), **problems(400, 401)})
    def get(self, request):
        return self.page(request)

    @extend_schema(operation_id="business_units_create", tags=["business-units"],
                   request=inline_serializer("BusinessUnitCreate", UNIT_WRITE),
                   responses={201: inline_serializer("BusinessUnitRecord", UNIT_FIELDS), **problems(400, 401, 403)})
    def post(self, request):
        self.check_write()
        return self.answer(actions_organisation.create_business_unit(request.data, self.context()), 201)


class BusinessUnitDetailView(UnitViewMixin, SecurityView):
    @extend_schema(operation_id="business_units_retrieve", tags=["business-units"],
                   responses={200: inline_serializer("BusinessUnitRecordRead", UNIT_FIELDS), **problems(401, 404)})
    def get(self, request, pk):
        self.check_read()
        return self.answer(self.one(pk))

    @extend_schema(operation_id="business_units_update", tags=["business-units"],
                   request=inline_serializer("BusinessUnitPatch", UNIT_WRITE),
                   responses={200: inline_serializer("BusinessUnitRecordUpdated", UNIT_FIELDS), **problems(400, 401, 403, 404)})
    def patch(self, request, pk):
        self.check_write()
        return self.answer(actions_organisation.update_business_unit(pk, request.data, self.context()))


def _unit_action(name: str, active: bool):
    class View(UnitViewMixin, SecurityView):
        @extend_schema(operation_id=f"business_units_{name}", tags=["business-units"], request=None,
                       responses={200: _action_result(f"BusinessUnit{name.title()}Result", UNIT_FIELDS),
                                  **problems(400, 401, 403, 404)})
        def post(self, request, pk):
            self.check_write()
            return self.answer(actions_organisation.set_business_unit_active(pk, active, self.context()), action=True)

    View.__name__ = f"BusinessUnit{name.title()}View"
    return View


BusinessUnitDisableView = _unit_action("disable", False)
BusinessUnitEnableView = _unit_action("enable", True)


# --- teams, roles, field security profiles -------------------------------------------------------------


def _crud_views(*, set_name: str, model, render, schema_name: str, fields: dict, write: dict, create, update,
                remove=None, read_privilege=None, extra_filters=None):
    tag = [set_name]
    op = set_name.replace("-", "_")

    class Mixin:
        pass

    Mixin.set_name = set_name
    Mixin.model = model
    Mixin.render = staticmethod(render)
    Mixin.read_privilege = read_privilege
    Mixin.extra_filters = extra_filters or {}

    class ListView(Mixin, SecurityView):
        @extend_schema(operation_id=f"{op}_list", tags=tag, parameters=LIST_PARAMS,
                       responses={200: _page(f"{schema_name}Page", fields), **problems(400, 401, 403)})
        def get(self, request):
            return self.page(request)

        @extend_schema(operation_id=f"{op}_create", tags=tag, request=inline_serializer(f"{schema_name}Create", write),
                       responses={201: inline_serializer(f"{schema_name}Record", fields), **problems(400, 401, 403)})
        def post(self, request):
            self.check_write()
            return self.answer(create(request.data, self.context()), 201)

    class DetailView(Mixin, SecurityView):
        @extend_schema(operation_id=f"{op}_retrieve", tags=tag,
                       responses={200: inline_serializer(f"{schema_name}RecordRead", fields), **problems(401, 403, 404)})
        def get(self, request, pk):
            self.check_read()
            return self.answer(self.one(pk))

        @extend_schema(operation_id=f"{op}_update", tags=tag, request=inline_serializer(f"{schema_name}Patch", write),
                       responses={200: inline_serializer(f"{schema_name}RecordUpdated", fields), **problems(400, 401, 403, 404)})
        def patch(self, request, pk):
            self.check_write()
            return self.answer(update(pk, request.data, self.context()))

        if remove is not None:
            @extend_schema(operation_id=f"{op}_destroy", tags=tag, responses={204: None, **problems(400, 401, 403, 404)})
            def delete(self, request, pk):
                self.check_write()
                remove(pk, self.context())
                return Response(status=204)

    ListView.__name__ = f"{schema_name}ListView"
    DetailView.__name__ = f"{schema_name}DetailView"
    return ListView, DetailView


TeamListView, TeamDetailView = _crud_views(
    set_name="teams", model=Team, render=team_dict, schema_name="Team", fields=TEAM_FIELDS, write=TEAM_WRITE,
    create=actions_organisation.create_team, update=actions_organisation.update_team, remove=actions_organisation.delete_team,
    extra_filters={"business_unit": _id_filter("business_unit_id", "business_unit"),
                   "member": _id_filter("members", "member")},
)
RoleListView, RoleDetailView = _crud_views(
    set_name="roles", model=Role, render=role_dict, schema_name="Role", fields=ROLE_FIELDS, write=ROLE_WRITE,
    create=actions_roles.create_role, update=actions_roles.update_role, remove=actions_roles.delete_role,
)
FieldSecurityProfileListView, FieldSecurityProfileDetailView = _crud_views(
    set_name="field-security-profiles", model=FieldSecurityProfile, render=profile_dict, schema_name="FieldSecurityProfile",
    fields=PROFILE_FIELDS, write=PROFILE_WRITE, create=actions_roles.create_field_security_profile,
    update=actions_roles.update_field_security_profile, remove=actions_roles.delete_field_security_profile,
    read_privilege="manage_users",
)


# --- sign-in audit and shares -------------------------------------------------------------------------


class SignInEventListView(SecurityView):
    """The sign-in audit (SEC-8), newest first; administrators only."""

    set_name = "sign-in-events"
    model = SignInEvent
    read_privilege = "manage_users"

    @extend_schema(operation_id="sign_in_events_list", tags=["users"], parameters=[
        OpenApiParameter("user", OpenApiTypes.UUID), OpenApiParameter("outcome", OpenApiTypes.STR), *LIST_PARAMS[1:3]],
        responses={200: _page("SignInEventPage", {
            "id": serializers.UUIDField(), "user": serializers.UUIDField(allow_null=True), "username": serializers.CharField(),
            "outcome": serializers.CharField(), "reason": serializers.CharField(), "ip_address": serializers.CharField(allow_null=True),
            "user_agent": serializers.CharField(), "occurred_on": serializers.DateTimeField()}), **problems(400, 401, 403)})
    def get(self, request):
        self.check_read()
        params = request.query_params
        for key in params:
            if key not in {"user", "outcome", "page_size", "cursor"}:
                raise QueryError(_("Unknown parameter \"%(name)s\".") % {"name": key}, "unknown-field", field=key)
        rows = SignInEvent.objects.all()
        if params.get("user"):
            rows = rows.filter(_id_filter("user_id", "user")(params["user"]))
        if params.get("outcome"):
            rows = rows.filter(outcome=params["outcome"])
        try:
            page_size = int(params.get("page_size", 50))
        except ValueError:
            page_size = 0
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise QueryError(_("page_size must be between 1 and %(max)d.") % {"max": MAX_PAGE_SIZE}, "invalid-value", field="page_size")
        if params.get("cursor"):
            import datetime as dt

            moment, last_id = _decode(params["cursor"])
            try:
                moment = dt.datetime.fromisoformat(moment)
            except ValueError:
                raise QueryError(_("The cursor is not valid; start again from the first page."), "invalid-cursor", field="cursor")
            rows = rows.filter(Q(occurred_on__lt=moment) | Q(occurred_on=moment, pk__lt=last_id))
        found = list(rows.order_by("-occurred_on", "-pk")[: page_size + 1])
        following = None
        if len(found) > page_size:
            found = found[:page_size]
            query = params.copy()
            query["cursor"] = _encode([found[-1].occurred_on.isoformat(), str(found[-1].pk)])
            following = request.build_absolute_uri(request.path + "?" + query.urlencode())
        return Response({"results": [sign_in_dict(e) for e in found], "next": following})


def build_shares_view(set_name: str):
    """``GET /api/v1/<set>/<id>/shares/``: who the record is shared with (readers of the record see it)."""

    class SharesView(RapportAPIView):
        @extend_schema(operation_id=f"{set_name.replace('-', '_')}_shares", tags=[set_name], responses={
            200: inline_serializer(f"{''.join(p.capitalize() for p in set_name.split('-'))}Shares", {
                "results": inline_serializer(f"{''.join(p.capitalize() for p in set_name.split('-'))}Share", {
                    "id": serializers.UUIDField(), "principal": serializers.UUIDField(),
                    "principal_type": serializers.ChoiceField(choices=["users", "teams"]),
                    "principal_name": serializers.CharField(),
                    "rights": serializers.ListField(child=serializers.CharField()),
                    "shared_by": serializers.UUIDField(allow_null=True), "shared_on": serializers.DateTimeField()}, many=True)}),
            **problems(401, 404)})
        def get(self, request, pk):
            self.require_scope(set_name, "read")
            spec = get_entity(set_name)
            record = access_record(request.user, set_name, pk, "read")
            return Response({"results": shares_of(spec, record)})

    SharesView.__name__ = f"{''.join(p.capitalize() for p in set_name.split('-'))}SharesView"
    return SharesView
