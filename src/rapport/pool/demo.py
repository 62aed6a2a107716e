"""Demo pool records: a few demo accounts and leads waiting in the public pool (SAL-21).

Called by the demo loader after the other demo data (``rapport.demo.load_demo``), with the demo's
administrator context::

    from rapport.pool.demo import load_pool_demo
    created.update(load_pool_demo(ctx))

Idempotent: it releases records only once (it looks for its own audit reason), so a second run adds
nothing, and records people have claimed since stay theirs.
"""

from __future__ import annotations

from rapport.core.actions.base import run_action
from rapport.core.entities import get_entity
from rapport.core.models import AuditEntry

DEMO_REASON = "Demo: waiting in the public pool"
ACCOUNTS_IN_POOL = 3
LEADS_IN_POOL = 2


def load_pool_demo(ctx) -> dict:
    """Release a few demo accounts and open leads into their business unit's public pool."""
    if AuditEntry.objects.filter(entity__in=["accounts", "leads"], changes__reason=[None, DEMO_REASON]).exists():
        return {"pooled": 0}
    accounts = get_entity("accounts").model.objects
    candidates = list(accounts.filter(account_number__startswith="DEMO-", state="active", pool="",
                                      owner_user__isnull=False, child_accounts__isnull=True)
                      .order_by("-account_number").values_list("pk", flat=True)[:ACCOUNTS_IN_POOL])
    leads = list(get_entity("leads").model.objects.filter(state="open", pool="", owner_user__isnull=False)
                 .order_by("created_on", "id").values_list("pk", flat=True)[:LEADS_IN_POOL])
    pooled = 0
    for set_name, ids in (("accounts", candidates), ("leads", leads)):
        for pk in ids:
            run_action(set_name, pk, "release", ctx, {"reason": DEMO_REASON})
            pooled += 1
    return {"pooled": pooled}
