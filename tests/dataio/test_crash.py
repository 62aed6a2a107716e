"""An import whose worker is killed (SIGKILL) mid-way resumes to exactly the right row count."""

import json
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.jobs.conftest import ROOT, wait_until, workers  # noqa: F401 (the shared worker-process fixture)

pytestmark = pytest.mark.slow
ROWS = 1500


def _progress(url: str, import_id: str) -> int:
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=5)
        try:
            row = connection.execute("SELECT rows_processed FROM dataio_import WHERE id = ?",
                                     [import_id.replace("-", "")]).fetchone()
        finally:
            connection.close()
        return row[0] if row else 0
    from rapport.dataio.models import Import

    return Import.objects.filter(pk=import_id).values_list("rows_processed", flat=True).first() or 0


def helper(workers, *args) -> str:  # noqa: F811
    done = subprocess.run([sys.executable, "-m", "tests.dataio.import_helper", *args], cwd=ROOT, env=workers.env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_an_import_killed_mid_way_resumes_without_losing_or_repeating_rows(workers, tmp_path):  # noqa: F811
    data = tmp_path / "leads.csv"
    lines = ["topic,last_name,company_name,employees"]
    for number in range(1, ROWS + 1):
        employees = "many" if number % 100 == 0 else str(number)  # 15 bad rows
        lines.append(f"Lead {number},Name {number},Company {number},{employees}")
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    workers.env["RAPPORT_IMPORT_BATCH_SIZE"] = "25"
    import_id = helper(workers, "start", str(data))
    url = workers.env["DATABASE_URL"]

    first = workers.start()
    wait_until(lambda: _progress(url, import_id) >= 100, timeout=60, message="some batches to be committed")
    first.kill()  # SIGKILL, mid-way
    first.wait(timeout=10)
    at_kill = _progress(url, import_id)
    assert 100 <= at_kill < ROWS + 1, "the worker was not killed mid-way"
    status = json.loads(helper(workers, "status", import_id))
    assert status["state"] == "running"
    assert status["leads"] == status["rows_imported"]  # what is committed is counted, nothing more

    workers.run_once(timeout=300)  # the next worker requeues the lost job and resumes it
    deadline = time.monotonic() + 60
    while json.loads(helper(workers, "status", import_id))["state"] == "running" and time.monotonic() < deadline:
        workers.run_once(timeout=300)
    status = json.loads(helper(workers, "status", import_id))
    assert status["state"] == "finished", status
    assert status["rows_total"] == ROWS
    assert status["rows_failed"] == ROWS // 100 and status["rows_skipped"] == 0
    assert status["rows_imported"] == ROWS - ROWS // 100
    assert status["leads"] == status["distinct_topics"] == ROWS - ROWS // 100
