"""Actions and the action runner — the only writers of business state (DESIGN convention 2).

An :class:`Action` declares its privilege, precondition and inputs; :func:`run_action` does,
in order: access check (404 for unreadable, 403 without the privilege), the ``If-Match``
version check (412), input validation (400), the state precondition (400 invalid-state), then
inside one transaction the handler, the audit entry, the outbox event and the check that the
writer can still see what it wrote. Any exception rolls everything back: no half write, no
audit entry for a write that did not happen.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.entities import EntitySpec, FieldSpec, get_entity
from rapport.core.errors import ErrorCollector, InvalidState, NotFound, PermissionDenied, PreconditionFailed
from rapport.core.models import AuditEntry, OutboxEvent
from rapport.core.permissions.access import access_record
from rapport.core.registry import registry
from rapport.core.serialization import diff, snapshot


@dataclass
class ActionContext:
    """Who acts, through which channel, for which request."""

    user: Any
    channel: str = "api"
    request_id: str = ""
    suppress_duplicate_detection: bool = False
    # The caller already ran the duplicate rules on these values and dealt with every match
    # (the import does, for each row): the write hook does not run them a second time.
    duplicates_checked: bool = False
    now: Any = None

    def __post_init__(self):
        if not self.request_id:
            self.request_id = uuid.uuid4().hex
        if self.now is None:
            self.now = timezone.now()

    @classmethod
    def from_request(cls, request, channel: str) -> ActionContext:
        suppress = str(request.headers.get("Rapport-Suppress-Duplicate-Detection", "")).lower() == "true"
        return cls(user=request.user, channel=channel, request_id=request.headers.get("X-Request-Id", "")[:64],
                   suppress_duplicate_detection=suppress)


@dataclass
class ActionResult:
    """The changed record and the records the action created, by role (API.md)."""

    record: Any
    created: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    # Changes the record's own fields do not show (e.g. who a record is shared with), for the audit.
    audit_changes: dict[str, Any] = field(default_factory=dict)
    # Where the browser goes afterwards (e.g. a qualified lead's new opportunity); the record by default.
    next_url: str = ""


@dataclass
class Action:
    """A declared operation on one record of an entity."""

    name: str
    label: Any
    handler: Callable[..., ActionResult | None]
    privilege: str = "write"
    precondition: Callable[[EntitySpec, Any, Any], str | None] | None = None
    inputs: list[FieldSpec] = field(default_factory=list)
    audit_action: str = "update"
    allow_in_read_only_state: bool = False
    post_write_check: bool = True
    style: str = "secondary"
    confirm: Any = None
    show_in_ui: bool = True
    # Lines describing the record's current situation, shown above the action's form (e.g. who a
    # record is shared with, for the share action): callable(spec, record, user) -> list[str].
    current: Callable[..., list] | None = None

    def refusal(self, spec: EntitySpec, record, user) -> str | None:
        """Why the action cannot run on ``record`` now (None when it can)."""
        if record.state in spec.read_only_states and not self.allow_in_read_only_state and spec.has_state:
            return _("The record is %(state)s and read-only.") % {"state": spec.state_label(record.state).lower()}
        if self.precondition is not None:
            return self.precondition(spec, record, user)
        return None


def check_version(record, if_match) -> None:
    """412 when ``If-Match`` names another version than the record's."""
    if if_match is None:
        return
    tags = [t.strip() for t in str(if_match).split(",") if t.strip()]
    if "*" in tags:
        return
    versions = {t.removeprefix("W/").strip('"') for t in tags}
    if str(record.version) not in versions:
        raise PreconditionFailed()


def stamp(record, ctx: ActionContext, *, creating: bool = False) -> None:
    """Set who/when and bump the version before a save."""
    user_id = ctx.user.pk if getattr(ctx.user, "pk", None) else None
    record.modified_on = ctx.now
    record.modified_by_id = user_id
    if creating:
        record.created_on = ctx.now
        record.created_by_id = user_id
        record.version = 1
    else:
        record.version = (record.version or 0) + 1


