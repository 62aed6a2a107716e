"""Pipeline scenario (SAL-12, NFR-2): the funnel and the forecast over many opportunities.

    python -m bench.pipeline --scale 1000000 --db sqlite
    python -m bench.pipeline --scale 1000000 --db postgres

Generates opportunities through the bulk path (cached between runs, in databases of their own:
``var/bench/pipeline-<scale>.sqlite3`` and ``rapport_pipeline_bench_<scale>``): both shipped sales
processes, open ones spread over the open stages with fewer in the later ones, a quarter won or
lost, owners with a Zipf-like skew over 50 salespeople in two business units, close dates over
three years, revenue from 10k to 5M. Then times the reports exactly as the report pages call them
(``rapport.sales.reports``, through the record filter) for an administrator (everything), a
manager (business-unit depth) and the salesperson owning the most, against the same-run ceiling
of the bare SQL ``GROUP BY`` the funnel needs (no record filter, no stages, no drill-down links).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
import uuid
from decimal import Decimal

from bench.common import CACHE, timed


def database_url(kind: str, scale: int) -> str:
    if kind == "sqlite":
        CACHE.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{CACHE / f'pipeline-{scale}.sqlite3'}"
    base = os.environ.get("RAPPORT_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    return f"{base}/rapport_pipeline_bench_{scale}"


def generate_opportunities(total: int, *, seed: int = 11, batch: int = 5000) -> int:
    """Insert opportunities until there are ``total``; returns how many were added."""
    from bench.generate import ensure_users
    from rapport.sales.models import Opportunity, SalesProcess
    from rapport.sales.processes import stages_of

    have = Opportunity.objects.count()
    if have >= total:
        return 0
    users = ensure_users()
    rng = random.Random(seed + have)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(users))]
    processes = []
    for process in SalesProcess.objects.all():
        stages = list(stages_of(process.pk))
        open_stages = [s for s in stages if s.outcome == "open"]
        won = next((s for s in stages if s.outcome == "won"), None)
        lost = next((s for s in stages if s.outcome == "lost"), None)
        processes.append((process, open_stages, won, lost))
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    added = 0
    while have + added < total:
        rows = []
        for _ in range(min(batch, total - have - added)):
            owner = rng.choices(users, weights)[0]
            process, open_stages, won, lost = rng.choice(processes)
            roll = rng.random()
            close = (now + dt.timedelta(days=rng.randint(-700, 400))).date()
            if roll < 0.75 or won is None or lost is None:
                # Fewer opportunities survive to the later stages.
                stage = open_stages[min(int(rng.expovariate(0.6)), len(open_stages) - 1)]
                state, actual = "open", None
            else:
                stage = won if roll < 0.87 else lost
                state, actual = ("won" if stage is won else "lost"), close
            moment = now - dt.timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
            rows.append(Opportunity(
                id=uuid.UUID(int=rng.getrandbits(128), version=4), topic=f"Deal {have + added + len(rows)}",
                currency="CNY", estimated_revenue=Decimal(rng.randint(10_000, 5_000_000)),
                probability=stage.probability, estimated_close_date=close, actual_close_date=actual,
                sales_process=process, stage=stage.code, stage_entered_on=moment, state=state,
                owner_user_id=owner.pk, owning_business_unit_id=owner.business_unit_id,
                created_on=moment, modified_on=moment, created_by_id=owner.pk, modified_by_id=owner.pk,
            ))
        Opportunity.objects.bulk_create(rows, batch_size=batch)
        added += len(rows)
    return added


def run(kind: str, scale: int, repeat: int, url: str | None = None) -> dict:
    from bench import common

    common.setup(kind, scale, url=url or database_url(kind, scale))
    from django.db import connection

    from rapport.sales.models import Opportunity

    report = {"database": kind, "scale": scale, "figures": {}, "notes": {}}
    started = time.perf_counter()
    report["notes"]["generated_opportunities"] = generate_opportunities(scale)
    report["notes"]["generate_seconds"] = round(time.perf_counter() - started, 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Opportunity._meta.db_table}")
    figures, notes = measure(repeat)
    report["figures"].update(figures)
    report["notes"].update(notes)
    return report


def measure(repeat: int) -> tuple[dict, dict]:
    """Time the funnel and the forecast over the opportunities in the database (figures, notes)."""
    from django.db import connection
    from django.db.models import Count

    from bench.search import _admin, _grant_own_records
    from rapport.sales.models import Opportunity, SalesProcess
    from rapport.sales.reports import ReportFilter, forecast_by_month, pipeline_funnel
    from rapport.security.models import User

    notes: dict = {"open_opportunities": Opportunity.objects.filter(state="open").count()}
    admin = _admin()
    top = Opportunity.objects.values("owner_user").annotate(n=Count("id")).order_by("-n").first()
    salesperson = _grant_own_records(User.objects.get(pk=top["owner_user"]))
    notes["salesperson_opportunities"] = top["n"]
    process = SalesProcess.objects.order_by("name").first()
    table = Opportunity._meta.db_table
    process_key = process.pk.hex if connection.vendor == "sqlite" else process.pk

    def bare_group_by():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT stage, COUNT(*), SUM(estimated_revenue) FROM {table} "
                           "WHERE state = 'open' AND sales_process_id = %s GROUP BY stage", [process_key])
            cursor.fetchall()

    figures: dict = {}
    figures["ceiling: bare SQL GROUP BY stage"] = timed(bare_group_by, repeat, warmup=1)
    filters = ReportFilter(process=process)
    for who, user in (("admin", admin), ("salesperson", salesperson)):
        figures[f"pipeline funnel [{who}]"] = timed(lambda user=user: pipeline_funnel(user, filters), repeat, warmup=1)
        figures[f"forecast by month [{who}]"] = timed(lambda user=user: forecast_by_month(user, filters), repeat,
                                                      warmup=1)
    year = ReportFilter(process=process, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    figures["pipeline funnel, one year [admin]"] = timed(lambda: pipeline_funnel(admin, year), repeat, warmup=1)
    return figures, notes


def render(report: dict) -> str:
    figures = report["figures"]
    base = figures["ceiling: bare SQL GROUP BY stage"]["p50"]
    lines = [f"## pipeline — {report['database']}, {report['scale']:,} opportunities", ""]
    lines += [f"- {k}: {v}" for k, v in report["notes"].items()]
    lines += ["", "| scenario | p50 ms | p95 ms | × bare GROUP BY |", "| --- | ---: | ---: | ---: |"]
    for name, figure in figures.items():
        lines.append(f"| {name} | {figure['p50']:.1f} | {figure['p95']:.1f} | {figure['p50'] / base:.2f}× |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline")
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--url", help="a database URL instead of the cached bench database")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    report = run(args.db, args.scale, args.repeat, args.url)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, ensure_ascii=False, indent=1)
    print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
