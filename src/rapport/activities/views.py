"""Browser pages of activities that the generic pages cannot draw: the timeline panel's requests,
the calendar and plan (ACT-3), the notification centre and bell (ACT-4), e-mail compose (ACT-7)
and the activity reports (ACT-8). Thin adapters: parse → access → action → render.
"""

from __future__ import annotations

import calendar as calendar_module
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.activities.choices import ActivityType, ContactMethod
from rapport.activities.models import Activity, ActivityComment, EmailTemplate, Notification
from rapport.activities.notifications import mark_all_read, mark_read
from rapport.activities.timeline import maturity_choices, parse_filter, timeline_page, with_when
from rapport.core.actions.base import run_action
from rapport.core.actions.crud import create_record, update_record
from rapport.core.entities import get_entity
from rapport.core.errors import NotFound, PermissionDenied, PreconditionFailed, RapportError
from rapport.core.permissions.access import access_record
from rapport.core.query.compile import user_zone
from rapport.core.views.common import refusal_page, safe_next, ui_context
from rapport.core.views.display import format_datetime

LOGIN_FLAG = "activities_login_digest"


def remember_login(sender, request, user, **kwargs):
    """At sign-in, the bell opens once with today's new activities (ACT-4)."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_FLAG] = True


def _local(value, user):
    return timezone.localtime(value, user_zone(user)) if value else None


def _refusal(request, error):
    return refusal_page(request, error, 404 if isinstance(error, NotFound) else 403)


# --- timeline ----------------------------------------------------------------------------------------------


@login_required
def timeline_items(request, set_name: str, pk):
    """The next page of a timeline (htmx "Load more" / filter), as list items."""
    spec = get_entity(set_name)
    if spec is None:
        return refusal_page(request, None, 404)
    try:
        record = access_record(request.user, set_name, pk, "read")
        flt = parse_filter(request.GET)
        items, following = timeline_page(request.user, spec, record.pk, cursor=request.GET.get("cursor"), page_size=15,
                                         flt=flt)
    except NotFound as error:
        return _refusal(request, error)
    except RapportError as error:
        return HttpResponse(str(error.detail), status=400)
    params = request.GET.copy()
    params.pop("cursor", None)
    if following:
        params["cursor"] = following
    context = {"timeline_items": with_when(items), "timeline_next": f"?{params.urlencode()}" if following else None,
               "timeline_url": f"/activities/timeline/{set_name}/{pk}/"}
    return render(request, "activities/_timeline_items.html", context)


@login_required
@require_POST
def timeline_add(request, set_name: str, pk):
    """Quick-add from the timeline: a note, a task, a phone call or a contact log on the record."""
    spec = get_entity(set_name)
    back = f"/{set_name}/{pk}/"
    if spec is None:
        return refusal_page(request, None, 404)
    try:
        record = access_record(request.user, set_name, pk, "read")
        what = request.POST.get("what", "")
        regarding = {"entity": set_name, "id": str(record.pk)}
        ctx = ui_context(request)
        if what == "note":
            create_record(get_entity("notes"), {"regarding": regarding, "title": request.POST.get("title", ""),
                                                "text": request.POST.get("text", "")}, ctx)
            messages.success(request, _("The note is added."))
        elif what in ActivityType.values:
            from rapport.activities.actions import create_activity

            data = {"subject": request.POST.get("subject", ""), "regarding": regarding,
                    "description": request.POST.get("description", ""),
                    "priority": request.POST.get("priority") or "normal"}
            if request.POST.get("due_on"):
                data["due_on"] = request.POST["due_on"]
            create_activity(what, data, ctx)
            messages.success(request, _("The activity is added to the plan."))
        elif what == "contact_log":
            data = {"regarding": regarding, "method": request.POST.get("method") or "visit",
                    "notes": request.POST.get("notes", ""), "maturity": request.POST.get("maturity") or None,
                    "not_reached": request.POST.get("not_reached") == "on",
                    "busy_call_later": request.POST.get("busy_call_later") == "on",
                    "next_contact_on": request.POST.get("next_contact_on") or None}
            log = create_record(get_entity("contact-logs"), data, ctx).record
            if log.follow_up_task_id:
                messages.success(request, _("The contact is logged; a follow-up task is planned for %(day)s.")
                                 % {"day": log.next_contact_on.isoformat()})
            else:
                messages.success(request, _("The contact is logged."))
        else:
            raise NotFound()
    except (NotFound, PermissionDenied) as error:
        return _refusal(request, error)
    except RapportError as error:
        details = "; ".join(f"{m}" for items in error.errors.values() for m in items) or error.detail
        messages.error(request, _("Nothing was added: %(problem)s") % {"problem": details})
    return redirect(back + "#timeline")


# --- comments (on an activity's page) ---------------------------------------------------------------------------


def comments_panel(request, record) -> dict:
    comments = list(ActivityComment.objects.filter(activity_id=record.pk).select_related("author").order_by("created_on"))
    return {"comments": [{"author": (c.author.full_name or c.author.username) if c.author else "", "text": c.text,
                          "created_on": format_datetime(c.created_on)} for c in comments],
            "comment_url": f"/activities/{record.pk}/run/comment/"}


# --- calendar and plan (ACT-3) --------------------------------------------------------------------------------


def _team_ids(user) -> list:
    from rapport.core.permissions.privileges import security_for
    from rapport.security.models import User

    security = security_for(user)
    ids = set(security.subordinates())
    managed = security.managed_units()
    if managed:
        ids |= set(User.objects.filter(business_unit_id__in=managed, is_active=True).values_list("pk", flat=True))
    ids.discard(user.pk)
    return list(ids)


def _parse_day(text, user) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return timezone.localtime(timezone.now(), user_zone(user)).date()


def calendar_range(view: str, day: dt.date) -> tuple[dt.date, dt.date]:
    if view == "day":
        return day, day
    if view == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    first = day.replace(day=1)
    last = day.replace(day=calendar_module.monthrange(day.year, day.month)[1])
    return first - dt.timedelta(days=first.weekday()), last + dt.timedelta(days=6 - last.weekday())


def calendar_activities(user, owners: list, start: dt.date, end: dt.date):
    """Activities of ``owners`` placed (start, else due) between the two days, in the user's zone: one query."""
    zone = user_zone(user)
    low = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    placed = Q(start_on__gte=low, start_on__lt=high) | Q(start_on__isnull=True, due_on__gte=low, due_on__lt=high)
    return list(Activity.objects.for_user(user, "read").filter(owner_user_id__in=owners).filter(placed)
                .select_related("owner_user").order_by("start_on", "due_on", "id")[:2000])


