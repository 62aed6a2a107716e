"""Opportunity actions through the API (API.md "opportunities"): stages, criteria, win, lose, reopen."""

import datetime as dt
from decimal import Decimal

import pytest

from rapport.core.models import AuditEntry
from rapport.core.testing.api import assert_problem, patch, post
from rapport.sales.models import OpportunityClose, OpportunityCompetitor, SalesStage, StageCriterion

pytestmark = pytest.mark.django_db


def url(record, action=""):
    return f"/api/v1/opportunities/{record.pk}/" + (f"{action}/" if action else "")


def tick_all(act, user, opportunity, stage_code):
    stage = SalesStage.objects.get(sales_process=opportunity.sales_process, code=stage_code)
    for criterion in StageCriterion.objects.filter(stage=stage):
        act(user, "opportunities", opportunity, "check-criterion", criterion=str(criterion.pk), checked=True)
    opportunity.refresh_from_db()


def test_a_new_opportunity_starts_in_the_default_process_first_stage(opportunity, alice, api_client):
    body = api_client(alice).get(url(opportunity)).json()
    assert body["stage"] == "identification" and body["probability"] == 0 and body["state"] == "open"
    assert body["customer_type"] == "accounts"
    assert body["sales_process"] == str(opportunity.sales_process_id)


def test_customer_may_be_a_contact_and_is_required(create, alice, api_client):
    contact = create(alice, "contacts", last_name="Petrov")
    client = api_client(alice)
    response = post(client, "/api/v1/opportunities/", {"topic": "Grader", "customer": str(contact.pk)})
    assert response.status_code == 201, response.content
    assert response.json()["customer_type"] == "contacts"
    assert_problem(post(client, "/api/v1/opportunities/", {"topic": "Grader"}), 400, "validation", "customer", "required")
    assert_problem(post(client, "/api/v1/opportunities/", {"topic": "Grader", "stage": "proposal", "customer": str(contact.pk)}),
                   400, "validation", "stage", "read-only")


def test_promote_is_refused_until_the_exit_criteria_are_met(opportunity, alice, api_client, act):
    client = api_client(alice)
    body = assert_problem(post(client, url(opportunity, "promote")), 400, "invalid-state")
    assert "Customer is in market" in body["detail"]
    opportunity.refresh_from_db()
    assert opportunity.stage == "identification" and opportunity.version == 1
    tick_all(act, alice, opportunity, "identification")
    response = post(client, url(opportunity, "promote"))
    assert response.status_code == 200, response.content
    record = response.json()["record"]
    assert record["stage"] == "qualification" and record["probability"] == 20
    entry = AuditEntry.objects.filter(record_id=opportunity.pk, action="stage").latest("occurred_on")
    assert entry.changes["stage"] == ["identification", "qualification"]
    assert entry.changes["time_in_stage"][0]["stage"] == "identification"
    assert entry.changes["time_in_stage"][0]["seconds"] >= 0


def test_demote_and_set_stage(opportunity, alice, api_client, act):
    client = api_client(alice)
    assert_problem(post(client, url(opportunity, "demote")), 400, "invalid-state")
    # Jumping ahead passes through stages whose criteria are unmet: refused, nothing changes.
    body = assert_problem(post(client, url(opportunity, "set-stage"), {"stage": "proposal"}), 400, "invalid-state")
    assert "Identification" in body["detail"]
    assert_problem(post(client, url(opportunity, "set-stage"), {"stage": "nowhere"}), 400, "validation", "stage")
    assert_problem(post(client, url(opportunity, "set-stage"), {}), 400, "validation", "stage", "required")
    assert_problem(post(client, url(opportunity, "set-stage"), {"stage": "closed_won"}), 400, "invalid-state")
    for code in ("identification", "qualification", "development"):
        tick_all(act, alice, opportunity, code)
    response = post(client, url(opportunity, "set-stage"), {"stage": "proposal"})
    assert response.status_code == 200 and response.json()["record"]["stage"] == "proposal"
    assert response.json()["record"]["probability"] == 60
    assert_problem(post(client, url(opportunity, "promote")), 400, "invalid-state")  # the last open stage
    demoted = post(client, url(opportunity, "demote"))
    assert demoted.status_code == 200 and demoted.json()["record"]["stage"] == "development"
    back = post(client, url(opportunity, "set-stage"), {"stage": "identification"})  # backwards needs nothing
    assert back.json()["record"]["stage"] == "identification"


def test_win_records_revenue_and_a_close_and_makes_the_opportunity_read_only(opportunity, alice, api_client):
    client = api_client(alice)
    response = post(client, url(opportunity, "win"), {"actual_revenue": "480000.00", "actual_close_date": "2030-02-01"})
    assert response.status_code == 200, response.content
    body = response.json()
    record = body["record"]
    assert (record["state"], record["status_reason"], record["stage"], record["probability"]) == ("won", "won", "closed_won", 100)
    assert record["actual_revenue"] == "480000.00" and record["actual_close_date"] == "2030-02-01"
    close = OpportunityClose.objects.get(pk=body["created"]["opportunity_close"])
    assert close.outcome == "won" and close.actual_revenue == Decimal("480000.00") and close.close_date == dt.date(2030, 2, 1)
    version = record["version"]
    # Winning a closed opportunity is refused and changes nothing.
    assert_problem(post(client, url(opportunity, "win"), {}), 400, "invalid-state")
    assert_problem(post(client, url(opportunity, "lose"), {"status_reason": "lost"}), 400, "invalid-state")
    assert_problem(patch(client, url(opportunity), {"topic": "Changed"}), 400, "invalid-state")
    assert_problem(post(client, url(opportunity, "promote")), 400, "invalid-state")
    opportunity.refresh_from_db()
    assert opportunity.version == version and opportunity.topic == "Ten excavators"
    assert OpportunityClose.objects.filter(opportunity=opportunity).count() == 1


