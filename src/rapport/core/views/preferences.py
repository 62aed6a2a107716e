"""The signed-in user's preferences: language and time zone (PLT-11), and the settings landing page."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.core.errors import RecordValidationError
from rapport.core.views.common import ui_context
from rapport.core.views.display import format_datetime, format_money, format_number


@login_required
def preferences(request):
    user = request.user
    errors: dict = {}
    values = {"language": user.language, "time_zone": user.time_zone}
    if request.method == "POST":
        from rapport.security.actions import set_preferences

        values = {"language": request.POST.get("language", ""), "time_zone": request.POST.get("time_zone", "")}
        try:
            set_preferences(user, ui_context(request), **values)
        except RecordValidationError as problem:
            errors = problem.errors
        else:
            # Take effect on this answer already (the middleware applies them from the next request).
            translation.activate(user.language or translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
            messages.success(request, _("Your preferences were saved."))
            response = redirect("/settings/preferences/")
            if user.language:
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
            return response
    now = timezone.now()
    context = {
        "languages": settings.LANGUAGES, "zones": sorted(zoneinfo.available_timezones()), "values": values,
        "errors": errors,
        "sample": {"datetime": format_datetime(now), "number": format_number(1234567.891, 2),
                   "money": format_money(1234567.5, settings.RAPPORT_BASE_CURRENCY)},
        "current_zone": timezone.get_current_timezone_name(),
    }
    return render(request, "core/preferences.html", context, status=400 if errors else 200)


@login_required
def settings_home(request):
    """Every page and entity of the Settings area the user may open, as cards (from the registry)."""
    from rapport.core.navigation import navigation

    items = next((area["items"] for area in navigation(request.user) if area["code"] == "settings"), [])
    return render(request, "core/settings.html", {"items": [i for i in items if i["url"] != "/settings/"]})