@login_required
def calendar_view(request):
    user = request.user
    view = request.GET.get("view") if request.GET.get("view") in {"day", "week", "month"} else "month"
    scope = "team" if request.GET.get("scope") == "team" else "me"
    day = _parse_day(request.GET.get("date"), user)
    team = _team_ids(user)
    owners = [user.pk] + (team if scope == "team" else [])
    start, end = calendar_range(view, day)
    rows = calendar_activities(user, owners, start, end)
    today = timezone.localtime(timezone.now(), user_zone(user)).date()
    by_day: dict = {}
    for activity in rows:
        moment = _local(activity.start_on or activity.due_on, user)
        by_day.setdefault(moment.date(), []).append({
            "id": activity.pk, "subject": activity.subject, "time": moment.strftime("%H:%M"),
            "type": activity.get_activity_type_display(), "type_code": activity.activity_type,
            "state": activity.state, "priority": activity.priority, "version": activity.version,
            "owner": (activity.owner_user.full_name or activity.owner_user.username) if activity.owner_user else "",
            "mine": activity.owner_user_id == user.pk, "url": f"/activities/{activity.pk}/",
            "overdue": activity.state == "open" and activity.due_on is not None and activity.due_on < timezone.now(),
        })
    days = []
    cursor = start
    while cursor <= end:
        days.append({"date": cursor, "iso": cursor.isoformat(), "items": by_day.get(cursor, []),
                     "other_month": view == "month" and cursor.month != day.month, "today": cursor == today})
        cursor += dt.timedelta(days=1)
    weeks = [days[i:i + 7] for i in range(0, len(days), 7)]
    step = {"day": dt.timedelta(days=1), "week": dt.timedelta(days=7)}.get(view)
    if step:
        previous, following = day - step, day + step
    else:
        previous = (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    context = {
        "view": view, "scope": scope, "day": day, "weeks": weeks, "days": days, "has_team": bool(team),
        "previous": previous.isoformat(), "following": following.isoformat(), "today": today.isoformat(),
        "weekdays": [dt.date(2024, 1, 1 + i) for i in range(7)], "title": _calendar_title(view, day, start, end),
        "count": len(rows),
    }
    return render(request, "activities/calendar.html", context)


def _calendar_title(view, day, start, end) -> str:
    from django.utils import formats

    if view == "month":
        return formats.date_format(day, "YEAR_MONTH_FORMAT")
    if view == "week":
        return f"{formats.date_format(start, 'SHORT_DATE_FORMAT')} – {formats.date_format(end, 'SHORT_DATE_FORMAT')}"
    return formats.date_format(day, "DATE_FORMAT")


@login_required
@require_POST
def reschedule(request, pk):
    """Drag and drop in the calendar: move the activity to another day, keeping its time of day."""
    user = request.user
    try:
        activity = access_record(user, "activities", pk, "write")
        day = dt.date.fromisoformat(request.POST.get("date", ""))
        changes = {}
        for name in ("start_on", "due_on", "end_on"):
            value = getattr(activity, name)
            if value is not None:
                local = _local(value, user)
                moved = dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=user_zone(user))
                changes[name] = moved.isoformat()
        if not changes:
            changes["due_on"] = dt.datetime.combine(day, dt.time(9, 0), tzinfo=user_zone(user)).isoformat()
        result = update_record(get_entity("activities"), activity.pk, changes, ui_context(request),
                               if_match=request.POST.get("version") or None)
    except (NotFound, PermissionDenied):
        return JsonResponse({"ok": False, "message": _("You may not move this activity.")}, status=403)
    except PreconditionFailed:
        return JsonResponse({"ok": False, "message": _("Someone changed this activity; reload the calendar.")}, status=412)
    except (RapportError, ValueError) as error:
        return JsonResponse({"ok": False, "message": str(getattr(error, "detail", "")) or _("The date is not valid.")},
                            status=400)
    return JsonResponse({"ok": True, "version": result.record.version,
                         "message": _("\"%(subject)s\" moved to %(day)s.") % {"subject": result.record.subject,
                                                                            "day": day.isoformat()}})


