"""The load test's pieces, cheaply: its report, its company names, and one tour of every action.

The tour runs ``bench/locustfile.py`` under locust (a subprocess: locust patches the standard library
with gevent on import) as one salesperson against the live test server: each action once, in order,
then the run stops. It catches a change of the API that would turn the 10-minute load test red,
without running a load. The load itself is ``python -m bench.load`` (docs/deploy.md). Locust is the
load client's dependency (requirements-load.txt, its own virtualenv); without it the tour is skipped.
"""

from __future__ import annotations

import json
import random
import types

import pytest

from bench import load


def test_roles_are_split_a_tenth_administrators_a_tenth_managers():
    assert load.role_split(50) == {"administrator": 5, "sales_manager": 5, "salesperson": 40}
    assert load.role_split(2) == {"administrator": 1, "sales_manager": 0, "salesperson": 1}


def test_the_report_has_a_row_per_action_and_the_failures(tmp_path):
    (tmp_path / "result.json").write_text(json.dumps({
        "rows": [{"method": "GET", "name": "list accounts", "requests": 120, "failures": 0, "p50": 31, "p95": 95,
                  "p99": 300, "max": 812, "rps": 2.0},
                 {"method": "POST", "name": "qualify lead", "requests": 10, "failures": 1, "p50": 120, "p95": 400,
                  "p99": 410, "max": 410, "rps": 0.2}],
        "total": {"method": "", "name": "Aggregated", "requests": 130, "failures": 1, "p50": 33, "p95": 110,
                  "p99": 380, "max": 812, "rps": 2.2},
        "errors": [{"method": "POST", "name": "qualify lead", "error": "409: duplicate", "occurrences": 1}]}))
    access = '{"logger": "access", "path": "/api/v1/accounts/", "status": 200, "duration_us": %d, "request_id": "%s"}'
    (tmp_path / "serve.log").write_text("\n".join([
        access % (20500, "load-list-accounts-0123456789ab"), access % (30500, "load-list-accounts-0123456789ac"),
        access % (900000, "someone-else"), '{"level": "INFO", "message": "not an access line"}']) + "\n")
    rows, total, errors = load.parse_result(tmp_path)
    load.server_times(tmp_path, rows)
    assert errors[0]["error"] == "409: duplicate"
    assert (rows[0]["server_p50"], rows[0]["server_p95"], rows[1]["server_p50"]) == (20.5, 30.5, None)
    report = load.render({"command": "python -m bench.load …", "date": "2026-12-07", "workers": 4, "wait": "1–3",
                          "database": "PostgreSQL 15", "database_url": "postgres://postgres@127.0.0.1:5432/x",
                          "dataset": {"accounts": 1000, "contacts": 0, "leads": 5000, "opportunities": 0},
                          "users": 50, "split": load.role_split(50), "spawn_rate": 10, "duration": 600, "rows": rows,
                          "total": total, "server_errors": 0, "locust": "2.47.0"})
    assert "| list accounts | 120 | 0 | 31 | 95 | 300 | 812 | 20 | 30 |" in report
    assert "| qualify lead | 10 | 1 | 120 | 400 | 410 | 410 | — | — |" in report
    assert "| failures | **1** " in report


def test_new_company_names_are_never_duplicates_under_the_shipped_name_rule():
    from rapport.duplicates import normalize as norm

    rng = random.Random(5)
    names = [load.unique_company(rng)[0] for _ in range(400)]
    texts = [norm.company_text(name) for name in names]
    assert len(set(names)) == len(names)
    worst = max(norm.similarity(a, b) for i, a in enumerate(texts) for b in texts[i + 1:i + 40])
    assert worst < 85, worst  # the shipped rule matches from 88 %


@pytest.mark.slow
def test_one_tour_of_every_action_answers_2xx(live_server, tmp_path, monkeypatch):
    python = load.locust_python()
    if python is None:
        pytest.skip(f"locust is not installed ({load.INSTALL_HINT})")
    monkeypatch.setattr(load, "BOOK_ACCOUNTS", 3)
    monkeypatch.setattr(load, "BOOK_LEADS", 7)
    users = load.ensure_load_users({"administrator": 0, "sales_manager": 0, "salesperson": 1})
    load.reset_sign_in(users, "Load-Test-Tour-9")
    for user in users:
        load.reset_book(user, random.Random(3))
    setup = {"terms": ["Kft", "华为"], "sample": {"accounts": [], "leads": []},
             "identities": {"administrator": [], "sales": [load.identity(users[0], "Load-Test-Tour-9")]}}
    path = tmp_path / "identities.json"
    path.write_text(json.dumps(setup))
    monkeypatch.setenv("RAPPORT_LOAD_TOUR", "1")
    monkeypatch.setenv("RAPPORT_LOAD_WAIT", "0,0.01")
    load.run_locust(types.SimpleNamespace(users=1, spawn_rate=1, duration=40), live_server.url, path, tmp_path, python)

    rows, total, errors = load.parse_result(tmp_path)
    log = (tmp_path / "locust.log").read_text()
    assert total and total["failures"] == 0, (errors, log[-3000:])
    names = {row["name"] for row in rows}
    expected = {"list accounts", "list my open leads", "quick find accounts", "global search", "open account",
                "open lead", "edit account", "edit lead", "create lead", "create account", "qualify lead",
                "disqualify lead", "give up: deactivate account", "UI sign-in page", "UI sign in", "UI account list",
                "UI account page"}
    assert expected <= names, (expected - names, log[-3000:])
