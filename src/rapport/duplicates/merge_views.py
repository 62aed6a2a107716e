"""Merging in the browser (PLT-16): the "Merge" button of a list, the side-by-side merge page
``/<set>/merge/?ids=a,b``, and "Undo merge" on the master's audit history.

Every write goes through :mod:`rapport.duplicates.merge`, so the page gives the same refusals as
the API.
"""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core.entities import EntitySpec, get_entity
from rapport.core.errors import InvalidState, NotFound, PermissionDenied, RapportError
from rapport.core.permissions.access import access_record, as_uuid
from rapport.core.permissions.fields import field_readable, field_updatable
from rapport.core.permissions.privileges import has_misc_privilege
from rapport.core.views.common import entity_page, record_url, refusal_page, safe_next, ui_context
from rapport.core.views.display import field_label, format_datetime, resolve_reference_names, show
from rapport.duplicates.merge import (
    MASTER,
    MERGEABLE_SETS,
    SUBORDINATE,
    can_undo,
    is_active,
    merge_records,
    mergeable_fields,
    require_merge_privilege,
    undo_merge,
)
from rapport.duplicates.models import Merge

# --- hooks into the generic pages ------------------------------------------------------------------


def merge_bulk_button(spec: EntitySpec, request) -> dict | None:
    """"Merge" in the list's selection bar of accounts, contacts and leads, for holders of ``merge``."""
    if spec.set_name not in MERGEABLE_SETS or not has_misc_privilege(request.user, "merge"):
        return None
    return {"label": _("Merge"), "url": f"/{spec.set_name}/merge/"}


def _name_of(user, set_name: str, pk) -> tuple[str, str | None]:
    names = resolve_reference_names(user, [(set_name, str(pk))])
    name = names.get((set_name, str(pk)))
    if name is None:
        return _("(a record you may not see)"), None
    return name or str(pk), record_url(set_name, pk)


def merge_audit_row(user, spec: EntitySpec | None, entry: dict, row: dict) -> None:
    """A merge entry names the other record and, while possible, offers "Undo merge"."""
    changes = entry.get("changes") or {}
    if spec is None or spec.set_name not in MERGEABLE_SETS:
        return
    action = entry.get("action")
    if action in ("merge", "merge-undo") and SUBORDINATE in changes:
        key, template = SUBORDINATE, (_("Merged “%(name)s” into this record") if action == "merge"
                                      else _("Separated “%(name)s” from this record again"))
    elif action == "state" and MASTER in changes:
        key, template = MASTER, (_("Merged into “%(name)s”") if (changes[MASTER] or [None, None])[-1]
                                 else _("Separated from “%(name)s” again"))
    else:
        return
    other = next((value for value in (changes[key] or []) if value), None) if isinstance(changes[key], list) else None
    if other is None:
        return
    row["changes"] = [change for change in row["changes"] if change["label"] not in (SUBORDINATE, MASTER)]
    if action == "merge-undo":
        row["action"] = _("Merge undone")
    name, url = _name_of(user, spec.set_name, other)
    row["note"] = {"text": template % {"name": name}, "url": url}
    if action != "merge" or entry.get("record_id") is None:
        return
    moment = entry.get("occurred_on")
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    merge = (Merge.objects.filter(entity=spec.set_name, master_id=entry["record_id"], subordinate_id=as_uuid(other),
                                  occurred_on__gte=moment - dt.timedelta(seconds=1),
                                  occurred_on__lte=moment + dt.timedelta(seconds=1)).first()
             if moment is not None and as_uuid(other) else None)
    if merge is not None and can_undo(user, merge):
        row["controls"].append({
            "label": _("Undo merge"), "url": f"/merges/{merge.pk}/undo/",
            "confirm": _("Undo this merge? The fields taken from the other record get their earlier values, "
                         "the moved records go back and the other record is active again."),
        })


def register_ui_hooks() -> None:
    from rapport.core.views.audit import register_audit_row_hook
    from rapport.core.views.list import register_list_bulk_button

    register_list_bulk_button("merge", merge_bulk_button)
    register_audit_row_hook("merge", merge_audit_row)


# --- the merge page ------------------------------------------------------------------------------


def _two_ids(values) -> list[uuid.UUID]:
    found: list[uuid.UUID] = []
    for value in values:
        for part in str(value).split(","):
            pk = as_uuid(part.strip())
            if pk is not None and pk not in found:
                found.append(pk)
    return found


def _blank(value) -> bool:
    return value in (None, "")


def _rows(spec: EntitySpec, user, records: list, picks: dict) -> list[dict]:
    """One row per field the caller may read: both values and which one is kept."""
    rows = []
    for fs in mergeable_fields(spec):
        if not field_readable(user, spec, fs.name):
            continue
        shown = [show(spec, fs, record) for record in records]
        differ = shown[0].text != shown[1].text
        chosen = picks.get(fs.name)
        if chosen not in (str(records[0].pk), str(records[1].pk)):
            chosen = str(records[1].pk) if not shown[0].text and shown[1].text else str(records[0].pk)
        rows.append({"name": fs.name, "label": field_label(fs), "values": list(zip(records, shown, strict=True)),
                     "differ": differ, "choosable": differ and field_updatable(user, spec, fs.name), "chosen": chosen})
    return rows


