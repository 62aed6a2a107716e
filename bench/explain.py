"""``python -m bench.explain`` — the query plan behind one API request, for a missed target's profile.

    python -m bench.explain --kind postgres --scale 1000000 --path /api/v1/accounts/ --param q=機械 --param page_size=50

Points Django at the bench database (``bench.common.setup``), sends the request as a system administrator
(or ``--as-owner``: the user owning the most accounts, seeing only their own), captures its SQL and prints
the slowest statement with its plan: ``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL, ``EXPLAIN QUERY PLAN``
on SQLite. The request is sent once to warm the caches first, so the plan shows the warm cost.
"""

from __future__ import annotations

import argparse
import sys
import time


def explain(path: str, params: dict, *, as_owner: bool = False) -> str:
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from bench.search import _admin, _client, _grant_own_records
    from rapport.customers.models import Account
    from rapport.security.models import User

    if as_owner:
        owner = Account.objects.values("owner_user").annotate(n=Count("id")).order_by("-n").first()
        user = _grant_own_records(User.objects.get(pk=owner["owner_user"]))
    else:
        user = _admin()
    client = _client(user)
    assert client.get(path, params).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(path, params)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.content[:300]
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    lines = [f"{path} {params}: {elapsed:.1f} ms, {len(captured.captured_queries)} queries; "
             f"slowest {float(slowest['time']) * 1000:.1f} ms:", slowest["sql"], ""]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + slowest["sql"])
        lines += [" ".join(str(c) for c in row) for row in cursor.fetchall()]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.explain")
    parser.add_argument("--kind", required=True, choices=["sqlite", "postgres"])
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--url")
    parser.add_argument("--path", default="/api/v1/accounts/")
    parser.add_argument("--param", action="append", default=[], help="name=value, repeatable")
    parser.add_argument("--as-owner", action="store_true")
    args = parser.parse_args(argv)
    from bench import common

    common.setup(args.kind, args.scale, url=args.url)
    params = dict(p.split("=", 1) for p in args.param)
    print(explain(args.path, params, as_owner=args.as_owner))
    return 0


if __name__ == "__main__":
    sys.exit(main())
