"""``POST /api/v1/web-leads/``: the public web-to-lead endpoint (SAL-2).

No token: the organisation-issued ``form_key`` in the body names an active web form, whose default
owner (or, without one, whoever created the form) owns the lead and is the acting user of the
create action — so the lead gets the same validation, audit, search index and owner notification
as any other. Spam protection: a honeypot field (``website_url``, hidden from people; a filled one
is answered like a success and nothing is stored) and a rate limit per client address and per form.
Each lead gets a follow-up task for its owner due within 24 hours (SAL-23), escalated when overdue.

The rate limit counts in the cache (Redis in production, so every web process shares it; never
process memory): a fixed window, atomic ``add`` + ``incr``. DRF's throttles read-modify-write the
cache without atomicity, which lets a burst through.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from rapport.core.actions.base import ActionContext
from rapport.core.actions.crud import create_record
from rapport.core.api.errors import problem_response
from rapport.core.api.views import RapportAPIView
from rapport.core.entities import get_entity
from rapport.core.errors import DuplicateDetected, RecordValidationError

HONEYPOT = "website_url"


def rate_limit() -> tuple[int, int]:
    """(submissions, seconds) allowed per client address and per form."""
    return getattr(settings, "RAPPORT_WEB_LEAD_RATE", (10, 60))


def _over_limit(key: str, limit: int, window: int) -> int | None:
    """Count one submission under ``key``; the seconds to wait when over the limit, else None."""
    now = int(time.time())
    start = now - now % window
    bucket = f"rapport:web-leads:{key}:{start}"
    cache.add(bucket, 0, timeout=window + 5)
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window + 5)
        count = 1
    if count > limit:
        return max(1, start + window - now)
    return None


def client_address(request) -> str:
    # Behind a proxy, the proxy sets REMOTE_ADDR to the client (e.g. gunicorn's forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def web_form_for_key(form_key):
    """The active web form with this key, or None (an anonymous caller: the key is the credential)."""
    from rapport.sales.models import WebForm

    if not isinstance(form_key, str) or not form_key or len(form_key) > 64:
        return None
    return WebForm.objects.filter(form_key=form_key, is_active=True).select_related("default_owner", "created_by").first()


class WebLeadView(RapportAPIView):
    """Create a lead from a public web form."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema = None

    def post(self, request):
        limit, window = rate_limit()
        data = request.data if isinstance(request.data, dict) else {}
        form_key = data.get("form_key")
        waits = [_over_limit(f"address:{client_address(request)}", limit, window)]
        if isinstance(form_key, str) and form_key:
            waits.append(_over_limit(f"form:{form_key[:64]}", limit * 10, window))
        wait = max((w for w in waits if w), default=None)
        if wait:
            return problem_response(429, "rate-limited", _("Too many submissions; try again later."),
                                    headers={"Retry-After": str(wait)})
        form = web_form_for_key(form_key)
        if form is None:
            raise RecordValidationError.single("form_key", _("This web form does not exist or is not active."), "invalid")
        fields = {k: v for k, v in data.items() if k not in {"form_key", HONEYPOT}}
        if str(data.get(HONEYPOT) or "").strip():
            # A bot filled the hidden field: answer like a success, store nothing.
            return Response({"id": str(uuid.uuid4())}, status=201)
        owner = form.default_owner if form.default_owner_id and form.default_owner.is_active else form.created_by
        if owner is None:
            raise RecordValidationError.single("form_key", _("This web form has no owner for its leads."), "invalid")
        if form.lead_source and "lead_source" not in fields:
            fields["lead_source"] = form.lead_source
        # A web visitor is never shown other records: warn rules are passed (bulk duplicate jobs find
        # those leads later); a block rule refuses without naming what matched.
        ctx = ActionContext(user=owner, channel="api", request_id=request.headers.get("X-Request-Id", "")[:64],
                            suppress_duplicate_detection=True)
        try:
            with transaction.atomic():
                result = create_record(get_entity("leads"), fields, ctx, extra={"web_form_id": form.pk})
                follow_up_task(result.record, owner, ctx)
        except DuplicateDetected:
            return problem_response(409, "duplicate-detected", _("A duplicate record was found."),
                                    _("We already have this registration; we will be in touch."))
        return Response({"id": str(result.record.pk)}, status=201)


def follow_up_hours() -> int:
    return int(getattr(settings, "RAPPORT_WEB_LEAD_FOLLOW_UP_HOURS", 24))


def follow_up_task(lead, owner, ctx) -> None:
    """SAL-23: a web-registered lead is followed up within 24 hours — a task for its owner, due then.

    Left open past its due time, the activity escalation (ACT-5, "overdue") notifies the owner and
    the branch manager, so the service level is kept by the rules the organisation already has.
    """
    create_record(get_entity("tasks"), {
        "subject": _("Follow up the web registration of %(name)s") % {"name": str(lead)[:150]},
        "regarding": {"entity": "leads", "id": str(lead.pk)},
        "priority": "urgent",
        "due_on": (ctx.now + dt.timedelta(hours=follow_up_hours())).isoformat(),
    }, ctx, owner=owner)
