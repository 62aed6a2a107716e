"""Jobs whose worker died mid-run: retried once, then failed — never lost, never finished twice.

django-tasks-db marks a claimed result RUNNING and appends the worker's id to ``worker_ids``; a
worker killed with SIGKILL leaves it RUNNING for ever. Each ``rapport worker`` keeps a
``WorkerProcess`` row with a heartbeat. A RUNNING result whose worker is gone — its heartbeat older
than the lease, or, on the same host and PID namespace, its process no longer exists — is put back
to READY when it has had fewer than ``MAX_ATTEMPTS`` claims, and marked FAILED otherwise.

The put-back is a conditional update on ``(status RUNNING, started_at as seen)``, and a worker
records its outcome only while that still holds (``rapport.core.jobs.worker``), so a worker that
was wrongly presumed dead cannot overwrite the result of the run that replaced it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from django.db import transaction
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rapport.core.jobs import clock
from rapport.core.jobs.models import WorkerProcess
from rapport.core.jobs.scheduler import lease_seconds

logger = logging.getLogger("rapport.jobs")

# One run and one retry (PLT-19: "retried once, not lost and not run twice to completion").
MAX_ATTEMPTS = 2
WORKER_LOST = "rapport.core.jobs.recovery.WorkerLost"


class WorkerLost(Exception):
    """The worker running the job stopped (killed or lost) on its last allowed attempt."""


def host_key() -> str:
    """This host and PID namespace: process ids are comparable only inside it."""
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        namespace = 0
    return f"{socket.gethostname()}#{namespace}"


def process_exists(pid: int) -> bool:
    """Whether ``pid`` is a live process on this host (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
        return state not in {"Z", "X"}
    except (OSError, IndexError):
        return True


def worker_is_alive(worker: WorkerProcess | None, started_at, now: dt.datetime, lease: dt.timedelta) -> bool:
    """Whether the worker that claimed a job may still be running it."""
    if worker is None:
        # Not a Rapport worker we know of: trust the claim for one lease from its start.
        return started_at is not None and started_at > now - lease
    if worker.host_key == host_key() and not process_exists(worker.pid):
        return False
    return worker.seen_on > now - lease


def recover_abandoned_tasks(*, now: dt.datetime | None = None, current_worker_id: str = "") -> dict[str, list[str]]:
    """Requeue (or, after ``MAX_ATTEMPTS`` claims, fail) RUNNING results whose worker is gone."""
    now = now or clock.now()
    lease = dt.timedelta(seconds=lease_seconds())
    outcome: dict[str, list[str]] = {"requeued": [], "failed": []}
    running = list(DBTaskResult.objects.running().values_list("id", "worker_ids", "started_at"))
    workers = {w.worker_id: w for w in WorkerProcess.objects.all()}
    dead_workers = set()
    for result_id, worker_ids, started_at in running:
        owner = worker_ids[-1] if worker_ids else ""
        if owner and owner == current_worker_id:
            continue
        if worker_is_alive(workers.get(owner), started_at, now, lease):
            continue
        dead_workers.add(owner)
        claim = DBTaskResult.objects.filter(pk=result_id, status=TaskResultStatus.RUNNING, started_at=started_at)
        with transaction.atomic():
            if len(worker_ids) < MAX_ATTEMPTS:
                if claim.update(status=TaskResultStatus.READY):
                    outcome["requeued"].append(str(result_id))
                    logger.warning("task %s: worker %s is gone; requeued for one more attempt", result_id, owner)
            else:
                message = (f"{WORKER_LOST}: the worker {owner} stopped while running this job "
                           f"(attempt {len(worker_ids)} of {MAX_ATTEMPTS}); it is not retried again.\n")
                if claim.update(status=TaskResultStatus.FAILED, finished_at=now, exception_class_path=WORKER_LOST,
                                traceback=message, return_value=None):
                    outcome["failed"].append(str(result_id))
                    logger.error("task %s: worker %s is gone on the last attempt; marked failed", result_id, owner)
    # Forget workers that are gone (their jobs are dealt with above).
    for worker in workers.values():
        if worker.worker_id != current_worker_id and (
            worker.worker_id in dead_workers or not worker_is_alive(worker, None, now, lease)
        ):
            WorkerProcess.objects.filter(pk=worker.worker_id, seen_on=worker.seen_on).delete()
    return outcome
