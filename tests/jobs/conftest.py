"""Fixtures for tests that run ``rapport worker`` as real processes against a real database.

Subprocesses cannot see the in-memory SQLite test database, so on SQLite the migrated test
database is copied into a file for them (or its file is used when ``RAPPORT_TEST_SQLITE_NAME``
makes it one); on PostgreSQL they use the test database itself (``transactional_db``: what the
test writes is committed and visible to them, and flushed afterwards). Every process a test
starts is stopped by the fixture.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _database_url(connection, tmp_path: Path) -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(settings.get("USER") or "")
        password = settings.get("PASSWORD") or ""
        credentials = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
        host = settings.get("HOST") or "127.0.0.1"
        port = settings.get("PORT") or 5432
        return f"postgres://{credentials}{host}:{port}/{settings['NAME']}"
    if connection.vendor == "sqlite":
        if not connection.is_in_memory_db():
            return f"sqlite:///{settings['NAME']}"
        path = tmp_path / "workers.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return f"sqlite:///{path}"
    pytest.fail(f"no worker test setup for {connection.vendor}")


class WorkerProcesses:
    """Start workers and helper commands against the shared database; stop them all at the end."""

    def __init__(self, url: str, home: Path):
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "RAPPORT_HOME": str(home),
            "RAPPORT_SECRET_KEY": "worker-tests-only",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "RAPPORT_LOG_LEVEL": "INFO",
        }
        self.env.pop("PYTEST_CURRENT_TEST", None)
        self.home = home
        self.processes: list[subprocess.Popen] = []

    def helper(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "tests.jobs.worker_helper", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def enqueue(self, task_name: str, *args) -> str:
        return self.helper("enqueue", task_name, json.dumps(list(args)))

    def status(self, job_id: str) -> dict:
        return json.loads(self.helper("status", job_id))

    def start(self, *extra: str, name: str = "worker") -> subprocess.Popen:
        log = open(self.home / f"{name}-{len(self.processes)}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([sys.executable, "-m", "rapport.cli", "worker", *extra], cwd=ROOT, env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT)
        process.log = log
        self.processes.append(process)
        return process

    def run_once(self, timeout: float = 60) -> subprocess.Popen:
        process = self.start("--once", name="once")
        assert process.wait(timeout=timeout) == 0, self.log_of(process)
        return process

    def log_of(self, process) -> str:
        process.log.flush()
        return Path(process.log.name).read_text()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not refused
                pass
            process.log.close()


def wait_until(condition, timeout: float = 30, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}")


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def workers(transactional_db, tmp_path):
    from django.db import connection

    home = tmp_path / "home"
    home.mkdir()
    processes = WorkerProcesses(_database_url(connection, tmp_path), home)
    try:
        yield processes
    finally:
        processes.stop_all()
