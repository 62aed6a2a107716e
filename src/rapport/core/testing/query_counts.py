"""Committed query-count baselines (NetBox ``utilities/testing/query_counts``).

``assert_query_count(path, key, count)`` compares ``count`` with the baseline stored under ``key``
in the JSON file at ``path``; with ``RAPPORT_UPDATE_QUERY_COUNTS=1`` it writes the count instead,
so a deliberate change is one command and shows up in review as a diff of the file.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from pathlib import Path

UPDATE_ENV = "RAPPORT_UPDATE_QUERY_COUNTS"


def updating() -> bool:
    return os.environ.get(UPDATE_ENV, "").strip().lower() in {"1", "true", "yes"}


def _read(path: Path) -> dict:
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8") or "{}")


def assert_query_count(path: Path, key: str, count: int) -> None:
    """Assert ``count`` equals the baseline ``key`` (or record it when updating)."""
    path = Path(path)
    if updating():
        with open(Path(tempfile.gettempdir()) / "rapport-query-counts.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            baselines = _read(path)
            baselines[key] = count
            path.write_text(json.dumps(dict(sorted(baselines.items())), indent=2) + "\n", encoding="utf-8")
        return
    baselines = _read(path)
    assert key in baselines, f"no query-count baseline {key!r} in {path.name}; run with {UPDATE_ENV}=1 to record it"
    assert count == baselines[key], (
        f"{key}: {count} queries, the baseline is {baselines[key]}; if the change is intended, "
        f"run with {UPDATE_ENV}=1 and commit {path.name}"
    )
