"""Sign-in hardening (SEC-8): lockout, a verification challenge, dormant accounts, two-factor, audit.

* After ``RAPPORT_CHALLENGE_AFTER`` failed sign-ins (default 3) — counted per account and per
  browser session, so neither a fresh session nor a new login name avoids it — the form asks a
  small arithmetic question (an image-free verification code, HC360 style) before it even checks
  the password.
* After ``RAPPORT_LOCKOUT_AFTER`` failures in a row (default 5) the account is locked until an
  administrator unlocks it.
* An account not used for ``RAPPORT_DORMANT_DAYS`` days (default 90; 0 turns it off) is locked at
  the next sign-in attempt ("因长时间未登陆被锁定"); superusers are exempt (they are the
  break-glass accounts that unlock everyone else).
* With two-factor sign-in on, the password step only remembers the user in the session; the TOTP
  code (pyotp) completes the sign-in. Administrators must set it up unless
  ``RAPPORT_ADMIN_MFA=optional``; ``everyone`` requires it of every user.
* Every attempt is a :class:`SignInEvent` (outcome, IP address, user agent) for administrators.

The counters and the lock live in the database (the users table), never in process memory.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.security.models import SignInEvent, User

SESSION_FAILURES = "rapport_sign_in_failures"
SESSION_CHALLENGE = "rapport_sign_in_challenge"
SESSION_CHALLENGE_REQUIRED = "rapport_sign_in_challenge_required"
SESSION_PENDING = "rapport_two_factor_pending"
SESSION_SETUP_REQUIRED = "rapport_two_factor_setup_required"
SESSION_ENROLLING = "rapport_two_factor_enrolling"


def setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def challenge_after() -> int:
    return setting("RAPPORT_CHALLENGE_AFTER", 3)


def lockout_after() -> int:
    return setting("RAPPORT_LOCKOUT_AFTER", 5)


def dormant_days() -> int:
    return setting("RAPPORT_DORMANT_DAYS", 90)


def client_ip(request) -> str | None:
    # The proxy's forwarded address is trusted only when the operator says a proxy is in front.
    if getattr(settings, "RAPPORT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        if forwarded:
            return forwarded[:45]
    return (request.META.get("REMOTE_ADDR") or None) and request.META["REMOTE_ADDR"][:45]


def record_event(request, user: User | None, username: str, outcome: str, reason: str = "") -> SignInEvent:
    return SignInEvent.objects.create(
        user=user, username=(username or "")[:150], outcome=outcome, reason=reason[:64],
        ip_address=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )


# --- the verification challenge -----------------------------------------------------------------------


def challenge_required(request, user: User | None) -> bool:
    if request.session.get(SESSION_CHALLENGE_REQUIRED):
        return True
    if request.session.get(SESSION_FAILURES, 0) >= challenge_after():
        return True
    return user is not None and user.failed_sign_ins >= challenge_after()


def new_challenge(request) -> str:
    """A new question; its answer stays in the session only."""
    first, second = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    request.session[SESSION_CHALLENGE] = {"first": first, "second": second}
    return challenge_question(request)


def challenge_question(request) -> str | None:
    data = request.session.get(SESSION_CHALLENGE)
    if not data:
        return None
    return _("Verification: what is %(first)d plus %(second)d?") % data


def challenge_answered(request, answer) -> bool:
    data = request.session.pop(SESSION_CHALLENGE, None)
    if not data:
        return False
    try:
        return int(str(answer).strip()) == data["first"] + data["second"]
    except (TypeError, ValueError):
        return False


# --- lockout and dormancy --------------------------------------------------------------------------------


def last_activity(user: User) -> dt.datetime:
    moments = [m for m in (user.last_login, user.date_joined, user.unlocked_on) if m is not None]
    return max(moments) if moments else timezone.now()


def is_dormant(user: User, now=None) -> bool:
    days = dormant_days()
    if days <= 0 or user.is_superuser:
        return False
    now = now or timezone.now()
    return now - last_activity(user) > dt.timedelta(days=days)


def lock(user: User, reason: str, now=None) -> None:
    now = now or timezone.now()
    User.objects.filter(pk=user.pk, locked_on__isnull=True).update(locked_on=now, lock_reason=reason)
    user.locked_on, user.lock_reason = now, reason


def register_failure(request, user: User | None) -> bool:
    """Count a failed attempt; returns True when this failure locked the account."""
    request.session[SESSION_FAILURES] = request.session.get(SESSION_FAILURES, 0) + 1
    if user is None:
        return False
    User.objects.filter(pk=user.pk).update(failed_sign_ins=F("failed_sign_ins") + 1)
    user.refresh_from_db(fields=["failed_sign_ins"])
    if user.failed_sign_ins >= challenge_after():
        request.session[SESSION_CHALLENGE_REQUIRED] = True
    if user.failed_sign_ins >= lockout_after() and user.locked_on is None:
        lock(user, "failures")
        return True
    return False


def register_success(request, user: User) -> None:
    if user.failed_sign_ins:
        User.objects.filter(pk=user.pk).update(failed_sign_ins=0)
        user.failed_sign_ins = 0
    for key in (SESSION_FAILURES, SESSION_CHALLENGE, SESSION_CHALLENGE_REQUIRED):
        request.session.pop(key, None)


# --- two-factor -----------------------------------------------------------------------------------------


def two_factor_policy() -> str:
    value = str(getattr(settings, "ADMIN_MFA", "required")).strip().lower()
    return value if value in {"required", "optional", "everyone"} else "required"


def two_factor_required(user: User) -> bool:
    """Whether ``user`` must use two-factor sign-in (SEC-8: administrators by default)."""
    policy = two_factor_policy()
    if policy == "optional":
        return False
    if policy == "everyone":
        return True
    from rapport.core.permissions.privileges import has_misc_privilege

    return user.is_system_administrator or has_misc_privilege(user, "manage_users") or has_misc_privilege(user, "customize")


def new_totp_secret() -> str:
    import pyotp

    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="Rapport")


def verify_totp(secret: str, code) -> bool:
    import pyotp

    code = "".join(str(code or "").split())
    if not secret or not code.isdigit() or len(code) != 6:
        return False
    # One step either side for clock drift.
    return bool(pyotp.TOTP(secret).verify(code, valid_window=1))
