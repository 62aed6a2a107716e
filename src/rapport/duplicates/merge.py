"""Merging two accounts, contacts or leads, and undoing a merge (PLT-16).

A merge keeps the *master*: the fields the caller picks take the subordinate's value, every
record that refers to the subordinate (through a lookup, a customer-style lookup over several
sets, or a ``regarding`` reference such as an activity's, a note's or a connection's) is
re-pointed to the master, and the subordinate is deactivated. All of it happens in one
transaction and is kept in a :class:`~rapport.duplicates.models.Merge` row — the master's values
before, the ids of every moved record, the subordinate's state — so that ``undo_merge`` can put
exactly those things back within ``RAPPORT_MERGE_UNDO_DAYS`` (30 by default).

The children are moved with one ``UPDATE`` per reference column: re-pointing a child is not a
business edit of the child (no version bump, no per-child audit entry), and merging a customer
with thousands of activities must stay one short transaction. The search index holds only a
record's own text fields, so such a move leaves it right; should a moved column ever be an
indexed one, the moved records are re-indexed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core.actions.base import ActionContext, emit_event, ensure_visible, write_audit
from rapport.core.actions.crud import save_record
from rapport.core.entities import EntitySpec, FieldSpec, all_entities, entity_for_model, get_entity
from rapport.core.errors import (
    ErrorCollector,
    InvalidState,
    NotFound,
    PermissionDenied,
)
from rapport.core.permissions.access import access_record, as_uuid
from rapport.core.permissions.fields import field_readable, field_updatable
from rapport.core.permissions.privileges import has_misc_privilege
from rapport.core.serialization import diff, plain, snapshot
from rapport.duplicates.models import Merge

MERGEABLE_SETS = ("accounts", "contacts", "leads")
SUBORDINATE = "subordinate"
MASTER = "master"
# Status reasons a merged subordinate gets, the first one its entity allows.
MERGED_REASONS = ("merged", "duplicate")
# A hierarchy deeper than this is a data error (or a cycle); the walk up stops there.
MAX_HIERARCHY_LEVELS = 50


def undo_days() -> int:
    """How many days a merge can be undone (setting ``RAPPORT_MERGE_UNDO_DAYS``, default 30)."""
    return int(getattr(settings, "RAPPORT_MERGE_UNDO_DAYS", 30))


def mergeable_spec(entity_set: str) -> EntitySpec:
    """The spec of a set whose records can be merged; 404 for any other set."""
    spec = get_entity(entity_set) if entity_set in MERGEABLE_SETS else None
    if spec is None:
        raise NotFound(_("Records of this kind cannot be merged."))
    return spec


def require_merge_privilege(user) -> None:
    if not has_misc_privilege(user, "merge"):
        raise PermissionDenied(_("You do not have the privilege to merge records."))


def is_active(spec: EntitySpec, record) -> bool:
    """Open for business: not in one of the entity's read-only states (inactive, qualified, …)."""
    return not (spec.has_state and record.state in spec.read_only_states)


def merged_state(spec: EntitySpec) -> tuple[str, str]:
    """The state and status reason a merged subordinate gets (accounts: inactive/duplicate, leads:
    disqualified/duplicate)."""
    for wanted in MERGED_REASONS:
        for state, reasons in spec.status_reasons.items():
            if state in spec.read_only_states and wanted in {code for code, _label in reasons}:
                return state, wanted
    states = [code for code, _label in spec.states]
    state = "inactive" if "inactive" in states else sorted(spec.read_only_states)[0]
    return state, ""


def mergeable_fields(spec: EntitySpec) -> list[FieldSpec]:
    """The fields whose value may be taken from the subordinate: the writable business fields."""
    return [spec.field_map[name] for name in spec.writable_fields]


# --- copying field values --------------------------------------------------------------------------


