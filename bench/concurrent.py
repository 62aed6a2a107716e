"""GET, PATCH and POST one record from two clients at once: p50/p95 and requests/s.

Two forked processes (one per core, as two web workers would be), each with its own database
connection and API token, each sending one kind of request back to back for a fixed time through
the full Django stack in-process. Requests/s is the two clients' total over the wall time.
"""

from __future__ import annotations

import json
import multiprocessing
import statistics
import time
import uuid

CLIENTS = 2


def _worker(kind: str, secret: str, ids: list[str], seconds: float, queue) -> None:
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    tag = uuid.uuid4().hex[:8]
    samples, errors, n = [], 0, 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        n += 1
        record = ids[n % len(ids)]
        start = time.perf_counter()
        if kind == "get":
            response = client.get(f"/api/v1/accounts/{record}/")
            ok = response.status_code == 200
        elif kind == "patch":
            response = client.patch(f"/api/v1/accounts/{record}/", json.dumps({"city": f"Győr {tag} {n}"}),
                                    content_type="application/json")
            ok = response.status_code == 200
        else:
            response = client.post("/api/v1/accounts/", json.dumps({"name": f"Párhuzamos {tag} {n} Kft.", "city": "Pécs"}),
                                   content_type="application/json")
            ok = response.status_code == 201
        samples.append((time.perf_counter() - start) * 1000)
        errors += 0 if ok else 1
    queue.put((samples, errors))


def two_clients(seconds: float = 10.0) -> dict:
    from django.db import connections

    from bench.search import _admin
    from rapport.core.actions.base import ActionContext
    from rapport.customers.models import Account
    from rapport.security.actions import create_token

    admin = _admin()
    ids = [str(i) for i in Account.objects.filter(state="active").values_list("id", flat=True)[:400]]
    results = {}
    context = multiprocessing.get_context("fork")
    for kind in ("get", "patch", "post"):
        secrets = [create_token(admin, ActionContext(user=admin, channel="system"), name=f"bench-{kind}-{i}")[1]
                   for i in range(CLIENTS)]
        connections.close_all()  # each child opens its own connection
        queue = context.Queue()
        workers = [context.Process(target=_worker, args=(kind, secrets[i], ids[i::CLIENTS], seconds, queue))
                   for i in range(CLIENTS)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        outcomes = [queue.get() for _ in workers]
        for worker in workers:
            worker.join()
        wall = time.perf_counter() - started
        samples = sorted(s for outcome in outcomes for s in outcome[0])
        errors = sum(outcome[1] for outcome in outcomes)
        results[f"api_{kind}_one_2_clients"] = {
            "p50": statistics.median(samples), "p95": samples[int(round(0.95 * (len(samples) - 1)))],
            "n": len(samples), "per_s": len(samples) / wall, "errors": errors}
    return results
