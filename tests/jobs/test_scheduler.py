"""Timed jobs under a controllable clock: they fire at their time, once, across restarts and racing claimers."""

import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult

from rapport.core.jobs import clock, scheduler
from rapport.core.jobs.models import ScheduledJob
from rapport.core.jobs.worker import Worker

UTC = dt.UTC
T0 = dt.datetime(2030, 3, 30, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, start):
        self.time = start

    def __call__(self):
        return self.time

    def advance(self, **delta):
        self.time += dt.timedelta(**delta)


@pytest.fixture
def frozen(monkeypatch):
    fake = Clock(T0)
    monkeypatch.setattr(clock, "now", fake)
    return fake


def hourly(name="report.hourly", **extra):
    return ScheduledJob.objects.create(
        name=name, task_path="tests.jobs.sample_tasks.append_line", args=[extra.pop("path", "/dev/null")],
        interval_seconds=3600, next_run_on=extra.pop("next_run_on", T0), **extra,
    )


def worker_run(tmp_path=None):
    """One ``rapport worker --once`` round in this process: a fresh worker, as after a restart."""
    Worker(heartbeat=False, interval=0).run(once=True)


@pytest.mark.django_db
def test_a_job_fires_at_its_time_not_before(frozen):
    job = hourly()
    frozen.time = T0 - dt.timedelta(seconds=1)
    assert scheduler.run_due_jobs("w1") == []
    frozen.time = T0
    assert scheduler.run_due_jobs("w1") == ["report.hourly"]
    job.refresh_from_db()
    assert job.last_run_on == T0 and job.next_run_on == T0 + dt.timedelta(hours=1)
    assert job.locked_by == "" and job.locked_until is None
    assert DBTaskResult.objects.get(pk=job.last_task_id).task_path == "tests.jobs.sample_tasks.append_line"


@pytest.mark.django_db
def test_a_fired_job_runs_once_and_a_restarted_worker_does_not_repeat_it(frozen, tmp_path):
    record = tmp_path / "record"
    hourly(path=str(record))
    worker_run()  # fires the job and runs it
    assert record.read_text().splitlines() == ["done"]
    worker_run()  # restart at the same moment: nothing is due
    frozen.advance(minutes=59)
    worker_run()
    assert record.read_text().splitlines() == ["done"]
    frozen.advance(minutes=1)
    worker_run()  # the next slot
    assert record.read_text().splitlines() == ["done", "done"]


@pytest.mark.django_db
def test_a_claim_left_by_a_worker_that_died_before_firing_expires_and_the_job_fires_once(frozen, monkeypatch):
    monkeypatch.setenv("RAPPORT_WORKER_LEASE_SECONDS", "60")
    job = hourly()
    assert [j.name for j in scheduler.claim_due_jobs("dead-worker")] == ["report.hourly"]
    # ... and that worker is killed here, between the claim and the firing.
    assert scheduler.run_due_jobs("w2") == []  # the claim still holds
    frozen.advance(seconds=61)
    assert scheduler.run_due_jobs("w2") == ["report.hourly"]  # late, not lost
    assert scheduler.run_due_jobs("w3") == []
    assert DBTaskResult.objects.count() == 1
    job.refresh_from_db()
    assert job.next_run_on == T0 + dt.timedelta(hours=1)


