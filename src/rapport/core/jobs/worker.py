"""``rapport worker``: the task worker and the scheduler loop in one process.

With the database backend (the default) this is django-tasks-db's worker loop — the same ready
queryset, ``SELECT … FOR UPDATE SKIP LOCKED`` claim and exclusive SQLite transaction — with what
Rapport needs around it, which the stock ``db_worker`` command has no hooks for:

* a heartbeat row (``WorkerProcess``) so others can tell this worker is alive;
* the recovery sweep that requeues, once, a job whose worker was killed (``recovery``);
* an outcome recorded only while this worker still holds the claim (a fence on ``started_at``);
* the scheduler tick (``scheduler.run_due_jobs``) between jobs.

With ``REDIS_URL`` set, the RQ worker runs the queue and the scheduler runs in a thread beside it.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time

from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db import close_old_connections as _close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_backends, task_finished, task_started
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from rapport.core.jobs import clock
from rapport.core.jobs.models import WorkerProcess
from rapport.core.jobs.recovery import host_key, recover_abandoned_tasks
from rapport.core.jobs.scheduler import ensure_schedules, lease_seconds, run_due_jobs

logger = logging.getLogger("rapport.jobs")


def close_old_connections() -> None:
    """Drop broken or expired connections between rounds (never inside a transaction: tests run in one)."""
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        _close_old_connections()


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"


def uses_database_backend(alias: str = "default") -> bool:
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends[alias], DatabaseBackend)


class Worker:
    """One worker process: claims ready jobs, runs them, ticks the scheduler, sweeps for lost jobs."""

    def __init__(self, *, worker_id: str | None = None, backend_name: str = "default", interval: float = 1.0,
                 heartbeat: bool = True):
        self.worker_id = worker_id or new_worker_id()
        self.backend_name = backend_name
        self.interval = interval
        self.heartbeat = heartbeat
        self.running = True
        self.running_task = False
        self.wake = threading.Event()
        self.stop_heartbeat = threading.Event()
        self.tasks_run = 0
        self._last_sweep = 0.0

    # --- life cycle ---------------------------------------------------------------------------

    def register(self) -> None:
        now = clock.now()
        WorkerProcess.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"hostname": socket.gethostname()[:255], "host_key": host_key()[:255], "pid": os.getpid(),
                      "started_on": now, "seen_on": now},
        )

    def unregister(self) -> None:
        try:
            WorkerProcess.objects.filter(pk=self.worker_id).delete()
        except Exception:  # the database may be gone while we stop; the lease covers it
            logger.exception("could not remove the worker row")

    def beat(self) -> None:
        """Tell the others this worker is alive (re-creating its row if a sweep removed it)."""
        if not WorkerProcess.objects.filter(pk=self.worker_id).update(seen_on=clock.now()):
            self.register()

    def _heartbeat_loop(self) -> None:
        every = max(0.5, lease_seconds() / 4)
        try:
            while not self.stop_heartbeat.wait(every):
                try:
                    self.beat()
                except Exception:
                    logger.exception("heartbeat failed; retrying")
        finally:
            connections.close_all()

    def configure_signals(self) -> None:
        signal.signal(signal.SIGINT, self.shutdown)
        signal.signal(signal.SIGTERM, self.shutdown)

    def shutdown(self, signum, _frame) -> None:
        if not self.running:
            logger.warning("second %s: stopping the current job", signal.strsignal(signum))
            raise KeyboardInterrupt
        logger.warning("%s: finishing the current job, then stopping", signal.strsignal(signum))
        self.running = False
        self.wake.set()

    def run(self, *, once: bool = False) -> int:
        """Work until stopped (or, with ``once``, until nothing is due)."""
        self.register()
        ensure_schedules()
        beat_thread = None
        if self.heartbeat:
            beat_thread = threading.Thread(target=self._heartbeat_loop, name="rapport-heartbeat", daemon=True)
            beat_thread.start()
        try:
            while self.running:
                close_old_connections()
                self.housekeeping(force_sweep=self.tasks_run == 0)
                result = self.claim_next()
                if result is not None:
                    self.run_task(result)
                    continue
                if once:
                    break
                self.wake.wait(self.interval)
        finally:
            self.stop_heartbeat.set()
            if beat_thread is not None:
                beat_thread.join(timeout=5)
            self.unregister()
        return 0

    # --- one round ------------------------------------------------------------------------------

    def housekeeping(self, *, force_sweep: bool = False) -> None:
        """Requeue lost jobs (every quarter lease) and fire due timed jobs (every round)."""
        try:
            if force_sweep or time.monotonic() - self._last_sweep >= lease_seconds() / 4:
                self._last_sweep = time.monotonic()
                recover_abandoned_tasks(current_worker_id=self.worker_id)
            run_due_jobs(self.worker_id)
        except OperationalError as error:
            if not is_locked_database_exception(error):
                raise
            logger.info("database busy; housekeeping skipped this round")

    def claim_next(self) -> DBTaskResult | None:
        """Claim the next ready job, as django-tasks-db's worker does (skip-locked, exclusive on SQLite)."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        try:
            with exclusive_transaction(tasks.db):
                result = tasks.get_locked()
                if result is not None:
                    result.claim(self.worker_id)
                return result
        except OperationalError as error:
            if is_locked_database_exception(error):
                return None
            raise

    def run_task(self, db_result: DBTaskResult) -> None:
        """Run a claimed job; record success or failure only while the claim is still this worker's."""
        claimed_at = db_result.started_at
        self.running_task = True
        try:
            task = db_result.task
            task_result = db_result.task_result
            sender = type(task.get_backend())
            task_started.send(sender=sender, task_result=task_result)
            args, kwargs = task_result.args, task_result.kwargs
            if task.takes_context:
                value = task.call(TaskContext(task_result=task_result), *args, **kwargs)
            else:
                value = task.call(*args, **kwargs)
            if self._record(db_result, claimed_at, lambda: db_result.set_successful(value)):
                task_finished.send(sender=sender, task_result=db_result.task_result)
        except KeyboardInterrupt:
            # Stopped by the operator, not failed: hand the job back for the next worker.
            DBTaskResult.objects.filter(pk=db_result.pk, status=TaskResultStatus.RUNNING,
                                        started_at=claimed_at).update(status=TaskResultStatus.READY)
            self.running = False
        except Exception as error:
            logger.exception("task %s failed", db_result.pk)
            if self._record(db_result, claimed_at, lambda error=error: db_result.set_failed(error)):
                try:
                    task_finished.send(sender=type(db_result.task.get_backend()), task_result=db_result.task_result)
                except Exception:
                    logger.exception("task %s: could not announce the failure", db_result.pk)
        finally:
            self.running_task = False
            self.tasks_run += 1

    def _record(self, db_result: DBTaskResult, claimed_at, write) -> bool:
        with transaction.atomic():
            still_ours = DBTaskResult.objects.select_for_update().filter(
                pk=db_result.pk, status=TaskResultStatus.RUNNING, started_at=claimed_at
            ).exists()
            if not still_ours:
                logger.warning("task %s: this worker lost its claim (presumed dead); the outcome is not recorded",
                               db_result.pk)
                return False
            write()
        return True


