"""Real ``rapport worker`` processes: a job survives its worker being killed, and runs to the end once."""

import pytest

from tests.jobs.conftest import lines, wait_until

pytestmark = pytest.mark.slow


def test_a_job_whose_worker_is_killed_is_retried_by_the_next_worker_and_finishes_once(workers, tmp_path):
    gate, started, record = tmp_path / "gate", tmp_path / "started", tmp_path / "record"
    job_id = workers.enqueue("wait_for_gate", str(gate), str(started), str(record))

    first = workers.start()
    wait_until(lambda: len(lines(started)) == 1, message="the first worker to start the job")
    first.kill()  # SIGKILL: no chance to clean up
    first.wait(timeout=10)
    left = workers.status(job_id)
    assert left["status"] == "RUNNING" and len(left["worker_ids"]) == 1

    gate.touch()
    second = workers.run_once()

    done = workers.status(job_id)
    assert done["status"] == "SUCCESSFUL", workers.log_of(second)
    assert len(done["worker_ids"]) == 2 and done["worker_ids"][0] != done["worker_ids"][1]
    assert lines(started) == [str(first.pid), str(second.pid)]
    assert lines(record) == ["finished"]  # ran to completion exactly once

    workers.run_once()  # a later worker finds nothing left to do
    assert lines(record) == ["finished"]


def test_a_job_killed_on_its_retry_too_is_failed_not_run_a_third_time(workers, tmp_path):
    gate, started, record = tmp_path / "gate", tmp_path / "started", tmp_path / "record"
    job_id = workers.enqueue("wait_for_gate", str(gate), str(started), str(record))

    for attempt in (1, 2):
        worker = workers.start()
        wait_until(lambda attempt=attempt: len(lines(started)) == attempt, message=f"attempt {attempt}")
        worker.kill()
        worker.wait(timeout=10)

    gate.touch()
    workers.run_once()
    failed = workers.status(job_id)
    assert failed["status"] == "FAILED"
    assert failed["exception"] == "rapport.core.jobs.recovery.WorkerLost"
    assert "stopped while running this job" in failed["traceback"]
    assert len(lines(started)) == 2 and lines(record) == []


def test_two_workers_started_together_fire_a_due_timed_job_once(workers, tmp_path):
    record = tmp_path / "record"
    workers.helper("schedule", "sample.append", "append_line", f'["{record}", "fired"]')

    racers = [workers.start("--once", name=f"racer{i}") for i in range(3)]
    for racer in racers:
        assert racer.wait(timeout=60) == 0, workers.log_of(racer)

    assert lines(record) == ["fired"]
    workers.run_once()  # a restart does not repeat it: the next run is an hour away
    assert lines(record) == ["fired"]


def test_with_redis_url_the_worker_runs_jobs_from_the_redis_queue(workers, tmp_path):
    import shutil
    import socket
    import subprocess

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                             stdout=subprocess.DEVNULL, cwd=tmp_path)
    try:
        workers.env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        record = tmp_path / "record"

        def listening():
            with socket.socket() as client:
                return client.connect_ex(("127.0.0.1", port)) == 0

        wait_until(listening, message="redis to listen")
        workers.enqueue("append_line", str(record), "from redis")
        workers.run_once()
        assert lines(record) == ["from redis"]
    finally:
        redis.terminate()
        redis.wait(timeout=10)