@login_required
def plan_view(request):
    """The list view of my plan: overdue, today, the coming days and undated, open activities only."""
    user = request.user
    now = timezone.now()
    today = timezone.localtime(now, user_zone(user)).date()
    rows = list(Activity.objects.for_user(user, "read").filter(owner_user_id=user.pk, state="open")
                .order_by("due_on", "start_on", "id")[:500])
    groups = {"overdue": [], "today": [], "upcoming": [], "undated": []}
    for activity in rows:
        moment = activity.start_on or activity.due_on
        item = {"activity": activity, "url": f"/activities/{activity.pk}/",
                "when": format_datetime(moment) if moment else ""}
        if moment is None:
            groups["undated"].append(item)
        elif activity.due_on and activity.due_on < now:
            groups["overdue"].append(item)
        elif _local(moment, user).date() == today:
            groups["today"].append(item)
        else:
            groups["upcoming"].append(item)
    sections = [(_("Overdue"), "overdue", groups["overdue"]), (_("Today"), "today", groups["today"]),
                (_("Coming up"), "upcoming", groups["upcoming"]), (_("No date"), "undated", groups["undated"])]
    return render(request, "activities/plan.html", {"sections": sections, "total": len(rows)})


# --- notifications (ACT-4) --------------------------------------------------------------------------------------


def _notification_rows(user, unread_only: bool, limit: int):
    rows = Notification.objects.filter(recipient=user)
    if unread_only:
        rows = rows.filter(read_on__isnull=True)
    return [{"id": n.pk, "kind": n.kind, "title": n.title, "created_on": format_datetime(n.created_on),
             "unread": n.read_on is None, "url": f"/notifications/{n.pk}/open/"}
            for n in rows.order_by("-created_on", "-id")[:limit]]


@login_required
def notification_centre(request):
    unread_only = request.GET.get("unread") == "true"
    return render(request, "activities/notifications.html", {
        "rows": _notification_rows(request.user, unread_only, 200), "unread_only": unread_only,
        "unread": Notification.objects.filter(recipient=request.user, read_on__isnull=True).count(),
    })


@login_required
def open_notification(request, pk):
    """Mark read and go to the record it is about."""
    try:
        notification = mark_read(request.user, pk, timezone.now())
    except NotFound as error:
        return _refusal(request, error)
    if notification.record_id and notification.record_entity:
        return redirect(f"/{notification.record_entity}/{notification.record_id}/")
    return redirect("/notifications/")


@login_required
@require_POST
def read_notification(request, pk):
    try:
        mark_read(request.user, pk, timezone.now())
    except NotFound as error:
        return _refusal(request, error)
    return redirect(safe_next(request.POST.get("next"), "/notifications/"))


