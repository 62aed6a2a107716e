"""Shared plumbing of the benchmarks: database selection, timing, percentiles."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"


def database_url(kind: str, scale: int) -> str:
    """A bench database per kind and scale, kept between runs (generated data is cached)."""
    if kind == "sqlite":
        CACHE.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{CACHE / f'bench-{scale}.sqlite3'}"
    if kind == "postgres":
        base = os.environ.get("RAPPORT_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
        return f"{base}/rapport_bench_{scale}"
    raise SystemExit(f"unknown database kind {kind!r} (sqlite or postgres)")


def setup(kind: str, scale: int, *, url: str | None = None) -> None:
    """Point Django at the bench database, create it when missing and migrate it."""
    os.environ["DATABASE_URL"] = url or database_url(kind, scale)
    os.environ.setdefault("RAPPORT_HOME", str(ROOT))
    os.environ.setdefault("RAPPORT_TESTING", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from rapport.cli import ensure_postgres_database

    ensure_postgres_database()
    call_command("migrate", interactive=False, verbosity=0)


def timed(function, repeat: int, warmup: int = 3) -> dict:
    """Run ``function`` ``repeat`` times; p50/p95 in milliseconds."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p95": samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))],
        "n": len(samples),
    }


NOTES_HEADING = "## Notes"


def write_report(path: Path, report: str) -> None:
    """Writes the measured figures to ``path``, keeping its hand-written analysis.

    Everything from the ``## Notes`` heading on (the profiles that explain a missed target, what ran
    alongside) is written by people, not by the runner, so a new run replaces the figures above it only.
    """
    path = Path(path)
    if path.exists():
        old = path.read_text()
        at = old.find("\n" + NOTES_HEADING + "\n")
        if at >= 0:
            report = report.rstrip("\n") + "\n" + old[at:]
    path.write_text(report)
