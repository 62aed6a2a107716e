"""``python -m bench.load`` — the load test: simulated people against the production configuration.

    python -m bench.load --db-url postgres://postgres@127.0.0.1:5432/rapport_bench_1000000 \\
        --users 50 --duration 600 --out docs/load.md

1. Points Django at the database and migrates it (``bench.common.setup``); makes sure the data set is
   there: accounts from ``bench.generate`` up to ``--scale`` (a bigger database is used as it is, nothing
   is ever deleted) and at least 5,000 leads.
2. Creates the load organisation, once, and resets it on every run: a business unit "Load test" with
   salespeople and sales managers (the shipped roles, so the record filter decides what each sees),
   and system administrators in the root unit. Every load user starts each run with the same book:
   60 active accounts and 15 open leads of their own (75 of the 130 customers the pool's default
   capacity rule allows a salesperson); what earlier runs added beyond the book is deactivated or
   disqualified. Every load user gets an API token for this run (expiring in two days).
3. Starts the production set of processes as docs/deploy.md says: ``rapport serve --workers N``
   (gunicorn, DEBUG off, JSON logs to a file) and ``rapport worker``, on the Redis queue and cache,
   with ``RAPPORT_CONN_MAX_AGE=60``; waits for ``/health/ready``.
4. Runs locust headless (``bench/locustfile.py``) with ``--users`` simulated people for ``--duration``
   seconds, each waiting 1–3 s between actions. Locust lives in a virtualenv of its own
   (``requirements-load.txt``, ``var/load-venv``): it is a client, not a dependency of the server.
5. Writes the per-action table (requests, failures, p50/p95/p99/max) to ``--out`` (markdown, or JSON
   when the path ends in .json) and exits 1 when any request failed, printing locust's failures and
   the server's error log lines.

The daily pool return (02:00 UTC) is paused in the database: a worker started by a load test must
never hand the generated customers of a bench data set to the pool.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.common import ROOT, write_report

BOOK_ACCOUNTS = 60  # active accounts each salesperson and manager owns at the start of a run
BOOK_LEADS = 15  # open leads each owns at the start of a run
MIN_LEADS = 5000  # leads in the data set (generated through the bulk path when fewer)
UNIT_NAME = "Load test"
SEARCH_TERMS = ["华为", "機械", "Kft", "Сибирская", "Northwind", "Győri", "重工", "Contoso"]
FIRST_NAMES = ["伟", "芳", "Иван", "Ольга", "Péter", "Katalin", "James", "Emma", "娜", "Дмитрий"]
LAST_NAMES = ["王", "李", "张", "Иванов", "Смирнова", "Nagy", "Kovács", "Smith", "Brown", "刘"]
PRODUCTS = ["Excavators", "Wheel loaders", "Spare parts", "Service contract", "Generators", "Rental fleet"]


# --- names that are new companies ------------------------------------------------------------------


def slug(name: str) -> str:
    """An action's name as it travels in ``X-Request-Id`` (``load-<slug>-<hex>``)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def unique_company(rng: random.Random) -> tuple[str, str, str]:
    """(name, city, country): a company in the generator's vocabulary that exists nowhere yet.

    A random token sits in the middle of the name, so the active duplicate rules (same company name,
    88 % similar) never see two load-test companies, or one and a generated company, as the same.
    """
    from bench import generate as g

    token = f"{rng.getrandbits(80):020x}"
    roll = rng.random()
    if roll < 0.40:
        name = f"{rng.choice(g.CN_REGIONS)}{rng.choice(g.CN_BRANDS)}{token}{rng.choice(g.CN_TRADES)}{rng.choice(g.CN_FORMS)}"
        return name, rng.choice(g.CITIES["zh"]), "China"
    if roll < 0.50:
        name = f"{rng.choice(g.CN_BRANDS)}{token}{rng.choice(g.CN_TRADES)}股份有限公司".translate(g.TW_MAP)
        return name, rng.choice(g.CITIES["tw"]), "Taiwan"
    if roll < 0.65:
        name = f"ООО «{rng.choice(g.RU_WORDS)} {token} {rng.choice(g.RU_NOUNS)}»"
        return name, rng.choice(g.CITIES["ru"]), "Russia"
    if roll < 0.78:
        name = f"{rng.choice(g.HU_CITIES)} {rng.choice(g.HU_WORDS)} {token} {rng.choice(g.HU_FORMS)}"
        return name, rng.choice(g.CITIES["hu"]), "Hungary"
    name = f"{rng.choice(g.EN_WORDS)} {token} {rng.choice(g.EN_TRADES)} {rng.choice(g.EN_FORMS)}"
    return name, rng.choice(g.CITIES["en"]), "United Kingdom"