def run_write_hooks(phase: str, spec: EntitySpec, record, ctx: ActionContext, operation: str) -> None:
    """Hooks that must see every write inside its transaction (search index, duplicate rules)."""
    for hook in registry["write_hooks"].values():
        hook(phase, spec, record, ctx, operation)


class DeferredWrites:
    """Rows that many writes add, inserted together (an import's batch).

    Only inside :func:`deferred_writes`, which the caller runs inside the batch's transaction and
    flushes before it commits, so a row is still written exactly when its record is; a caller that
    rolls one write back (a savepoint) drops that write's rows with :meth:`rollback_to`. A writer
    defers a row with :meth:`add` and the function that inserts a list of such rows (audit
    entries, outbox events, search documents, match keys). ``memo`` holds what a writer reads back
    during the batch (the duplicate check's match keys); an entry with a ``rollback_to(mark)``
    method is told when rows are dropped.
    """

    def __init__(self):
        self.pending: list[tuple[Callable[[list], None], Any]] = []
        self.memo: dict[str, Any] = {}

    def add(self, insert: Callable[[list], None], row) -> int:
        """Defer ``row`` (inserted by ``insert([rows…])`` on flush); its position, for ``memo`` entries."""
        self.pending.append((insert, row))
        return len(self.pending) - 1

    def mark(self) -> int:
        return len(self.pending)

    def rollback_to(self, mark: int) -> None:
        del self.pending[mark:]
        for entry in self.memo.values():
            if hasattr(entry, "rollback_to"):
                entry.rollback_to(mark)

    def flush(self) -> None:
        groups: dict[Callable, list] = {}
        for insert, row in self.pending:
            groups.setdefault(insert, []).append(row)
        self.pending = []
        self.memo.clear()
        for insert, rows in groups.items():
            insert(rows)


_deferred: contextvars.ContextVar = contextvars.ContextVar("rapport_deferred_writes", default=None)


@contextmanager
def deferred_writes():
    """Collect rows of many writes instead of inserting each (call ``flush()`` before commit)."""
    collector = DeferredWrites()
    token = _deferred.set(collector)
    try:
        yield collector
    finally:
        _deferred.reset(token)


def current_deferred() -> DeferredWrites | None:
    """The batch collecting deferred rows, when a caller runs one (see :func:`deferred_writes`)."""
    return _deferred.get()


def _insert_audit(entries: list) -> None:
    AuditEntry.objects.bulk_create(entries, batch_size=500)


def _insert_events(events: list) -> None:
    OutboxEvent.objects.bulk_create(events, batch_size=500)


def write_audit(spec: EntitySpec, record_id, action: str, changes: dict, ctx: ActionContext, record_name: str = "") -> AuditEntry:
    """One audit entry (only the runner and the generic CRUD writers call this)."""
    collector = _deferred.get()
    if collector is not None:
        entry = AuditEntry(
            entity=spec.set_name, record_id=record_id, record_name=str(record_name)[:255], action=action,
            changes=changes, user_id=ctx.user.pk if getattr(ctx.user, "pk", None) else None, channel=ctx.channel,
            request_id=ctx.request_id, occurred_on=ctx.now,
        )
        collector.add(_insert_audit, entry)
        return entry
    return AuditEntry.objects.create(
        entity=spec.set_name,
        record_id=record_id,
        record_name=str(record_name)[:255],
        action=action,
        changes=changes,
        user_id=ctx.user.pk if getattr(ctx.user, "pk", None) else None,
        channel=ctx.channel,
        request_id=ctx.request_id,
        occurred_on=ctx.now,
    )


