"""Keep the pool consistent with ownership, whichever action gives a pool record an owner."""

from __future__ import annotations

from rapport.pool.rules import POOL_SETS


def pool_write_hook(phase: str, spec, record, ctx, operation: str) -> None:
    """A record that gets an owner (assign, import, a workflow) leaves its pool."""
    if phase == "before_save" and spec.set_name in POOL_SETS and record.pool and (record.owner_user_id or record.owner_team_id):
        record.pool = ""
        record.pooled_on = None
