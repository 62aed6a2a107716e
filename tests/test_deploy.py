"""The production configuration, started as an operator would: `rapport serve` (gunicorn, two workers,
DEBUG off, hashed and compressed static files, JSON logs) on 127.0.0.1, then stopped.

Runs against a SQLite file of its own, or against PostgreSQL when DATABASE_URL names it (a database
of its own beside the test database).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def production(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RAPPORT_", "PYTEST_", "DJANGO_"))}
    database = os.environ.get("DATABASE_URL", "")
    env.update({
        "RAPPORT_HOME": str(tmp_path), "RAPPORT_SECRET_KEY": "deploy-test-secret-key-0123456789abcdefghij",
        "RAPPORT_LOG_FORMAT": "json", "RAPPORT_LOG_LEVEL": "INFO", "RAPPORT_ADMIN_PASSWORD": "Deploy-Admin-Pass-1",
        "RAPPORT_ADMIN_MFA": "optional",
        "DATABASE_URL": (database.rsplit("/", 1)[0] + f"/rapport_deploy_{os.getpid()}") if database.startswith("postgres")
        else f"sqlite:///{tmp_path / 'production.sqlite3'}",
    })

    def rapport(*args):
        return subprocess.run([sys.executable, "-m", "rapport.cli", *args], env=env, capture_output=True, text=True,
                              timeout=240, check=True)

    rapport("migrate")
    rapport("createadmin", "--username", "operator", "--noinput")
    token = rapport("token", "create", "operator").stdout.strip().splitlines()[-1]
    port = free_port()
    log = open(tmp_path / "serve.log", "w+")
    server = subprocess.Popen([sys.executable, "-m", "rapport.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if fetch(f"{base}/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                break
            time.sleep(0.5)
        yield {"base": base, "token": token, "log": log, "server": server}
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        log.close()
        if env["DATABASE_URL"].startswith("postgres"):
            import psycopg

            with psycopg.connect(database.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "rapport_deploy_{os.getpid()}" WITH (FORCE)')


def test_the_production_configuration_serves_health_static_files_and_the_api(production):
    base, token, server = production["base"], production["token"], production["server"]
    assert server.poll() is None, "the server did not stay up"
    assert fetch(f"{base}/health/live")[0] == 200
    status, _headers, body = fetch(f"{base}/health/ready")
    assert status == 200, body[:300]

    # Static files: hashed names from the manifest, cached for a long time, compressed on request.
    status, _headers, page = fetch(f"{base}/login/")
    assert status == 200
    page = page.decode()
    start = page.index("/static/rapport/rapport.")
    css = page[start:page.index('"', start)]
    assert css.endswith(".css") and css.count(".") == 2, css  # rapport.<hash>.css
    status, headers, _body = fetch(base + css, {"Accept-Encoding": "gzip"})
    assert status == 200
    assert "max-age=315360000" in headers.get("Cache-Control", ""), headers
    assert headers.get("Content-Encoding") == "gzip"

    # The API with a token; without one, problem+json; DEBUG is off (no debug page for unknown URLs).
    status, _headers, body = fetch(f"{base}/api/v1/accounts/", {"Authorization": f"Bearer {token}"})
    assert status == 200 and json.loads(body)["results"] == []
    status, headers, body = fetch(f"{base}/api/v1/accounts/")
    assert status == 401 and headers["Content-Type"].startswith("application/problem+json")
    status, _headers, body = fetch(f"{base}/no-such-page/")
    assert status == 404 and b"Django" not in body and b"Traceback" not in body

    # Structured logs: every access line is one JSON object.
    log = production["log"]
    log.flush()
    log.seek(0)
    access = [json.loads(line) for line in log.read().splitlines() if line.startswith("{")]
    assert any(entry.get("path") == "/api/v1/accounts/" and entry.get("status") == 200 for entry in access), access[-5:]
