"""Keep the pool consistent with ownership, whichever action gives a pool record an owner."""

from __future__ import annotations

from rapport.pool.rules import POOL_SETS


def pool_write_hook(phase: str, spec, record, ctx, operation: str) -> None:
    """A record that gets an owner (assign, import, a workflow) leaves its pool."""
    if phase == "before_save" and spec.set_name in POOL_SETS and record.pool and (record.owner_user_id or record.owner_team_id):
        record.pool = ""
        record.pooled_on = None


def capacity_write_hook(phase: str, spec, record, ctx, operation: str) -> None:
    """SAL-23: creating or being assigned a customer beyond the owner's capacity is refused (409).

    Claims check it themselves (under a lock); the system channel (demo, scheduled jobs) and
    system administrators are not limited.
    """
    if phase != "before_save" or operation not in ("create", "assign") or spec.set_name not in POOL_SETS:
        return
    if ctx.channel == "system" or not record.owner_user_id or record.state != POOL_SETS[spec.set_name]:
        return
    if operation == "assign":
        before = spec.model.objects.filter(pk=record.pk).values_list("owner_user_id", flat=True).first()
        if before == record.owner_user_id:
            return
    from django.utils.translation import gettext as _

    from rapport.core.errors import CapacityReached
    from rapport.pool import rules
    from rapport.security.models import User

    acting = ctx.user
    owner = acting if getattr(acting, "pk", None) == record.owner_user_id else (
        User.objects.filter(pk=record.owner_user_id).first())
    if owner is None or getattr(owner, "is_system_administrator", False):
        return
    limit, held = rules.capacity_of(owner), rules.held_by(owner)
    if held >= limit:
        if owner.pk == getattr(ctx.user, "pk", None):
            message = _("You already hold %(held)d customers; the limit is %(limit)d.") % {"held": held, "limit": limit}
        else:
            message = _("%(name)s already holds %(held)d customers; the limit is %(limit)d.") % {
                "name": str(owner), "held": held, "limit": limit}
        raise CapacityReached(message, extra={"capacity": limit, "held": held})
