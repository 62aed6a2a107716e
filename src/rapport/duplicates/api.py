"""``GET /api/v1/duplicate-check/`` — the HC360 entry check (API.md "Data quality")."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from rapport.core.api.schema import problems
from rapport.core.api.views import RapportAPIView, token_allows
from rapport.core.query import QueryError
from rapport.duplicates.detect import ENTRY_FIELDS, entry_check

PARAMETERS = {"entity", "name", "phone", "fax", "email"}


def parse_check(params) -> tuple[list[str], dict]:
    """The sets and values of an entry check; a 400 for an unknown parameter or set, or nothing to check."""
    for key in params:
        if key not in PARAMETERS:
            raise QueryError(_("Unknown parameter \"%(name)s\".") % {"name": key}, "unknown-field", field=key)
    entity = (params.get("entity") or "").strip()
    sets = [s.strip() for s in entity.split(",") if s.strip()] if entity else ["accounts", "leads"]
    for set_name in sets:
        if set_name not in ENTRY_FIELDS:
            raise QueryError(_("Duplicates are checked for %(sets)s, not \"%(name)s\".") % {
                "sets": ", ".join(sorted(ENTRY_FIELDS)), "name": set_name}, "invalid-value", field="entity")
    values = {key: (params.get(key) or "").strip()[:200] for key in ("name", "phone", "fax", "email")}
    if not any(values.values()):
        raise QueryError(_("Give a company name, phone, fax or e-mail to check."), "required", field="name")
    return sets, values


class DuplicateCheckView(RapportAPIView):
    @extend_schema(
        operation_id="duplicate_check", tags=["data quality"],
        parameters=[
            OpenApiParameter("entity", OpenApiTypes.STR, description="accounts, leads or contacts (comma-separated; "
                                                                     "default accounts,leads)"),
            OpenApiParameter("name", OpenApiTypes.STR, description="Company name or a keyword of it"),
            OpenApiParameter("phone", OpenApiTypes.STR, description="Phone number, with or without area code"),
            OpenApiParameter("fax", OpenApiTypes.STR, description="Fax number, with or without area code"),
            OpenApiParameter("email", OpenApiTypes.STR, description="E-mail address"),
        ],
        responses={200: inline_serializer("DuplicateCheck", {"matches": inline_serializer("DuplicateCheckMatch", {
            "entity": serializers.CharField(), "id": serializers.UUIDField(allow_null=True),
            "name": serializers.CharField(), "owner_display": serializers.CharField(),
            "pool": serializers.ChoiceField(["mine", "other_user", "public_pool", "other_pool"]),
            "rule": serializers.CharField(),
        }, many=True)}), **problems(400, 401)},
    )
    def get(self, request):
        sets, values = parse_check(request.query_params)
        sets = [s for s in sets if token_allows(request.auth, s, "read")]
        return Response({"matches": entry_check(request.user, sets, **values)})
