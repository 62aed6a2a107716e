"""Rows of background work that django-tasks does not keep: timed jobs, live workers, retries.

Locks and timers live in the database (DESIGN.md: nothing may assume one process).
"""

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ScheduledJob(models.Model):
    """A timed job: a task that runs every ``interval_seconds`` or daily at ``daily_time`` in ``time_zone``.

    ``next_run_on`` (UTC) is the time it is due. A scheduler loop inside ``rapport worker`` claims a
    due row under a lock (``locked_by``/``locked_until``), enqueues the task (or runs it inline for
    ``run_inline`` housekeeping) and moves ``next_run_on`` on in the same transaction, so a restart
    neither loses nor repeats a run and two workers never fire one twice.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    task_path = models.CharField(_("task"), max_length=255, help_text=_("Dotted path of a django-tasks task."))
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    interval_seconds = models.PositiveIntegerField(
        _("interval (seconds)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    daily_time = models.TimeField(_("daily at"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    next_run_on = models.DateTimeField(_("next run"))
    last_run_on = models.DateTimeField(_("last run"), null=True, blank=True)
    last_task_id = models.CharField(_("last task"), max_length=64, blank=True, default="")
    last_error = models.TextField(_("last error"), blank=True, default="")
    run_inline = models.BooleanField(
        _("run inside the scheduler"), default=False,
        help_text=_("Housekeeping that runs in the scheduler loop instead of the task queue."),
    )
    locked_by = models.CharField(_("locked by"), max_length=64, blank=True, default="")
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["name"]
        indexes = [models.Index(fields=["is_active", "next_run_on"], name="scheduledjob_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(interval_seconds__isnull=False, daily_time__isnull=True)
                           | Q(interval_seconds__isnull=True, daily_time__isnull=False)),
                name="scheduledjob_one_schedule",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": _("Unknown time zone.")})
        if (self.interval_seconds is None) == (self.daily_time is None):
            raise ValidationError(_("Give either an interval or a daily time."))

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """The first time this schedule is due strictly after ``moment`` (UTC in, UTC out)."""
        from rapport.core.jobs.scheduler import next_run_after

        return next_run_after(self, moment)


class WorkerProcess(models.Model):
    """A running ``rapport worker``: its heartbeat tells the others it is alive.

    A job left RUNNING by a worker whose heartbeat stopped (killed, machine lost) is requeued once
    by the next worker that notices (see ``rapport.core.jobs.recovery``).
    """

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host"), max_length=255)
    host_key = models.CharField(max_length=255, help_text="hostname and PID namespace: pids compare only within it")
    pid = models.PositiveIntegerField(_("process id"))
    started_on = models.DateTimeField(_("started on"))
    seen_on = models.DateTimeField(_("last heartbeat"))

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class TaskRetry(models.Model):
    """A failed task result that an administrator retried, and the new result it was retried as.

    The primary key is the failed result, so a double-clicked Retry enqueues the job once.
    """

    failed_task_id = models.CharField(_("failed task"), max_length=64, primary_key=True)
    retry_task_id = models.CharField(_("retry task"), max_length=64)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("retried by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    retried_on = models.DateTimeField(_("retried on"))

    class Meta:
        verbose_name = _("task retry")
        verbose_name_plural = _("task retries")
