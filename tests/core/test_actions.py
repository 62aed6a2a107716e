"""The action runner: all or nothing, audit and outbox with the write, refusal order, visibility."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.core.actions.base import Action, ActionContext, ActionResult, run_action
from rapport.core.actions.crud import create_record, delete_record, save_record, update_record
from rapport.core.entities import get_entity
from rapport.core.errors import (
    InvalidState,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    RecordValidationError,
)
from rapport.core.models import AuditEntry, OutboxEvent
from rapport.core.registry import registry
from rapport.core.testing.api import assert_problem, patch, post

pytestmark = pytest.mark.django_db


class Boom(RuntimeError):
    pass


def accounts():
    return get_entity("accounts")


def new_account(user, **data):
    return create_record(accounts(), {"name": "Acme", **data}, ActionContext(user=user)).record


def state_of(record):
    """Everything an API user could notice about a record, plus what was logged about it."""
    row = type(record).objects.filter(pk=record.pk).values().first()
    return row, AuditEntry.objects.filter(record_id=record.pk).count(), OutboxEvent.objects.filter(record_id=record.pk).count()


@pytest.fixture
def exploding_action(monkeypatch):
    """A test-only action on accounts whose handler saves a change and then fails."""

    def handler(spec, record, ctx, **inputs):
        record.city = "Half written"
        record.description = "the handler got this far"
        save_record(spec, record, ctx)
        raise Boom("failed after the save")

    action = Action(name="explode", label="Explode", handler=handler)
    monkeypatch.setitem(accounts().action_map, "explode", action)
    return action


def test_an_action_that_fails_midway_leaves_nothing_written(alice, exploding_action):
    record = new_account(alice)
    before = state_of(record)
    with pytest.raises(Boom):
        run_action("accounts", record.pk, "explode", ActionContext(user=alice))
    assert state_of(record) == before
    row = before[0]
    assert row["city"] == "" and row["version"] == 1


@pytest.fixture
def failing_hook(monkeypatch):
    """A write hook (like the search index) that fails after the row is saved."""
    calls = []

    def hook(phase, spec, record, ctx, operation):
        calls.append((phase, operation))
        if phase in {"after_save", "after_delete"} and spec.set_name == "accounts":
            raise Boom(f"hook failed in {phase}")

    monkeypatch.setitem(registry["write_hooks"], "zz-test-failing-hook", hook)
    return calls


def test_a_create_that_fails_after_the_save_leaves_no_record_no_audit_no_event(alice, failing_hook):
    from rapport.customers.models import Account

    audits, events = AuditEntry.objects.count(), OutboxEvent.objects.count()
    with pytest.raises(Boom):
        create_record(accounts(), {"name": "Never"}, ActionContext(user=alice))
    assert ("after_save", "create") in failing_hook
    assert not Account.objects.filter(name="Never").exists()
    assert (AuditEntry.objects.count(), OutboxEvent.objects.count()) == (audits, events)


def test_an_update_and_a_delete_that_fail_after_writing_change_nothing(alice, monkeypatch):
    record = new_account(alice, city="Before")
    before = state_of(record)

    def hook(phase, spec, rec, ctx, operation):
        if phase in {"after_save", "after_delete"}:
            raise Boom(phase)

    monkeypatch.setitem(registry["write_hooks"], "zz-test-failing-hook", hook)
    with pytest.raises(Boom):
        update_record(accounts(), record.pk, {"city": "After"}, ActionContext(user=alice))
    assert state_of(record) == before
    with pytest.raises(Boom):
        delete_record(accounts(), record.pk, ActionContext(user=alice))
    assert state_of(record) == before
    with pytest.raises(Boom):
        run_action("accounts", record.pk, "deactivate", ActionContext(user=alice), {"status_reason": "closed"})
    assert state_of(record) == before


def test_a_failure_during_an_api_request_answers_500_and_writes_nothing(alice, api_client, failing_hook):
    from rapport.customers.models import Account

    client = api_client(alice)
    client.raise_request_exception = False
    audits, events = AuditEntry.objects.count(), OutboxEvent.objects.count()
    response = post(client, "/api/v1/accounts/", {"name": "Half"})
    assert response.status_code == 500
    assert not Account.objects.filter(name="Half").exists()
    assert (AuditEntry.objects.count(), OutboxEvent.objects.count()) == (audits, events)


def test_a_successful_action_writes_one_audit_entry_and_one_outbox_event(alice):
    record = new_account(alice)
    audits = AuditEntry.objects.filter(record_id=record.pk).count()
    events = OutboxEvent.objects.filter(record_id=record.pk).count()
    ctx = ActionContext(user=alice, channel="workflow")
    result = run_action("accounts", record.pk, "deactivate", ctx, {"status_reason": "duplicate"})
    assert result.record.state == "inactive"
    entry = AuditEntry.objects.filter(record_id=record.pk).order_by("-occurred_on").first()
    assert AuditEntry.objects.filter(record_id=record.pk).count() == audits + 1
    assert entry.action == "state" and entry.channel == "workflow" and entry.request_id == ctx.request_id
    assert entry.changes["state"] == ["active", "inactive"] and entry.changes["status_reason"] == ["", "duplicate"]
    assert OutboxEvent.objects.filter(record_id=record.pk).count() == events + 1
    event = OutboxEvent.objects.filter(record_id=record.pk, event_type="accounts.deactivate").get()
    assert event.payload["changes"]["state"] == ["active", "inactive"]


def test_a_create_writes_a_created_event(alice):
    record = new_account(alice)
    assert OutboxEvent.objects.filter(record_id=record.pk, event_type="accounts.created").count() == 1


# --- post-write visibility -------------------------------------------------------------------------------


def test_a_write_that_would_hide_the_record_from_its_writer_is_refused_and_rolled_back(alice, bob, monkeypatch):
    from rapport.core.actions.crud import set_owner

    def give_away(spec, record, ctx, **inputs):
        set_owner(record, bob)
        save_record(spec, record, ctx)
        return ActionResult(record=record)

    monkeypatch.setitem(accounts().action_map, "give-away", Action(name="give-away", label="Give away", handler=give_away))
    record = new_account(alice)
    before = state_of(record)
    with pytest.raises(PermissionDenied):
        run_action("accounts", record.pk, "give-away", ActionContext(user=alice))
    assert state_of(record) == before
    # The declared assign action opts out of the check on purpose: handing a record over is its job.
    run_action("accounts", record.pk, "assign", ActionContext(user=alice), {"owner": str(bob.pk)})
    assert type(record).objects.get(pk=record.pk).owner_user_id == bob.pk


# --- the runner's refusal order: 404, 403, 412, 400 (input), 400 (state) -------------------------------------


@pytest.fixture
def admins_note_on_alices_account(alice, admin):
    """A note alice may read (it is on her account) but not change (the administrator owns it)."""
    account = new_account(alice)
    note = create_record(get_entity("notes"), {"regarding": {"entity": "accounts", "id": str(account.pk)}, "title": "Admin's"},
                         ActionContext(user=admin)).record
    return note


def test_404_comes_first(alice, bob):
    record = new_account(alice)
    with pytest.raises(NotFound):
        run_action("accounts", record.pk, "deactivate", ActionContext(user=bob), {"colour": 1}, if_match='"99"')
    with pytest.raises(NotFound):
        run_action("accounts", "00000000-0000-0000-0000-000000000000", "deactivate", ActionContext(user=alice))
    with pytest.raises(NotFound):
        run_action("accounts", record.pk, "no-such-action", ActionContext(user=alice))
    with pytest.raises(NotFound):
        run_action("no-such-set", record.pk, "deactivate", ActionContext(user=alice))


def test_403_on_a_readable_record_without_the_privilege_comes_before_412_and_400(alice, admins_note_on_alices_account):
    note = admins_note_on_alices_account
    before = state_of(note)
    with pytest.raises(PermissionDenied):
        run_action("notes", note.pk, "assign", ActionContext(user=alice), {"colour": 1}, if_match='"99"')
    with pytest.raises(PermissionDenied):
        update_record(get_entity("notes"), note.pk, {"colour": 1}, ActionContext(user=alice), if_match='"99"')
    with pytest.raises(PermissionDenied):
        delete_record(get_entity("notes"), note.pk, ActionContext(user=alice), if_match='"99"')
    assert state_of(note) == before


def test_403_through_the_api_for_a_readable_record(alice, api_client, admins_note_on_alices_account):
    note = admins_note_on_alices_account
    client = api_client(alice)
    before = state_of(note)
    assert client.get(f"/api/v1/notes/{note.pk}/").status_code == 200
    assert_problem(patch(client, f"/api/v1/notes/{note.pk}/", {"title": "Mine now"}), 403, "permission-denied")
    assert_problem(post(client, f"/api/v1/notes/{note.pk}/assign/", {"owner": str(alice.pk)}), 403, "permission-denied")
    assert_problem(client.delete(f"/api/v1/notes/{note.pk}/"), 403, "permission-denied")
    assert state_of(note) == before


def test_412_comes_before_input_validation_and_state(alice):
    record = new_account(alice)
    run_action("accounts", record.pk, "deactivate", ActionContext(user=alice))
    with pytest.raises(PreconditionFailed):
        run_action("accounts", record.pk, "deactivate", ActionContext(user=alice), {"status_reason": "bored"}, if_match='"1"')


def test_input_validation_comes_before_the_state_precondition(alice):
    record = new_account(alice)
    run_action("accounts", record.pk, "deactivate", ActionContext(user=alice))
    with pytest.raises(RecordValidationError) as raised:
        run_action("accounts", record.pk, "deactivate", ActionContext(user=alice), {"status_reason": "bored"})
    assert "status_reason" in raised.value.errors
    with pytest.raises(InvalidState):
        run_action("accounts", record.pk, "deactivate", ActionContext(user=alice), {"status_reason": "closed"})


def test_a_refused_action_changes_nothing(alice):
    record = new_account(alice)
    run_action("accounts", record.pk, "deactivate", ActionContext(user=alice))
    before = state_of(record)
    for inputs in ({"status_reason": "closed"}, {"status_reason": "bored"}, ["not", "an", "object"]):
        with pytest.raises((InvalidState, RecordValidationError)):
            run_action("accounts", record.pk, "deactivate", ActionContext(user=alice), inputs)
    with pytest.raises(InvalidState):
        update_record(accounts(), record.pk, {"city": "Read-only"}, ActionContext(user=alice))
    assert state_of(record) == before


def test_read_only_state_refuses_other_actions_but_not_activate(alice, bob):
    record = new_account(alice)
    run_action("accounts", record.pk, "deactivate", ActionContext(user=alice))
    with pytest.raises(InvalidState):
        run_action("accounts", record.pk, "assign", ActionContext(user=alice), {"owner": str(bob.pk)})
    run_action("accounts", record.pk, "activate", ActionContext(user=alice))
    assert type(record).objects.get(pk=record.pk).state == "active"


def test_anonymous_and_disabled_users_hold_no_privilege(alice):
    record = new_account(alice)
    alice.is_active = False
    with pytest.raises(NotFound):
        run_action("accounts", record.pk, "deactivate", ActionContext(user=alice))
    with pytest.raises(PermissionDenied):
        create_record(accounts(), {"name": "Ghost"}, ActionContext(user=alice))
    assert Client().get("/api/v1/accounts/").status_code == 401
