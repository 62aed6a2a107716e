"""Activity states (open → completed / cancelled), their refusals, assignment, rejection and conversion."""

import pytest

from rapport.activities.models import Activity, Notification
from rapport.core.entities import get_entity
from rapport.core.errors import InvalidState, PermissionDenied
from rapport.core.models import AuditEntry
from rapport.core.testing.api import assert_problem, patch, post

pytestmark = pytest.mark.django_db


def test_every_type_is_its_own_set_and_all_are_listed_together(alice, api_client):
    client = api_client(alice)
    for set_name, code in [("tasks", "task"), ("phone-calls", "phone_call"), ("emails", "email"), ("appointments", "appointment"),
                           ("letters", "letter"), ("faxes", "fax"), ("sms", "sms"), ("visits", "visit"), ("meetings", "meeting")]:
        created = post(client, f"/api/v1/{set_name}/", {"subject": f"A {code}", "priority": "urgent"})
        assert created.status_code == 201, created.content
        body = created.json()
        assert body["activity_type"] == code and body["state"] == "open" and body["priority"] == "urgent"
        assert [r["id"] for r in client.get(f"/api/v1/{set_name}/").json()["results"]] == [body["id"]]
    everything = client.get("/api/v1/activities/?page_size=50").json()["results"]
    assert len(everything) == 9
    assert {r["activity_type"] for r in everything} == {"task", "phone_call", "email", "appointment", "letter", "fax",
                                                        "sms", "visit", "meeting"}
    # A per-type set shows no other type, even by id.
    call = next(r for r in everything if r["activity_type"] == "phone_call")
    assert_problem(client.get(f"/api/v1/tasks/{call['id']}/"), 404, "not-found")


def test_per_type_fields_and_regarding(alice, api_client, account_of):
    account = account_of(alice)
    client = api_client(alice)
    body = post(client, "/api/v1/emails/", {
        "subject": "Offer", "to": "buyer@acme.example", "from": "alice@example.com", "direction": "outgoing",
        "regarding": {"entity": "accounts", "id": str(account.pk)}}).json()
    assert body["from"] == "alice@example.com" and body["to"] == "buyer@acme.example"
    assert body["regarding"] == {"entity": "accounts", "id": str(account.pk)}
    # The activity type is not written through a per-type set.
    assert_problem(patch(client, f"/api/v1/emails/{body['id']}/", {"activity_type": "task"}), 400, "validation",
                   "activity_type", "read-only")
    # The all-types set takes the type on create but never changes it.
    created = post(client, "/api/v1/activities/", {"activity_type": "visit", "subject": "Visit", "location": "Pécs"}).json()
    assert created["activity_type"] == "visit"
    assert_problem(patch(client, f"/api/v1/activities/{created['id']}/", {"activity_type": "task"}), 400, "validation",
                   "activity_type")
    # "any": "activities.regarding" finds accounts with activities.
    tree = '{"any": "activities.regarding", "where": {"field": "state", "op": "eq", "value": "open"}}'
    found = client.get("/api/v1/accounts/", {"filter": tree}).json()["results"]
    assert [r["id"] for r in found] == [str(account.pk)]


def test_complete_records_the_outcome_and_makes_the_activity_read_only(alice, api_client):
    client = api_client(alice)
    task = post(client, "/api/v1/tasks/", {"subject": "Call back"}).json()
    done = post(client, f"/api/v1/tasks/{task['id']}/complete/", {"outcome": "Customer wants a demo"})
    assert done.status_code == 200, done.content
    record = done.json()["record"]
    assert record["state"] == "completed" and record["outcome"] == "Customer wants a demo" and record["closed_on"]
    # Editing a completed activity is refused and changes nothing.
    assert_problem(patch(client, f"/api/v1/tasks/{task['id']}/", {"subject": "Changed"}), 400, "invalid-state")
    assert Activity.objects.get(pk=task["id"]).subject == "Call back"
    # So are cancelling and completing it again.
    assert_problem(post(client, f"/api/v1/tasks/{task['id']}/cancel/", {}), 400, "invalid-state")
    assert_problem(post(client, f"/api/v1/tasks/{task['id']}/complete/", {}), 400, "invalid-state")
    assert AuditEntry.objects.filter(record_id=task["id"], action="state").count() == 1


