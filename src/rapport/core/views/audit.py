"""Audit history (PLT-8): a record's history tab and the global audit view for administrators.

Entries are written only by the action runner; these pages only read them. Field values are
stored as JSON; references are shown by name where the reader may see the record (one query
per referenced set for a whole page), and fields the reader may not read are left out.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.api.views import audit_page
from rapport.core.entities import EntitySpec, all_entities, get_entity
from rapport.core.models import AuditEntry
from rapport.core.models.audit import CHANNELS
from rapport.core.permissions.access import access_record
from rapport.core.permissions.fields import field_readable
from rapport.core.registry import registry
from rapport.core.views.common import entity_page, record_url, refusal_page
from rapport.core.views.display import (
    field_label,
    format_datetime,
    reference_pairs,
    resolve_reference_names,
    show_json,
)

PAGE_SIZE = 25
ACTION_LABELS = {
    "create": gettext_lazy("Created"), "update": gettext_lazy("Changed"), "delete": gettext_lazy("Deleted"),
    "state": gettext_lazy("Status changed"), "assign": gettext_lazy("Assigned"), "share": gettext_lazy("Shared"),
    "merge": gettext_lazy("Merged"), "merge-undo": gettext_lazy("Merge undone"), "token": gettext_lazy("API token"),
    "stage": gettext_lazy("Stage changed"), "convert": gettext_lazy("Converted"), "reject": gettext_lazy("Rejected"),
    "send": gettext_lazy("Sent"), "comment": gettext_lazy("Comment"),
}
CHANNEL_LABELS = dict(CHANNELS)

# --- extension point: what an app adds to an entry it wrote ----------------------------------------
# A row hook is ``hook(user, spec, entry, row)``; it may change the presented ``row`` in place: add
# ``row["note"]`` (``{"text", "url"}``) and ``row["controls"]`` (``[{"label", "url", "confirm"}]``,
# each a POST button with CSRF), e.g. "Undo merge" on a merge entry while it can be undone.
def register_audit_row_hook(name: str, hook) -> None:
    """Let an app complete the history rows of the entries its actions write."""
    registry["audit_row_hooks"].add(name, hook)


def present(user, items: list[tuple[EntitySpec | None, dict]]) -> list[dict]:
    """Audit entries (as ``audit_page`` gives them) ready to show: labels, names, localized values."""
    pairs = []
    for spec, entry in items:
        if entry.get("user"):
            pairs.append(("users", entry["user"]))
        for name, change in (entry.get("changes") or {}).items():
            fs = spec.get_field(name) if spec else None
            if fs is not None:
                for value in change if isinstance(change, list) else []:
                    pairs += reference_pairs(fs, value)
    names = resolve_reference_names(user, pairs)
    rows = []
    for spec, entry in items:
        changes = []
        for name, change in (entry.get("changes") or {}).items():
            fs = spec.get_field(name) if spec else None
            old, new = (change + [None, None])[:2] if isinstance(change, list) else (None, change)
            changes.append({"label": field_label(fs) if fs else name, "old": show_json(fs, old, names),
                            "new": show_json(fs, new, names)})
        changes.sort(key=lambda change: change["label"].casefold())
        moment = entry["occurred_on"]
        if isinstance(moment, str):
            moment = dt.datetime.fromisoformat(moment)
        row = {
            "action": ACTION_LABELS.get(entry["action"], entry["action"]), "action_code": entry["action"],
            "channel": CHANNEL_LABELS.get(entry.get("channel"), entry.get("channel") or ""),
            "user": names.get(("users", entry.get("user") or ""), "") if entry.get("user") else _("System"),
            "occurred_on": format_datetime(moment), "occurred_on_iso": moment.isoformat(), "changes": changes,
            "entity": spec.label if spec else entry.get("entity", ""), "record_name": entry.get("record_name", ""),
            "record_url": record_url(entry.get("entity", ""), entry.get("record_id"))
            if entry.get("action") != "delete" and entry.get("record_id") else None,
            "note": None, "controls": [],
        }
        for hook in registry["audit_row_hooks"].values():
            hook(user, spec, entry, row)
        rows.append(row)
    return rows


@entity_page
def record_audit(request, spec: EntitySpec, pk):
    """A record's history, newest first (the detail page's tab loads it; also a page of its own)."""
    if "audit" not in spec.features:
        return refusal_page(request, None, 404)
    record = access_record(request.user, spec.set_name, pk, "read")
    entries, following = audit_page(spec, request.user, record.pk, cursor=request.GET.get("cursor"), page_size=PAGE_SIZE)
    rows = present(request.user, [(spec, {**e, "entity": spec.set_name, "record_id": record.pk}) for e in entries])
    context = {"spec": spec, "record": record, "rows": rows, "global_view": False,
               "next_url": f"/{spec.set_name}/{record.pk}/audit/?cursor={following}" if following else None}
    template = "core/_audit.html" if request.htmx else "core/audit_record.html"
    return render(request, template, context)


def _encode(moment: dt.datetime, pk) -> str:
    return base64.urlsafe_b64encode(json.dumps([moment.isoformat(), str(pk)]).encode()).decode().rstrip("=")


def _decode(cursor: str):
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        return dt.datetime.fromisoformat(values[0]), uuid.UUID(values[1])
    except (ValueError, TypeError, IndexError, binascii.Error, UnicodeError):
        return None


@login_required
def global_audit(request):
    """Every audit entry, newest first, filtered by entity, action and channel (administrators only)."""
    user = request.user
    if not user.is_system_administrator:
        return refusal_page(request, None, 403)
    entries = AuditEntry.objects.all()
    entity = request.GET.get("entity", "")
    action = request.GET.get("action", "")
    channel = request.GET.get("channel", "")
    record = request.GET.get("record", "").strip()
    if entity:
        entries = entries.filter(entity=entity)
    if action:
        entries = entries.filter(action=action)
    if channel:
        entries = entries.filter(channel=channel)
    error = None
    if record:
        try:
            entries = entries.filter(record_id=uuid.UUID(record))
        except ValueError:
            error = _("\"%(value)s\" is not a valid id.") % {"value": record[:60]}
            entries = entries.none()
    cursor = request.GET.get("cursor")
    if cursor:
        decoded = _decode(cursor)
        if decoded is None:
            error = _("The cursor is not valid; start again from the first page.")
        else:
            moment, last = decoded
            entries = entries.filter(Q(occurred_on__lt=moment) | Q(occurred_on=moment, id__lt=last))
    page = list(entries.order_by("-occurred_on", "-id")[: PAGE_SIZE + 1])
    following = None
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        following = _encode(page[-1].occurred_on, page[-1].id)
    items = []
    for entry in page:
        spec = get_entity(entry.entity)
        changes = {k: v for k, v in (entry.changes or {}).items() if spec is None or field_readable(user, spec, k)}
        items.append((spec, {"action": entry.action, "changes": changes, "user": str(entry.user_id) if entry.user_id else None,
                             "channel": entry.channel, "occurred_on": entry.occurred_on, "entity": entry.entity,
                             "record_id": entry.record_id, "record_name": entry.record_name}))
    params = request.GET.copy()
    params.pop("cursor", None)
    first_url = "?" + params.urlencode() if cursor else None
    next_url = None
    if following:
        params["cursor"] = following
        next_url = "?" + params.urlencode()
    context = {
        "rows": present(user, items), "global_view": True, "next_url": next_url, "error": error,
        "first_url": first_url,
        "entities": sorted([(s.set_name, str(s.label_plural)) for s in all_entities()] + [("users", _("Users"))], key=lambda p: p[1]),
        "actions": [(code, label) for code, label in ACTION_LABELS.items()], "channels": CHANNELS,
        "selected": {"entity": entity, "action": action, "channel": channel, "record": record},
    }
    return render(request, "core/audit_global.html", context, status=400 if error else 200)
