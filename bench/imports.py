"""Import of many leads with duplicate detection on (NFR-2: ≥ 5,000 rows/s, < 500 MB peak).

Run in a process of its own (``python -m bench.imports --url … --rows 100000 --json out``) so the
peak resident memory is the import's, not the generator's. The CSV mixes new companies (nine in
ten) with companies that exist among the accounts (one in ten: the shipped rule "lead with the
company name of an account" finds them, and the import skips them, its default).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
import uuid


def run(rows: int) -> dict:
    from bench.dataset import activate_rules
    from bench.generate import company_name
    from bench.search import _admin
    from rapport.customers.models import Account
    from rapport.dataio import engine, service

    activate_rules()
    user = _admin()
    existing = list(Account.objects.values_list("name", flat=True)[:5000])
    rng = random.Random(int(time.time()))
    run_id = uuid.uuid4().hex[:6]
    folder = tempfile.mkdtemp(prefix="rapport-bench-import-")
    path = os.path.join(folder, "leads.csv")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("topic,first_name,last_name,company_name,rating,email,phone,city\n")
        for n in range(rows):
            if n % 10 == 9 and existing:
                company = rng.choice(existing)
            else:
                company = f"{run_id}{n} {company_name(rng)[0]}"
            company = company.replace('"', "'").replace(",", " ")
            handle.write(f"Import {n},Anna,Kovács {n},\"{company}\",{('hot', 'warm', 'cold')[n % 3]},"
                         f"i{run_id}.{n}@example.com,+36 1 {n:07d},Pécs\n")
    job = service.prepare_import(user, "leads", path, "leads.csv", channel="cli")
    service.configure(job, mapping=None)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    job = service.start(job, run_now=True)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": rows, "imported": job.rows_imported, "failed": job.rows_failed,
            "skipped": rows - job.rows_imported - job.rows_failed, "seconds": round(elapsed, 1),
            "rows_per_s": round(rows / elapsed), "peak_mb": round(peak / 1024),
            "before_mb": round(before / 1024), "duplicate_detection": bool(engine.find_duplicates)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports")
    parser.add_argument("--url", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", required=True)
    args = parser.parse_args(argv)
    from bench import common

    common.setup("url", 0, url=args.url)
    with open(args.json, "w", encoding="utf-8") as handle:
        json.dump(run(args.rows), handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
