"""Per-user language and time zone (PLT-11): stored times are UTC, shown in the user's zone."""

import zoneinfo

from django.middleware.locale import LocaleMiddleware
from django.utils import timezone, translation
from django.utils.deprecation import MiddlewareMixin


class UserLocaleMiddleware(LocaleMiddleware):
    """The browser's language, unless the signed-in user chose one (applied after authentication)."""


class UserTimezoneMiddleware(MiddlewareMixin):
    def process_request(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            if user.time_zone:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
                    return
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    pass
        timezone.deactivate()