def lead_values(rng: random.Random, email_domain: str = "load.example") -> dict:
    """A new lead that can be qualified into account, contact and opportunity (it has an e-mail)."""
    company, city, country = unique_company(rng)
    token = f"{rng.getrandbits(48):012x}"
    return {"topic": f"{rng.choice(PRODUCTS)} — {company}"[:300], "first_name": rng.choice(FIRST_NAMES),
            "last_name": rng.choice(LAST_NAMES), "company_name": company[:160], "city": city, "country": country,
            "email": f"lead-{token}@{email_domain}", "rating": rng.choice(["hot", "warm", "cold"]),
            "industry": rng.choice(["construction", "mining", "logistics", "energy", "manufacturing"])}


def account_values(rng: random.Random) -> dict:
    name, city, country = unique_company(rng)
    return {"name": name, "city": city, "country": country,
            "industry": rng.choice(["construction", "mining", "logistics", "energy", "manufacturing"])}


# --- the data set and the load organisation ----------------------------------------------------------


def role_split(users: int) -> dict[str, int]:
    """How many simulated users of each kind: a tenth administrators, a tenth sales managers, the rest salespeople."""
    if users < 2:
        raise SystemExit("--users must be at least 2 (one administrator and one salesperson)")
    admins = max(1, users // 10)
    managers = users // 10
    return {"administrator": admins, "sales_manager": managers, "salesperson": users - admins - managers}


def ensure_leads(total: int, *, seed: int = 17, batch: int = 2000) -> int:
    """Leads up to ``total`` through the bulk path (owned like the generated accounts), then indexed."""
    from bench.generate import ensure_users
    from rapport.core.entities import get_entity
    from rapport.core.search.service import index_records
    from rapport.sales.models import Lead

    have = Lead.objects.count()
    if have >= total:
        return 0
    owners = ensure_users()
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(owners))]
    rng = random.Random(seed + have)
    now = dt.datetime.now(dt.UTC)
    spec = get_entity("leads")
    added = 0
    while have + added < total:
        rows = []
        for _ in range(min(batch, total - have - added)):
            owner = rng.choices(owners, weights)[0]
            values = lead_values(rng, email_domain="leads.example")
            moment = now - dt.timedelta(seconds=rng.randint(0, 2 * 365 * 86400))
            lead = Lead(**values, owner_user_id=owner.pk, owning_business_unit_id=owner.business_unit_id,
                        created_on=moment, modified_on=moment, created_by_id=owner.pk, modified_by_id=owner.pk,
                        state="open", status_reason="new", lead_source="trade_show")
            lead.full_name = f"{lead.first_name} {lead.last_name}".strip()
            rows.append(lead)
        Lead.objects.bulk_create(rows, batch_size=batch)
        index_records(spec, rows)
        added += len(rows)
    return added


def load_unit():
    from rapport.core.actions.base import ActionContext
    from rapport.security.actions_organisation import create_business_unit
    from rapport.security.models import BusinessUnit, root_business_unit

    unit = BusinessUnit.objects.filter(name=UNIT_NAME).first()
    if unit is None:
        unit = create_business_unit({"name": UNIT_NAME, "parent": str(root_business_unit().pk)},
                                    ActionContext(user=None, channel="system"))
    return unit


def ensure_load_users(split: dict[str, int]) -> list:
    """The load users (created once, reused): ``load-<kind>-NNN``, each with its shipped role."""
    from rapport.core.actions.base import ActionContext
    from rapport.security.actions import create_user
    from rapport.security.models import User, root_business_unit
    from rapport.security.roles import shipped_role

    unit = load_unit()
    system = ActionContext(user=None, channel="system")
    users = []
    for kind, count in split.items():
        prefix = {"administrator": "admin", "sales_manager": "manager", "salesperson": "sales"}[kind]
        for number in range(count):
            username = f"load-{prefix}-{number:03d}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = create_user(system, username=username, password=None, full_name=f"Load {kind} {number}",
                                   business_unit=root_business_unit() if kind == "administrator" else unit,
                                   is_superuser=kind == "administrator",
                                   roles=None if kind == "administrator" else [shipped_role(kind)])
            users.append(user)
    return users


