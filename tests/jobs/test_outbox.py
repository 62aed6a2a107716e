"""The outbox: events written with a write are handed to the handlers in order, once."""

import pytest

from rapport.core.actions.crud import create_record, update_record
from rapport.core.entities import get_entity
from rapport.core.jobs import outbox
from rapport.core.jobs.tasks import dispatch_outbox_events
from rapport.core.models import OutboxEvent


@pytest.fixture
def handler(monkeypatch):
    seen = []
    monkeypatch.setattr(outbox, "event_handlers", [])
    outbox.add_event_handler(lambda events: seen.extend((e.event_type, str(e.record_id)) for e in events))
    return seen


@pytest.mark.django_db
def test_pending_events_are_dispatched_in_order_and_only_once(admin, ctx, handler):
    accounts = get_entity("accounts")
    account = create_record(accounts, {"name": "Győri Építőipari Kft."}, ctx(admin)).record
    update_record(accounts, account.pk, {"phone": "+36 96 123 456"}, ctx(admin))
    assert outbox.pending_count() == 2

    assert outbox.dispatch_pending_events() == 2
    assert handler == [("accounts.created", str(account.pk)), ("accounts.updated", str(account.pk))]
    assert outbox.pending_count() == 0 and not OutboxEvent.objects.filter(dispatched_on__isnull=True).exists()
    assert outbox.dispatch_pending_events() == 0
    assert len(handler) == 2


@pytest.mark.django_db
def test_a_failing_handler_leaves_the_batch_pending_for_the_next_round(admin, ctx, monkeypatch):
    monkeypatch.setattr(outbox, "event_handlers", [])
    create_record(get_entity("accounts"), {"name": "Northwind Traders Ltd"}, ctx(admin))

    def broken(events):
        raise RuntimeError("receiver down")

    outbox.add_event_handler(broken)
    with pytest.raises(RuntimeError):
        outbox.dispatch_pending_events()
    assert outbox.pending_count() == 1
    outbox.event_handlers.remove(broken)
    assert dispatch_outbox_events.call() == 1
    assert outbox.pending_count() == 0


@pytest.mark.django_db
def test_the_dispatch_task_drains_more_than_one_batch(admin, ctx, handler):
    for number in range(5):
        create_record(get_entity("accounts"), {"name": f"ООО «Компания {number}»"}, ctx(admin))
    assert dispatch_outbox_events.call(limit=2) == 5
    assert len(handler) == 5
