"""Activity reports (ACT-8): per salesperson and month — counts by type, effective contacts,
completion rate and overdue — as managers kept them on paper, and as an Excel file.

An activity belongs to the month it is *planned* in: its due time, else its start, else when it
was created (in the reader's time zone). Completion rate = completed ÷ (planned − cancelled).
Overdue = planned in the month, due before now (or before the month's end, for past months) and
not completed by then. Effective contacts are contact logs of the month that pass the HC360 rule
(see ``models.is_effective_contact``). Everything comes through the record filter; the whole
report is a fixed number of grouped queries.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.activities.choices import ActivityType
from rapport.activities.models import Activity, ContactLog
from rapport.core.query.compile import user_zone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def parse_month(text, user) -> dt.date:
    try:
        year, month = (int(part) for part in str(text).split("-")[:2])
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        return timezone.localtime(timezone.now(), user_zone(user)).date().replace(day=1)


def month_bounds(month: dt.date, user) -> tuple[dt.datetime, dt.datetime]:
    zone = user_zone(user)
    start = dt.datetime.combine(month, dt.time.min, tzinfo=zone)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return start, dt.datetime.combine(following, dt.time.min, tzinfo=zone)


def month_report(user, month: dt.date, *, now=None) -> dict:
    """Rows per salesperson (owner) the user may see, with totals."""
    from rapport.security.models import User

    now = now or timezone.now()
    start, end = month_bounds(month, user)
    cutoff = min(now, end)
    planned = Activity.objects.for_user(user, "read").filter(owner_user__isnull=False).annotate(
        planned_on=Coalesce("due_on", "start_on", "created_on")).filter(planned_on__gte=start, planned_on__lt=end)
    counts = planned.values("owner_user_id", "activity_type").annotate(n=Count("id"))
    states = planned.values("owner_user_id").annotate(
        total=Count("id"),
        completed=Count("id", filter=Q(state="completed")),
        cancelled=Count("id", filter=Q(state="cancelled")),
        overdue=Count("id", filter=Q(due_on__lt=cutoff) & (Q(state="open") | Q(state="completed", closed_on__gt=F("due_on")))),
    )
    logs = ContactLog.objects.for_user(user, "read").filter(owner_user__isnull=False, created_on__gte=start,
                                                              created_on__lt=end)
    contact_counts = logs.values("owner_user_id").annotate(total=Count("id"), effective=Count("id", filter=Q(effective=True)))
    rows: dict = {}

    def row(owner_id):
        return rows.setdefault(owner_id, {"owner_id": owner_id, "by_type": {code: 0 for code in ActivityType.values},
                                          "total": 0, "completed": 0, "cancelled": 0, "overdue": 0,
                                          "contact_logs": 0, "effective_contacts": 0})

    for item in counts:
        row(item["owner_user_id"])["by_type"][item["activity_type"]] = item["n"]
    for item in states:
        target = row(item["owner_user_id"])
        for key in ("total", "completed", "cancelled", "overdue"):
            target[key] = item[key]
    for item in contact_counts:
        target = row(item["owner_user_id"])
        target["contact_logs"], target["effective_contacts"] = item["total"], item["effective"]
    names = {u.pk: (u.full_name or u.username) for u in User.objects.filter(pk__in=list(rows))}
    result = []
    for owner_id, data in rows.items():
        base = data["total"] - data["cancelled"]
        data["completion_rate"] = round(100 * data["completed"] / base, 1) if base else None
        data["name"] = names.get(owner_id, "")
        data["types"] = [data["by_type"][code] for code in ActivityType.values]
        result.append(data)
    result.sort(key=lambda r: r["name"].lower())
    return {"month": month, "rows": result, "types": [(code, str(label)) for code, label in ActivityType.choices]}



def report_workbook(report: dict) -> bytes:
    """The report as .xlsx; text starting with = + - @ tab or CR is stored as a string cell."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    book = Workbook()
    sheet = book.active
    sheet.title = report["month"].strftime("%Y-%m")
    header = [_("Salesperson"), *[label for _code, label in report["types"]], _("Total"), _("Completed"),
              _("Completion rate (%)"), _("Overdue"), _("Contact logs"), _("Effective contacts")]
    rows = [header]
    for row in report["rows"]:
        rows.append([row["name"], *row["types"], row["total"], row["completed"],
                     row["completion_rate"] if row["completion_rate"] is not None else "", row["overdue"],
                     row["contact_logs"], row["effective_contacts"]])
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                cell.data_type = TYPE_STRING
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
