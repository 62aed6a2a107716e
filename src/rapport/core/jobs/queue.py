"""Enqueueing tasks from code that runs inside a write's transaction."""

from __future__ import annotations

from django.db import transaction


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue ``task(*args, **kwargs)`` once the current transaction commits.

    A job asked for in a transaction that rolls back is never enqueued, so it never runs; outside
    a transaction it is enqueued at once.
    """
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
