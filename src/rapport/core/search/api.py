"""``GET /api/v1/search/`` — global search across entity sets (API.md "Search and history")."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from rapport.core.api.schema import problems
from rapport.core.api.views import RapportAPIView, token_allows
from rapport.core.query import QueryError
from rapport.core.search.service import global_search, parse_entity_sets

PARAMETERS = {"q", "entities", "limit"}
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class SearchView(RapportAPIView):
    @extend_schema(
        operation_id="search", tags=["search"],
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True,
                             description="The search text; every word must match. One or two Chinese characters, "
                                         "Traditional or Simplified, any case, width or accents."),
            OpenApiParameter("entities", OpenApiTypes.STR,
                             description="Comma-separated entity sets to search (default: all searchable sets)"),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"At most this many results (1–{MAX_LIMIT}, default {DEFAULT_LIMIT})"),
        ],
        responses={200: inline_serializer("SearchResults", {"results": inline_serializer("SearchResult", {
            "entity": serializers.CharField(), "id": serializers.UUIDField(), "name": serializers.CharField(),
            "snippet": serializers.CharField(),
        }, many=True)}), **problems(400, 401)},
    )
    def get(self, request):
        params = request.query_params
        for key in params:
            if key not in PARAMETERS:
                raise QueryError(_("Unknown parameter \"%(name)s\".") % {"name": key}, "unknown-field", field=key)
        if "q" not in params:
            raise QueryError(_("Give the search text in \"q\"."), "required", field="q")
        explicit = params.get("entities") is not None
        specs = parse_entity_sets(params.get("entities"))
        for spec in specs:
            if explicit:
                self.require_scope(spec.set_name, "read")
        specs = [spec for spec in specs if token_allows(request.auth, spec.set_name, "read")]
        limit = DEFAULT_LIMIT
        if params.get("limit"):
            try:
                limit = int(params.get("limit"))
            except ValueError:
                limit = 0
            if not 1 <= limit <= MAX_LIMIT:
                raise QueryError(_("limit must be between 1 and %(max)d.") % {"max": MAX_LIMIT}, "invalid-value", field="limit")
        results = global_search(request.user, params.get("q"), [spec.set_name for spec in specs], limit=limit)
        return Response({"results": results})
