"""Lost workers, in one process: a dead worker's job is requeued once; a stale worker cannot overwrite."""

import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult

from rapport.core.jobs import clock
from rapport.core.jobs.models import WorkerProcess
from rapport.core.jobs.recovery import recover_abandoned_tasks
from rapport.core.jobs.worker import Worker
from tests.jobs import sample_tasks

T0 = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def later(monkeypatch):
    monkeypatch.setenv("RAPPORT_WORKER_LEASE_SECONDS", "60")
    moment = {"now": T0}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])
    return moment


def claimed_by_remote_worker(path):
    """A job claimed by a worker on another machine, whose process we cannot inspect."""
    result = sample_tasks.append_line.enqueue(str(path))
    WorkerProcess.objects.create(worker_id="remote-1", hostname="elsewhere", host_key="elsewhere#1", pid=1,
                                 started_on=T0, seen_on=T0)
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim("remote-1")
    return row


@pytest.mark.django_db
def test_a_job_is_requeued_only_after_its_worker_misses_the_lease(later, tmp_path):
    row = claimed_by_remote_worker(tmp_path / "record")
    later["now"] = T0 + dt.timedelta(seconds=59)
    assert recover_abandoned_tasks() == {"requeued": [], "failed": []}
    later["now"] = T0 + dt.timedelta(seconds=61)
    assert recover_abandoned_tasks() == {"requeued": [str(row.pk)], "failed": []}
    assert not WorkerProcess.objects.filter(pk="remote-1").exists()

    Worker(heartbeat=False, interval=0).run(once=True)
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL" and len(row.worker_ids) == 2
    assert (tmp_path / "record").read_text() == "done\n"


@pytest.mark.django_db
def test_a_live_worker_with_a_fresh_heartbeat_keeps_its_job(later, tmp_path):
    row = claimed_by_remote_worker(tmp_path / "record")
    later["now"] = T0 + dt.timedelta(minutes=10)
    WorkerProcess.objects.filter(pk="remote-1").update(seen_on=later["now"] - dt.timedelta(seconds=5))
    assert recover_abandoned_tasks() == {"requeued": [], "failed": []}
    row.refresh_from_db()
    assert row.status == "RUNNING"


@pytest.mark.django_db
def test_a_worker_presumed_dead_does_not_record_the_outcome_over_the_retry(tmp_path):
    sample_tasks.append_line.enqueue(str(tmp_path / "record"))
    slow = Worker(worker_id="slow", heartbeat=False)
    claimed = slow.claim_next()
    # Meanwhile the others gave up on "slow": the job was requeued and claimed by "fast".
    DBTaskResult.objects.filter(pk=claimed.pk).update(status="READY")
    fast_claim = Worker(worker_id="fast", heartbeat=False).claim_next()
    assert fast_claim.pk == claimed.pk

    slow.run_task(claimed)
    row = DBTaskResult.objects.get(pk=claimed.pk)
    assert row.status == "RUNNING" and row.worker_ids == ["slow", "fast"]  # "fast" still owns it
    assert row.started_at == fast_claim.started_at


@pytest.mark.django_db
def test_a_failing_job_is_failed_with_its_error(tmp_path):
    result = sample_tasks.always_fails.enqueue("no luck")
    Worker(heartbeat=False, interval=0).run(once=True)
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "FAILED"
    assert row.exception_class_path == "builtins.ValueError" and "no luck" in row.traceback
