"""Dispatching the event outbox: pending events, oldest first, handed to the event handlers.

The action runner writes an ``OutboxEvent`` in each write's transaction. The dispatcher takes the
pending ones in order (``created_on``, then id), calls every function in ``event_handlers`` with
the batch, and marks the batch dispatched — all in one transaction, so a handler that raises
leaves the batch pending for the next round, and a worker killed mid-batch loses nothing.

Handlers run inside that transaction: they write rows (a webhook delivery with its attempts,
ANCHORS §3.6) and do no network I/O themselves; the delivery is a task of its own. They must be
idempotent per event id: a batch can be handed over again after a crash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction

from rapport.core.jobs import clock
from rapport.core.models import OutboxEvent

EventHandler = Callable[[list[OutboxEvent]], None]

# The extension point: webhooks, workflows and notifications add themselves here.
event_handlers: list[EventHandler] = []


def add_event_handler(handler: EventHandler) -> EventHandler:
    """Register ``handler(events)``; adding the same function twice keeps one (usable as a decorator)."""
    if handler not in event_handlers:
        event_handlers.append(handler)
    return handler


def dispatch_pending_events(*, limit: int = 500, now: dt.datetime | None = None) -> int:
    """Hand up to ``limit`` pending events, in order, to the handlers; return how many were dispatched.

    The pending rows are locked (PostgreSQL ``FOR UPDATE``; SQLite serialises writers) so two
    dispatchers take turns instead of delivering out of order.
    """
    now = now or clock.now()
    with transaction.atomic():
        events = list(
            OutboxEvent.objects.select_for_update().filter(dispatched_on__isnull=True).order_by("created_on", "id")[:limit]
        )
        if not events:
            return 0
        for handler in list(event_handlers):
            handler(events)
        OutboxEvent.objects.filter(pk__in=[event.pk for event in events], dispatched_on__isnull=True).update(
            dispatched_on=now
        )
    return len(events)


def pending_count() -> int:
    """How many events wait for dispatch (shown on the System jobs page)."""
    return OutboxEvent.objects.filter(dispatched_on__isnull=True).count()