def reset_sign_in(users, password: str) -> None:
    """A fresh password for this run (one hash for all) and nothing that would refuse a sign-in."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from rapport.security.models import User

    now = timezone.now()
    User.objects.filter(pk__in=[u.pk for u in users]).update(
        password=make_password(password), password_changed_on=now, must_change_password=False, last_login=now,
        failed_sign_ins=0, locked_on=None, lock_reason="", is_active=True)


def reset_book(user, rng: random.Random) -> None:
    """Bring ``user``'s own active accounts and open leads back to the book of every run.

    Records created by the actions (audit, search index, duplicate keys, outbox) in the system channel
    (which the capacity rule does not limit); the surplus of earlier runs is deactivated or disqualified
    with a bulk update (newest first), so each run starts from the same state.
    """
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity
    from rapport.customers.models import Account
    from rapport.sales.models import Lead

    ctx = ActionContext(user=user, channel="system", suppress_duplicate_detection=True)
    for model, set_name, state, size, make, retire in (
        (Account, "accounts", "active", BOOK_ACCOUNTS, account_values, {"state": "inactive", "status_reason": ""}),
        (Lead, "leads", "open", BOOK_LEADS, lead_values, {"state": "disqualified", "status_reason": "other"}),
    ):
        own = model.objects.filter(owner_user_id=user.pk, state=state)
        have = own.count()
        if have > size:
            surplus = list(own.order_by("-created_on", "-id").values_list("pk", flat=True)[: have - size])
            model.objects.filter(pk__in=surplus).update(**retire)
        for _ in range(size - have):
            create_record(get_entity(set_name), make(rng), ctx)


def issue_token(user) -> str:
    from rapport.core.actions.base import ActionContext
    from rapport.security.actions import create_token

    expires = dt.date.today() + dt.timedelta(days=2)
    _token, secret = create_token(user, ActionContext(user=None, channel="system"), name="load test",
                                  expires_on=expires)
    return secret


def identity(user, password: str) -> dict:
    """What one simulated person knows: who they are, their token and password, their own records, their capacity."""
    from rapport.customers.models import Account
    from rapport.pool import rules
    from rapport.sales.models import Lead

    admin = user.is_system_administrator
    return {"username": user.username, "user_id": str(user.pk), "token": issue_token(user), "password": password,
            "capacity": None if admin else rules.capacity_of(user), "held": rules.held_by(user),
            "accounts": [str(pk) for pk in Account.objects.filter(owner_user=user, state="active").values_list("pk", flat=True)[:200]],
            "leads": [str(pk) for pk in Lead.objects.filter(owner_user=user, state="open").values_list("pk", flat=True)[:200]]}


def pause_pool_return() -> None:
    """The worker's scheduler would release idle generated customers into the pool at 02:00 UTC."""
    from rapport.core.jobs.models import ScheduledJob
    from rapport.core.jobs.scheduler import ensure_schedules

    ensure_schedules()
    ScheduledJob.objects.filter(name="pool.returns").update(is_active=False)


def prepare(args) -> dict:
    """Everything the simulated users need, as the JSON the locustfile reads; also the data set's size."""
    from bench import common, generate

    common.setup("postgres", args.scale, url=args.db_url)
    from django.db import connection

    from rapport.customers.models import Account, Contact
    from rapport.sales.models import Lead, Opportunity

    started = time.perf_counter()
    added = generate.generate_accounts(args.scale)
    if added:
        generate.rebuild_search_index()
        generate.analyze("customers_account")
    leads_added = ensure_leads(MIN_LEADS)
    if leads_added:
        generate.analyze("sales_lead")
    pause_pool_return()
    split = role_split(args.users)
    users = ensure_load_users(split)
    password = "Load-" + secrets.token_urlsafe(12)
    reset_sign_in(users, password)
    rng = random.Random()
    for user in users:
        reset_book(user, rng)
    sample_accounts = [str(pk) for pk in Account.objects.filter(state="active").order_by("?").values_list("pk", flat=True)[:2000]]
    sample_leads = [str(pk) for pk in Lead.objects.filter(state="open").order_by("?").values_list("pk", flat=True)[:1000]]
    identities = {"administrator": [], "sales": []}
    for user in users:
        identities["administrator" if user.is_system_administrator else "sales"].append(identity(user, password))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            database = f"{connection.vendor} {connection.Database.sqlite_version}"
    dataset = {"accounts": Account.objects.count(), "contacts": Contact.objects.count(), "leads": Lead.objects.count(),
               "opportunities": Opportunity.objects.count()}
    connection.close()
    return {"run": secrets.token_hex(4), "terms": SEARCH_TERMS, "identities": identities, "split": split,
            "sample": {"accounts": sample_accounts, "leads": sample_leads},
            "database": database, "dataset": dataset, "prepare_seconds": round(time.perf_counter() - started, 1),
            "generated": {"accounts": added, "leads": leads_added}}


