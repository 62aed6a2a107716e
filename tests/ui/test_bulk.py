"""Bulk actions from a list: each record through its action, with a summary of what failed and why."""

import html

import pytest

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_bulk_deactivate_asks_first_then_reports_per_record(signed_in, make_record, alice, bob):
    from rapport.customers.models import Account

    mine = [make_record(alice, "accounts", name=f"Mine {i}") for i in range(2)]
    theirs = make_record(bob, "accounts", name="Bob's secret")
    client = signed_in(alice)
    ids = [str(a.pk) for a in mine] + [str(theirs.pk)]
    confirm = client.post("/accounts/bulk/", {"bulk_action": "deactivate", "ids": ids, "next": "/accounts/?view=all"})
    page = text_of(confirm)
    assert confirm.status_code == 200 and "Deactivate: 3 records" in page and 'name="status_reason"' in page
    assert "Bob's secret" not in page
    assert Account.objects.filter(state="inactive").count() == 0  # asking changes nothing
    result = client.post("/accounts/bulk/", {"bulk_action": "deactivate", "ids": ids, "confirmed": "1",
                                             "status_reason": "closed", "next": "/accounts/?view=all"})
    page = text_of(result)
    assert "Deactivate: 2 of 3 records succeeded." in page
    assert "The record does not exist or you may not see it." in page and "Bob's secret" not in page
    assert set(Account.objects.filter(state="inactive").values_list("name", flat=True)) == {"Mine 0", "Mine 1"}
    assert Account.objects.get(pk=theirs.pk).state == "active"
    assert 'href="/accounts/?view=all"' in page


def test_bulk_activate_runs_at_once_and_names_the_refusal(signed_in, make_record, alice):
    from rapport.core.actions.base import ActionContext, run_action

    sleeping = make_record(alice, "accounts", name="Sleeping")
    awake = make_record(alice, "accounts", name="Awake")
    run_action("accounts", sleeping.pk, "deactivate", ActionContext(user=alice), {})
    page = text_of(signed_in(alice).post("/accounts/bulk/", {"bulk_action": "activate", "ids": [sleeping.pk, awake.pk]}))
    assert "Activate: 1 of 2 records succeeded." in page
    assert "Awake" in page and "The record is already active." in page
    sleeping.refresh_from_db()
    assert sleeping.state == "active"


def test_bulk_delete_and_assign(signed_in, make_record, alice, bob):
    from rapport.customers.models import Account

    loose = make_record(alice, "accounts", name="Loose")
    held = make_record(alice, "accounts", name="Held")
    make_record(alice, "contacts", last_name="Anchor", account=str(held.pk))
    client = signed_in(alice)
    confirm = text_of(client.post("/accounts/bulk/", {"bulk_action": "delete", "ids": [loose.pk, held.pk]}))
    assert "This cannot be undone." in confirm and Account.objects.count() == 2
    page = text_of(client.post("/accounts/bulk/", {"bulk_action": "delete", "ids": [loose.pk, held.pk], "confirmed": "1"}))
    assert "Delete: 1 of 2 records succeeded." in page and "Other records depend on it: 1 contacts." in page
    assert list(Account.objects.values_list("name", flat=True)) == ["Held"]

    missing_owner = client.post("/accounts/bulk/", {"bulk_action": "assign", "ids": [held.pk], "confirmed": "1", "owner": ""})
    assert missing_owner.status_code == 400 and "This field is required." in text_of(missing_owner)
    assigned = text_of(client.post("/accounts/bulk/", {"bulk_action": "assign", "ids": [held.pk], "confirmed": "1",
                                                       "owner": str(bob.pk)}))
    assert "Assign: 1 of 1 record succeeded." in assigned
    held.refresh_from_db()
    assert held.owner_user_id == bob.pk


def test_nothing_selected(signed_in, alice):
    response = signed_in(alice).post("/accounts/bulk/", {"bulk_action": "activate", "next": "/accounts/"}, follow=True)
    assert "Select at least one record first." in text_of(response)
