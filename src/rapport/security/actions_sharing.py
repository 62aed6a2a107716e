"""Sharing (SEC-5): give a user or team chosen rights on one record; ``rights: []`` revokes.

The generic ``share`` action of every owned entity (``core/actions/crud.py``) runs
:func:`share_record` through the action runner, which has already checked that the caller holds
the share privilege on the record and will write the audit entry (action ``share``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.actions.base import ActionContext, ActionResult
from rapport.core.errors import RecordValidationError
from rapport.security.models import SHARE_RIGHTS, RecordShare, Team, User


def right_choices() -> list:
    return [
        ("read", gettext_lazy("Read")), ("write", gettext_lazy("Write")), ("delete", gettext_lazy("Delete")),
        ("append", gettext_lazy("Append")), ("append_to", gettext_lazy("Append to")),
        ("assign", gettext_lazy("Assign")), ("share", gettext_lazy("Share")),
    ]


def share_record(spec, record, ctx: ActionContext, *, principal, rights) -> ActionResult:
    """Set the rights of ``principal`` (``("users"|"teams", id)``) on ``record``; any right implies read."""
    if rights is None:
        raise RecordValidationError.single("rights", _("Give the rights as a list; an empty list revokes the share."), "required")
    unknown = [r for r in rights if r not in SHARE_RIGHTS]
    if unknown:
        raise RecordValidationError.single("rights", _("Unknown right \"%(right)s\".") % {"right": unknown[0][:40]}, "invalid-choice")
    set_name, pk = principal
    target = (User if set_name == "users" else Team).objects.get(pk=pk)
    if isinstance(target, User) and not target.is_active and rights:
        raise RecordValidationError.single("principal", _("You cannot share records with a disabled user."), "inactive-user")
    from rapport.core.permissions.filter import same_table_sets

    lookup = {"entity": spec.set_name, "record_id": record.pk, ("user" if set_name == "users" else "team"): target}
    share = RecordShare.objects.select_for_update().filter(
        entity__in=same_table_sets(spec), record_id=record.pk, **{("user" if set_name == "users" else "team"): target}).first()
    before = share.rights if share else []
    wanted = set(rights)
    if wanted:
        wanted.add("read")
    after = [r for r in SHARE_RIGHTS if r in wanted]
    if not after:
        if share is not None:
            share.delete()
    else:
        share = share or RecordShare(**lookup, shared_by_id=getattr(ctx.user, "pk", None), shared_on=ctx.now)
        for right in SHARE_RIGHTS:
            setattr(share, f"can_{right}", right in wanted)
        share.save()
    changes = {}
    if before != after:
        who = {"principal": str(target.pk), "principal_type": set_name}
        changes["share"] = [{**who, "rights": before}, {**who, "rights": after}]
    return ActionResult(record=record, audit_changes=changes)


def shares_of(spec, record) -> list[dict]:
    """Who ``record`` is shared with and how (``GET /<set>/<id>/shares/``)."""
    from rapport.core.permissions.filter import same_table_sets

    rows = RecordShare.objects.filter(entity__in=same_table_sets(spec), record_id=record.pk).select_related("user", "team").order_by("shared_on")
    result = []
    for share in rows:
        principal = share.user or share.team
        result.append({
            "id": str(share.pk),
            "principal": str(principal.pk),
            "principal_type": "users" if share.user_id else "teams",
            "principal_name": str(principal),
            "rights": share.rights,
            "shared_by": str(share.shared_by_id) if share.shared_by_id else None,
            "shared_on": share.shared_on.isoformat(),
        })
    return result


def forget_shares_on_delete(phase: str, spec, record, ctx, operation: str) -> None:
    """Write hook: a record's shares go with it when it is deleted."""
    if phase == "before_delete" and spec.is_owned:  # after the delete the instance has no pk
        RecordShare.objects.filter(record_id=record.pk).delete()