@pytest.mark.django_db
def test_a_worker_whose_claim_was_taken_over_does_not_fire(frozen, monkeypatch):
    monkeypatch.setenv("RAPPORT_WORKER_LEASE_SECONDS", "60")
    hourly()
    [slow] = scheduler.claim_due_jobs("slow-worker")
    frozen.advance(seconds=61)
    assert scheduler.run_due_jobs("w2") == ["report.hourly"]
    assert scheduler.fire_job(slow, "slow-worker") is False  # rolled back: no second enqueue
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_of_two_claimers_that_read_the_same_due_row_only_one_wins(frozen):
    hourly()
    seen_by_first = ScheduledJob.objects.get()
    seen_by_second = ScheduledJob.objects.get()
    until = T0 + dt.timedelta(minutes=1)
    assert scheduler.claim_job(seen_by_first, "w1", now=T0, locked_until=until) is True
    assert scheduler.claim_job(seen_by_second, "w2", now=T0, locked_until=until) is False
    assert scheduler.fire_job(seen_by_first, "w1") is True
    assert scheduler.fire_job(seen_by_second, "w2") is False
    # A claimer that read the row before it fired sees a stale next run and cannot claim it again.
    assert scheduler.claim_job(seen_by_second, "w2", now=T0 + dt.timedelta(minutes=2),
                               locked_until=T0 + dt.timedelta(minutes=3)) is False
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_missed_slots_collapse_into_one_run_and_keep_the_cadence(frozen):
    job = hourly()
    frozen.time = T0 + dt.timedelta(hours=5, minutes=20)  # the workers were down for five hours
    assert scheduler.run_due_jobs("w1") == ["report.hourly"]
    assert scheduler.run_due_jobs("w1") == []
    job.refresh_from_db()
    assert job.next_run_on == T0 + dt.timedelta(hours=6)
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_a_daily_job_runs_at_its_local_time_across_a_daylight_saving_change(frozen):
    frozen.time = dt.datetime(2030, 3, 30, 12, 0, tzinfo=UTC)  # Budapest moves to summer time on 31 March
    job = ScheduledJob.objects.create(
        name="digest", task_path="tests.jobs.sample_tasks.append_line", args=["/dev/null"],
        daily_time=dt.time(9, 0), time_zone="Europe/Budapest",
        next_run_on=scheduler.first_run_on(interval_seconds=None, daily_time=dt.time(9, 0),
                                           time_zone="Europe/Budapest", now=frozen.time),
    )
    assert job.next_run_on == dt.datetime(2030, 3, 31, 7, 0, tzinfo=UTC)  # 09:00 CEST
    frozen.time = job.next_run_on
    assert scheduler.run_due_jobs("w1") == ["digest"]
    job.refresh_from_db()
    assert job.next_run_on == dt.datetime(2030, 4, 1, 7, 0, tzinfo=UTC)


def test_a_daily_time_in_shanghai_is_utc_minus_eight_hours():
    job = ScheduledJob(daily_time=dt.time(9, 0), time_zone="Asia/Shanghai")
    assert scheduler.next_run_after(job, dt.datetime(2030, 1, 1, 0, 59, tzinfo=UTC)) == dt.datetime(
        2030, 1, 1, 1, 0, tzinfo=UTC)
    assert scheduler.next_run_after(job, dt.datetime(2030, 1, 1, 1, 0, tzinfo=UTC)) == dt.datetime(
        2030, 1, 2, 1, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_an_inline_job_that_fails_keeps_its_error_and_still_moves_on(frozen):
    job = ScheduledJob.objects.create(name="broken", task_path="tests.jobs.sample_tasks.always_fails",
                                      interval_seconds=60, next_run_on=T0, run_inline=True)
    assert scheduler.run_due_jobs("w1") == ["broken"]
    job.refresh_from_db()
    assert "the sample job failed" in job.last_error
    assert job.next_run_on == T0 + dt.timedelta(seconds=60)
    assert DBTaskResult.objects.count() == 0  # inline: nothing queued


@pytest.mark.django_db
def test_a_worker_creates_the_declared_timed_jobs_once(frozen):
    worker_run()
    worker_run()
    names = set(ScheduledJob.objects.values_list("name", flat=True))
    assert {"outbox.dispatch", "jobs.prune"} <= names
    assert ScheduledJob.objects.filter(name="outbox.dispatch").count() == 1
    assert ScheduledJob.objects.get(name="jobs.prune").next_run_on == dt.datetime(2030, 3, 31, 3, 0, tzinfo=UTC)
