"""The timeline of a record (ACT-2): activities, contact logs, notes and key events, newest first.

One page costs a fixed number of queries whatever its size: each source (activities, contact
logs, notes, audit events) is read once, limited to the page size after the cursor, through the
record filter, and the sources are merged in memory. The cursor is the (time, id) of the last
item shown, so the next page continues exactly where this one stopped. An account's timeline
includes the activities of its contacts (and of its opportunities, when the sales app is there);
every item carries its own ``regarding`` so the roll-up is visible.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from rapport.activities.choices import ActivityType
from rapport.activities.models import Activity, ContactLog
from rapport.core.entities import get_entity
from rapport.core.models import AuditEntry, Note
from rapport.core.query import QueryError

KINDS = ("activity", "note", "event")
# Audit actions that are not "key events" of a record's life (field edits, shares, comments).
QUIET_ACTIONS = {"update", "share", "comment"}
MAX_PAGE = 100


@dataclass
class TimelineFilter:
    kinds: set
    activity_types: set
    states: set


def parse_filter(params) -> TimelineFilter:
    """``kind``, ``activity_type`` and ``state`` (comma-separated); unknown values are a 400."""
    def split(name, allowed):
        raw = params.get(name) or ""
        values = {v.strip() for v in raw.split(",") if v.strip()}
        unknown = values - set(allowed)
        if unknown:
            raise QueryError(_("Unknown value \"%(value)s\" for %(name)s.") % {"value": sorted(unknown)[0], "name": name},
                             "invalid-value", field=name)
        return values

    kinds = split("kind", KINDS)
    types = split("activity_type", [*ActivityType.values, "contact_log"])
    states = split("state", ["open", "completed", "cancelled"])
    if types or states:
        kinds = (kinds or set(KINDS)) & {"activity"}
        if not kinds:
            kinds = {"activity"}
    return TimelineFilter(kinds or set(KINDS), types, states)


def encode_cursor(moment: dt.datetime, pk) -> str:
    raw = json.dumps([moment.isoformat(), str(pk)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str):
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        return dt.datetime.fromisoformat(values[0]), uuid.UUID(values[1])
    except (ValueError, TypeError, IndexError, binascii.Error, UnicodeError):
        raise QueryError(_("The cursor is not valid; start again from the first page."), "invalid-cursor", field="cursor")


def _before(column: str, cursor) -> Q:
    moment, pk = cursor
    return Q(**{f"{column}__lt": moment}) | Q(**{column: moment, "id__lt": pk})


def rolled_up_ids(set_name: str, record_id) -> list[Q]:
    """Conditions on ``regarding_id`` for the records whose activities roll up to this one."""
    conditions = []
    if set_name == "accounts":
        contacts = get_entity("contacts")
        if contacts is not None:
            conditions.append(Q(regarding_entity="contacts", regarding_id__in=contacts.model.objects
                                .filter(account_id=record_id).values("pk")))
        opportunities = get_entity("opportunities")
        if opportunities is not None and hasattr(opportunities.model, "customer_account_id"):
            conditions.append(Q(regarding_entity="opportunities", regarding_id__in=opportunities.model.objects
                                .filter(customer_account_id=record_id).values("pk")))
    return conditions


def _type_label(code: str) -> str:
    for value, label in ActivityType.choices:
        if value == code:
            return str(label)
    return code


def _user_name(user) -> str:
    return (user.full_name or user.username) if user is not None else ""


def timeline_page(user, spec, record_id, *, cursor: str | None = None, page_size: int = 25,
                  flt: TimelineFilter | None = None) -> tuple[list[dict], str | None]:
    """One page of the timeline of a record ``user`` may read (the caller checked that)."""
    flt = flt or TimelineFilter(set(KINDS), set(), set())
    position = decode_cursor(cursor) if cursor else None
    limit = page_size + 1
    items: list[dict] = []
    if "activity" in flt.kinds:
        regarding = Q(regarding_entity=spec.set_name, regarding_id=record_id) | Q(converted_to_id=record_id)
        for extra in rolled_up_ids(spec.set_name, record_id):
            regarding |= extra
        types = flt.activity_types - {"contact_log"}
        if types or not flt.activity_types:
            rows = Activity.objects.for_user(user, "read").filter(regarding)
            if types:
                rows = rows.filter(activity_type__in=types)
            if flt.states:
                rows = rows.filter(state__in=flt.states)
            if position:
                rows = rows.filter(_before("occurred_on", position))
            for activity in rows.select_related("owner_user").order_by("-occurred_on", "-id")[:limit]:
                items.append(_activity_item(activity, spec, record_id))
        if (not flt.activity_types or "contact_log" in flt.activity_types) and not flt.states:
            logs = ContactLog.objects.for_user(user, "read").filter(regarding_entity=spec.set_name, regarding_id=record_id)
            if position:
                logs = logs.filter(_before("created_on", position))
            for log in logs.select_related("owner_user").order_by("-created_on", "-id")[:limit]:
                items.append(_contact_log_item(log))
    if "note" in flt.kinds:
        notes = Note.objects.for_user(user, "read").filter(regarding_entity=spec.set_name, regarding_id=record_id)
        if position:
            notes = notes.filter(_before("created_on", position))
        for note in notes.select_related("created_by").order_by("-created_on", "-id")[:limit]:
            items.append({
                "kind": "note", "id": str(note.pk), "entity": "notes", "subject": note.title or _("Note"),
                "activity_type": None, "state": None, "occurred_on": note.created_on.isoformat(),
                "summary": note.text[:300], "owner_display": _user_name(note.created_by),
                "file_name": note.file_name or None, "url": f"/notes/{note.pk}/file/" if note.file_name else None,
                "_at": note.created_on, "_id": note.pk,
            })
    if "event" in flt.kinds:
        # By id only: an activity's history is written under the set it was changed through.
        events = AuditEntry.objects.filter(record_id=record_id).exclude(action__in=QUIET_ACTIONS)
        if position:
            events = events.filter(_before("occurred_on", position))
        for entry in events.select_related("user").order_by("-occurred_on", "-id")[:limit]:
            items.append({
                "kind": "event", "id": str(entry.pk), "entity": spec.set_name, "subject": event_subject(entry),
                "activity_type": None, "state": None, "occurred_on": entry.occurred_on.isoformat(),
                "action": entry.action, "owner_display": _user_name(entry.user), "url": None,
                "_at": entry.occurred_on, "_id": entry.pk,
            })
    items.sort(key=lambda item: (item["_at"], item["_id"]), reverse=True)
    following = None
    if len(items) > page_size:
        items = items[:page_size]
        following = encode_cursor(items[-1]["_at"], items[-1]["_id"])
    for item in items:
        item.pop("_at"), item.pop("_id")
    return items, following


def _activity_item(activity: Activity, spec, record_id) -> dict:
    item = {
        "kind": "activity", "id": str(activity.pk), "entity": "activities", "subject": activity.subject,
        "activity_type": activity.activity_type, "state": activity.state,
        "occurred_on": activity.occurred_on.isoformat(),
        "type_display": _type_label(activity.activity_type), "priority": activity.priority,
        "due_on": activity.due_on.isoformat() if activity.due_on else None,
        "summary": (activity.outcome or activity.description or "")[:300],
        "owner_display": _user_name(activity.owner_user), "url": f"/activities/{activity.pk}/",
        "regarding": {"entity": activity.regarding_entity, "id": str(activity.regarding_id)} if activity.regarding_id else None,
        "rolled_up": activity.regarding_id != record_id and activity.converted_to_id != record_id,
        "_at": activity.occurred_on, "_id": activity.pk,
    }
    return item


def _contact_log_item(log: ContactLog) -> dict:
    return {
        "kind": "activity", "id": str(log.pk), "entity": "contact-logs", "subject": log.get_method_display(),
        "activity_type": "contact_log", "state": None, "occurred_on": log.created_on.isoformat(),
        "type_display": _("Contact log"), "summary": log.notes[:300], "maturity": log.maturity,
        "effective": log.effective, "not_reached": log.not_reached, "busy_call_later": log.busy_call_later,
        "next_contact_on": log.next_contact_on.isoformat() if log.next_contact_on else None,
        "owner_display": _user_name(log.owner_user), "url": None,
        "_at": log.created_on, "_id": log.pk,
    }


EVENT_SUBJECTS = {
    "create": lambda: _("Created"),
    "state": lambda: _("Status changed"),
    "assign": lambda: _("Assigned"),
    "merge": lambda: _("Merged"),
    "reject": lambda: _("Rejected"),
    "convert": lambda: _("Converted"),
    "send": lambda: _("Sent"),
    "delete": lambda: _("Deleted"),
    "stage": lambda: _("Stage changed"),
}


def event_subject(entry: AuditEntry) -> str:
    label = EVENT_SUBJECTS.get(entry.action)
    text = label() if label else entry.action.replace("-", " ").replace("_", " ").capitalize()
    state = (entry.changes or {}).get("state")
    if entry.action == "state" and isinstance(state, list) and len(state) == 2:
        text = _("Status: %(old)s → %(new)s") % {"old": state[0], "new": state[1]}
    return text


# --- the panel on every detail page -------------------------------------------------------------------------


def timeline_panel_context(request, spec, record) -> dict | None:
    """What ``activities/timeline_panel.html`` draws: the first page and the quick-add forms."""
    if spec.area in {"", "settings"}:
        return None
    flt = parse_filter({})
    items, following = timeline_page(request.user, spec, record.pk, page_size=15, flt=flt)
    base = f"/activities/timeline/{spec.set_name}/{record.pk}/"
    return {
        "timeline_items": with_when(items), "timeline_next": f"?cursor={following}" if following else None,
        "timeline_url": base, "timeline_add_url": f"{base}add/",
        "timeline_contact_log": spec.set_name in {"accounts", "leads"},
        "timeline_types": [(value, label) for value, label in ActivityType.choices],
        "maturity_classes": maturity_choices(),
    }


def with_when(items: list[dict]) -> list[dict]:
    """Add the localized time each item is shown with (pages only; the API keeps ISO times)."""
    from rapport.core.views.display import format_datetime

    for item in items:
        item["when"] = format_datetime(dt.datetime.fromisoformat(item["occurred_on"]))
    return items


def maturity_choices() -> list[tuple[int, str]]:
    from rapport.activities.models import MaturityClass

    return [(m.value, f"{m.value} — {m.label}") for m in MaturityClass.objects.order_by("value")]
