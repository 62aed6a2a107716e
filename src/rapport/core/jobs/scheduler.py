"""The scheduler of timed jobs: rows with their next run time, claimed under a lock.

A run of a due job has two steps, each its own transaction:

1. **claim** — on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` of the due, unlocked rows; on
   SQLite (no row locks) an atomic conditional ``UPDATE … WHERE next_run_on = <seen> AND lock
   free`` that only one process can win. Either way the row gets ``locked_by``/``locked_until``.
2. **fire** — enqueue the task (or run it here, for ``run_inline`` housekeeping), and, fenced on
   ``locked_by`` still being this worker, move ``next_run_on`` on and clear the lock. With the
   database task backend the enqueue is in the same transaction, so a run is enqueued exactly once.

A worker that dies between the steps leaves the lock to expire (``locked_until``), after which the
next worker fires the job: late, never lost. After step 2 commits the row is no longer due, so a
restart does not repeat it. Missed slots (workers down for a day) collapse into one run.

Django-tasks' cron-style schedulers need Python ≥ 3.12 (DESIGN.md), hence this module.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import traceback
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.module_loading import import_string

from rapport.core.jobs import clock
from rapport.core.jobs.models import ScheduledJob

logger = logging.getLogger("rapport.jobs")

UTC = dt.UTC


def lease_seconds() -> int:
    """How long a claim (or a worker's heartbeat) is trusted: ``RAPPORT_WORKER_LEASE_SECONDS``, 60."""
    try:
        return max(1, int(os.environ.get("RAPPORT_WORKER_LEASE_SECONDS", "60")))
    except ValueError:
        return 60


# --- schedules ------------------------------------------------------------------------------


def next_run_after(job: ScheduledJob, moment: dt.datetime) -> dt.datetime:
    """The first time ``job``'s schedule is due strictly after ``moment`` (UTC)."""
    moment = moment.astimezone(UTC)
    if job.interval_seconds:
        step = dt.timedelta(seconds=job.interval_seconds)
        anchor = job.next_run_on
        if anchor is None:
            return moment + step
        anchor = anchor.astimezone(UTC)
        if anchor > moment:
            return anchor
        # Keep the cadence of the original slots; skipped slots collapse into the next one.
        missed = (moment - anchor) // step + 1
        return anchor + missed * step
    zone = ZoneInfo(job.time_zone or "UTC")
    local_day = moment.astimezone(zone).date()
    for offset in range(0, 3):
        candidate = dt.datetime.combine(local_day + dt.timedelta(days=offset), job.daily_time, tzinfo=zone)
        candidate = candidate.astimezone(UTC)
        if candidate > moment:
            return candidate
    raise AssertionError("a daily time recurs within two days")


def first_run_on(*, interval_seconds: int | None, daily_time: dt.time | None, time_zone: str,
                 now: dt.datetime) -> dt.datetime:
    """When a new schedule first falls due: one interval from now, or the next daily time."""
    probe = ScheduledJob(interval_seconds=interval_seconds, daily_time=daily_time, time_zone=time_zone)
    return next_run_after(probe, now)


@dataclass
class ScheduleDefinition:
    """A timed job the code declares; ``ensure_schedules`` creates its row when missing."""

    name: str
    task_path: str
    interval_seconds: int | None = None
    daily_time: dt.time | None = None
    time_zone: str = "UTC"
    run_inline: bool = False
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)


# Timed jobs declared by code (apps append with ``declare_schedule``). The rows are created by
# the worker at start, never changed afterwards: an administrator may retime or pause them.
schedules: list[ScheduleDefinition] = []


def declare_schedule(name: str, task_path: str, *, every_seconds: int | None = None,
                     daily_at: dt.time | None = None, time_zone: str = "UTC", run_inline: bool = False,
                     args: list | None = None, kwargs: dict | None = None) -> ScheduleDefinition:
    """Declare a timed job (call at import or from ``AppConfig.ready``; it writes nothing)."""
    if (every_seconds is None) == (daily_at is None):
        raise ValueError("give either every_seconds or daily_at")
    definition = ScheduleDefinition(name, task_path, every_seconds, daily_at, time_zone, run_inline,
                                    list(args or []), dict(kwargs or {}))
    if any(existing.name == name for existing in schedules):
        raise ValueError(f"schedule {name!r} is declared twice")
    schedules.append(definition)
    return definition