def _attributes(fs: FieldSpec) -> list[str]:
    """The model attributes holding the value of ``fs``."""
    if fs.type == "lookup":
        return [f"{fs.column}_id"]
    if fs.type == "polylookup":
        return [f"{column}_id" for column in (fs.targets or {}).values()]
    if fs.type == "regarding":
        return [f"{fs.column}_entity", f"{fs.column}_id"]
    return [fs.column or fs.name]


def _stored(fs: FieldSpec, record):
    """The JSON-ready stored value of ``fs`` (a dict of attributes for multi-column fields)."""
    names = _attributes(fs)
    if len(names) == 1:
        return plain(getattr(record, names[0]))
    return {name: plain(getattr(record, name)) for name in names}


def _restore(fs: FieldSpec, record, stored) -> None:
    """Put a value kept by :func:`_stored` back on ``record``."""
    names = _attributes(fs)
    values = stored if len(names) > 1 else {names[0]: stored}
    for name in names:
        model_field = record._meta.get_field(name)
        value = values.get(name) if isinstance(values, dict) else None
        setattr(record, name, None if value is None else model_field.to_python(value))


def _copy(fs: FieldSpec, source, target) -> None:
    for name in _attributes(fs):
        setattr(target, name, getattr(source, name))


def clean_field_choices(spec: EntitySpec, fields, user) -> list[FieldSpec]:
    """The fields to take from the subordinate; unknown or read-only names are a 400 naming them."""
    if fields is None:
        return []
    errors = ErrorCollector()
    if not isinstance(fields, dict):
        errors.add("fields", _("Send the fields as an object: field name → \"master\" or \"subordinate\"."), "invalid")
        errors.raise_if_any()
    allowed = {fs.name: fs for fs in mergeable_fields(spec)}
    chosen = []
    for name, side in fields.items():
        key = f"fields.{name}"
        fs = spec.get_field(name) if isinstance(name, str) else None
        if fs is None:
            errors.add(key, _("Unknown field \"%(field)s\".") % {"field": name}, "unknown-field")
            continue
        if name not in allowed:
            errors.add(key, _("This field is read-only."), "read-only")
            continue
        if side not in (MASTER, SUBORDINATE):
            errors.add(key, _("Choose \"master\" or \"subordinate\"."), "invalid")
            continue
        if side == SUBORDINATE:
            chosen.append(allowed[name])
    errors.raise_if_any()
    for fs in chosen:
        if not (field_readable(user, spec, fs.name) and field_updatable(user, spec, fs.name)):
            raise PermissionDenied(_("You may not change the field \"%(field)s\".") % {"field": fs.name},
                                   errors={f"fields.{fs.name}": [_("You may not change this field.")]},
                                   codes={f"fields.{fs.name}": ["field-not-updatable"]})
    return chosen


# --- the records that refer to a record ----------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """One column of one table that can hold the id of a record of the merged set."""

    model: type
    attribute: str  # the id column (``account_id``, ``customer_account_id``, ``regarding_id``)
    entity_attribute: str | None = None  # a regarding reference's set column (``regarding_entity``)
    same_set: bool = False  # a reference between records of the merged set (``parent_account``)
    # other regarding references of the same table (a connection's other end)
    siblings: tuple[str, ...] = ()

    @property
    def entity(self) -> str:
        spec = entity_for_model(self.model)
        return spec.set_name if spec is not None else self.model._meta.label

    def rows(self, set_name: str, record_id):
        rows = self.model._base_manager.filter(**{self.attribute: record_id})
        if self.entity_attribute:
            rows = rows.filter(**{self.entity_attribute: set_name})
        return rows


