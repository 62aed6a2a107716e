"""The timeline API (shape, roll-up, paging, filters, constant queries), the notifications API,
and the pages: detail timeline with quick-add, calendar, plan, bell, notification centre."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.activities.models import Activity, Notification
from rapport.core.actions.base import ActionContext
from rapport.core.actions.crud import create_record
from rapport.core.entities import get_entity
from rapport.core.testing.api import assert_problem, post

pytestmark = pytest.mark.django_db


def contact_of(user, account, name):
    return create_record(get_entity("contacts"), {"last_name": name, "account": str(account.pk)},
                         ActionContext(user=user)).record


def note_on(user, set_name, record, title):
    return create_record(get_entity("notes"), {"regarding": {"entity": set_name, "id": str(record.pk)}, "title": title},
                         ActionContext(user=user)).record


def test_timeline_shape_roll_up_and_paging(alice, api_client, account_of, activity_of, act):
    account = account_of(alice)
    contact = contact_of(alice, account, "Kovács")
    on_account = activity_of(alice, "phone-calls", subject="Call the account",
                             regarding={"entity": "accounts", "id": str(account.pk)})
    on_contact = activity_of(alice, "visits", subject="Visit the contact",
                             regarding={"entity": "contacts", "id": str(contact.pk)})
    act(alice, "visits", on_contact.pk, "complete", {"outcome": "fine"})
    note = note_on(alice, "accounts", account, "Background")
    client = api_client(alice)
    page = client.get(f"/api/v1/accounts/{account.pk}/timeline/")
    assert page.status_code == 200, page.content
    items = page.json()["results"]
    for item in items:
        assert {"kind", "id", "entity", "subject", "activity_type", "state", "occurred_on"} <= set(item)
    stamps = [item["occurred_on"] for item in items]
    assert stamps == sorted(stamps, reverse=True)
    by_id = {item["id"]: item for item in items}
    assert by_id[str(on_account.pk)]["kind"] == "activity" and by_id[str(on_account.pk)]["activity_type"] == "phone_call"
    assert by_id[str(on_contact.pk)]["state"] == "completed"  # the contact's activity rolls up
    assert by_id[str(note.pk)]["kind"] == "note" and by_id[str(note.pk)]["entity"] == "notes"
    assert any(item["kind"] == "event" and item["entity"] == "accounts" for item in items)  # "Created"
    # The contact's own timeline has its visit but not the account's call.
    contact_items = client.get(f"/api/v1/contacts/{contact.pk}/timeline/").json()["results"]
    assert str(on_contact.pk) in {i["id"] for i in contact_items} and str(on_account.pk) not in {i["id"] for i in contact_items}
    # Cursor paging sees every item once.
    seen, url = [], f"/api/v1/accounts/{account.pk}/timeline/?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [i["id"] for i in body["results"]]
        url = body["next"]
    assert seen == [i["id"] for i in items]
    # Filters.
    only_notes = client.get(f"/api/v1/accounts/{account.pk}/timeline/?kind=note").json()["results"]
    assert [i["id"] for i in only_notes] == [str(note.pk)]
    open_only = client.get(f"/api/v1/accounts/{account.pk}/timeline/?state=open").json()["results"]
    assert [i["id"] for i in open_only] == [str(on_account.pk)]
    assert_problem(client.get(f"/api/v1/accounts/{account.pk}/timeline/?kind=nope"), 400, "validation", "kind")
    assert_problem(client.get(f"/api/v1/accounts/{account.pk}/timeline/?cursor=zzz"), 400, "validation", "cursor")


def test_timeline_is_private_and_constant_in_queries(alice, bob, api_client, account_of, activity_of):
    account = account_of(alice)
    assert_problem(api_client(bob).get(f"/api/v1/accounts/{account.pk}/timeline/"), 404, "not-found")
    # bob's activity on alice's account is not shown to alice... and alice's to no one else.
    client = api_client(alice)
    client.get(f"/api/v1/accounts/{account.pk}/timeline/")

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/accounts/{account.pk}/timeline/?page_size=50").status_code == 200
        return len(captured.captured_queries)

    few = count()
    for index in range(6):
        activity_of(alice, subject=f"Task {index}", regarding={"entity": "accounts", "id": str(account.pk)})
        note_on(alice, "accounts", account, f"Note {index}")
    contact_of(alice, account, "Extra")
    assert count() == few


def test_notifications_api(manager, seller, api_client, activity_of, act):
    task = activity_of(manager, subject="Quarterly visit")
    act(manager, "tasks", task.pk, "assign", {"owner": str(seller.pk)})
    client = api_client(seller)
    body = client.get("/api/v1/notifications/?unread=true").json()
    assert body["unread"] == 1
    [item] = body["results"]
    assert set(item) == {"id", "kind", "title", "record", "created_on", "read_on"}
    assert item["kind"] == "assigned" and item["record"] == {"entity": "activities", "id": str(task.pk)}
    assert item["read_on"] is None
    read = post(client, f"/api/v1/notifications/{item['id']}/read/", {})
    assert read.status_code == 200 and read.json()["read_on"]
    assert client.get("/api/v1/notifications/?unread=true").json()["results"] == []
    assert len(client.get("/api/v1/notifications/").json()["results"]) == 1
    # Someone else's notification is not found.
    assert_problem(post(api_client(manager), f"/api/v1/notifications/{item['id']}/read/", {}), 404, "not-found")
    assert_problem(client.get("/api/v1/notifications/?unread=maybe"), 400, "validation", "unread")
    assert api_client().get("/api/v1/notifications/").status_code == 401


def test_pages_timeline_quick_add_calendar_plan_bell(alice, client, account_of):
    account = account_of(alice)
    client.force_login(alice)
    page = client.get(f"/accounts/{account.pk}/")
    assert page.status_code == 200 and b'id="timeline"' in page.content and b"contact-log-form" in page.content
    due = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    client.post(f"/activities/timeline/accounts/{account.pk}/add/", {"what": "task", "subject": "Bring samples",
                                                                     "due_on": due})
    client.post(f"/activities/timeline/accounts/{account.pk}/add/", {"what": "note", "title": "Visited", "text": "ok"})
    client.post(f"/activities/timeline/accounts/{account.pk}/add/", {
        "what": "contact_log", "method": "visit", "notes": "Good talk", "maturity": "2", "next_contact_on": "2031-01-02"})
    task = Activity.objects.get(subject="Bring samples")
    assert task.regarding_id == account.pk and task.activity_type == "task"
    follow_up = Activity.objects.get(regarding_id=account.pk, due_on__date=dt.date(2031, 1, 2))
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert "Bring samples" in page and "Visited" in page and "Effective contact" in page
    calendar = client.get(f"/activities/calendar/?view=month&date={task.due_on.date().isoformat()}")
    assert calendar.status_code == 200 and "Bring samples" in calendar.content.decode()
    assert "Contact" in client.get("/activities/calendar/?view=week&date=2031-01-02").content.decode()
    assert client.get("/activities/calendar/?view=day&date=2031-01-02").status_code == 200
    moved = client.post(f"/activities/{follow_up.pk}/reschedule/", {"date": "2031-01-05", "version": follow_up.version})
    assert moved.status_code == 200, moved.content
    follow_up.refresh_from_db()
    assert timezone.localtime(follow_up.due_on).date() == dt.date(2031, 1, 5)
    assert client.post(f"/activities/{follow_up.pk}/reschedule/", {"date": "2031-01-06", "version": 1}).status_code == 412
    assert "Bring samples" in client.get("/activities/plan/").content.decode()
    assert client.get("/notifications/").status_code == 200
    assert client.get("/notifications/bell/").status_code == 200


def test_at_login_the_bell_opens_with_todays_new_activities(manager, seller, client, activity_of, act):
    task = activity_of(manager, subject="New for today")
    act(manager, "tasks", task.pk, "assign", {"owner": str(seller.pk)})
    assert client.post("/login/", {"username": "sam", "password": "Correct-Horse-9"}).status_code == 302
    bell = client.get("/notifications/bell/").content.decode()
    assert " open>" in bell or " open " in bell
    assert "New for today" in bell and "Mia Manager" in bell
    again = client.get("/notifications/bell/").content.decode()
    assert "Today&#x27;s new activities" not in again and "Today's new activities" not in again
    assert Notification.objects.filter(recipient=seller, read_on__isnull=True).count() == 1
