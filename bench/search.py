"""Search scenario (PLT-6): quick find and global search at scale, with same-run ceilings.

    python -m bench.search --scale 100000 --db sqlite
    python -m bench.search --scale 100000 --db postgres --repeat 100

Generates the accounts through the bulk path (cached between runs, in databases of their own:
``var/bench/search-<scale>.sqlite3`` and ``rapport_search_bench_<scale>``), rebuilds the search
index, then times, through the full Django stack in-process (authentication, the record filter,
serialisation):

* quick find — ``GET /api/v1/accounts/?q=<term>&page_size=50`` (the list API's ``q``),
* global search — ``GET /api/v1/search/?q=<term>``,

as an administrator (every account readable) and as the salesperson owning the most accounts,
for 1-, 2- and 3+-character terms in Chinese (both scripts), Hungarian, Russian and English.
The ceilings measured in the same run: a raw primary-key lookup in SQL, and a trivial Django
view. Prints a table of p50/p95 in milliseconds and the ratio of each p50 to the trivial view.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from bench.common import CACHE, timed

TERMS = [
    ("华为", "2-char Chinese brand (~1.7%)"),
    ("華為", "same, Traditional"),
    ("華", "1-char Chinese"),
    ("機械", "2-char Chinese trade (~5%)"),
    ("有限公司", "4-char Chinese, very common (~40%)"),
    ("华为科技", "4-char Chinese, rare"),
    ("Kft", "3-char Latin (~4%)"),
    ("gyor", "accent-folded (Győr, ~5%)"),
    ("Сибирская", "Russian word (~1%)"),
    ("northwind 12", "two terms"),
    ("co", "2-char Latin: name prefix"),
    ("zzzzq", "no match"),
]


def database_url(kind: str, scale: int) -> str:
    if kind == "sqlite":
        CACHE.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{CACHE / f'search-{scale}.sqlite3'}"
    base = os.environ.get("RAPPORT_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    return f"{base}/rapport_search_bench_{scale}"


def _grant_own_records(user):
    """Bench salespeople hold every privilege on their own records (user depth), when roles exist."""
    try:
        from rapport.security.models import Role
    except ImportError:
        return user
    from rapport.core.entities import all_entities
    from rapport.core.permissions.filter import PRIVILEGES
    from rapport.security.models import root_business_unit

    privileges = {spec.set_name: {p: "user" for p in PRIVILEGES} for spec in all_entities()}
    role, _created = Role.objects.get_or_create(name="Bench: own records", business_unit=root_business_unit(),
                                                defaults={"privileges": privileges})
    user.roles.add(role)
    return user


def _admin():
    from rapport.security.models import User

    admin = User.objects.filter(is_superuser=True).first()
    if admin is None:
        from rapport.core.actions.base import ActionContext
        from rapport.security.actions import create_user

        admin = create_user(ActionContext(user=None, channel="system"), username="benchadmin", password=None, is_superuser=True)
    return admin


def _client(user):
    from django.test import Client

    from rapport.core.actions.base import ActionContext
    from rapport.security.actions import create_token

    _token, secret = create_token(user, ActionContext(user=user, channel="system"), name="bench-search")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def run(kind: str, scale: int, repeat: int, rebuild: bool) -> dict:
    from bench import common

    common.setup(kind, scale, url=database_url(kind, scale))
    from django.db import connection
    from django.db.models import Count

    from bench import generate
    from rapport.core.search.models import SearchDocument
    from rapport.core.search.service import global_search, rebuild_index
    from rapport.customers.models import Account

    report = {"database": kind, "scale": scale, "figures": {}, "notes": {}}
    started = time.perf_counter()
    added = generate.generate_accounts(scale)
    report["notes"]["generated_accounts"] = added
    report["notes"]["generate_seconds"] = round(time.perf_counter() - started, 1)
    indexed = SearchDocument.objects.filter(entity="accounts").count()
    if added or rebuild or indexed != Account.objects.count():
        started = time.perf_counter()
        counts = rebuild_index()
        elapsed = time.perf_counter() - started
        report["notes"]["rebuild_seconds"] = round(elapsed, 1)
        report["notes"]["rebuild_records_per_s"] = round(sum(counts.values()) / elapsed)
    from rapport.core.search.models import SearchGram

    report["notes"]["documents"] = SearchDocument.objects.count()
    report["notes"]["grams"] = SearchGram.objects.count()

    admin = _admin()
    top_owner = (Account.objects.values("owner_user").annotate(n=Count("id")).order_by("-n").first() or {})
    from rapport.security.models import User

    salesperson = _grant_own_records(User.objects.get(pk=top_owner["owner_user"]))
    report["notes"]["salesperson_accounts"] = top_owner.get("n")

    # Ceilings, same run.
    table = Account._meta.db_table
    some_id = Account.objects.values_list("id", flat=True).first()
    key = some_id.hex if connection.vendor == "sqlite" else some_id

    def raw_lookup():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, name, city FROM {table} WHERE id = %s", [key])
            cursor.fetchone()

    from django.test import Client

    anonymous = Client()

    def trivial_view():
        assert anonymous.get("/health/live").status_code == 200

    figures = report["figures"]
    figures["ceiling: primary-key lookup (SQL)"] = timed(raw_lookup, repeat * 5)
    figures["ceiling: trivial Django view"] = timed(trivial_view, repeat)

    clients = {"admin": _client(admin), "sales": _client(salesperson)}
    for term, label in TERMS:
        for who, client in clients.items():
            def quick_find(client=client, term=term):
                response = client.get("/api/v1/accounts/", {"q": term, "page_size": 50})
                assert response.status_code == 200, response.content[:300]
                return response

            rows = len(quick_find().json()["results"])
            figures[f"quick find {term} [{who}]"] = {**timed(quick_find, repeat), "rows": rows, "what": label}

            def search(client=client, term=term):
                response = client.get("/api/v1/search/", {"q": term})
                assert response.status_code == 200, response.content[:300]
                return response

            rows = len(search().json()["results"])
            figures[f"global search {term} [{who}]"] = {**timed(search, repeat), "rows": rows, "what": label}
    # The service alone (no HTTP, no serialisation): what the index and ranking cost.
    for term in ("华为", "有限公司", "gyor"):
        figures[f"global_search() {term} [admin, service only]"] = timed(lambda term=term: global_search(admin, term), repeat)
    return report


def render(report: dict) -> str:
    figures = report["figures"]
    base = figures["ceiling: trivial Django view"]["p50"]
    lines = [f"## search — {report['database']}, {report['scale']:,} accounts", ""]
    lines += [f"- {k}: {v}" for k, v in report["notes"].items()]
    lines += ["", "| scenario | p50 ms | p95 ms | × trivial view | rows |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, figure in figures.items():
        lines.append(f"| {name} | {figure['p50']:.3f} | {figure['p95']:.3f} | {figure['p50'] / base:.1f}× | "
                     f"{figure.get('rows', '')} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search")
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index even when it is complete")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    report = run(args.db, args.scale, args.repeat, args.rebuild)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, ensure_ascii=False, indent=1)
    print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