@login_required
@require_POST
def read_all_notifications(request):
    mark_all_read(request.user, timezone.now())
    return redirect(safe_next(request.POST.get("next"), "/notifications/"))


@login_required
def bell(request):
    """The shell's bell (loaded by htmx): unread count, the latest unread and, once after sign-in,
    today's new activities with the menu open."""
    from rapport.activities.actions import todays_new_activities

    user = request.user
    unread = Notification.objects.filter(recipient=user, read_on__isnull=True).count()
    digest = None
    if request.session.pop(LOGIN_FLAG, False):
        digest = [{"subject": a.subject, "url": f"/activities/{a.pk}/", "type": a.get_activity_type_display(),
                   "by": (a.assigned_by.full_name or a.assigned_by.username) if a.assigned_by else "",
                   "due": format_datetime(a.due_on) if a.due_on else ""} for a in todays_new_activities(user)]
    return render(request, "activities/_bell.html", {
        "unread": unread, "rows": _notification_rows(user, True, 8), "digest": digest,
        "open": bool(digest),
    })


# --- e-mail compose (ACT-7) ---------------------------------------------------------------------------------------


@login_required
def compose(request):
    """Write an e-mail regarding a record (``?regarding=<set>:<id>``), from a template, with note files."""
    from rapport.activities.mail import render_placeholders
    from rapport.core.models import Note

    user = request.user
    regarding_entity, _sep, regarding_id = (request.GET.get("regarding") or request.POST.get("regarding") or "").partition(":")
    regarding_spec = get_entity(regarding_entity) if regarding_entity else None
    record = None
    if regarding_spec is not None:
        try:
            record = access_record(user, regarding_entity, regarding_id, "read")
        except NotFound as error:
            return _refusal(request, error)
    templates = list(EmailTemplate.objects.for_user(user, "read").filter(Q(entity="") | Q(entity=regarding_entity))
                     .order_by("name"))
    notes = list(Note.objects.for_user(user, "read").filter(regarding_id=record.pk).exclude(file="")
                 .order_by("-created_on")[:50]) if record is not None else []
    values = {"to": getattr(record, "email", "") or "", "subject": "", "body": "", "template": ""}
    errors: list[str] = []
    if request.method == "POST":
        values.update({k: request.POST.get(k, "") for k in ("to", "subject", "body", "template")})
        if request.POST.get("apply") and values["template"]:
            template = next((t for t in templates if str(t.pk) == values["template"]), None)
            if template is not None:
                values["subject"] = render_placeholders(template.subject, user, regarding_spec, record)[0]
                values["body"] = render_placeholders(template.body, user, regarding_spec, record)[0]
        else:
            from django.db import transaction

            from rapport.activities.actions import create_activity

            data = {"subject": values["subject"], "description": values["body"], "to": values["to"],
                    "direction": "outgoing"}
            if record is not None:
                data["regarding"] = {"entity": regarding_entity, "id": str(record.pk)}
            try:
                with transaction.atomic():
                    ctx = ui_context(request)
                    activity = create_activity(ActivityType.EMAIL, data, ctx)
                    run_action("emails", activity.pk, "send", ctx, {
                        "template": None, "attachments": request.POST.getlist("attachments")})
            except RapportError as error:
                errors = [str(m) for items in error.errors.values() for m in items] or [error.detail]
            else:
                messages.success(request, _("The e-mail is on its way."))
                return redirect(f"/{regarding_entity}/{record.pk}/" if record is not None else f"/activities/{activity.pk}/")
    return render(request, "activities/compose.html", {
        "record": record, "regarding": f"{regarding_entity}:{record.pk}" if record is not None else "",
        "record_name": str(record) if record is not None else "", "templates": templates, "notes": notes,
        "values": values, "errors": errors,
    })


# --- reports (ACT-8) --------------------------------------------------------------------------------------------


@login_required
def reports_view(request):
    from rapport.activities.reports import month_report, parse_month

    month = parse_month(request.GET.get("month"), request.user)
    report = month_report(request.user, month)
    if request.GET.get("format") == "xlsx":
        from rapport.activities.reports import report_workbook

        response = HttpResponse(report_workbook(report),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="activity-report-{month:%Y-%m}.xlsx"'
        return response
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return render(request, "activities/reports.html", {"report": report, "month": month, "previous": previous,
                                                       "following": following})


CONTACT_METHODS = ContactMethod.choices


def contact_log_choices() -> dict:
    return {"methods": CONTACT_METHODS, "maturity_classes": maturity_choices()}