def ensure_schedules(now: dt.datetime | None = None) -> int:
    """Create the rows of declared schedules that are missing; return how many were created."""
    now = now or clock.now()
    existing = set(ScheduledJob.objects.filter(name__in=[d.name for d in schedules]).values_list("name", flat=True))
    created = 0
    for definition in schedules:
        if definition.name in existing:
            continue
        try:
            with transaction.atomic():
                ScheduledJob.objects.create(
                    name=definition.name, task_path=definition.task_path, args=definition.args,
                    kwargs=definition.kwargs, interval_seconds=definition.interval_seconds,
                    daily_time=definition.daily_time, time_zone=definition.time_zone,
                    run_inline=definition.run_inline,
                    next_run_on=first_run_on(interval_seconds=definition.interval_seconds,
                                             daily_time=definition.daily_time,
                                             time_zone=definition.time_zone, now=now),
                )
            created += 1
        except IntegrityError:
            pass  # another worker created it first
    return created


# --- claiming and firing --------------------------------------------------------------------


def _due(now: dt.datetime):
    return ScheduledJob.objects.filter(is_active=True, next_run_on__lte=now).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    )


def claim_due_jobs(worker_id: str, *, now: dt.datetime | None = None, limit: int = 20) -> list[ScheduledJob]:
    """Lock the due jobs this worker wins; the rows come back with ``locked_by == worker_id``."""
    now = now or clock.now()
    locked_until = now + dt.timedelta(seconds=lease_seconds())
    claimed: list[ScheduledJob] = []
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            rows = list(_due(now).order_by("next_run_on").select_for_update(skip_locked=True)[:limit])
            for job in rows:
                job.locked_by, job.locked_until = worker_id, locked_until
            if rows:
                ScheduledJob.objects.filter(pk__in=[j.pk for j in rows]).update(
                    locked_by=worker_id, locked_until=locked_until)
            claimed = rows
        return claimed
    for job in _due(now).order_by("next_run_on")[:limit]:
        if claim_job(job, worker_id, now=now, locked_until=locked_until):
            claimed.append(job)
    return claimed


def claim_job(job: ScheduledJob, worker_id: str, *, now: dt.datetime, locked_until: dt.datetime) -> bool:
    """Compare-and-set claim of one row as read in ``job``: only one of several claimers wins."""
    won = ScheduledJob.objects.filter(pk=job.pk, is_active=True, next_run_on=job.next_run_on).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    ).update(locked_by=worker_id, locked_until=locked_until)
    if won:
        job.locked_by, job.locked_until = worker_id, locked_until
    return bool(won)


class LostLock(Exception):
    """The claim expired and another worker took the job over; this firing is rolled back."""


def _enqueue_in_transaction(task) -> bool:
    from django_tasks_db import DatabaseBackend

    return isinstance(task.get_backend(), DatabaseBackend)


def fire_job(job: ScheduledJob, worker_id: str, *, now: dt.datetime | None = None) -> bool:
    """Run or enqueue a claimed job and move its next run on; False when the claim was lost."""
    now = now or clock.now()
    error = ""
    task_id = ""
    try:
        task = import_string(job.task_path)
    except ImportError as exc:
        task, error = None, f"{type(exc).__name__}: {exc}"
    if task is not None and job.run_inline:
        try:
            task.call(*job.args, **job.kwargs)
        except Exception:
            error = traceback.format_exc()
            logger.exception("scheduled job %s failed", job.name)
    try:
        with transaction.atomic():
            if task is not None and not job.run_inline:
                if _enqueue_in_transaction(task):
                    task_id = str(task.enqueue(*job.args, **job.kwargs).id)
                else:
                    # Other backends are not transactional: enqueue only once the move is committed.
                    args, kwargs = job.args, job.kwargs
                    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
            moved = ScheduledJob.objects.filter(pk=job.pk, locked_by=worker_id).update(
                next_run_on=next_run_after(job, now), last_run_on=now, last_task_id=task_id,
                last_error=error, locked_by="", locked_until=None,
            )
            if not moved:
                raise LostLock(job.name)
    except LostLock:
        logger.warning("scheduled job %s: the claim expired before it fired; another worker runs it", job.name)
        return False
    return True


def run_due_jobs(worker_id: str, *, now: dt.datetime | None = None) -> list[str]:
    """Claim and fire every due job this worker wins; return their names."""
    now = now or clock.now()
    fired = []
    for job in claim_due_jobs(worker_id, now=now):
        if fire_job(job, worker_id, now=now):
            fired.append(job.name)
    return fired