def emit_event(spec: EntitySpec, record_id, event: str, ctx: ActionContext, payload: dict | None = None) -> None:
    """An outbox row in the write's transaction; delivered after commit by the worker."""
    collector = _deferred.get()
    if collector is not None:
        collector.add(_insert_events, OutboxEvent(
            event_type=f"{spec.set_name}.{event}", entity=spec.set_name, record_id=record_id, payload=payload or {},
            user_id=ctx.user.pk if getattr(ctx.user, "pk", None) else None, created_on=ctx.now,
        ))
        return
    OutboxEvent.objects.create(
        event_type=f"{spec.set_name}.{event}",
        entity=spec.set_name,
        record_id=record_id,
        payload=payload or {},
        user_id=ctx.user.pk if getattr(ctx.user, "pk", None) else None,
        created_on=ctx.now,
    )


def ensure_visible(spec: EntitySpec, record, ctx: ActionContext, privilege: str = "read") -> None:
    """After a write the writer must still see the record (NetBox's post-write check)."""
    from rapport.core.permissions.filter import record_filter_q

    condition = record_filter_q(spec.model, ctx.user, privilege)
    if condition == Q():  # the writer sees every record of the entity: nothing to ask the database
        return
    if not spec.model.objects.filter(condition).filter(pk=record.pk).exists():
        raise PermissionDenied(_("The change would put the record outside what you may see."))


def clean_inputs(spec: EntitySpec, action: Action, data, user) -> dict:
    """Validate an action's input body against its declared input fields."""
    from rapport.core.validation import coerce_input

    if data is None:
        data = {}
    if not isinstance(data, dict):
        errors = ErrorCollector()
        errors.add("non_field_errors", _("Send the inputs as a JSON object."), "invalid")
        errors.raise_if_any()
    declared = {fs.name: fs for fs in action.inputs}
    errors = ErrorCollector()
    values: dict = {}
    for key, raw in data.items():
        fs = declared.get(key)
        if fs is None:
            errors.add(str(key), _("Unknown field \"%(field)s\".") % {"field": key}, "unknown-field")
            continue
        ok, assignment = coerce_input(spec, fs, raw, user, errors, key)
        if ok:
            values[key] = _input_value(fs, assignment)
    for fs in action.inputs:
        if fs.required and (values.get(fs.name) in (None, "")) and fs.name not in errors.errors:
            errors.add(fs.name, _("This field is required."), "required")
        values.setdefault(fs.name, None)
    errors.raise_if_any()
    return values


def _input_value(fs: FieldSpec, assignment: dict):
    if fs.type == "polylookup":
        for column, value in assignment.items():
            if value is not None:
                set_name = next(s for s, c in fs.targets.items() if f"{c}_id" == column)
                return (set_name, value)
        return None
    if fs.type == "regarding":
        return (assignment.get(f"{fs.column}_entity"), assignment.get(f"{fs.column}_id"))
    return next(iter(assignment.values())) if assignment else None


def run_action(entity_set: str, record_id, action_name: str, ctx: ActionContext, inputs=None, *, if_match=None) -> ActionResult:
    """Run a declared action on one record, atomically, with audit and event."""
    spec = get_entity(entity_set)
    if spec is None:
        raise NotFound()
    action = spec.action_map.get(action_name)
    if action is None:
        raise NotFound(_("There is no action \"%(action)s\".") % {"action": action_name})
    with transaction.atomic():
        record = access_record(ctx.user, entity_set, record_id, action.privilege, lock=True)
        check_version(record, if_match)
        values = clean_inputs(spec, action, inputs, ctx.user)
        reason = action.refusal(spec, record, ctx.user)
        if reason:
            raise InvalidState(reason)
        before = snapshot(spec, record)
        result = action.handler(spec, record, ctx, **values) or ActionResult(record=record)
        record = result.record
        after = snapshot(spec, record)
        changes = {**diff(before, after), **result.audit_changes}
        write_audit(spec, record.pk, action.audit_action, changes, ctx, str(record))
        emit_event(spec, record.pk, action.name, ctx, {"changes": changes})
        if action.post_write_check:
            ensure_visible(spec, record, ctx)
    return result
