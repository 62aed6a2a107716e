"""``access_record``: fetch one record with a privilege, or the same not-found for missing and forbidden."""

import uuid

from rapport.core.entities import get_entity
from rapport.core.errors import NotFound, PermissionDenied


def as_uuid(value):
    """``value`` as a UUID, or None when it is not one (ids from URLs and request bodies)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def access_record(user, entity_set: str, record_id, privilege: str = "read", *, queryset=None, lock: bool = False):
    """The record, if ``user`` may read it and holds ``privilege`` on it.

    Unreadable and missing records raise the same ``NotFound``; a readable record without the
    privilege raises ``PermissionDenied`` (API.md: 403 only when the caller may read it).
    """
    spec = get_entity(entity_set)
    pk = as_uuid(record_id)
    if spec is None or pk is None:
        raise NotFound()
    base = queryset if queryset is not None else spec.model.objects.all()
    readable = base.for_user(user, "read").filter(pk=pk)
    if lock:
        readable = readable.select_for_update()
    record = readable.first()
    if record is None:
        raise NotFound()
    if privilege != "read" and not user.is_system_administrator and not spec.model.objects.for_user(user, privilege).filter(pk=pk).exists():
        raise PermissionDenied()
    return record
