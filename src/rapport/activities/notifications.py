"""In-app notifications (ACT-4): written with the change that causes them, e-mailed after commit.

A notification's title is written in the recipient's language. An escalation passes a
``dedupe_key`` so the same firing can never notify twice, even if a worker repeats it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import translation

from rapport.activities.models import Activity, Notification


def record_reference(record) -> tuple[str, object]:
    """The entity set and id a notification points at (activities by their ``activities`` set)."""
    if isinstance(record, Activity):
        return "activities", record.pk
    from rapport.core.entities import entity_for_model

    spec = entity_for_model(type(record))
    return (spec.set_name if spec else ""), record.pk


def notify(user, kind: str, title: Callable[[], str] | str, record, now, *, email: bool = False,
           dedupe_key: str | None = None) -> Notification | None:
    """Notify ``user`` (nothing for a missing or disabled user); None when ``dedupe_key`` exists already."""
    if user is None or not getattr(user, "is_active", False):
        return None
    with translation.override(getattr(user, "language", "") or None):
        text = title() if callable(title) else str(title)
    entity, record_id = record_reference(record) if record is not None else ("", None)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=user, kind=kind, title=text[:300], record_entity=entity, record_id=record_id,
                created_on=now, dedupe_key=dedupe_key,
            )
    except IntegrityError:
        return None  # the same firing already notified this user
    if email and getattr(user, "email", ""):
        from rapport.activities.tasks import send_notification_email
        from rapport.core.jobs import enqueue_on_commit

        enqueue_on_commit(send_notification_email, str(notification.pk))
    return notification


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_on__isnull=True).count()


def mark_read(user, notification_id, now) -> Notification:
    """Mark one of the user's notifications read (another user's is not found)."""
    from rapport.core.errors import NotFound

    notification = Notification.objects.filter(recipient=user, pk=notification_id).first()
    if notification is None:
        raise NotFound()
    if notification.read_on is None:
        notification.read_on = now
        notification.save(update_fields=["read_on"])
    return notification


def mark_all_read(user, now) -> int:
    return Notification.objects.filter(recipient=user, read_on__isnull=True).update(read_on=now)


def as_json(notification: Notification) -> dict:
    """API.md: ``{"id", "kind", "title", "record": {"entity", "id"}, "created_on", "read_on"}``."""
    record = None
    if notification.record_id:
        record = {"entity": notification.record_entity, "id": str(notification.record_id)}
    return {
        "id": str(notification.pk), "kind": notification.kind, "title": notification.title, "record": record,
        "created_on": notification.created_on.isoformat(),
        "read_on": notification.read_on.isoformat() if notification.read_on else None,
    }
