"""``GET /api/v1/search/`` and the search page ``/search/`` (API.md "Search and history")."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_answers_best_matches_first_in_the_documented_shape(alice, make_account, api_client):
    exact = make_account(alice, "华为")
    inside = make_account(alice, "北京华为科技有限公司")
    response = api_client(alice).get("/api/v1/search/", {"q": "華為", "entities": "accounts,contacts"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [str(exact.pk), str(inside.pk)]
    assert set(results[0]) == {"entity", "id", "name", "snippet"}
    assert results[1] == {"entity": "accounts", "id": str(inside.pk), "name": "北京华为科技有限公司",
                          "snippet": "北京华为科技有限公司"}


def test_the_api_searches_every_searchable_set_by_default_and_names_the_field_that_matched(alice, make_account, api_client):
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    make_account(alice, "Northwind Traders", city="Győr")
    create_record(get_entity("contacts"), {"first_name": "Anna", "last_name": "Győri"}, ActionContext(user=alice, channel="api"))
    results = api_client(alice).get("/api/v1/search/", {"q": "GYOR"}).json()["results"]
    assert [r["entity"] for r in results] == ["contacts", "accounts"]  # the name match ranks first
    assert results[1]["snippet"].endswith(": Győr")


def test_an_unknown_entity_set_is_a_400_problem(alice, api_client):
    response = api_client(alice).get("/api/v1/search/", {"q": "华为", "entities": "accounts,spaceships"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["codes"] == {"entities": ["unknown-set"]}
    assert "spaceships" in body["detail"]


def test_bad_parameters_are_400_and_anonymous_callers_401(alice, api_client):
    client = api_client(alice)
    assert client.get("/api/v1/search/").status_code == 400
    assert client.get("/api/v1/search/", {"q": "x", "limit": "0"}).status_code == 400
    assert client.get("/api/v1/search/", {"q": "x", "colour": "red"}).status_code == 400
    assert client.get("/api/v1/search/", {"q": "   "}).json() == {"results": []}
    response = api_client().get("/api/v1/search/", {"q": "华为"})
    assert response.status_code == 401


def test_the_search_is_described_in_the_openapi_schema(alice, api_client):
    response = api_client(alice).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/search/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "entities"}
    assert {"200", "400", "401"} <= set(operation["responses"])


def test_the_search_page_groups_results_by_entity_with_links(alice, bob, make_account):
    from django.test import Client

    mine = make_account(alice, "北京华为科技有限公司")
    make_account(bob, "深圳华为电子有限公司")
    browser = Client()
    browser.force_login(alice)
    page = browser.get("/search/", {"q": "華為"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/accounts/{mine.pk}/"' in html
    assert "北京华为科技有限公司" in html and "深圳" not in html
    assert "Accounts" in html
    empty = browser.get("/search/", {"q": "nothing-like-this"})
    assert "Nothing matches" in empty.content.decode()
    assert browser.get("/search/", {"q": "x", "entities": "spaceships"}).status_code == 200


def test_the_search_page_needs_a_signed_in_user():
    from django.test import Client

    response = Client().get("/search/", {"q": "华为"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
