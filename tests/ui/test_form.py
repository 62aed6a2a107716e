"""The record form: layout from metadata, the action layer's messages, optimistic concurrency, lookups."""

import html
import json
import re

import pytest

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def account_form(**values):
    data = {"name": "", "currency": "EUR"}
    data.update(values)
    return data


def test_the_new_form_has_the_specs_tabs_sections_and_required_marks(signed_in, alice):
    page = text_of(signed_in(alice).get("/accounts/new/"))
    for title in ("Summary", "Details", "Account information", "Contact details", "Address", "Billing"):
        assert title in page
    assert re.search(r'<input type="text" id="id_name" name="name" value=""[^>]*aria-required="true"', page)
    assert 'value="USD"' in page  # the model's default currency is filled in
    assert 'role="combobox"' in page and 'data-lookup="/accounts/lookup/"' in page  # parent account type-ahead
    assert 'data-quick-create="/contacts/quick-create/"' in page  # primary contact can be created in a dialog


def test_creating_through_the_form_uses_the_action_and_is_audited(signed_in, alice):
    from rapport.core.models import AuditEntry
    from rapport.customers.models import Account

    response = signed_in(alice).post("/accounts/new/", account_form(name="Északi Bánya Zrt", city="Pécs", credit_hold="on"))
    account = Account.objects.get(name="Északi Bánya Zrt")
    assert response.status_code == 302 and response["Location"] == f"/accounts/{account.pk}/"
    assert account.city == "Pécs" and account.credit_hold is True and account.owner_user_id == alice.pk
    entry = AuditEntry.objects.get(record_id=account.pk)
    assert (entry.action, entry.channel) == ("create", "ui")


def test_a_validation_error_is_shown_with_the_apis_message_and_nothing_is_saved(signed_in, api_client, alice):
    from rapport.customers.models import Account

    response = signed_in(alice).post("/accounts/new/", account_form(email="not-an-address", employees="-3", city="Kept"))
    assert response.status_code == 400
    page = text_of(response)
    api = api_client(alice).post("/api/v1/accounts/", {"email": "not-an-address", "employees": -3},
                                 content_type="application/json").json()
    for field in ("name", "email", "employees"):
        for message in api["errors"][field]:
            assert message in page
    assert "The record was not saved" in page
    assert 'value="Kept"' in page  # the input is kept
    assert 'aria-invalid="true"' in page
    assert Account.objects.count() == 0


def test_an_error_on_another_tab_opens_that_tab(signed_in, alice):
    page = text_of(signed_in(alice).post("/accounts/new/", account_form(name="Fine", employees="many")))
    # The "Details" tab holds employees: it is the visible one and marked as having errors.
    assert re.search(r'id="form-tab-1"[^>]*role="tabpanel"[^>]*>', page)
    assert not re.search(r'id="form-tab-1"[^>]*hidden', page)
    assert re.search(r'id="form-tab-0"[^>]*hidden', page)
    assert "Enter a whole number." in page


def test_editing_keeps_concurrent_changes_apart(signed_in, make_record, alice):

    account = make_record(alice, "accounts", name="Original", city="Eger")
    first, second = signed_in(alice), signed_in(alice)
    form_a = text_of(first.get(f"/accounts/{account.pk}/edit/"))
    assert 'name="version" value="1"' in form_a
    saved = first.post(f"/accounts/{account.pk}/edit/", account_form(name="Saved first", city="Eger", version="1"))
    assert saved.status_code == 302
    stale = second.post(f"/accounts/{account.pk}/edit/", account_form(name="Saved second", city="Vác", version="1"))
    assert stale.status_code == 409
    page = text_of(stale)
    assert "Someone else saved this record after you opened it." in page
    assert 'value="Saved second"' in page and 'value="Vác"' in page  # the second person's input is kept
    assert "Saved first" in page  # and they see what the other person saved
    account.refresh_from_db()
    assert (account.name, account.city, account.version) == ("Saved first", "Eger", 2)
    # Only when asked does the second person's version replace the first one.
    overwrite = second.post(f"/accounts/{account.pk}/edit/",
                            account_form(name="Saved second", city="Vác", version="1", overwrite="2"))
    assert overwrite.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.city) == ("Saved second", "Vác")


def test_another_users_record_is_not_found(signed_in, make_record, alice, bob):
    account = make_record(bob, "accounts", name="Bob's")
    client = signed_in(alice)
    for url in (f"/accounts/{account.pk}/", f"/accounts/{account.pk}/edit/", f"/accounts/{account.pk}/audit/",
                f"/accounts/{account.pk}/delete/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Bob's" not in text_of(response)
    assert client.post(f"/accounts/{account.pk}/edit/", account_form(name="Taken", version="1")).status_code == 404


def test_an_inactive_record_is_not_edited(signed_in, make_record, alice):
    from rapport.core.actions.base import ActionContext, run_action

    account = make_record(alice, "accounts", name="Sleeping")
    run_action("accounts", account.pk, "deactivate", ActionContext(user=alice), {})
    response = signed_in(alice).get(f"/accounts/{account.pk}/edit/", follow=True)
    assert "read-only" in text_of(response)


def test_lookups_offer_readable_records_by_quick_find(signed_in, make_record, alice, bob):
    make_record(alice, "accounts", name="Alpha Mining", city="Pécs")
    make_record(alice, "accounts", name="Alphabet Soup", city="Győr")
    make_record(bob, "accounts", name="Alpha Hidden")
    client = signed_in(alice)
    body = client.get("/accounts/lookup/?q=alpha", HTTP_ACCEPT="application/json").json()
    assert [(r["name"], r["hint"]) for r in body["results"]] == [("Alpha Mining", "Pécs"), ("Alphabet Soup", "Győr")]
    options = client.get("/accounts/lookup/?q=soup", HTTP_HX_REQUEST="true").content.decode()
    assert 'role="option"' in options and "Alphabet Soup" in options and "Alpha Mining" not in options


def test_a_lookup_filled_in_through_the_form(signed_in, make_record, alice):
    from rapport.customers.models import Contact

    account = make_record(alice, "accounts", name="Employer")
    client = signed_in(alice)
    page = text_of(client.get(f"/contacts/new/?account={account.pk}"))
    assert f'value="{account.pk}"' in page and 'value="Employer"' in page  # pre-filled from a sub-grid link
    response = client.post("/contacts/new/", {"last_name": "Kovács", "first_name": "Anna", "account": str(account.pk),
                                              "account__display": "Employer"})
    assert response.status_code == 302
    assert Contact.objects.get(last_name="Kovács").account_id == account.pk
    typed = client.post("/contacts/new/", {"last_name": "Nagy", "account": "", "account__display": "Nonexistent"})
    assert typed.status_code == 400
    assert "Choose a record from the list" in text_of(typed)
    assert not Contact.objects.filter(last_name="Nagy").exists()


def test_quick_create_in_a_dialog(signed_in, alice):
    from rapport.customers.models import Account

    client = signed_in(alice)
    form = text_of(client.get("/accounts/quick-create/", HTTP_HX_REQUEST="true"))
    assert "<html" not in form and 'name="name"' in form and 'name="city"' in form
    refused = client.post("/accounts/quick-create/", {"name": ""}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200 and "This field is required." in text_of(refused)
    created = client.post("/accounts/quick-create/", {"name": "Fresh Kft", "city": "Sopron"}, HTTP_HX_REQUEST="true")
    account = Account.objects.get(name="Fresh Kft")
    trigger = json.loads(created["HX-Trigger"])["rapport:created"]
    assert trigger == {"set": "accounts", "id": str(account.pk), "label": "Fresh Kft"}
