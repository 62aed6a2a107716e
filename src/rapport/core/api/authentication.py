"""Bearer tokens (hash lookup, expiry, revoke) and session authentication with CSRF."""

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from rapport.security.models import ApiToken, hash_token


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>``; an expired, revoked or unknown token is a 401."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != "bearer":
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header must be \"Bearer <token>\"."))
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(parts[1])).first()
        if token is None or not token.is_usable:
            raise exceptions.AuthenticationFailed(_("The token is unknown, expired or revoked."))
        now = timezone.now()
        if token.last_used_on is None or (now - token.last_used_on).total_seconds() > 300:
            # Written at most every five minutes: a read must not become a write per request.
            ApiToken.objects.filter(pk=token.pk).update(last_used_on=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, with CSRF enforced on unsafe methods."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and getattr(result[0], "must_change_password", False):
            return None
        return result