def _scheduler_thread(worker_id: str, stop: threading.Event, interval: float) -> None:
    try:
        while not stop.wait(interval):
            try:
                close_old_connections()
                run_due_jobs(worker_id)
            except Exception:
                logger.exception("scheduler round failed")
    finally:
        connections.close_all()


def run_rq_worker(once: bool) -> int:
    """The RQ worker for the queue, with the scheduler of timed jobs in a thread beside it."""
    import django_rq

    worker_id = new_worker_id()
    ensure_schedules()
    run_due_jobs(worker_id)
    queues = settings.TASKS["default"].get("QUEUES", ["default"])
    if once:
        django_rq.get_worker(*queues, job_class="django_tasks_rq.backend.Job").work(burst=True)
        return 0
    stop = threading.Event()
    thread = threading.Thread(target=_scheduler_thread, args=(worker_id, stop, 1.0), daemon=True)
    thread.start()
    try:
        django_rq.get_worker(*queues, job_class="django_tasks_rq.backend.Job").work(with_scheduler=True)
    finally:
        stop.set()
        thread.join(timeout=5)
    return 0


def run_worker(once: bool = False) -> int:
    """``rapport worker [--once]``: run jobs and timed jobs until stopped, or what is due with ``--once``."""
    logging.getLogger("rapport.jobs").setLevel(os.environ.get("RAPPORT_LOG_LEVEL", "INFO"))
    if not uses_database_backend():
        return run_rq_worker(once)
    worker = Worker()
    worker.configure_signals()
    return worker.run(once=once)
