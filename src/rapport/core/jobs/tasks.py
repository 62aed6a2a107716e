"""The engine's own background tasks and the timed jobs that run them."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from rapport.core.jobs import clock
from rapport.core.jobs.scheduler import declare_schedule


@task()
def dispatch_outbox_events(limit: int = 500) -> int:
    """Dispatch pending outbox events in order until none are left (idempotent)."""
    from rapport.core.jobs.outbox import dispatch_pending_events

    total = 0
    while True:
        done = dispatch_pending_events(limit=limit)
        total += done
        if done < limit:
            return total


@task()
def prune_finished_tasks(days: int = 14) -> int:
    """Delete results of tasks that succeeded more than ``days`` ago; failed ones stay for review."""
    from django_tasks_db.models import DBTaskResult

    cutoff = clock.now() - dt.timedelta(days=days)
    deleted, _ = DBTaskResult.objects.successful().filter(finished_at__lt=cutoff).delete()
    return deleted


# Housekeeping runs inside the scheduler loop (``run_inline``), so it does not fill the job list.
declare_schedule("outbox.dispatch", "rapport.core.jobs.tasks.dispatch_outbox_events", every_seconds=2,
                 run_inline=True)
declare_schedule("jobs.prune", "rapport.core.jobs.tasks.prune_finished_tasks", daily_at=dt.time(3, 0),
                 run_inline=True)
