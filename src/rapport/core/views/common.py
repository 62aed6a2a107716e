"""What every generic browser view shares: which entities have pages, the action context, refusals.

The generic pages are generated from the registry: an entity with a navigation area gets a list,
form and detail page at ``/<set>/…`` (DESIGN convention 7). Entities without an area (notes,
connections) are shown inside other records' pages and have no pages of their own.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from rapport.core.actions.base import ActionContext
from rapport.core.entities import EntitySpec, get_entity
from rapport.core.errors import NotFound, PermissionDenied


def ui_entity(set_name: str) -> EntitySpec | None:
    """The spec of an entity that has its own pages, or None."""
    spec = get_entity(set_name)
    if spec is None or not spec.area:
        return None
    return spec


class EntitySetConverter:
    """``<entity:set_name>`` matches only the sets that have pages, so other URLs are never shadowed."""

    regex = "[a-z][a-z0-9-]*"

    def to_python(self, value: str) -> str:
        if ui_entity(value) is None:
            raise ValueError(value)
        return value

    def to_url(self, value: str) -> str:
        return str(value)


def ui_context(request) -> ActionContext:
    """The acting user for a write from the browser (audit channel ``ui``)."""
    ctx = ActionContext.from_request(request, "ui")
    if request.method == "POST" and request.POST.get("suppress_duplicate_detection") == "1":
        ctx.suppress_duplicate_detection = True  # "Save anyway" after a duplicate warning
    return ctx


def refusal_page(request, error, status: int):
    """The page shown for a missing/forbidden record or a missing privilege."""
    if status == 404:
        title = _("Not found")
        message = _("The record does not exist or you may not see it.")
    else:
        title = _("Not allowed")
        message = str(error) if error is not None and str(error) else _("You do not have the privilege for this.")
    return render(request, "core/refusal.html", {"title": title, "message": message}, status=status)


def entity_page(view):
    """Signed-in only; resolves the spec; NotFound → 404 page, PermissionDenied → 403 page."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, set_name: str, *args, **kwargs):
        spec = ui_entity(set_name)
        if spec is None:
            return refusal_page(request, None, 404)
        try:
            return view(request, spec, *args, **kwargs)
        except NotFound as error:
            return refusal_page(request, error, 404)
        except PermissionDenied as error:
            return refusal_page(request, error, 403)

    return wrapper


def safe_next(url: str | None, fallback: str) -> str:
    """A local path to return to (never another host)."""
    if not url:
        return fallback
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return fallback
    return url


def holds(user, spec: EntitySpec, record, privilege: str) -> bool:
    """Whether ``user`` holds ``privilege`` on ``record`` (one set-based query, none for administrators)."""
    if getattr(user, "is_system_administrator", False):
        return True
    return spec.model.objects.for_user(user, privilege).filter(pk=record.pk).exists()


def record_url(spec_or_set, pk) -> str | None:
    set_name = spec_or_set if isinstance(spec_or_set, str) else spec_or_set.set_name
    if ui_entity(set_name) is None or pk is None:
        return None
    return f"/{set_name}/{pk}/"