def references_to(spec: EntitySpec) -> list[Reference]:
    """Every column of every registered entity that can refer to a record of ``spec``.

    Lookups targeting the set, lookups over several sets (an opportunity's customer) naming it,
    and ``regarding`` references (activities, notes, connections). Per-type activity sets share one
    table, so each (table, column) appears once.
    """
    found: dict[tuple, Reference] = {}
    for other in all_entities():
        model = other.model._meta.concrete_model
        regarding = [f"{fs.column}_id" for fs in other.field_map.values() if fs.type == "regarding"]
        for fs in other.field_map.values():
            if fs.system:
                continue
            if fs.type == "lookup" and fs.target == spec.set_name:
                reference = Reference(model, f"{fs.column}_id", same_set=model is spec.model._meta.concrete_model)
            elif fs.type == "polylookup" and spec.set_name in (fs.targets or {}):
                reference = Reference(model, f"{fs.targets[spec.set_name]}_id")
            elif fs.type == "regarding":
                attribute = f"{fs.column}_id"
                reference = Reference(model, attribute, f"{fs.column}_entity",
                                      siblings=tuple(a for a in regarding if a != attribute))
            else:
                continue
            found.setdefault((model._meta.label, reference.attribute), reference)
    return list(found.values())


def _ancestors(model, attribute: str, record_id) -> set:
    """The records above ``record_id`` through the self-reference ``attribute`` (e.g. parent accounts)."""
    found: set = set()
    current = model._base_manager.filter(pk=record_id).values_list(attribute, flat=True).first()
    for _level in range(MAX_HIERARCHY_LEVELS):
        if current is None or current in found or current == record_id:
            break
        found.add(current)
        current = model._base_manager.filter(pk=current).values_list(attribute, flat=True).first()
    return found


def _move_children(spec: EntitySpec, master, subordinate) -> list[dict]:
    """Re-point every record referring to the subordinate to the master; what moved, by column."""
    moved = []
    for reference in references_to(spec):
        rows = reference.rows(spec.set_name, subordinate.pk)
        if reference.same_set:
            # Neither merged record moves itself, and nothing above the master moves below it
            # (that would make the hierarchy a loop).
            rows = rows.exclude(pk__in=[master.pk, subordinate.pk, *_ancestors(reference.model, reference.attribute, master.pk)])
        for sibling in reference.siblings:
            # A connection between the two merged records would become one of the master with itself.
            rows = rows.exclude(**{sibling: master.pk})
        ids = list(rows.values_list("pk", flat=True))
        if not ids:
            continue
        reference.model._base_manager.filter(pk__in=ids).update(**{reference.attribute: master.pk})
        moved.append({"entity": reference.entity, "model": reference.model._meta.label, "column": reference.attribute,
                      "ids": [str(pk) for pk in ids]})
        _reindex_if_needed(reference, ids)
    return moved


def _move_back(merge: Merge, master_id, subordinate_id) -> dict[str, int]:
    """Put the recorded children back on the subordinate (those still on the master)."""
    counts: dict[str, int] = {}
    for item in merge.moved or []:
        try:
            model = apps.get_model(item["model"])
        except (LookupError, KeyError, ValueError):
            spec = get_entity(item.get("entity", ""))
            if spec is None:
                continue
            model = spec.model._meta.concrete_model
        column = item["column"]
        ids = [pk for pk in (as_uuid(value) for value in item.get("ids", [])) if pk is not None]
        count = model._base_manager.filter(pk__in=ids, **{column: master_id}).update(**{column: subordinate_id})
        if count:
            counts[item.get("entity", item["model"])] = counts.get(item.get("entity", item["model"]), 0) + count
            _reindex_if_needed(Reference(model, column), ids)
    return counts


def _reindex_if_needed(reference: Reference, ids) -> None:
    from rapport.core.search.service import index_records, indexed_fields

    for spec in all_entities():
        if spec.model._meta.concrete_model is not reference.model:
            continue
        columns = {(spec.field_map[name].column or name) for name in indexed_fields(spec)}
        if reference.attribute in columns or reference.attribute.removesuffix("_id") in columns:
            index_records(spec, spec.model._base_manager.filter(pk__in=ids))


# --- merge and undo --------------------------------------------------------------------------------


def _lock_in_order(user, entity_set: str, first_id, second_id):
    """Both records (readable, else 404), locked in id order so two merges of a pair never deadlock."""
    pairs = sorted([(str(first_id), "first"), (str(second_id), "second")])
    found = {}
    for pk, role in pairs:
        found[role] = access_record(user, entity_set, pk, "read", lock=True)
    return found["first"], found["second"]