def test_win_defaults_to_the_estimate_and_today(opportunity, alice, api_client):
    record = post(api_client(alice), url(opportunity, "win"), {}).json()["record"]
    assert record["actual_revenue"] == "500000.00" and record["actual_close_date"] is not None


def test_lose_to_a_competitor_then_reopen(opportunity, competitor, alice, api_client):
    client = api_client(alice)
    assert_problem(post(client, url(opportunity, "lose"), {"status_reason": "won"}), 400, "validation", "status_reason")
    response = post(client, url(opportunity, "lose"), {"status_reason": "out_sold", "competitor": str(competitor.pk),
                                                         "description": "Price was 8% lower"})
    assert response.status_code == 200, response.content
    record = response.json()["record"]
    assert (record["state"], record["status_reason"], record["stage"], record["probability"]) == ("lost", "out_sold", "closed_lost", 0)
    assert OpportunityCompetitor.objects.filter(opportunity=opportunity, competitor=competitor).exists()
    close = OpportunityClose.objects.get(pk=response.json()["created"]["opportunity_close"])
    assert close.competitor == competitor and close.reason == "out_sold" and close.description == "Price was 8% lower"
    reopened = post(client, url(opportunity, "reopen"))
    assert reopened.status_code == 200
    record = reopened.json()["record"]
    assert (record["state"], record["stage"], record["actual_close_date"]) == ("open", "proposal", None)
    assert_problem(post(client, url(opportunity, "reopen")), 400, "invalid-state")


def test_no_deal_goes_to_closed_no_deal(opportunity, alice, api_client):
    record = post(api_client(alice), url(opportunity, "lose"), {"status_reason": "no_deal"}).json()["record"]
    assert record["stage"] == "closed_no_deal"


def test_dynamics_process_stages(create, alice, account, api_client, act):
    from rapport.sales.models import SalesProcess

    process = SalesProcess.objects.get(code="dynamics-365")
    opportunity = create(alice, "opportunities", topic="Fleet", customer=str(account.pk), sales_process=str(process.pk))
    assert (opportunity.stage, opportunity.probability) == ("qualify", 10)
    tick_all(act, alice, opportunity, "qualify")
    assert post(api_client(alice), url(opportunity, "promote")).json()["record"]["stage"] == "develop"
    codes = list(SalesStage.objects.filter(sales_process=process).order_by("sequence").values_list("code", flat=True))
    assert codes == ["qualify", "develop", "propose", "close"]


def test_shipped_westrac_stages_and_probabilities():
    from rapport.sales.models import SalesProcess

    process = SalesProcess.objects.get(code="westrac")
    stages = SalesStage.objects.filter(sales_process=process).order_by("sequence")
    assert [(s.code, s.probability) for s in stages] == [
        ("identification", 0), ("qualification", 20), ("development", 40), ("proposal", 60), ("closed_won", 100),
        ("closed_lost", 0), ("closed_no_deal", 0)]
    assert process.is_default


def test_estimated_revenue_follows_the_product_lines(create, alice, account, api_client):
    client = api_client(alice)
    opportunity = create(alice, "opportunities", topic="Parts", customer=str(account.pk), revenue_system_calculated=True)
    line = post(client, "/api/v1/opportunity-products/", {"opportunity": str(opportunity.pk), "product_name": "Bucket",
                                                          "quantity": "2", "price_per_unit": "1500.00",
                                                          "manual_discount": "100.00"})
    assert line.status_code == 201, line.content
    assert line.json()["extended_amount"] == "2900.00"
    post(client, "/api/v1/opportunity-products/", {"opportunity": str(opportunity.pk), "product_name": "Teeth",
                                                   "quantity": "10", "price_per_unit": "20.00"})
    assert client.get(url(opportunity)).json()["estimated_revenue"] == "3100.00"
    assert_problem(post(client, "/api/v1/opportunity-products/", {"opportunity": str(opportunity.pk), "product_name": "X",
                                                                  "quantity": "1", "price_per_unit": "5.00",
                                                                  "manual_discount": "6.00"}),
                   400, "validation", "manual_discount")
    client.delete(f"/api/v1/opportunity-products/{line.json()['id']}/")
    assert client.get(url(opportunity)).json()["estimated_revenue"] == "200.00"
    # A closed opportunity's lines are read-only with it.
    post(client, url(opportunity, "win"), {})
    assert_problem(post(client, "/api/v1/opportunity-products/", {"opportunity": str(opportunity.pk), "product_name": "Y",
                                                                  "quantity": "1", "price_per_unit": "1.00"}),
                   400, "invalid-state")


def test_another_salesperson_sees_neither_the_opportunity_nor_its_lines(opportunity, alice, bob, api_client):
    client = api_client(alice)
    line = post(client, "/api/v1/opportunity-products/", {"opportunity": str(opportunity.pk), "product_name": "Bucket",
                                                          "quantity": "1", "price_per_unit": "10.00"}).json()
    other = api_client(bob)
    assert_problem(other.get(f"/api/v1/opportunity-products/{line['id']}/"), 404, "not-found")
    assert_problem(post(other, url(opportunity, "win"), {}), 404, "not-found")
    assert other.get("/api/v1/opportunity-products/").json()["results"] == []
