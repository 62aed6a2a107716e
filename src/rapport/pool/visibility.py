"""Who reads pool records: the pool's part of the one record filter (SAL-21).

Registered into ``registry["read_grants"]`` from ``PoolConfig.ready()``, so lists,
counts, search, exports, lookups and the API all see the same pool records.

* A record in the **public** pool (no owner, ``pool="public"``) is read by the users of its business
  unit — the unit's own people, not sibling or parent units (a manager of parent units reaches the
  pools below through their parent:child depth anyway).
* A record in the **agent** pool is read by holders of the Agent Administrator role (the agent
  administrator's pool is one per organisation).
* Organisation-depth readers and system administrators read every record anyway.

Only ``read`` is granted, and only to users who read the entity set at all (some depth above none):
claiming is the claim action's business (``rules.can_claim``); editing a pooled record needs a real
grant.
"""

from __future__ import annotations

from django.db.models import Exists, Q

from rapport.core.permissions.privileges import NONE
from rapport.pool.rules import AGENT, AGENT_ADMINISTRATOR, POOL_SETS, PUBLIC


def pool_read_q(spec, user, rank: int) -> Q | None:
    """The pool records of ``spec`` that ``user`` (whose read depth on the set is ``rank``) may read."""
    if spec.set_name not in POOL_SETS or rank == NONE:
        return None
    # Both conditions are plain columns and one sub-query: no query of their own, so a list costs
    # what it cost before the pool existed (tests/query_counts.json).
    parts = []
    if user.business_unit_id:
        parts.append(Q(pool=PUBLIC, owning_business_unit_id=user.business_unit_id))
    parts.append(Q(pool=AGENT) & Q(Exists(agent_administrator_roles(user))))
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition & Q(owner_user__isnull=True, owner_team__isnull=True)


def agent_administrator_roles(user):
    """The Agent Administrator role rows ``user`` holds, directly or through a team (for ``Exists``)."""
    from rapport.security.models import Role

    return Role.objects.filter(code=AGENT_ADMINISTRATOR).filter(Q(users=user.pk) | Q(teams__members=user.pk))