def merge_records(entity_set: str, master_id, subordinate_id, fields: dict | None, ctx: ActionContext):
    """Merge the subordinate into the master; returns ``(master, merge)``.

    Refusals, the first that applies: 404 (a set that cannot be merged, a record the caller may
    not read), 403 (no ``merge`` privilege, no write on either record, a chosen field the caller
    may not change), 400 (no or a bad subordinate id, the same record twice, unknown or read-only
    fields, an inactive record). Nothing changes when one is raised.
    """
    spec = mergeable_spec(entity_set)
    user = ctx.user
    # Merging is how duplicates are resolved: warn rules do not stop it (block rules still do).
    ctx.suppress_duplicate_detection = True
    errors = ErrorCollector()
    subordinate_pk = as_uuid(subordinate_id)
    if subordinate_id in (None, ""):
        errors.add(SUBORDINATE, _("Give the id of the record to merge into this one."), "required")
    elif subordinate_pk is None:
        errors.add(SUBORDINATE, _("\"%(value)s\" is not a valid id.") % {"value": str(subordinate_id)[:60]}, "invalid")
    with transaction.atomic():
        if subordinate_pk is None:
            master = access_record(user, entity_set, master_id, "read", lock=True)
            subordinate = None
        else:
            master, subordinate = _lock_in_order(user, entity_set, master_id, subordinate_pk)
        require_merge_privilege(user)
        access_record(user, entity_set, master.pk, "write")
        if subordinate is not None:
            access_record(user, entity_set, subordinate.pk, "write")
        if subordinate is not None and subordinate.pk == master.pk:
            errors.add(SUBORDINATE, _("A record cannot be merged with itself."), "same-record")
        errors.raise_if_any()
        chosen = clean_field_choices(spec, fields, user)
        for record in (master, subordinate):
            if not is_active(spec, record):
                raise InvalidState(_("“%(name)s” is %(state)s; only active records can be merged.") % {
                    "name": str(record), "state": spec.state_label(record.state).lower()})

        # 1. the subordinate, deactivated (first, so that duplicate rules ignoring inactive records
        # do not see it as a duplicate of the master's new values); its link to the master is the
        # Merge row and the audit entry
        previous = {"state": subordinate.state, "status_reason": subordinate.status_reason}
        sub_before = snapshot(spec, subordinate)
        subordinate.state, subordinate.status_reason = merged_state(spec)
        save_record(spec, subordinate, ctx, operation="merge")
        sub_changes = diff(sub_before, snapshot(spec, subordinate))

        # 2. the chosen values onto the master
        before = snapshot(spec, master)
        kept = {fs.name: [_stored(fs, master), _stored(fs, subordinate)] for fs in chosen}
        for fs in chosen:
            _copy(fs, subordinate, master)
        save_record(spec, master, ctx, operation="merge")
        changes = diff(before, snapshot(spec, master))
        kept = {name: values for name, values in kept.items() if name in changes}

        # 3. the children
        moved = _move_children(spec, master, subordinate)

        merge = Merge.objects.create(
            entity=spec.set_name, master_id=master.pk, subordinate_id=subordinate.pk,
            user_id=getattr(user, "pk", None), occurred_on=ctx.now, fields=kept, moved=moved,
            subordinate_state=previous,
        )
        counts = {item["entity"]: len(item["ids"]) for item in moved}
        write_audit(spec, master.pk, "merge", {**changes, SUBORDINATE: [None, str(subordinate.pk)]}, ctx, str(master))
        write_audit(spec, subordinate.pk, "state", {**sub_changes, MASTER: [None, str(master.pk)]}, ctx, str(subordinate))
        emit_event(spec, master.pk, "merged", ctx, {"changes": changes, "subordinate": str(subordinate.pk),
                                                     "merge": str(merge.pk), "moved": counts})
        emit_event(spec, subordinate.pk, "deactivate", ctx, {"changes": sub_changes, "merged_into": str(master.pk),
                                                              "merge": str(merge.pk)})
        ensure_visible(spec, master, ctx)
    return master, merge


