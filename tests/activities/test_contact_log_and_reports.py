"""Contact log (SAL-22): effective-contact counting per the HC360 rules, the follow-up task,
and the monthly activity report with its Excel export."""

import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone

from rapport.activities.models import Activity, ContactLog, is_effective_contact
from rapport.core.testing.api import assert_problem, post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("maturity, not_reached, busy, effective", [
    (0, False, False, False),   # class 0 never counts
    (0, True, False, False),
    (1, False, False, True),
    (3, True, False, False),    # not reached
    (3, False, True, False),    # busy, call later
    (5, True, True, False),
    (None, False, False, False),  # no class stated
])
def test_the_effective_contact_rule(maturity, not_reached, busy, effective):
    assert is_effective_contact(maturity, not_reached, busy) is effective


def test_posting_a_contact_log_creates_the_follow_up_task(alice, api_client, account_of):
    account = account_of(alice)
    client = api_client(alice)
    answer = post(client, "/api/v1/contact-logs/", {
        "regarding": {"entity": "accounts", "id": str(account.pk)}, "method": "visit", "notes": "Met the owner",
        "maturity": 3, "next_contact_on": "2031-03-14"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["record"]["effective"] is True and body["record"]["maturity"] == 3
    task = Activity.objects.get(pk=body["created"]["task"])
    assert task.activity_type == "task" and task.owner_user_id == alice.pk
    assert task.regarding_id == account.pk and task.due_on.date() == dt.date(2031, 3, 14)
    assert body["record"]["follow_up_task"] == str(task.pk)
    # Without a next contact date there is no task.
    plain = post(client, "/api/v1/contact-logs/", {"regarding": {"entity": "accounts", "id": str(account.pk)},
                                                   "maturity": 0}).json()
    assert plain["created"] == {} and plain["record"]["effective"] is False
    # effective is computed, never written.
    assert_problem(post(client, "/api/v1/contact-logs/", {"regarding": {"entity": "accounts", "id": str(account.pk)},
                                                           "effective": True}), 400, "validation", "effective", "read-only")


def test_a_contact_log_is_kept_on_an_account_or_lead_with_a_known_maturity_class(alice, api_client, activity_of):
    client = api_client(alice)
    task = activity_of(alice)
    assert_problem(post(client, "/api/v1/contact-logs/", {"regarding": {"entity": "activities", "id": str(task.pk)}}),
                   400, "validation", "regarding")
    contact_account = post(client, "/api/v1/accounts/", {"name": "Ore Co"}).json()
    assert_problem(post(client, "/api/v1/contact-logs/", {"regarding": {"entity": "accounts", "id": contact_account["id"]},
                                                           "maturity": 42}), 400, "validation", "maturity")
    assert ContactLog.objects.count() == 0


def test_monthly_report_counts_types_effective_contacts_completion_and_overdue(alice, bob, account_of, activity_of, act):
    from rapport.activities.reports import month_report, report_workbook
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    now = timezone.now()
    month = now.date().replace(day=1)
    past = now - dt.timedelta(minutes=5)
    account = account_of(alice, name="=HYPERLINK(\"http://evil\")")
    done = activity_of(alice, "visits", due_on=(now + dt.timedelta(minutes=5)).isoformat())  # done in time
    act(alice, "visits", done.pk, "complete", {"outcome": "ok"})
    activity_of(alice, "phone-calls", due_on=past.isoformat())  # overdue
    cancelled = activity_of(alice, "tasks", due_on=(now + dt.timedelta(minutes=5)).isoformat())
    act(alice, "tasks", cancelled.pk, "cancel")
    activity_of(bob, "tasks")  # someone else's: alice does not see it
    ctx = ActionContext(user=alice)
    for maturity, not_reached, busy in [(2, False, False), (0, False, False), (4, True, False), (1, False, False)]:
        create_record(get_entity("contact-logs"), {"regarding": {"entity": "accounts", "id": str(account.pk)},
                                                   "maturity": maturity, "not_reached": not_reached,
                                                   "busy_call_later": busy}, ctx)
    report = month_report(alice, month)
    assert len(report["rows"]) == 1
    row = report["rows"][0]
    assert row["by_type"]["visit"] == 1 and row["by_type"]["phone_call"] == 1 and row["by_type"]["task"] == 1
    assert row["total"] == 3 and row["completed"] == 1 and row["cancelled"] == 1
    assert row["completion_rate"] == 50.0 and row["overdue"] == 1
    assert row["contact_logs"] == 4 and row["effective_contacts"] == 2
    # Excel: a value that looks like a formula is written as text.
    from openpyxl import load_workbook

    row["name"] = "=1+2"
    sheet = load_workbook(BytesIO(report_workbook(report))).active
    assert sheet.cell(row=2, column=1).value == "=1+2" and sheet.cell(row=2, column=1).data_type == "s"


def test_reports_page_and_export(alice, client):
    client.force_login(alice)
    assert client.get("/activities/reports/").status_code == 200
    exported = client.get("/activities/reports/?format=xlsx&month=2024-05")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("application/vnd.openxml")
