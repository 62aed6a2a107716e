"""Field-level security (SEC-6): which fields a user may read and update.

Every generic reader (API representation, lists, filters, ordering, quick find, exports, audit
views) asks these two functions. A field named in any field security profile
(``"<set>.<field>": {"read", "update"}``) is *secured*: only members of a profile granting read
see it, only members of a profile granting update write it. Every other field is readable and
updatable by whoever may read (write) the record. System administrators see every field.
The profiles are read once per user object (one request).
"""

from __future__ import annotations

from dataclasses import dataclass

CACHE_ATTRIBUTE = "_rapport_field_security"


@dataclass(frozen=True)
class FieldAccess:
    secured: frozenset
    readable: frozenset
    updatable: frozenset


_NO_PROFILES = FieldAccess(frozenset(), frozenset(), frozenset())


def _load(user) -> FieldAccess:
    from django.db.models import Q

    from rapport.security.models import FieldSecurityProfile

    profiles = list(FieldSecurityProfile.objects.values_list("id", "fields"))
    if not profiles:
        return _NO_PROFILES
    secured = set()
    for _pk, fields in profiles:
        secured.update(key for key in (fields or {}) if isinstance(key, str))
    readable, updatable = set(), set()
    if user is not None and getattr(user, "pk", None) and getattr(user, "is_authenticated", False):
        member_of = set(FieldSecurityProfile.objects.filter(Q(users=user) | Q(teams__members=user)).values_list("id", flat=True))
        for pk, fields in profiles:
            if pk not in member_of:
                continue
            for key, grant in (fields or {}).items():
                if isinstance(grant, dict):
                    if grant.get("read"):
                        readable.add(key)
                    if grant.get("update"):
                        updatable.add(key)
    return FieldAccess(frozenset(secured), frozenset(readable), frozenset(updatable))


def field_access(user) -> FieldAccess:
    """The user's field access, cached on the user object."""
    if user is None or not hasattr(user, "__dict__"):
        return _load(None)
    cached = user.__dict__.get(CACHE_ATTRIBUTE)
    if cached is None:
        cached = _load(user)
        user.__dict__[CACHE_ATTRIBUTE] = cached
    return cached


def _administrator(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_system_administrator)


def field_readable(user, spec, field_name: str) -> bool:
    """Whether ``user`` may see ``field_name`` of ``spec`` records."""
    access = field_access(user)
    key = f"{spec.set_name}.{field_name}"
    if key not in access.secured or _administrator(user):
        return True
    return key in access.readable


def field_updatable(user, spec, field_name: str) -> bool:
    """Whether ``user`` may write ``field_name`` of ``spec`` records."""
    access = field_access(user)
    key = f"{spec.set_name}.{field_name}"
    if key not in access.secured or _administrator(user):
        return True
    return key in access.updatable


def readable_field_names(user, spec, names):
    return [n for n in names if field_readable(user, spec, n)]


def is_secured(spec, field_name: str, user=None) -> bool:
    return f"{spec.set_name}.{field_name}" in field_access(user).secured