def undo_refusal(merge: Merge, now=None) -> str | None:
    """Why ``merge`` cannot be undone any more (None while it can)."""
    if merge.undone_on is not None:
        return _("This merge was already undone.")
    now = now or dt.datetime.now(dt.UTC)
    if merge.occurred_on + dt.timedelta(days=undo_days()) < now:
        return _("A merge can be undone for %(days)d days; this one is older.") % {"days": undo_days()}
    return None


def can_undo(user, merge: Merge) -> bool:
    """Whether ``user`` may undo ``merge`` now (for showing the button; the undo checks again)."""
    if undo_refusal(merge) or not has_misc_privilege(user, "merge"):
        return False
    try:
        access_record(user, merge.entity, merge.master_id, "write")
    except (NotFound, PermissionDenied):
        return False
    return True


def undo_merge(merge_id, ctx: ActionContext):
    """Reverse a merge: the master's fields, the moved children and the subordinate's state; returns
    ``(master, subordinate)``.

    Only what the merge recorded is put back: a master field changed again since keeps its new
    value, a child moved elsewhere since stays there. 404 for an unknown merge or an unreadable
    master, 403 without the ``merge`` privilege or write on the master, 400 (invalid-state) when
    the merge was undone already or is older than ``RAPPORT_MERGE_UNDO_DAYS``.
    """
    user = ctx.user
    pk = as_uuid(merge_id)
    if pk is None:
        raise NotFound()
    with transaction.atomic():
        merge = Merge.objects.select_for_update().filter(pk=pk).first()
        if merge is None or get_entity(merge.entity) is None:
            raise NotFound()
        spec = get_entity(merge.entity)
        master = access_record(user, spec.set_name, merge.master_id, "read", lock=True)
        require_merge_privilege(user)
        access_record(user, spec.set_name, master.pk, "write")
        reason = undo_refusal(merge, ctx.now)
        if reason:
            raise InvalidState(reason)
        subordinate = spec.model._base_manager.select_for_update().filter(pk=merge.subordinate_id).first()
        if subordinate is None:
            raise InvalidState(_("The merged record no longer exists, so the merge cannot be undone."))

        before = snapshot(spec, master)
        for name, (old, new) in (merge.fields or {}).items():
            fs = spec.get_field(name)
            if fs is not None and _stored(fs, master) == new:
                _restore(fs, master, old)
        save_record(spec, master, ctx, operation="merge-undo")
        changes = diff(before, snapshot(spec, master))

        counts = _move_back(merge, master.pk, subordinate.pk)

        sub_before = snapshot(spec, subordinate)
        previous = merge.subordinate_state or {}
        subordinate.state = previous.get("state") or spec.initial_state
        subordinate.status_reason = previous.get("status_reason") or ""
        save_record(spec, subordinate, ctx, operation="activate")
        sub_changes = diff(sub_before, snapshot(spec, subordinate))

        merge.undone_on = ctx.now
        merge.undone_by_id = getattr(user, "pk", None)
        merge.save(update_fields=["undone_on", "undone_by"])
        write_audit(spec, master.pk, "merge-undo", {**changes, SUBORDINATE: [str(subordinate.pk), None]}, ctx, str(master))
        write_audit(spec, subordinate.pk, "state", {**sub_changes, MASTER: [str(master.pk), None]}, ctx, str(subordinate))
        emit_event(spec, master.pk, "merge-undone", ctx, {"changes": changes, "subordinate": str(subordinate.pk),
                                                          "merge": str(merge.pk), "moved": counts})
        emit_event(spec, subordinate.pk, "activate", ctx, {"changes": sub_changes, "merge": str(merge.pk)})
    return master, subordinate
