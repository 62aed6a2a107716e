"""Generic create, update, delete, activate, deactivate and assign — actions for every entity.

Domain apps never write records with ``.save()`` themselves: they call these (or declare their
own actions, run by :func:`rapport.core.actions.base.run_action`).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.actions.base import (
    Action,
    ActionContext,
    ActionResult,
    check_version,
    emit_event,
    ensure_visible,
    run_write_hooks,
    stamp,
    write_audit,
)
from rapport.core.entities import EntitySpec, FieldSpec, all_entities
from rapport.core.errors import HasDependents, InvalidState, PermissionDenied, RecordValidationError
from rapport.core.permissions.access import access_record
from rapport.core.permissions.filter import can_create
from rapport.core.serialization import diff, snapshot
from rapport.core.validation import clean_values, run_model_clean


def save_record(spec: EntitySpec, record, ctx: ActionContext, *, creating: bool = False, operation: str = "update") -> None:
    """Stamp, check the model's rules, save, and run the write hooks — inside the caller's transaction."""
    stamp(record, ctx, creating=creating)
    run_model_clean(record)
    run_write_hooks("before_save", spec, record, ctx, operation)
    if creating:
        record.save(force_insert=True)
    else:
        record.save()
    run_write_hooks("after_save", spec, record, ctx, operation)


def create_record(spec: EntitySpec, data: dict, ctx: ActionContext, *, owner=None, extra: dict | None = None) -> ActionResult:
    """Create a record from submitted values; the actor owns it unless ``owner`` is given."""
    if not can_create(ctx.user, spec):
        raise PermissionDenied(_("You may not create %(entity)s.") % {"entity": str(spec.label_plural).lower()})
    with transaction.atomic():
        assignments = clean_values(spec, data, ctx.user, creating=True)
        record = spec.model()
        for attribute, value in {**assignments, **(extra or {})}.items():
            setattr(record, attribute, value)
        if spec.has_state:
            record.state = spec.initial_state
        if spec.is_owned:
            owner = owner or ctx.user
            set_owner(record, owner)
        save_record(spec, record, ctx, creating=True, operation="create")
        changes = {k: [None, v] for k, v in snapshot(spec, record).items() if v not in (None, "", False, {}, [])}
        write_audit(spec, record.pk, "create", changes, ctx, str(record))
        emit_event(spec, record.pk, "created", ctx, {"changes": changes})
        ensure_visible(spec, record, ctx)
    return ActionResult(record=record)


def set_owner(record, owner) -> None:
    """Owner is a user or a team; the owning business unit follows the owner."""
    from rapport.security.models import Team, User, root_business_unit

    if isinstance(owner, User):
        record.owner_user_id, record.owner_team_id = owner.pk, None
        record.owning_business_unit_id = owner.business_unit_id or root_business_unit().pk
    elif isinstance(owner, Team):
        record.owner_user_id, record.owner_team_id = None, owner.pk
        record.owning_business_unit_id = owner.business_unit_id
    else:
        raise ValueError("owner must be a user or a team")


def update_record(spec: EntitySpec, record_id, data: dict, ctx: ActionContext, *, if_match=None) -> ActionResult:
    """Change fields of a record: 404/403/412/400 in that order; audited per field."""
    with transaction.atomic():
        record = access_record(ctx.user, spec.set_name, record_id, "write", lock=True)
        check_version(record, if_match)
        if spec.has_state and record.state in spec.read_only_states:
            # Validate first so bad input still names its field, then refuse the state.
            clean_values(spec, data, ctx.user, creating=False, record=record)
            raise InvalidState(_("The record is %(state)s and read-only.") % {"state": spec.state_label(record.state).lower()})
        assignments = clean_values(spec, data, ctx.user, creating=False, record=record)
        before = snapshot(spec, record)
        for attribute, value in assignments.items():
            setattr(record, attribute, value)
        after = snapshot(spec, record)
        changes = diff(before, after)
        if not changes:
            return ActionResult(record=record)
        save_record(spec, record, ctx, operation="update")
        write_audit(spec, record.pk, "update", changes, ctx, str(record))
        emit_event(spec, record.pk, "updated", ctx, {"changes": changes})
        ensure_visible(spec, record, ctx)
    return ActionResult(record=record)


def dependents_of(spec: EntitySpec, record) -> dict[str, int]:
    """How many records of other entities point at ``record`` through a lookup."""
    counts = {}
    for other in all_entities():
        for fs in other.field_map.values():
            if fs.type == "lookup" and fs.target == spec.set_name and not fs.system:
                count = other.model.objects.filter(**{f"{fs.column}_id": record.pk}).count()
                if count:
                    counts[other.set_name] = counts.get(other.set_name, 0) + count
    return counts


def delete_record(spec: EntitySpec, record_id, ctx: ActionContext, *, if_match=None) -> None:
    """Delete a record nothing depends on; its notes and connections go with it."""
    from rapport.core.models import Connection, Note

    if not spec.deletable:
        raise PermissionDenied(_("Records of this kind cannot be deleted."))
    with transaction.atomic():
        record = access_record(ctx.user, spec.set_name, record_id, "delete", lock=True)
        check_version(record, if_match)
        counts = dependents_of(spec, record)
        if counts:
            detail = _("Other records depend on this one: %(counts)s.") % {
                "counts": ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
            }
            raise HasDependents(detail, errors={"non_field_errors": [detail]}, codes={"non_field_errors": ["has-dependents"]},
                                extra={"dependents": counts})
        before = snapshot(spec, record)
        name = str(record)
        pk = record.pk
        run_write_hooks("before_delete", spec, record, ctx, "delete")
        Note.objects.filter(regarding_id=pk).delete()
        Connection.objects.filter(record1_id=pk).delete()
        Connection.objects.filter(record2_id=pk).delete()
        record.delete()
        run_write_hooks("after_delete", spec, record, ctx, "delete")
        write_audit(spec, pk, "delete", {k: [v, None] for k, v in before.items() if v not in (None, "", False, {}, [])}, ctx, name)
        emit_event(spec, pk, "deleted", ctx)


# --- generic state and ownership actions ------------------------------------------------------------


def _activate(spec, record, ctx, **_inputs):
    record.state = "active"
    record.status_reason = ""
    save_record(spec, record, ctx, operation="activate")
    return ActionResult(record=record)


def _deactivate(spec, record, ctx, status_reason=None):
    record.state = "inactive"
    record.status_reason = status_reason or ""
    save_record(spec, record, ctx, operation="deactivate")
    return ActionResult(record=record)


def _assign(spec, record, ctx, owner=None):
    from rapport.security.models import Team, User

    set_name, pk = owner
    new_owner = (User if set_name == "users" else Team).objects.get(pk=pk)
    if isinstance(new_owner, User) and not new_owner.is_active:
        raise RecordValidationError.single("owner", _("You cannot assign records to a disabled user."), "inactive-user")
    set_owner(record, new_owner)
    save_record(spec, record, ctx, operation="assign")
    return ActionResult(record=record)


def _share(spec, record, ctx, principal=None, rights=None):
    from rapport.security.actions_sharing import share_record

    return share_record(spec, record, ctx, principal=principal, rights=rights)


def _current_shares(spec, record, user) -> list:
    from rapport.security.actions_sharing import right_choices, shares_of

    labels = dict(right_choices())
    lines = [_("%(who)s: %(rights)s") % {"who": share["principal_name"],
                                           "rights": ", ".join(str(labels[r]) for r in share["rights"])}
             for share in shares_of(spec, record)]
    return lines or [_("Not shared with anyone.")]


def share_right_choices() -> list:
    from rapport.security.actions_sharing import right_choices

    return right_choices()


def _must_be(state_code):
    def check(spec, record, user):
        if record.state != state_code:
            return _("The record is already %(state)s.") % {"state": spec.state_label(record.state).lower()}
        return None

    return check


def generic_actions(spec: EntitySpec) -> list[Action]:
    """The actions every entity gets from its features."""
    actions = []
    if spec.has_state and {"active", "inactive"} <= {code for code, _label in spec.states}:
        reasons = spec.status_reasons.get("inactive") or []
        actions.append(Action(
            name="activate", label=gettext_lazy("Activate"), handler=_activate, audit_action="state",
            precondition=_must_be("inactive"), allow_in_read_only_state=True,
        ))
        actions.append(Action(
            name="deactivate", label=gettext_lazy("Deactivate"), handler=_deactivate, audit_action="state",
            precondition=_must_be("active"),
            inputs=[FieldSpec("status_reason", "choice", gettext_lazy("Status reason"), choices=list(reasons) or None)]
            if reasons else [FieldSpec("status_reason", "text", gettext_lazy("Status reason"), max_length=64)],
            confirm=gettext_lazy("Deactivate this record? It becomes read-only until it is activated again."),
        ))
    if spec.is_owned:
        actions.append(Action(
            name="assign", label=gettext_lazy("Assign"), handler=_assign, privilege="assign", audit_action="assign",
            post_write_check=False,
            inputs=[FieldSpec("owner", "polylookup", gettext_lazy("Owner"), required=True,
                              targets={"users": "owner_user", "teams": "owner_team"})],
        ))
    if spec.is_owned and spec.read_filter is None:
        # Records whose access follows another record (notes, connections) are not shared themselves.
        actions.append(Action(
            name="share", label=gettext_lazy("Share"), handler=_share, privilege="share", audit_action="share",
            allow_in_read_only_state=True, current=_current_shares,
            inputs=[FieldSpec("principal", "polylookup", gettext_lazy("User or team"), required=True,
                              targets={"users": "owner_user", "teams": "owner_team"}),
                    FieldSpec("rights", "list", gettext_lazy("Rights"), choices=share_right_choices(),
                              help_text=gettext_lazy("Any right includes read. Tick none to stop sharing with them."))],
        ))
    return actions
