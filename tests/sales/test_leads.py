"""Lead actions through the API (API.md "leads"): effects and refusals; nothing changes when refused."""

import pytest

from rapport.core.models import AuditEntry, OutboxEvent
from rapport.core.testing.api import assert_problem, patch, post
from rapport.customers.models import Account, Contact
from rapport.sales.models import Lead, Opportunity

pytestmark = pytest.mark.django_db


def url(lead, action=""):
    return f"/api/v1/leads/{lead.pk}/" + (f"{action}/" if action else "")


def counts():
    return (Account.objects.count(), Contact.objects.count(), Opportunity.objects.count())


def test_qualify_creates_account_contact_and_opportunity_carrying_the_lead(lead, alice, api_client):
    response = post(api_client(alice), url(lead, "qualify"), {
        "create_account": True, "create_contact": True, "create_opportunity": True,
        "existing_account": None, "existing_contact": None})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body["created"]) == {"account", "contact", "opportunity"}
    assert body["record"]["state"] == "qualified" and body["record"]["status_reason"] == "qualified"
    account = Account.objects.get(pk=body["created"]["account"])
    contact = Contact.objects.get(pk=body["created"]["contact"])
    opportunity = Opportunity.objects.get(pk=body["created"]["opportunity"])
    assert account.name == "Északi Bánya Zrt" and account.city == "Pécs"
    assert contact.full_name == "Anna Kovács" and contact.account == account and contact.email == "anna@eszaki.example"
    assert opportunity.originating_lead_id == lead.pk
    assert opportunity.customer_account == account and opportunity.contact == contact
    assert opportunity.topic == lead.topic and opportunity.stage == "identification"
    read = api_client(alice).get(f"/api/v1/opportunities/{opportunity.pk}/").json()
    assert read["originating_lead"] == str(lead.pk)
    assert read["customer"] == str(account.pk) and read["customer_type"] == "accounts"
    assert body["record"]["qualified_opportunity"] == str(opportunity.pk)
    # Each created record has its own audit entry; the lead's is a state change.
    assert AuditEntry.objects.filter(record_id=opportunity.pk, action="create").exists()
    assert AuditEntry.objects.filter(record_id=lead.pk, action="state").exists()


def test_qualify_defaults_to_all_three_and_can_use_existing_records(lead, create, alice, api_client):
    existing = create(alice, "accounts", name="Existing Mining Co")
    response = post(api_client(alice), url(lead, "qualify"), {"existing_account": str(existing.pk)})
    assert response.status_code == 200, response.content
    created = response.json()["created"]
    assert set(created) == {"contact", "opportunity"}
    opportunity = Opportunity.objects.get(pk=created["opportunity"])
    assert opportunity.customer_account == existing
    assert Contact.objects.get(pk=created["contact"]).account == existing


def test_qualify_only_an_account(lead, alice, api_client):
    response = post(api_client(alice), url(lead, "qualify"),
                    {"create_account": True, "create_contact": False, "create_opportunity": False})
    assert response.status_code == 200
    assert set(response.json()["created"]) == {"account"}


def test_converting_to_an_opportunity_needs_a_phone_or_email(create, alice, api_client):
    lead = create(alice, "leads", topic="Loader", last_name="Wang", company_name="Wang Ltd")
    before = counts()
    body = assert_problem(post(api_client(alice), url(lead, "qualify"), {}), 400, "validation", "phone",
                          "incomplete-for-opportunity")
    assert "phone number or an e-mail" in body["errors"]["phone"][0]
    assert counts() == before
    lead.refresh_from_db()
    assert lead.state == "open" and lead.version == 1


def test_converting_to_an_opportunity_needs_a_customer_and_a_contact(lead, alice, api_client):
    before = counts()
    assert_problem(post(api_client(alice), url(lead, "qualify"), {"create_account": False, "create_contact": False}),
                   400, "validation", "create_account", "incomplete-for-opportunity")
    assert counts() == before


def test_qualifying_a_disqualified_lead_is_refused_and_changes_nothing(lead, alice, api_client, act):
    act(alice, "leads", lead, "disqualify", status_reason="no_longer_interested")
    lead.refresh_from_db()
    client = api_client(alice)
    version, before, audits = lead.version, counts(), AuditEntry.objects.count()
    body = assert_problem(post(client, url(lead, "qualify"), {}), 400, "invalid-state")
    assert "disqualified" in body["detail"]
    lead.refresh_from_db()
    assert (lead.state, lead.version, counts(), AuditEntry.objects.count()) == ("disqualified", version, before, audits)


def test_disqualify_with_a_reason_then_reactivate(lead, alice, api_client):
    client = api_client(alice)
    assert_problem(post(client, url(lead, "disqualify"), {}), 400, "validation", "status_reason", "required")
    assert_problem(post(client, url(lead, "disqualify"), {"status_reason": "bored"}), 400, "validation",
                   "status_reason", "invalid-choice")
    response = post(client, url(lead, "disqualify"), {"status_reason": "no_longer_interested"})
    assert response.status_code == 200
    record = response.json()["record"]
    assert record["state"] == "disqualified" and record["status_reason"] == "no_longer_interested"
    assert record["status_reason_display"] == "No longer interested"
    assert_problem(post(client, url(lead, "disqualify"), {"status_reason": "lost"}), 400, "invalid-state")
    reopened = post(client, url(lead, "reactivate"), {})
    assert reopened.status_code == 200 and reopened.json()["record"]["state"] == "open"
    assert_problem(post(client, url(lead, "reactivate"), {}), 400, "invalid-state")


def test_editing_a_qualified_lead_is_refused_and_changes_nothing(lead, alice, api_client):
    client = api_client(alice)
    assert post(client, url(lead, "qualify"), {}).status_code == 200
    lead.refresh_from_db()
    version = lead.version
    body = assert_problem(patch(client, url(lead), {"topic": "Changed"}), 400, "invalid-state")
    assert "qualified" in body["detail"] and "read-only" in body["detail"]
    lead.refresh_from_db()
    assert lead.topic == "Two D9 dozers for the quarry" and lead.version == version
    # A qualified lead is not reactivated: its records carry on from it.
    assert_problem(post(client, url(lead, "reactivate"), {}), 400, "invalid-state")


def test_a_referred_lead_records_its_referrer(alice, api_client):
    client = api_client(alice)
    data = {"topic": "Grader", "last_name": "Li", "company_name": "Li Roads", "lead_source": "referral"}
    assert_problem(post(client, "/api/v1/leads/", data), 400, "validation", "referred_by")
    assert Lead.objects.count() == 0
    created = post(client, "/api/v1/leads/", {**data, "referred_by": "Operator club: Zhang Wei"})
    assert created.status_code == 201 and created.json()["referred_by"] == "Operator club: Zhang Wei"


def test_a_new_lead_notifies_its_owner(lead, alice, bob, api_client, admin):
    event = OutboxEvent.objects.get(event_type="leads.owner-notification", record_id=lead.pk)
    assert event.payload["owner"] == str(alice.pk) and event.payload["reason"] == "new"
    assert post(api_client(admin), url(lead, "assign"), {"owner": str(bob.pk)}).status_code == 200
    assigned = OutboxEvent.objects.filter(event_type="leads.owner-notification", record_id=lead.pk).order_by("-created_on").first()
    assert assigned.payload["owner"] == str(bob.pk) and assigned.payload["reason"] == "assigned"


def test_another_salesperson_cannot_qualify_my_lead(lead, bob, api_client):
    assert_problem(post(api_client(bob), url(lead, "qualify"), {}), 404, "not-found")
    lead.refresh_from_db()
    assert lead.state == "open"