# --- the production processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(args, home: Path) -> dict:
    """The environment of the production processes (docs/deploy.md), nothing inherited from this one's Django."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RAPPORT_", "DJANGO_", "PYTEST_"))}
    env.update({
        "DATABASE_URL": args.db_url, "REDIS_URL": args.redis_url, "RAPPORT_HOME": str(home),
        "RAPPORT_SECRET_KEY": secrets.token_urlsafe(48), "RAPPORT_LOG_FORMAT": "json", "RAPPORT_LOG_LEVEL": "INFO",
        "RAPPORT_CONN_MAX_AGE": "60", "RAPPORT_ALLOWED_HOSTS": "127.0.0.1",
    })
    env.pop("RAPPORT_DEBUG", None)
    return env


def fetch_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def start_production(args, folder: Path) -> tuple[str, list]:
    """``rapport serve`` and ``rapport worker``, logs to files in ``folder``; returns the base URL and the processes."""
    home = folder / "home"
    (home / "var").mkdir(parents=True, exist_ok=True)
    env = production_env(args, home)
    port = free_port()
    processes = []
    for name, command in (("serve", ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers)]),
                          ("worker", ["worker"])):
        log = open(folder / f"{name}.log", "w")
        process = subprocess.Popen([sys.executable, "-m", "rapport.cli", *command], env=env, cwd=home, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        process.log_name = name
        processes.append(process)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"rapport {process.log_name} exited with {process.returncode}; see {folder}/{process.log_name}.log")
        try:
            if fetch_status(f"{base}/health/ready") == 200:
                return base, processes
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server did not become ready in 300 s; see {folder}/serve.log")


def stop(processes) -> None:
    """SIGTERM to each process group, then SIGKILL for what is still there after 20 s."""
    for process in processes:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)


# --- locust ------------------------------------------------------------------------------------------------


LOAD_VENV = ROOT / "var" / "load-venv"
INSTALL_HINT = "python3 -m venv var/load-venv && var/load-venv/bin/pip install -r requirements-load.txt"


def locust_python(explicit: str | None = None) -> str | None:
    """The Python that has locust: ``explicit``, else the load virtualenv (requirements-load.txt), else this one."""
    candidates = [explicit] if explicit else [str(LOAD_VENV / "bin" / "python"), sys.executable]
    for python in candidates:
        if python and Path(python).exists() and subprocess.run(
                [python, "-c", "import locust"], capture_output=True, timeout=120).returncode == 0:
            return python
    return None


def locust_version(python: str) -> str:
    done = subprocess.run([python, "-c", "from importlib.metadata import version; print(version('locust'))"],
                          capture_output=True, text=True, timeout=120)
    return done.stdout.strip() or "?"


def run_locust(args, base: str, identities_path: Path, folder: Path, python: str) -> int:
    env = {**os.environ, "RAPPORT_LOAD_IDENTITIES": str(identities_path), "RAPPORT_LOAD_RESULT": str(folder / "result.json"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}
    command = [python, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
               "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s", "--host", base,
               "--csv", str(folder / "load"), "--html", str(folder / "load.html"), "--only-summary",
               "--stop-timeout", "30", "--loglevel", "WARNING"]
    with open(folder / "locust.log", "w") as log:
        done = subprocess.run(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                              timeout=args.duration + 300)
    return done.returncode


def parse_result(folder: Path) -> tuple[list[dict], dict, list[dict]]:
    """Per-action rows, the aggregate and the failures, as the locustfile wrote them when the run ended."""
    path = folder / "result.json"
    if not path.exists():
        return [], {}, []
    result = json.loads(path.read_text())
    return result["rows"], result["total"], result["errors"]


def percentile(values: list[float], share: float):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def server_times(folder: Path, rows: list[dict]) -> None:
    """Add each action's time inside the web process (gunicorn's access log, by X-Request-Id) to its row.

    The client's time also holds the wait for a free worker and the load client's own share of the cores.
    """
    names = {slug(row["name"]): row for row in rows}
    times: dict[str, list[float]] = {}
    path = folder / "serve.log"
    if not path.exists():
        return
    for line in path.read_text(errors="replace").splitlines():
        if '"logger": "access"' not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        found = re.match(r"load-(.+)-[0-9a-f]{12}$", str(entry.get("request_id", "")))
        if found and found.group(1) in names and isinstance(entry.get("duration_us"), int):
            times.setdefault(found.group(1), []).append(entry["duration_us"] / 1000)
    for key, row in names.items():
        row["server_p50"] = percentile(times.get(key, []), 0.50)
        row["server_p95"] = percentile(times.get(key, []), 0.95)


def server_errors(folder: Path, limit: int = 20) -> tuple[int, list[str]]:
    """Application log lines at ERROR or worse and 5xx access lines of the web processes and the worker."""
    count, shown = 0, []
    for name in ("serve", "worker"):
        path = folder / f"{name}.log"
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            bad = (isinstance(entry, dict) and (str(entry.get("level", "")).upper() in ("ERROR", "CRITICAL")
                                                 or (isinstance(entry.get("status"), int) and entry["status"] >= 500)))
            if entry is None and ("Traceback" in line or "[ERROR]" in line or "[CRITICAL]" in line):
                bad = True
            if bad:
                count += 1
                if len(shown) < limit:
                    shown.append(f"{name}: {line[:2000]}")
    return count, shown


# --- the report ----------------------------------------------------------------------------------------------


def safe_url(url: str) -> str:
    """The database URL without a password."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value < 10:
        return f"{value:.1f}"
    return f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)


