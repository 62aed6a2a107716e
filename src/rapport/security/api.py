"""API endpoints of the security app: tokens and ``me`` (users, roles and teams come later)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from rapport.core.api.schema import problems
from rapport.core.api.views import RapportAPIView
from rapport.core.errors import NotFound, PermissionDenied, RecordValidationError
from rapport.core.permissions.privileges import effective_privileges, misc_privileges_of
from rapport.security.actions import create_token, revoke_token
from rapport.security.models import ApiToken, User


class TokenSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    user = serializers.UUIDField()
    name = serializers.CharField(allow_blank=True)
    prefix = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    created_on = serializers.DateTimeField()
    expires_on = serializers.DateTimeField()
    last_used_on = serializers.DateTimeField(allow_null=True)
    revoked_on = serializers.DateTimeField(allow_null=True)


def token_dict(token: ApiToken) -> dict:
    return {
        "id": str(token.pk), "user": str(token.user_id), "name": token.name, "prefix": token.prefix,
        "scopes": token.scopes, "created_on": token.created_on.isoformat(), "expires_on": token.expires_on.isoformat(),
        "last_used_on": token.last_used_on.isoformat() if token.last_used_on else None,
        "revoked_on": token.revoked_on.isoformat() if token.revoked_on else None,
    }


def refuse_scoped_token(request) -> None:
    """A token limited by scopes may not manage tokens: it could mint one without its limits."""
    if getattr(request.auth, "scopes", None):
        raise PermissionDenied(_("A token with scopes cannot create or revoke tokens."))


class TokenListView(RapportAPIView):
    @extend_schema(operation_id="tokens_list", tags=["tokens"],
                   responses={200: inline_serializer("TokenList", {"results": TokenSerializer(many=True)}), **problems(401)})
    def get(self, request):
        rows = ApiToken.objects.all() if request.user.is_system_administrator else ApiToken.objects.filter(user=request.user)
        return Response({"results": [token_dict(t) for t in rows.order_by("-created_on")[:500]]})

    @extend_schema(
        operation_id="tokens_create", tags=["tokens"],
        request=inline_serializer("TokenCreate", {
            "user": serializers.UUIDField(required=False), "name": serializers.CharField(required=False, allow_blank=True),
            "expires_on": serializers.DateField(required=False, allow_null=True),
            "scopes": serializers.ListField(child=serializers.CharField(), required=False),
        }),
        responses={201: inline_serializer("TokenCreated", {"token": serializers.CharField(), "id": serializers.UUIDField()}),
                   **problems(400, 401, 403)},
    )
    def post(self, request):
        refuse_scoped_token(request)
        data = request.data if isinstance(request.data, dict) else None
        if data is None:
            raise RecordValidationError({"non_field_errors": [_("Send a JSON object.")]}, {"non_field_errors": ["invalid"]})
        unknown = set(data) - {"user", "name", "expires_on", "scopes"}
        if unknown:
            field = sorted(unknown)[0]
            raise RecordValidationError.single(field, _("Unknown field \"%(field)s\".") % {"field": field}, "unknown-field")
        user = request.user
        if data.get("user") not in (None, "", str(request.user.pk)):
            import uuid

            try:
                target_id = uuid.UUID(str(data["user"]))
            except ValueError:
                raise RecordValidationError.single("user", _("Enter a valid id."), "invalid")
            user = User.objects.filter(pk=target_id).first()
            if user is None or (not request.user.is_system_administrator and user.pk != request.user.pk):
                raise RecordValidationError.single("user", _("The user does not exist or you may not see it."), "does-not-exist")
        token, secret = create_token(user, self.context(), name=data.get("name") or "", expires_on=data.get("expires_on"),
                                     scopes=data.get("scopes"))
        return Response({**token_dict(token), "token": secret}, status=201)


class TokenDetailView(RapportAPIView):
    @extend_schema(operation_id="tokens_revoke", tags=["tokens"], responses={204: None, **problems(401, 403, 404)})
    def delete(self, request, pk):
        refuse_scoped_token(request)
        revoke_token(pk, self.context())
        return Response(status=204)


class MeView(RapportAPIView):
    @extend_schema(operation_id="me", tags=["users"], responses={200: inline_serializer("Me", {
        "id": serializers.UUIDField(), "username": serializers.CharField(), "full_name": serializers.CharField(),
        "email": serializers.CharField(), "business_unit": serializers.UUIDField(allow_null=True),
        "language": serializers.CharField(), "time_zone": serializers.CharField(),
        "is_system_administrator": serializers.BooleanField(),
        "privileges": serializers.DictField(child=serializers.DictField(child=serializers.CharField())),
        "misc_privileges": serializers.ListField(child=serializers.CharField()),
    }), **problems(401)})
    def get(self, request):
        from rapport.security.api_organisation import user_dict

        user = request.user
        return Response({
            **user_dict(user),
            "is_system_administrator": user.is_system_administrator,
            "privileges": effective_privileges(user),
            "misc_privileges": misc_privileges_of(user),
        })


__all__ = ["TokenListView", "TokenDetailView", "MeView", "NotFound"]
