"""The public web-to-lead endpoint: form key, honeypot, rate limit (API.md "web-leads")."""

import pytest
from django.core.cache import cache

from rapport.core.models import OutboxEvent
from rapport.core.testing.api import assert_problem, post
from rapport.sales.models import Lead

pytestmark = pytest.mark.django_db
URL = "/api/v1/web-leads/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def web_form(create, admin, alice):
    return create(admin, "web-forms", name="Contact us", lead_source="web_site", default_owner=str(alice.pk))


def submission(form, **extra):
    return {"form_key": form.form_key, "topic": "Quote for a loader", "last_name": "Smith", "company_name": "Smith Haulage",
            "email": "smith@haulage.example", **extra}


def test_a_submission_creates_a_lead_owned_by_the_forms_default_owner(web_form, alice, api_client):
    response = post(api_client(), URL, submission(web_form))
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"id"}
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.owner_user == alice and lead.lead_source == "web_site" and lead.web_form_id == web_form.pk
    assert lead.state == "open"
    assert OutboxEvent.objects.filter(event_type="leads.owner-notification", record_id=lead.pk).exists()


def test_the_form_key_is_generated_and_read_only(web_form, admin, api_client):
    client = api_client(admin)
    body = client.get(f"/api/v1/web-forms/{web_form.pk}/").json()
    assert len(body["form_key"]) >= 20
    assert_problem(post(client, "/api/v1/web-forms/", {"name": "x", "form_key": "mine"}), 400, "validation", "form_key", "read-only")


def test_an_unknown_or_inactive_form_key_is_refused(web_form, admin, api_client, act):
    assert_problem(post(api_client(), URL, submission(web_form, form_key="nope")), 400, "validation", "form_key")
    assert_problem(post(api_client(), URL, {k: v for k, v in submission(web_form).items() if k != "form_key"}), 400,
                   "validation", "form_key")
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import update_record
    from rapport.core.entities import get_entity

    update_record(get_entity("web-forms"), web_form.pk, {"is_active": False}, ActionContext(user=admin))
    assert_problem(post(api_client(), URL, submission(web_form)), 400, "validation", "form_key")
    assert Lead.objects.count() == 0


def test_bad_lead_fields_are_named(web_form, api_client):
    assert_problem(post(api_client(), URL, submission(web_form, email="not-an-address")), 400, "validation", "email")
    assert_problem(post(api_client(), URL, submission(web_form, owner="x")), 400, "validation", "owner", "read-only")
    assert_problem(post(api_client(), URL, submission(web_form, lead_source="referral")), 400, "validation", "referred_by")
    assert Lead.objects.count() == 0


def test_the_honeypot_is_answered_like_a_success_and_stores_nothing(web_form, api_client):
    response = post(api_client(), URL, submission(web_form, website_url="http://spam.example"))
    assert response.status_code == 201 and "id" in response.json()
    assert Lead.objects.count() == 0


def test_submissions_are_rate_limited_per_address(web_form, api_client, settings):
    settings.RAPPORT_WEB_LEAD_RATE = (3, 60)
    client = api_client()
    for number in range(3):
        assert post(client, URL, submission(web_form, last_name=f"Smith {number}")).status_code == 201
    refused = post(client, URL, submission(web_form))
    assert_problem(refused, 429, "rate-limited")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert Lead.objects.count() == 3
    # Another address is not affected.
    import json

    other = client.post(URL, data=json.dumps(submission(web_form)), content_type="application/json", REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 201


def test_a_web_lead_gets_a_follow_up_task_due_within_24_hours(web_form, alice, api_client):
    from rapport.activities.models import Activity

    response = post(api_client(), URL, submission(web_form))
    lead = Lead.objects.get(pk=response.json()["id"])
    [task] = Activity.objects.filter(regarding_id=lead.pk, activity_type="task")
    assert task.owner_user == alice and task.state == "open" and task.priority == "urgent"
    hours = (task.due_on - lead.created_on).total_seconds() / 3600
    assert 23.9 < hours <= 24.01


def test_duplicate_rules_never_show_a_web_visitor_other_records(web_form, alice, bob, create, api_client):
    from rapport.duplicates.models import DuplicateRule
    from rapport.duplicates.shipped import ensure_shipped_rules

    create(bob, "leads", topic="Old", last_name="Smith", company_name="Smith Haulage", email="smith@haulage.example")
    ensure_shipped_rules(active=True)
    warn = post(api_client(), URL, submission(web_form))
    assert warn.status_code == 201  # a warn rule lets the registration in; a duplicate job finds it later
    DuplicateRule.objects.filter(name="Leads with the same e-mail address").update(mode="block")
    blocked = post(api_client(), URL, submission(web_form, topic="Again"))
    assert blocked.status_code == 409
    body = blocked.json()
    assert "duplicates" not in body and "bob" not in blocked.content.decode().lower()
    assert Lead.objects.filter(topic="Again").count() == 0
