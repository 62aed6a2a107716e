"""Keeps a signed-in browser session within SEC-8.

* A user who must change the password (first sign-in, reset by an administrator) reaches only
  the password page until they do (the API's session authentication already refuses them).
* An administrator who signed in without two-factor where it is required reaches only the
  two-factor set-up page until it is on.
* A locked user's session ends; a session idle for ``RAPPORT_SESSION_IDLE_MINUTES`` (default 120;
  0 turns it off) ends at the next request (``SESSION_COOKIE_AGE`` bounds it in any case).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from rapport.security import signin

SESSION_SEEN = "rapport_seen"
ALWAYS_ALLOWED = ("/login/", "/logout/", "/static/", "/health/", "/api/")
PASSWORD_PAGE = "/password/"
TWO_FACTOR_PAGE = "/settings/two-factor/"


class SecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            answer = self.check(request, user)
            if answer is not None:
                return answer
        return self.get_response(request)

    def check(self, request, user):
        path = request.path
        idle_minutes = int(getattr(settings, "RAPPORT_SESSION_IDLE_MINUTES", 120))
        now = int(time.time())
        seen = request.session.get(SESSION_SEEN)
        if user.locked_on is not None or (idle_minutes > 0 and seen and now - seen > idle_minutes * 60):
            logout(request)
            if path.startswith("/api/"):
                return None  # the API answers 401 for the now anonymous request
            if request.headers.get("HX-Request"):
                answer = HttpResponse(status=204)
                answer["HX-Redirect"] = "/login/"
                return answer
            return redirect("/login/?" + urlencode({"next": path}))
        if seen is None or now - seen > 60:
            # Written at most once a minute, so a read is not a session write per request.
            request.session[SESSION_SEEN] = now
        if path.startswith(ALWAYS_ALLOWED):
            if path.startswith("/api/") and request.session.get(signin.SESSION_SETUP_REQUIRED) and not user.two_factor_enabled \
                    and "HTTP_AUTHORIZATION" not in request.META:
                return JsonResponse({"type": "/api/v1/problems/permission-denied", "title": _("Set up two-factor sign-in first."),
                                     "status": 403, "detail": _("Set up two-factor sign-in first."), "errors": {}, "codes": {}},
                                    status=403, content_type="application/problem+json")
            return None
        blocked = None
        if user.must_change_password and path != PASSWORD_PAGE:
            blocked = PASSWORD_PAGE
        elif request.session.get(signin.SESSION_SETUP_REQUIRED) and not user.two_factor_enabled \
                and path not in (TWO_FACTOR_PAGE, PASSWORD_PAGE):
            blocked = TWO_FACTOR_PAGE
        if blocked and request.headers.get("HX-Request"):
            # A fragment a page loads by itself (the notification bell) gets nothing: redirecting it
            # would put the whole password page inside the page that asked.
            return HttpResponse(status=204)
        if blocked:
            return redirect(blocked)
        return None