def test_a_cancelled_activity_cannot_be_completed_or_edited(alice, api_client):
    client = api_client(alice)
    call = post(client, "/api/v1/phone-calls/", {"subject": "Call", "phone_number": "+36 1 555 0100"}).json()
    cancelled = post(client, f"/api/v1/phone-calls/{call['id']}/cancel/", {"reason": "Customer closed"})
    assert cancelled.json()["record"]["state"] == "cancelled"
    problem = assert_problem(post(client, f"/api/v1/phone-calls/{call['id']}/complete/", {"outcome": "x"}), 400,
                             "invalid-state")
    assert "cancelled" in problem["detail"]
    assert_problem(patch(client, f"/api/v1/phone-calls/{call['id']}/", {"subject": "Again"}), 400, "invalid-state")
    record = Activity.objects.get(pk=call["id"])
    assert record.state == "cancelled" and record.outcome == "Customer closed"


def test_state_is_written_only_by_actions(alice, api_client):
    client = api_client(alice)
    task = post(client, "/api/v1/tasks/", {"subject": "Task"}).json()
    assert_problem(patch(client, f"/api/v1/tasks/{task['id']}/", {"state": "completed"}), 400, "validation", "state",
                   "read-only")


def test_assign_notifies_the_assignee_and_reject_hands_it_back(manager, seller, activity_of, act, api_client):
    task = activity_of(manager, subject="Visit the quarry", priority="urgent")
    result = act(manager, "tasks", task.pk, "assign", {"owner": str(seller.pk)})
    assert result.record.owner_user_id == seller.pk and result.record.assigned_by_id == manager.pk
    note = Notification.objects.get(recipient=seller)
    assert note.kind == "assigned" and "Visit the quarry" in note.title and note.record_id == task.pk
    assert AuditEntry.objects.filter(record_id=task.pk, action="assign").count() == 1
    # Only the assignee may reject.
    with pytest.raises(InvalidState):
        act(manager, "tasks", task.pk, "reject", {"reason": "no"})
    client = api_client(seller)
    assert_problem(post(client, f"/api/v1/tasks/{task.pk}/reject/", {}), 400, "validation", "reason", "required")
    rejected = post(client, f"/api/v1/tasks/{task.pk}/reject/", {"reason": "I am on leave that week"})
    assert rejected.status_code == 200, rejected.content
    task.refresh_from_db()
    assert task.owner_user_id == manager.pk and task.state == "open"
    assert task.rejection_reason == "I am on leave that week"
    back = Notification.objects.get(recipient=manager)
    assert back.kind == "rejected" and "I am on leave that week" in back.title
    assert AuditEntry.objects.filter(record_id=task.pk, action="reject", user=seller).count() == 1


def test_another_salesperson_cannot_act_on_my_activity(alice, bob, activity_of, act):
    from rapport.core.errors import NotFound

    task = activity_of(alice)
    with pytest.raises(NotFound):
        act(bob, "tasks", task.pk, "complete")


def test_comment_by_the_manager_notifies_the_owner(manager, seller, activity_of, act):
    task = activity_of(seller, subject="Weekly calls")
    act(manager, "activities", task.pk, "comment", {"text": "Call the big three first."})
    assert task.comments.get().text == "Call the big three first."
    assert Notification.objects.get(recipient=seller).kind == "comment"


def test_conversion_needs_the_sales_entities_or_links_both_ways(alice, account_of, activity_of, act, api_client):
    account = account_of(alice)
    call = activity_of(alice, "phone-calls", subject="Wants two excavators",
                       regarding={"entity": "accounts", "id": str(account.pk)})
    client = api_client(alice)
    answer = post(client, f"/api/v1/phone-calls/{call.pk}/convert-to-opportunity/", {})
    if get_entity("opportunities") is None:
        problem = assert_problem(answer, 400, "invalid-state")
        assert "opportunities" in problem["detail"]
        assert Activity.objects.get(pk=call.pk).converted_to_id is None
        return
    assert answer.status_code == 200, answer.content
    body = answer.json()
    opportunity_id = body["created"]["opportunity"]
    assert body["record"]["converted_to"] == {"entity": "opportunities", "id": opportunity_id}
    # The other way: the opportunity finds the activity it came from.
    tree = '{"any": "activities.converted_to"}'
    assert [r["id"] for r in client.get("/api/v1/opportunities/", {"filter": tree}).json()["results"]] == [opportunity_id]
    assert_problem(post(client, f"/api/v1/phone-calls/{call.pk}/convert-to-lead/", {}), 400, "invalid-state")


def test_privilege_checks_apply_to_actions(alice, bob, activity_of, act):
    task = activity_of(alice)
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record

    with pytest.raises(PermissionDenied):
        create_record(get_entity("escalation-rules"), {"name": "x", "kind": "notify_manager"},
                      ActionContext(user=bob))
    assert task.state == "open"