def _page(request, spec: EntitySpec, records: list, back: str, *, master: str | None = None, picks=None,
          error: str | None = None, status: int = 200):
    master = master if master in (str(records[0].pk), str(records[1].pk)) else str(records[0].pk)
    inactive = [str(record) for record in records if not is_active(spec, record)]
    summary = [
        {"label": _("Status"), "values": [spec.state_label(r.state) for r in records]},
        {"label": _("Owner"), "values": [str(r.owner_user or r.owner_team or "") if spec.is_owned else "" for r in records]},
        {"label": _("Created on"), "values": [format_datetime(r.created_on) if r.created_on else "" for r in records]},
        {"label": _("Modified on"), "values": [format_datetime(r.modified_on) if r.modified_on else "" for r in records]},
    ]
    context = {
        "spec": spec, "records": records, "rows": _rows(spec, request.user, records, picks or {}), "master": master,
        "summary": summary, "next": back, "error": error, "ids": ",".join(str(r.pk) for r in records),
        "inactive": inactive,
    }
    return render(request, "duplicates/merge.html", context, status=status)


@entity_page
def merge_page(request, spec: EntitySpec):
    """``/<set>/merge/?ids=a,b``: the two records side by side; POST merges them."""
    if spec.set_name not in MERGEABLE_SETS:
        return refusal_page(request, None, 404)
    source = request.POST if request.method == "POST" else request.GET
    back = safe_next(source.get("next"), f"/{spec.set_name}/")
    ids = _two_ids(source.getlist("ids"))
    if request.method == "POST" and not request.POST.get("confirmed"):
        # The list's selection, posted by the "Merge" button: on to the page (a bookmarkable address).
        if len(ids) != 2:
            messages.error(request, _("Select exactly two records to merge."))
            return redirect(back)
        return redirect(f"/{spec.set_name}/merge/?" + urlencode({"ids": ",".join(map(str, ids)), "next": back}))
    if request.method not in ("GET", "HEAD", "POST"):
        return refusal_page(request, None, 404)
    if len(ids) != 2:
        messages.error(request, _("Select exactly two records to merge."))
        return redirect(back)
    records = [access_record(request.user, spec.set_name, pk, "read") for pk in ids]
    require_merge_privilege(request.user)
    for record in records:
        access_record(request.user, spec.set_name, record.pk, "write")
    if request.method != "POST":
        return _page(request, spec, records, back)
    master_id = request.POST.get("master", "")
    picks = {fs.name: request.POST.get(f"field-{fs.name}", "") for fs in mergeable_fields(spec)}
    if master_id not in (str(records[0].pk), str(records[1].pk)):
        return _page(request, spec, records, back, picks=picks, status=400,
                     error=_("Choose the record to keep."))
    subordinate = next(record for record in records if str(record.pk) != master_id)
    fields = {name: SUBORDINATE for name, pick in picks.items() if pick == str(subordinate.pk)
              and field_updatable(request.user, spec, name)}
    try:
        master, _merge = merge_records(spec.set_name, master_id, subordinate.pk, fields, ui_context(request))
    except RapportError as error:
        if isinstance(error, NotFound | PermissionDenied):
            raise
        messages_ = [m for items in (error.errors or {}).values() for m in items]
        return _page(request, spec, records, back, master=master_id, picks=picks, status=400,
                     error=" ".join(messages_) or error.detail)
    messages.success(request, _("“%(subordinate)s” was merged into “%(master)s” and deactivated. "
                                "You can undo the merge from the audit history.")
                     % {"subordinate": str(subordinate), "master": str(master)})
    return redirect(f"/{spec.set_name}/{master.pk}/")


@require_POST
@login_required
def undo_page(request, pk):
    """``POST /merges/<id>/undo/`` (the audit history's "Undo merge"): back to the master."""
    merge = Merge.objects.filter(pk=pk).first()
    spec = get_entity(merge.entity) if merge is not None else None
    if spec is None:
        return refusal_page(request, None, 404)
    try:
        master, subordinate = undo_merge(merge.pk, ui_context(request))
    except NotFound as error:
        return refusal_page(request, error, 404)
    except PermissionDenied as error:
        return refusal_page(request, error, 403)
    except (InvalidState, RapportError) as error:
        messages.error(request, error.detail)
        return redirect(f"/{spec.set_name}/{merge.master_id}/")
    messages.success(request, _("The merge was undone: “%(name)s” is active again.") % {"name": str(subordinate)})
    return redirect(f"/{spec.set_name}/{master.pk}/")