def render(result: dict) -> str:
    split, dataset, total = result["split"], result["dataset"], result["total"]
    rows = sorted(result["rows"], key=lambda r: (-r["requests"], r["name"]))
    lines = [
        "# Load test",
        "",
        f"Measured by `{result['command']}` on {result['date']} — {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, locust {result.get('locust', '?')} (the load client runs on the same cores).",
        "",
        "| | |",
        "| --- | --- |",
        f"| configuration | `rapport serve --workers {result['workers']}` (gunicorn sync workers, DEBUG off, JSON logs) and "
        f"one `rapport worker`; Redis queue and cache; `RAPPORT_CONN_MAX_AGE=60`; all on 127.0.0.1 |",
        f"| database | {result['database']}, `{result['database_url']}` |",
        f"| data set | {dataset['accounts']:,} accounts, {dataset['contacts']:,} contacts, {dataset['leads']:,} leads, "
        f"{dataset['opportunities']:,} opportunities (at the start) |",
        f"| users | {result['users']} simulated people: {split['salesperson']} salespeople and {split['sales_manager']} "
        f"sales manager(s) (business unit \"Load test\", shipped roles: the record filter at user and parent:child "
        f"depth) and {split['administrator']} system administrator(s); each waits {result['wait']} s between actions; "
        f"ramp {result['spawn_rate']:g} users/s |",
        f"| duration | {result['duration']} s |",
        f"| requests | {total.get('requests', 0):,} ({total.get('rps', 0):.1f} requests/s) |",
        f"| failures | **{total.get('failures', 0):,}** (any answer but the expected 2xx counts) |",
        f"| server errors | {result['server_errors']} log lines at ERROR or 5xx answers in the web and worker logs |",
        "",
        "Response times in ms as the client measured them over HTTP (locust rounds times above 100 ms to 2 "
        "significant digits), and the time inside the web process from gunicorn's access log (server p50/p95: "
        "the difference is the wait for a free worker and the load client's share of the same cores):",
        "",
        "| action | requests | failures | p50 | p95 | p99 | max | server p50 | server p95 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(f"| {row['name']} | {row['requests']:,} | {row['failures']:,} | {fmt(row['p50'])} | "
                     f"{fmt(row['p95'])} | {fmt(row['p99'])} | {fmt(row['max'])} | {fmt(row.get('server_p50'))} | "
                     f"{fmt(row.get('server_p95'))} |")
    if total:
        lines.append(f"| **all** | {total['requests']:,} | {total['failures']:,} | {fmt(total['p50'])} | "
                     f"{fmt(total['p95'])} | {fmt(total['p99'])} | {fmt(total['max'])} | | |")
    lines += [
        "",
        "The mix (`bench/locustfile.py`): list active accounts by name (and sometimes the next page), my open "
        "leads, quick find and global search with the data set's vocabulary, open an account or a lead, edit one "
        "(PATCH), create a lead or an account (new companies: the duplicate rules stay on), qualify a new lead "
        "into account, contact and opportunity, disqualify a lead; salespeople and managers also sign in to the "
        "web interface (on their first page) and open the account list and account pages there. Salespeople and "
        "managers open records they can see (their own and, for managers, their unit's); administrators open "
        "records anywhere in the data set. Everyone edits only their own records, so no two simulated people "
        "change one record at the same time (no If-Match conflicts by design).",
        "",
        f"Capacity (SAL-23, default 130 customers a salesperson): every load user starts each run with a book of "
        f"{BOOK_ACCOUNTS} active accounts and {BOOK_LEADS} open leads and keeps count of what they add; near the limit "
        "they give customers up (disqualify a lead, deactivate an account) instead of taking new ones, as a "
        "salesperson at the limit must. The capacity check runs on every create; administrators are exempt.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-url", required=True, help="postgres://user@host:port/database (created when missing)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=600, help="seconds")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers of rapport serve")
    parser.add_argument("--scale", type=int, default=100_000, help="accounts to generate when the database has fewer")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--out", default=str(ROOT / "docs" / "load.md"), help="markdown, or JSON when it ends in .json")
    parser.add_argument("--locust-python", help="a Python with locust (default: var/load-venv, else this one)")
    args = parser.parse_args(argv)

    python = locust_python(args.locust_python)
    if python is None:
        raise SystemExit(f"locust is not installed; install the load client with: {INSTALL_HINT}")

    print(f"preparing {safe_url(args.db_url)} …", flush=True)
    setup = prepare(args)
    print(f"prepared in {setup['prepare_seconds']} s: {setup['dataset']}, generated {setup['generated']}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="rapport-load-"))
    identities_path = folder / "identities.json"
    fd = os.open(identities_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(setup, handle)
    processes = []
    try:
        base, processes = start_production(args, folder)
        print(f"production configuration ready at {base} (logs in {folder}); locust: {args.users} users for "
              f"{args.duration} s …", flush=True)
        run_locust(args, base, identities_path, folder, python)
    finally:
        stop(processes)
        identities_path.unlink(missing_ok=True)  # holds this run's tokens and password
    rows, total, errors = parse_result(folder)
    server_times(folder, rows)
    error_count, error_lines = server_errors(folder)
    command = (f"python -m bench.load --db-url {safe_url(args.db_url)} --users {args.users} --duration {args.duration}"
               f" --workers {args.workers}")
    wait = os.environ.get("RAPPORT_LOAD_WAIT", "1,3").replace(",", "–")
    result = {"command": command, "wait": wait, "locust": locust_version(python), "date": dt.date.today().isoformat(), "workers": args.workers,
              "database": setup["database"], "database_url": safe_url(args.db_url), "dataset": setup["dataset"],
              "users": args.users, "split": setup["split"], "spawn_rate": args.spawn_rate, "duration": args.duration,
              "rows": rows, "total": total, "errors": errors, "server_errors": error_count, "logs": str(folder),
              "cores": os.cpu_count()}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".json":
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        write_report(out, render(result))
    print(render(result))
    print(f"written to {out}; logs, locust's CSV and HTML report in {folder}")
    failures = total.get("failures", 0) if total else 1
    if failures or not total:
        print(f"\nFAILED requests (locust's log and CSV files in {folder}):", file=sys.stderr)
        for error in errors:
            print(f"{error['occurrences']:6d} × {error['method']} {error['name']}: {error['error']}", file=sys.stderr)
    if error_lines:
        print(f"\n{error_count} error lines in the server logs, the first ones:", file=sys.stderr)
        print("\n".join(error_lines), file=sys.stderr)
    return 1 if failures or not total or error_count else 0


if __name__ == "__main__":
    sys.exit(main())
