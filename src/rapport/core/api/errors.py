"""problem+json (RFC 9457) for every refusal the API gives (API.md "Errors")."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

from rapport.core.errors import RapportError

PROBLEM_KINDS = [
    "unauthenticated", "not-found", "permission-denied", "precondition-failed", "validation",
    "invalid-state", "duplicate-detected", "capacity-reached", "rate-limited", "has-dependents",
]
CONTENT_TYPE = "application/problem+json"


def problem_type(kind: str) -> str:
    return f"/api/v1/problems/{kind}"


def problem_response(status: int, kind: str, title, detail=None, *, errors=None, codes=None, extra=None, headers=None) -> Response:
    body = {
        "type": problem_type(kind),
        "title": str(title),
        "status": status,
        "detail": str(detail if detail is not None else title),
        "errors": errors or {},
        "codes": codes or {},
    }
    body.update(extra or {})
    response = Response(body, status=status, headers=headers, content_type=CONTENT_TYPE)
    return response


def problem_for(error: RapportError) -> Response:
    return problem_response(error.status, error.kind, error.title, error.detail, errors=error.errors, codes=error.codes, extra=error.extra)


def not_found(request, exception=None):
    """The project's 404 handler: problem+json for API paths, Django's page for the rest."""
    if request.path.startswith("/api/v1/"):
        body = {"type": problem_type("not-found"), "title": str(_("The record does not exist or you may not see it.")),
                "status": 404, "detail": str(_("There is nothing at this address.")), "errors": {}, "codes": {}}
        return JsonResponse(body, status=404, content_type=CONTENT_TYPE)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def problem_exception_handler(exc, context):
    """DRF's exception handler, answering every error as problem+json."""
    if isinstance(exc, RapportError):
        return problem_for(exc)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        request = context.get("request")
        headers = {"WWW-Authenticate": 'Bearer realm="api"'}
        detail = exc.detail if isinstance(exc, exceptions.AuthenticationFailed) else _("Sign in or send a Bearer token.")
        del request
        return problem_response(401, "unauthenticated", _("Authentication is required."), detail, headers=headers)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return problem_response(404, "not-found", _("The record does not exist or you may not see it."))
    if isinstance(exc, exceptions.PermissionDenied | DjangoPermissionDenied):
        return problem_response(403, "permission-denied", _("You do not have the privilege for this."), str(getattr(exc, "detail", "")) or None)
    if isinstance(exc, exceptions.Throttled):
        headers = {"Retry-After": str(int(exc.wait or 1))}
        return problem_response(429, "rate-limited", _("Too many requests; try again later."), headers=headers)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return problem_response(405, "validation", _("This method is not allowed here."), str(exc.detail))
    if isinstance(exc, exceptions.UnsupportedMediaType | exceptions.ParseError):
        message = _("The request body could not be read: %(reason)s") % {"reason": exc.detail}
        return problem_response(400, "validation", _("The request is invalid."), message,
                                errors={"non_field_errors": [message]}, codes={"non_field_errors": ["invalid"]})
    if isinstance(exc, exceptions.ValidationError):
        errors, codes = {}, {}
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        for key, messages in detail.items():
            messages = messages if isinstance(messages, list) else [messages]
            errors[key] = [str(m) for m in messages]
            codes[key] = [getattr(m, "code", "invalid") for m in messages]
        return problem_response(400, "validation", _("Some values are not valid."), errors=errors, codes=codes)
    if isinstance(exc, exceptions.APIException):
        return problem_response(exc.status_code, "validation", str(exc.detail))
    return None
