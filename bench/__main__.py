"""``python -m bench`` — generate data at scale, measure, and write docs/performance.md.

    python -m bench run --scale 100000 --db sqlite,postgres      # both databases, one report
    python -m bench smoke                                       # tiny scale, used by the test suite

Each database runs in its own process (Django is configured once per process); the parent
merges the figures and writes the report with every figure also as a ratio to its baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT

RATIO_BASE = {
    "api_list": "baseline_bare_drf_page",
    "ui_list": "baseline_bare_drf_page",
    "api_get": "baseline_trivial_view",
    "api_patch": "baseline_trivial_view",
    "api_post": "baseline_trivial_view",
    "quick_find": "baseline_trivial_view",
    "global_search": "baseline_trivial_view",
    "duplicate_check": "baseline_sql_lookup",
    "api_duplicate_check": "baseline_trivial_view",
}


def run_one(kind: str, scale: int, repeat: int, url: str | None) -> dict:
    from bench import common

    common.setup(kind, scale, url=url)
    from bench import generate, scenarios

    started = time.perf_counter()
    added = generate.generate_accounts(scale)
    generated_s = time.perf_counter() - started
    if added:
        generate.rebuild_search_index()
    generate.analyze("customers_account")  # statistics for the bulk-loaded rows (as after any bulk load)
    results = {"database": kind, "scale": scale, "generated_rows": added, "generate_seconds": round(generated_s, 1)}
    figures = {}
    figures.update(scenarios.baselines(repeat))
    figures.update(scenarios.list_scenarios(repeat))
    figures.update(scenarios.record_scenarios(repeat))
    figures.update(scenarios.search_scenarios(repeat))
    from bench import duplicates

    figures.update(duplicates.duplicate_scenarios(repeat))
    results["figures"] = figures
    return results


def ratio(name: str, figure: dict, figures: dict) -> str:
    for prefix, base in RATIO_BASE.items():
        if name.startswith(prefix) and base in figures and "p50" in figure:
            return f"{figure['p50'] / figures[base]['p50']:.1f}×"
    return ""


def render(runs: list[dict]) -> str:
    lines = [
        "# Performance",
        "",
        f"Measured by `python -m bench` on {dt.date.today().isoformat()} — {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}.",
        "Requests run through the full Django stack in-process (authentication, the record filter,",
        "serialisation); each latency is also given as a ratio of its p50 to a same-run baseline: list",
        "pages to the bare DRF page (same table, filter and sort; no authentication, record filter or",
        "metadata), other requests to a trivial Django view (`/health/live`).",
        "Targets: SPEC NFR-2 and shared/PERFORMANCE.md.",
        "",
    ]
    for run in runs:
        figures = run["figures"]
        lines += [f"## {run['database']} — {run['scale']:,} accounts", "",
                  f"Generated {run['generated_rows']:,} rows in {run['generate_seconds']} s this run (cached data sets are reused).", "",
                  "| scenario | p50 ms | p95 ms | ratio (p50 / baseline) |", "| --- | ---: | ---: | ---: |"]
        for name, figure in figures.items():
            if "p50" in figure:
                lines.append(f"| {name} | {figure['p50']:.2f} | {figure['p95']:.2f} | {ratio(name, figure, figures)} |")
            else:
                lines.append(f"| {name} | {figure['value']:,.0f} | | |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--scale", type=int, default=100_000)
    run.add_argument("--db", default="sqlite,postgres")
    run.add_argument("--repeat", type=int, default=200)
    run.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    one = sub.add_parser("run-one")
    one.add_argument("--kind", required=True)
    one.add_argument("--scale", type=int, required=True)
    one.add_argument("--repeat", type=int, default=200)
    one.add_argument("--url")
    one.add_argument("--json", required=True)
    smoke = sub.add_parser("smoke")
    smoke.add_argument("--out")
    args = parser.parse_args(argv)

    if args.command == "run-one":
        Path(args.json).write_text(json.dumps(run_one(args.kind, args.scale, args.repeat, args.url)))
        return 0
    if args.command == "smoke":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/smoke.sqlite3"
            out = Path(folder) / "one.json"
            subprocess.run([sys.executable, "-m", "bench", "run-one", "--kind", "sqlite", "--scale", "300",
                            "--repeat", "5", "--url", url, "--json", str(out)], check=True, cwd=ROOT)
            report = render([json.loads(out.read_text())])
        if args.out:
            Path(args.out).write_text(report)
        print(report)
        return 0
    runs = []
    for kind in [k.strip() for k in args.db.split(",") if k.strip()]:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            out = handle.name
        subprocess.run([sys.executable, "-m", "bench", "run-one", "--kind", kind, "--scale", str(args.scale),
                        "--repeat", str(args.repeat), "--json", out], check=True, cwd=ROOT)
        runs.append(json.loads(Path(out).read_text()))
    report = render(runs)
    Path(args.out).write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
