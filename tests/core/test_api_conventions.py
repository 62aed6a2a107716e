"""Every convention of API.md, for accounts and contacts, through the HTTP API (issue 9 acceptance)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.test.client import encode_multipart
from django.utils import timezone

from rapport.core.testing.api import assert_problem, delete, patch, post

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/accounts/"
CONTACTS = "/api/v1/contacts/"
BOUNDARY = "BoUnDaRyStRiNg"


def url(set_name, pk=None, suffix=""):
    base = f"/api/v1/{set_name}/"
    if pk is None:
        return base
    return f"{base}{pk}/{suffix + '/' if suffix else ''}"


def make(client, set_name, **data):
    body = data or ({"name": "Acme"} if set_name == "accounts" else {"last_name": "Smith"})
    response = post(client, url(set_name), body)
    assert response.status_code == 201, response.content
    return response.json()


def names(response):
    assert response.status_code == 200, response.content
    return sorted(r["name"] for r in response.json()["results"])


def get(client, path, params=None):
    return client.get(path + ("?" + urlencode(params) if params else ""))


def account_row(pk):
    from rapport.customers.models import Account

    return Account.objects.filter(pk=pk).values().first()


def audit_count(pk=None):
    from rapport.core.models import AuditEntry

    rows = AuditEntry.objects.all()
    return rows.filter(record_id=pk).count() if pk else rows.count()


def outbox_count():
    from rapport.core.models import OutboxEvent

    return OutboxEvent.objects.count()


@pytest.fixture
def client(alice, api_client):
    return api_client(alice)


# --- CRUD ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("set_name,body,primary", [
    ("accounts", {"name": "Acme Mining", "city": "Perth", "industry": "mining"}, ("name", "Acme Mining")),
    ("contacts", {"first_name": "Ada", "last_name": "Lovelace", "birthday": "1990-12-10"}, ("full_name", "Ada Lovelace")),
])
def test_create_answers_201_with_record_location_and_etag(client, alice, set_name, body, primary):
    response = post(client, url(set_name), body)
    assert response.status_code == 201, response.content
    record = response.json()
    assert response["Location"].endswith(f"/api/v1/{set_name}/{record['id']}/")
    assert response["ETag"] == '"1"'
    assert record[primary[0]] == primary[1]
    assert record["version"] == 1
    assert record["owner"] == str(alice.pk) and record["owner_type"] == "users"
    assert record["owning_business_unit"] == str(alice.business_unit_id)
    assert record["created_by"] == record["modified_by"] == str(alice.pk)
    assert record["state"] == "active" and record["status_reason"] == ""
    assert record["custom"] == {}
    for key in ("created_on", "modified_on"):
        moment = dt.datetime.fromisoformat(record[key])
        assert moment.utcoffset() is not None, "datetimes carry an offset"
    # The Location answers the same record.
    again = client.get(response["Location"])
    assert again.status_code == 200 and again.json() == record
    assert again["ETag"] == '"1"'


def test_read_patch_delete_round_trip(client):
    record = make(client, "accounts", name="Round Trip", city="Oslo")
    detail = url("accounts", record["id"])
    changed = patch(client, detail, {"city": "Bergen", "phone": "+47 55 00 00 00"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["city"] == "Bergen" and changed.json()["version"] == 2
    assert changed["ETag"] == '"2"'
    assert client.get(detail).json()["phone"] == "+47 55 00 00 00"
    # A PATCH that changes nothing does not bump the version.
    same = patch(client, detail, {"city": "Bergen"})
    assert same.status_code == 200 and same.json()["version"] == 2
    gone = delete(client, detail)
    assert gone.status_code == 204 and gone.content == b""
    assert_problem(client.get(detail), 404, "not-found")
    assert account_row(record["id"]) is None


def test_dates_money_and_choices_read_as_the_contract_says(client):
    account = make(client, "accounts", name="Money", annual_revenue=125000, credit_limit="99.5",
                   industry="mining", relationship_type="customer")
    assert account["annual_revenue"] == "125000.00"
    assert account["credit_limit"] == "99.50"
    assert account["currency"] == "USD"
    assert account["industry"] == "mining" and account["industry_display"] == "Mining"
    assert account["relationship_type_display"] == "Customer"
    assert account["state_display"] == "Active"
    contact = make(client, "contacts", last_name="Date", birthday="1990-02-28", preferred_contact_method="email")
    assert contact["birthday"] == "1990-02-28"
    assert contact["preferred_contact_method_display"] == "E-mail"
    # An empty choice reads as "" with an empty label.
    assert contact["salutation"] == "" and contact["salutation_display"] == ""


def test_money_refuses_more_decimal_places_than_the_field_has(client):
    response = post(client, ACCOUNTS, {"name": "Precise", "annual_revenue": "1.234"})
    assert_problem(response, 400, "validation", "annual_revenue", "invalid")


def test_lookup_is_written_and_read_as_the_id_and_expands_to_id_and_name(client, alice):
    account = make(client, "accounts", name="Parent Co")
    contact = make(client, "contacts", first_name="Lin", last_name="Wei", account=account["id"])
    assert contact["account"] == account["id"]
    expanded = client.get(url("contacts", contact["id"]) + "?expand=account,owner").json()
    assert expanded["account"] == {"id": account["id"], "name": "Parent Co"}
    assert expanded["owner"]["id"] == str(alice.pk) and expanded["owner_type"] == "users"
    listed = client.get(CONTACTS + "?expand=account").json()["results"][0]
    assert listed["account"] == {"id": account["id"], "name": "Parent Co"}


# --- list parameters ---------------------------------------------------------------------------------


@pytest.fixture
def five_accounts(client):
    data = [
        {"name": "Alpha", "city": "Beijing", "employees": 10, "annual_revenue": "100.00", "industry": "mining"},
        {"name": "Bravo", "city": "beijing", "employees": 20, "annual_revenue": "200.00", "industry": "retail"},
        {"name": "Charlie", "city": "Shanghai", "employees": 30, "industry": "retail"},
        {"name": "Delta", "city": "", "employees": 40, "annual_revenue": "400.00", "email": "d@delta.example"},
        {"name": "Echo Bravo", "city": "Oslo", "annual_revenue": "500.00", "credit_hold": True},
    ]
    return {d["name"]: make(client, "accounts", **d) for d in data}


def test_q_is_quick_find_over_the_quick_find_fields(client, five_accounts):
    assert names(get(client, ACCOUNTS, {"q": "bravo"})) == ["Bravo", "Echo Bravo"]
    assert names(get(client, ACCOUNTS, {"q": "BEIJ"})) == ["Alpha", "Bravo"]  # city is a quick-find field
    assert names(get(client, ACCOUNTS, {"q": "delta.example"})) == ["Delta"]
    assert names(get(client, ACCOUNTS, {"q": "nothing-like-this"})) == []


def test_filter_takes_the_condition_tree(client, five_accounts):
    tree = {"and": [
        {"field": "city", "op": "eq", "value": "BEIJING"},
        {"or": [{"field": "industry", "op": "in", "value": ["retail"]},
                {"field": "annual_revenue", "op": "ge", "value": "100"}]},
    ]}
    assert names(get(client, ACCOUNTS, {"filter": json.dumps(tree)})) == ["Alpha", "Bravo"]
    tree = {"or": [{"field": "employees", "op": "null"}, {"field": "credit_hold", "op": "eq", "value": True}]}
    assert names(get(client, ACCOUNTS, {"filter": json.dumps(tree)})) == ["Echo Bravo"]


def test_field_equals_value_is_a_case_insensitive_eq(client, five_accounts):
    assert names(get(client, ACCOUNTS, {"city": "beijing"})) == ["Alpha", "Bravo"]
    assert names(get(client, ACCOUNTS, {"industry": "retail"})) == ["Bravo", "Charlie"]
    assert names(get(client, ACCOUNTS, {"city": "beijing", "industry": "retail"})) == ["Bravo"]


@pytest.mark.parametrize("param,value,expected", [
    ("employees__ne", "20", ["Alpha", "Charlie", "Delta", "Echo Bravo"]),
    ("employees__lt", "30", ["Alpha", "Bravo"]),
    ("employees__lte", "30", ["Alpha", "Bravo", "Charlie"]),
    ("employees__gt", "30", ["Delta"]),
    ("employees__gte", "30", ["Charlie", "Delta"]),
    ("annual_revenue__gte", "400", ["Delta", "Echo Bravo"]),
    ("name__in", "alpha,Delta,Nobody", ["Alpha", "Delta"]),
    ("industry__in", "mining,retail", ["Alpha", "Bravo", "Charlie"]),
    ("name__contains", "RAV", ["Bravo", "Echo Bravo"]),
    ("name__startswith", "e", ["Echo Bravo"]),
    ("annual_revenue__isnull", "true", ["Charlie"]),
    ("annual_revenue__isnull", "false", ["Alpha", "Bravo", "Delta", "Echo Bravo"]),
    ("city__isnull", "true", ["Delta"]),
    ("city__ne", "beijing", ["Charlie", "Delta", "Echo Bravo"]),
])
def test_every_shorthand_operator(client, five_accounts, param, value, expected):
    assert names(get(client, ACCOUNTS, {param: value})) == expected


def test_shorthand_and_filter_combine(client, five_accounts):
    tree = {"field": "city", "op": "eq", "value": "beijing"}
    assert names(get(client, ACCOUNTS, {"filter": json.dumps(tree), "employees__gt": "10"})) == ["Bravo"]


@pytest.mark.parametrize("params,field,code", [
    ({"colour": "red"}, "colour", "unknown-field"),
    ({"name__regex": "x"}, "name__regex", "unknown-operator"),
    ({"name__like": "x"}, "name__like", "unknown-operator"),
    ({"custom": "x"}, "custom", "unknown-field"),
    ({"ordering": "colour"}, "ordering", "unknown-field"),
    ({"ordering": "-name,custom"}, "ordering", "unknown-field"),
    ({"fields": "id,colour"}, "fields", "unknown-field"),
    ({"expand": "name"}, "expand", "unknown-field"),
    ({"expand": "colour"}, "expand", "unknown-field"),
    ({"view": "no-such-view"}, "view", "unknown-view"),
    ({"view": "00000000-0000-0000-0000-000000000000"}, "view", "unknown-view"),
    ({"page_size": "501"}, "page_size", "invalid-value"),
    ({"page_size": "0"}, "page_size", "invalid-value"),
    ({"page_size": "ten"}, "page_size", "invalid-value"),
    ({"count": "maybe"}, "count", "invalid-value"),
    ({"cursor": "not-a-cursor"}, "cursor", "invalid-cursor"),
    ({"filter": "{not json"}, "filter", "malformed"),
    ({"filter": json.dumps({"field": "colour", "op": "eq", "value": 1})}, "filter", "unknown-field"),
    ({"filter": json.dumps({"field": "name", "op": "resembles", "value": 1})}, "filter", "unknown-operator"),
    ({"employees__gt": "many"}, "filter", "invalid-value"),
    ({"annual_revenue__isnull": "perhaps"}, "annual_revenue__isnull", "invalid-value"),
])
def test_unknown_names_and_bad_values_are_400_never_ignored(client, five_accounts, params, field, code):
    body = assert_problem(get(client, ACCOUNTS, params), 400, "validation", field, code)
    assert body["errors"][field][0]


def test_a_parameter_given_twice_is_400(client):
    assert_problem(client.get(ACCOUNTS + "?name=a&name=b"), 400, "validation", "name")


def test_ordering(client, five_accounts):
    response = get(client, ACCOUNTS, {"ordering": "-annual_revenue,name"})
    # Nulls sort as the largest value: first when descending.
    assert [r["name"] for r in response.json()["results"]] == ["Charlie", "Echo Bravo", "Delta", "Bravo", "Alpha"]
    response = get(client, ACCOUNTS, {"ordering": "industry,-name"})
    assert [r["name"] for r in response.json()["results"]] == ["Echo Bravo", "Delta", "Alpha", "Charlie", "Bravo"]
    # The default ordering of accounts is by name.
    assert [r["name"] for r in client.get(ACCOUNTS).json()["results"]] == sorted(five_accounts)


def test_fields_limits_the_keys_and_choice_labels_come_with_their_field(client, five_accounts):
    rows = get(client, ACCOUNTS, {"fields": "id,name"}).json()["results"]
    assert all(set(r) == {"id", "name"} for r in rows) and len(rows) == 5
    rows = get(client, ACCOUNTS, {"fields": "industry,owner"}).json()["results"]
    assert set(rows[0]) == {"industry", "industry_display", "owner", "owner_type"}
    detail = client.get(url("accounts", five_accounts["Alpha"]["id"]) + "?fields=name,city")
    assert detail.json() == {"name": "Alpha", "city": "Beijing"}
    assert_problem(client.get(url("accounts", five_accounts["Alpha"]["id"]) + "?fields=nope"), 400, "validation", "fields")
    assert_problem(client.get(url("accounts", five_accounts["Alpha"]["id"]) + "?ordering=name"), 400, "validation", "ordering")


def test_view_applies_its_filter_and_other_parameters_narrow_it(client, alice, five_accounts):
    from rapport.core.models import SavedView

    post(client, url("accounts", five_accounts["Delta"]["id"], "deactivate"), {})
    assert "Delta" not in names(get(client, ACCOUNTS, {"view": "active"}))
    assert names(get(client, ACCOUNTS, {"view": "inactive"})) == ["Delta"]
    assert names(get(client, ACCOUNTS, {"view": "my-active", "city": "beijing"})) == ["Alpha", "Bravo"]
    saved = SavedView.objects.create(entity="accounts", name="Retail", owner=alice,
                                     filter={"field": "industry", "op": "eq", "value": "retail"}, ordering=["-name"])
    rows = get(client, ACCOUNTS, {"view": str(saved.pk)}).json()["results"]
    assert [r["name"] for r in rows] == ["Charlie", "Bravo"]  # the view's filter and ordering
    assert names(get(client, ACCOUNTS, {"view": str(saved.pk), "employees__gt": "20"})) == ["Charlie"]
    # Another user's unshared view is unknown to this one.
    from rapport.security.models import User

    other = User.objects.create(username="viewowner")
    private = SavedView.objects.create(entity="accounts", name="Mine", owner=other, filter={})
    assert_problem(get(client, ACCOUNTS, {"view": str(private.pk)}), 400, "validation", "view", "unknown-view")


def test_page_size_default_50_and_at_most_500(client, alice):
    from rapport.core.entities import get_entity
    from rapport.core.testing.factories import create_for

    spec = get_entity("accounts")
    for i in range(52):
        create_for(spec, alice, name=f"Bulk {i:02d}")
    first = client.get(ACCOUNTS).json()
    assert len(first["results"]) == 50 and first["next"]
    assert "count" not in first
    everything = get(client, ACCOUNTS, {"page_size": "500"}).json()
    assert len(everything["results"]) == 52 and everything["next"] is None
    counted = get(client, ACCOUNTS, {"page_size": "10", "count": "true"}).json()
    assert counted["count"] == 52 and len(counted["results"]) == 10
    assert get(client, ACCOUNTS, {"count": "true", "name__startswith": "Bulk 0"}).json()["count"] == 10
    assert_problem(get(client, ACCOUNTS, {"page_size": "501"}), 400, "validation", "page_size")


# --- cursor paging ---------------------------------------------------------------------------------


def _walk(client, params, *, between=None):
    seen, pages = [], 0
    response = get(client, ACCOUNTS, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [r["id"] for r in body["results"]]
        pages += 1
        if not body["next"]:
            return seen, pages
        assert body["next"].startswith("http")
        if between is not None:
            between(pages)
        response = client.get(body["next"])


@pytest.fixture
def paging_accounts(alice):
    from rapport.core.entities import get_entity
    from rapport.core.testing.factories import create_for

    spec = get_entity("accounts")
    made = []
    for i in range(23):
        made.append(create_for(spec, alice, name=f"Firm {i % 7}", city=["", "Oslo", "Rome"][i % 3],
                               annual_revenue=None if i % 4 == 0 else f"{(i * 37) % 11}.00",
                               credit_hold=bool(i % 2)))
    return made


@pytest.mark.parametrize("ordering", [
    "name", "-name", "annual_revenue", "-annual_revenue", "-modified_on", "city,-annual_revenue",
    "credit_hold,name", "-created_on", "id",
])
def test_cursor_paging_sees_each_record_exactly_once_in_order(client, paging_accounts, ordering):
    seen, pages = _walk(client, {"ordering": ordering, "page_size": "4"})
    assert len(seen) == len(set(seen)) == 23
    assert pages == 6
    full = [r["id"] for r in get(client, ACCOUNTS, {"ordering": ordering, "page_size": "500"}).json()["results"]]
    assert seen == full


def test_cursor_paging_while_records_are_inserted_between_pages(client, alice, paging_accounts):
    from rapport.core.entities import get_entity
    from rapport.core.testing.factories import create_for

    spec = get_entity("accounts")
    original = {str(a.pk) for a in paging_accounts}
    before_cursor, after_cursor = [], []

    def insert(page):
        # One that sorts before everything read so far and one after the cursor.
        before_cursor.append(str(create_for(spec, alice, name=f"AAA inserted {page}").pk))
        after_cursor.append(str(create_for(spec, alice, name=f"ZZZ inserted {page}").pk))

    seen, pages = _walk(client, {"ordering": "name", "page_size": "5"}, between=insert)
    assert pages >= 5
    assert len(seen) == len(set(seen)), "a record appeared twice"
    assert original <= set(seen), "a record was skipped"
    assert not set(before_cursor) & set(seen), "records inserted behind the cursor do not reappear"
    assert set(after_cursor) <= set(seen), "records inserted ahead of the cursor are seen"


# --- If-Match --------------------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ['"1"', "1", 'W/"1"'])
def test_stale_if_match_is_412_and_changes_nothing(client, tag):
    record = make(client, "accounts", name="Versioned")
    detail = url("accounts", record["id"])
    assert patch(client, detail, {"city": "Now"}, if_match=tag).status_code == 200
    stale = patch(client, detail, {"city": "Lost update"}, if_match=tag)
    assert_problem(stale, 412, "precondition-failed")
    assert account_row(record["id"])["city"] == "Now"
    assert_problem(delete(client, detail, if_match=tag), 412, "precondition-failed")
    assert account_row(record["id"]) is not None
    # The current ETag, quoted or bare, is accepted.
    assert patch(client, detail, {"city": "Later"}, if_match='"2"').status_code == 200
    assert delete(client, detail, if_match="3").status_code == 204


def test_412_comes_before_400(client):
    record = make(client, "accounts", name="Order")
    response = patch(client, url("accounts", record["id"]), {"email": "not-an-email"}, if_match='"9"')
    assert_problem(response, 412, "precondition-failed")


def test_stale_if_match_on_an_action_is_412(client):
    record = make(client, "accounts", name="Action version")
    response = post(client, url("accounts", record["id"], "deactivate"), {}, if_match='"7"')
    assert_problem(response, 412, "precondition-failed")
    assert account_row(record["id"])["state"] == "active"


# --- validation: problem+json with per-field errors, nothing written ----------------------------------


def test_invalid_values_are_400_per_field_and_nothing_is_written(client):
    before = (audit_count(), outbox_count())
    response = post(client, ACCOUNTS, {
        "name": "", "email": "not-an-email", "annual_revenue": "lots", "industry": "alchemy",
        "website": "not a url at all", "employees": -5, "credit_hold": "perhaps", "account_number": "x" * 41,
        "currency": "eur",
    })
    body = assert_problem(response, 400, "validation")
    expected = {"name": "required", "email": "invalid", "annual_revenue": "invalid", "industry": "invalid-choice",
                "website": "invalid", "employees": "invalid", "credit_hold": "invalid", "account_number": "too-long",
                "currency": "invalid"}
    for field, code in expected.items():
        assert code in body["codes"].get(field, []), (field, body)
    from rapport.customers.models import Account

    assert Account.objects.count() == 0
    assert (audit_count(), outbox_count()) == before


def test_missing_required_field_is_named(client):
    assert_problem(post(client, CONTACTS, {"first_name": "Only"}), 400, "validation", "last_name", "required")
    assert_problem(post(client, ACCOUNTS, {}), 400, "validation", "name", "required")


def test_unknown_body_field_is_400_naming_it(client):
    assert_problem(post(client, ACCOUNTS, {"name": "X", "colour": "red"}), 400, "validation", "colour", "unknown-field")
    record = make(client, "accounts")
    assert_problem(patch(client, url("accounts", record["id"]), {"colour": "red"}), 400, "validation", "colour", "unknown-field")


@pytest.mark.parametrize("field,value", [
    ("id", "00000000-0000-0000-0000-000000000001"), ("version", 5), ("created_on", "2020-01-01T00:00:00+00:00"),
    ("created_by", None), ("modified_on", "2020-01-01T00:00:00+00:00"), ("modified_by", None),
    ("state", "inactive"), ("status_reason", "closed"), ("owner", None), ("owning_business_unit", None),
])
def test_read_only_fields_in_a_body_are_400_naming_the_field(client, alice, field, value):
    if field in {"created_by", "modified_by", "owner"}:
        value = str(alice.pk)
    if field == "owning_business_unit":
        value = str(alice.business_unit_id)
    before = (audit_count(), outbox_count())
    assert_problem(post(client, ACCOUNTS, {"name": "RO", field: value}), 400, "validation", field, "read-only")
    from rapport.customers.models import Account

    assert not Account.objects.filter(name="RO").exists()
    assert (audit_count(), outbox_count()) == before
    record = make(client, "accounts", name="Existing")
    response = patch(client, url("accounts", record["id"]), {"city": "X", field: value})
    assert_problem(response, 400, "validation", field, "read-only")
    row = account_row(record["id"])
    assert row["city"] == "" and row["version"] == 1


def test_contact_full_name_is_read_only(client):
    assert_problem(post(client, CONTACTS, {"last_name": "X", "full_name": "Y"}), 400, "validation", "full_name", "read-only")


def test_custom_fields_unknown_names_are_400(client):
    record = make(client, "accounts")
    assert patch(client, url("accounts", record["id"]), {"custom": {}}).status_code == 200
    assert_problem(patch(client, url("accounts", record["id"]), {"custom": {"colour": "red"}}), 400, "validation",
                   "custom.colour", "unknown-field")


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "{not json", "null"])
def test_a_body_that_is_not_an_object_is_400(client, raw):
    response = client.post(ACCOUNTS, data=raw, content_type="application/json")
    assert_problem(response, 400, "validation", "non_field_errors")


def test_a_lookup_to_a_record_the_caller_cannot_read_is_refused(client, bob, api_client):
    theirs = make(api_client(bob), "accounts", name="Bob's")
    response = post(client, CONTACTS, {"last_name": "X", "account": theirs["id"]})
    assert_problem(response, 400, "validation", "account", "does-not-exist")
    assert_problem(post(client, CONTACTS, {"last_name": "X", "account": "not-a-uuid"}), 400, "validation", "account", "invalid")


def test_account_parent_loop_is_refused(client):
    top = make(client, "accounts", name="Top")
    child = make(client, "accounts", name="Child", parent_account=top["id"])
    response = patch(client, url("accounts", top["id"]), {"parent_account": child["id"]})
    assert_problem(response, 400, "validation", "parent_account")
    assert_problem(patch(client, url("accounts", top["id"]), {"parent_account": top["id"]}), 400, "validation", "parent_account")
    assert account_row(top["id"])["parent_account_id"] is None


# --- authentication --------------------------------------------------------------------------------


def _token(user, **extra):
    from rapport.core.actions.base import ActionContext
    from rapport.security.actions import create_token

    return create_token(user, ActionContext(user=user, channel="system"), **extra)


@pytest.mark.parametrize("header", [None, "Bearer rpt_unknown", "Bearer", "Bearer a b", "Basic YWxpY2U6cGFzcw==", "Token abc"])
def test_401_without_or_with_a_bad_token(alice, header):
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    for method, path in [("get", ACCOUNTS), ("post", ACCOUNTS), ("get", "/api/v1/me/"), ("get", "/api/v1/tokens/")]:
        response = post(client, path, {"name": "x"}) if method == "post" else client.get(path)
        assert_problem(response, 401, "unauthenticated")
        assert response["WWW-Authenticate"].startswith("Bearer")
    from rapport.customers.models import Account

    assert not Account.objects.exists()


def test_401_for_revoked_expired_or_disabled_users_token(alice):
    from django.test import Client

    from rapport.security.models import ApiToken

    revoked, secret_revoked = _token(alice)
    expired, secret_expired = _token(alice)
    _live, secret_live = _token(alice)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret_live}").get(ACCOUNTS).status_code == 200
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_on=timezone.now())
    ApiToken.objects.filter(pk=expired.pk).update(expires_on=timezone.now() - dt.timedelta(seconds=1))
    for secret in (secret_revoked, secret_expired):
        assert_problem(Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(ACCOUNTS), 401, "unauthenticated")
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert_problem(Client(HTTP_AUTHORIZATION=f"Bearer {secret_live}").get(ACCOUNTS), 401, "unauthenticated")


def test_401_comes_before_404(alice):
    from django.test import Client

    assert_problem(Client().get(url("accounts", "00000000-0000-0000-0000-000000000000")), 401, "unauthenticated")


# --- 404 for records the caller may not read -------------------------------------------------------------


@pytest.mark.parametrize("set_name", ["accounts", "contacts"])
def test_another_users_record_is_404_for_read_change_and_delete_and_nothing_changes(client, bob, api_client, set_name):
    from rapport.core.entities import get_entity

    record = make(client, set_name)
    detail = url(set_name, record["id"])
    model = get_entity(set_name).model
    intruder = api_client(bob)
    before = model.objects.filter(pk=record["id"]).values().first()
    audits, events = audit_count(), outbox_count()
    assert_problem(intruder.get(detail), 404, "not-found")
    assert_problem(patch(intruder, detail, {"description": "pwned"}), 404, "not-found")
    assert_problem(patch(intruder, detail, {"description": "pwned"}, if_match='"99"'), 404, "not-found")
    assert_problem(delete(intruder, detail), 404, "not-found")
    assert_problem(intruder.get(url(set_name, record["id"], "audit")), 404, "not-found")
    for action, body in [("deactivate", {}), ("assign", {"owner": str(bob.pk)})]:
        assert_problem(post(intruder, url(set_name, record["id"], action), body), 404, "not-found")
    # Invalid input does not turn the 404 into a 400 either.
    assert_problem(patch(intruder, detail, {"colour": "red"}), 404, "not-found")
    assert intruder.get(url(set_name)).json()["results"] == []
    assert get(intruder, url(set_name), {"id": record["id"]}).json()["results"] == []
    assert model.objects.filter(pk=record["id"]).values().first() == before
    assert (audit_count(), outbox_count()) == (audits, events)
    # The same answer as for a record that does not exist.
    missing = intruder.get(url(set_name, "00000000-0000-0000-0000-000000000000"))
    assert missing.json() == intruder.get(detail).json()


def test_an_administrator_reads_and_changes_everyones_records(client, admin, api_client):
    record = make(client, "accounts", name="Alice's")
    boss = api_client(admin)
    assert boss.get(url("accounts", record["id"])).status_code == 200
    assert patch(boss, url("accounts", record["id"]), {"city": "Admin city"}).status_code == 200
    assert [r["id"] for r in boss.get(ACCOUNTS).json()["results"]] == [record["id"]]


# --- delete with dependents ---------------------------------------------------------------------------


def test_deleting_an_account_with_contacts_is_400_has_dependents_with_counts(client):
    account = make(client, "accounts", name="Parent")
    make(client, "contacts", last_name="One", account=account["id"])
    second = make(client, "contacts", last_name="Two", account=account["id"])
    make(client, "accounts", name="Subsidiary", parent_account=account["id"])
    response = delete(client, url("accounts", account["id"]))
    body = assert_problem(response, 400, "has-dependents")
    assert body["dependents"] == {"accounts": 1, "contacts": 2}
    assert "contacts 2" in body["detail"]
    assert account_row(account["id"]) is not None
    assert patch(client, url("contacts", second["id"]), {"account": None}).status_code == 200
    assert delete(client, url("accounts", account["id"])).json()["dependents"] == {"accounts": 1, "contacts": 1}


# --- actions: deactivate, activate, assign -------------------------------------------------------------


def test_deactivate_makes_the_record_read_only_until_activated(client):
    record = make(client, "accounts", name="Sleepy")
    actions = url("accounts", record["id"])
    response = post(client, actions + "deactivate/", {"status_reason": "closed"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == {}
    assert body["record"]["state"] == "inactive" and body["record"]["status_reason"] == "closed"
    assert body["record"]["status_reason_display"] == "Business closed"
    assert response["ETag"] == f'"{body["record"]["version"]}"'
    assert_problem(patch(client, actions, {"city": "Nope"}), 400, "invalid-state")
    assert_problem(post(client, actions + "deactivate/", {}), 400, "invalid-state")
    assert account_row(record["id"])["city"] == ""
    response = post(client, actions + "activate/", {})
    assert response.status_code == 200
    assert response.json()["record"]["state"] == "active" and response.json()["record"]["status_reason"] == ""
    assert_problem(post(client, actions + "activate/", {}), 400, "invalid-state")
    assert patch(client, actions, {"city": "Awake"}).status_code == 200


def test_deactivate_validates_its_input(client):
    record = make(client, "accounts")
    actions = url("accounts", record["id"])
    assert_problem(post(client, actions + "deactivate/", {"status_reason": "bored"}), 400, "validation", "status_reason")
    assert_problem(post(client, actions + "deactivate/", {"colour": "x"}), 400, "validation", "colour", "unknown-field")
    assert account_row(record["id"])["state"] == "active"
    assert_problem(post(client, actions + "no-such-action/", {}), 404, "not-found")


def test_assign_changes_owner_and_business_unit(client, alice, bob, admin, api_client):
    from rapport.security.models import BusinessUnit

    branch = BusinessUnit.objects.create(name="Branch", parent=alice.business_unit)
    bob.business_unit = branch
    bob.save(update_fields=["business_unit"])
    record = make(client, "contacts", last_name="Moved")
    response = post(client, url("contacts", record["id"], "assign"), {"owner": str(bob.pk)})
    assert response.status_code == 200, response.content
    moved = response.json()["record"]
    assert moved["owner"] == str(bob.pk) and moved["owner_type"] == "users"
    assert moved["owning_business_unit"] == str(branch.pk)
    assert_problem(client.get(url("contacts", record["id"])), 404, "not-found")
    assert api_client(bob).get(url("contacts", record["id"])).status_code == 200


def test_assign_to_a_disabled_user_is_400_and_changes_nothing(client, make_user):
    sleeper = make_user("sleeper")
    sleeper.is_active = False
    sleeper.save(update_fields=["is_active"])
    record = make(client, "accounts")
    response = post(client, url("accounts", record["id"], "assign"), {"owner": str(sleeper.pk)})
    assert_problem(response, 400, "validation", "owner")
    assert account_row(record["id"])["version"] == 1
    assert_problem(post(client, url("accounts", record["id"], "assign"), {}), 400, "validation", "owner", "required")
    response = post(client, url("accounts", record["id"], "assign"), {"owner": "00000000-0000-0000-0000-000000000000"})
    assert_problem(response, 400, "validation", "owner")


def test_assign_to_a_team(client, alice):
    from rapport.security.models import Team

    team = Team.objects.create(name="Sales team", business_unit=alice.business_unit)
    team.members.add(alice)
    record = make(client, "accounts")
    response = post(client, url("accounts", record["id"], "assign"), {"owner": str(team.pk)})
    assert response.status_code == 200, response.content
    assert response.json()["record"]["owner"] == str(team.pk) and response.json()["record"]["owner_type"] == "teams"
    assert client.get(url("accounts", record["id"])).status_code == 200  # alice is a member


# --- audit ------------------------------------------------------------------------------------------------


def test_audit_lists_field_changes_newest_first(client, alice):
    record = make(client, "accounts", name="Audited", city="Oslo")
    detail = url("accounts", record["id"])
    patch(client, detail, {"name": "Audited Ltd", "city": "", "annual_revenue": "10"})
    post(client, detail + "deactivate/", {"status_reason": "moved"})
    response = client.get(detail + "audit/")
    assert response.status_code == 200
    entries = response.json()["results"]
    assert [e["action"] for e in entries] == ["state", "update", "create"]
    assert entries[1]["changes"] == {"name": ["Audited", "Audited Ltd"], "city": ["Oslo", ""],
                                     "annual_revenue": [None, "10.00"]}
    assert entries[0]["changes"]["state"] == ["active", "inactive"]
    assert entries[0]["changes"]["status_reason"] == ["", "moved"]
    assert entries[2]["changes"]["name"] == [None, "Audited"]
    for entry in entries:
        assert entry["channel"] == "api" and entry["user"] == str(alice.pk)
        assert dt.datetime.fromisoformat(entry["occurred_on"]).utcoffset() is not None
    first = client.get(detail + "audit/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    rest = client.get(first["next"]).json()
    assert [e["id"] for e in first["results"] + rest["results"]] == [e["id"] for e in entries]
    assert_problem(client.get(detail + "audit/?colour=1"), 400, "validation", "colour")


def test_audit_records_assignment_and_delete(client, admin, bob, api_client):
    from rapport.core.models import AuditEntry

    record = make(client, "accounts", name="Passed on")
    post(api_client(admin), url("accounts", record["id"], "assign"), {"owner": str(bob.pk)})
    entry = api_client(admin).get(url("accounts", record["id"], "audit")).json()["results"][0]
    assert entry["action"] == "assign" and entry["changes"]["owner"][1] == str(bob.pk)
    assert entry["user"] == str(admin.pk)
    assert delete(api_client(bob), url("accounts", record["id"])).status_code == 204
    gone = AuditEntry.objects.filter(record_id=record["id"], action="delete").get()
    assert gone.changes["name"] == ["Passed on", None] and gone.channel == "api"


# --- token scopes and the tokens API -----------------------------------------------------------------


def test_a_read_scoped_token_cannot_write(alice):
    from django.test import Client

    record = make(Client(HTTP_AUTHORIZATION=f"Bearer {_token(alice)[1]}"), "accounts", name="Scoped")
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {_token(alice, scopes=['accounts:read'])[1]}")
    assert reader.get(ACCOUNTS).status_code == 200
    assert reader.get(url("accounts", record["id"])).status_code == 200
    assert_problem(post(reader, ACCOUNTS, {"name": "New"}), 403, "permission-denied")
    assert_problem(patch(reader, url("accounts", record["id"]), {"city": "X"}), 403, "permission-denied")
    assert_problem(delete(reader, url("accounts", record["id"])), 403, "permission-denied")
    assert_problem(post(reader, url("accounts", record["id"], "deactivate"), {}), 403, "permission-denied")
    assert_problem(reader.get(CONTACTS), 403, "permission-denied")
    row = account_row(record["id"])
    assert row["city"] == "" and row["state"] == "active" and row["version"] == 1
    from rapport.customers.models import Account

    assert Account.objects.count() == 1
    # A record it may not read is still a 404 first (401, 404, 403, …).
    assert_problem(patch(reader, url("accounts", "00000000-0000-0000-0000-000000000000"), {}), 404, "not-found")
    writer = Client(HTTP_AUTHORIZATION=f"Bearer {_token(alice, scopes=['accounts:write'])[1]}")
    assert patch(writer, url("accounts", record["id"]), {"city": "Y"}).status_code == 200
    assert writer.get(ACCOUNTS).status_code == 200  # write implies read
    everything = Client(HTTP_AUTHORIZATION=f"Bearer {_token(alice, scopes=['*:read'])[1]}")
    assert everything.get(CONTACTS).status_code == 200
    assert_problem(post(everything, CONTACTS, {"last_name": "No"}), 403, "permission-denied")


def test_a_scoped_token_cannot_mint_a_broader_token(alice):
    from django.test import Client

    reader = Client(HTTP_AUTHORIZATION=f"Bearer {_token(alice, scopes=['accounts:read'])[1]}")
    response = post(reader, "/api/v1/tokens/", {"name": "escalate"})
    assert response.status_code in {400, 403}, response.content
    from rapport.security.models import ApiToken

    assert not ApiToken.objects.filter(name="escalate").exists()


def test_tokens_api_create_list_revoke(client, alice):
    from django.test import Client

    created = post(client, "/api/v1/tokens/", {"name": "ci", "scopes": ["contacts:write"]})
    assert created.status_code == 201, created.content
    body = created.json()
    secret = body["token"]
    assert body["id"] and body["name"] == "ci" and body["scopes"] == ["contacts:write"]
    expires = dt.datetime.fromisoformat(body["expires_on"])
    assert dt.timedelta(days=89) < expires - timezone.now() <= dt.timedelta(days=91)
    new = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert new.get("/api/v1/me/").json()["username"] == "alice"
    listed = client.get("/api/v1/tokens/")
    assert listed.status_code == 200
    assert secret not in listed.content.decode()
    row = next(t for t in listed.json()["results"] if t["id"] == body["id"])
    assert "token" not in row and row["prefix"] == secret[:10]
    assert delete(client, f"/api/v1/tokens/{body['id']}/").status_code == 204
    assert_problem(new.get("/api/v1/me/"), 401, "unauthenticated")


def test_tokens_api_refusals(client, alice, bob, admin, api_client):
    assert_problem(post(client, "/api/v1/tokens/", {"expires_on": (timezone.localdate() + dt.timedelta(days=400)).isoformat()}),
                   400, "validation", "expires_on")
    assert_problem(post(client, "/api/v1/tokens/", {"expires_on": "2000-01-01"}), 400, "validation", "expires_on")
    assert_problem(post(client, "/api/v1/tokens/", {"scopes": ["nothing:read"]}), 400, "validation", "scopes")
    assert_problem(post(client, "/api/v1/tokens/", {"colour": 1}), 400, "validation", "colour", "unknown-field")
    response = post(client, "/api/v1/tokens/", {"user": str(bob.pk)})
    assert response.status_code in {400, 403} and response.status_code != 201
    # An administrator creates a token for anyone; it acts as that user.
    minted = post(api_client(admin), "/api/v1/tokens/", {"user": str(bob.pk), "name": "for bob"})
    assert minted.status_code == 201
    from django.test import Client

    assert Client(HTTP_AUTHORIZATION=f"Bearer {minted.json()['token']}").get("/api/v1/me/").json()["username"] == "bob"
    # Someone else's token is not found, and stays usable.
    assert_problem(delete(client, f"/api/v1/tokens/{minted.json()['id']}/"), 404, "not-found")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {minted.json()['token']}").get("/api/v1/me/").status_code == 200
    assert minted.json()["id"] not in client.get("/api/v1/tokens/").content.decode()


# --- notes with an attachment, connections ----------------------------------------------------------------


def _upload(client, note_id, name, content, content_type="application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile(name, content, content_type=content_type)})
    return client.put(f"/api/v1/notes/{note_id}/attachment/", data=data,
                      content_type=f"multipart/form-data; boundary={BOUNDARY}")


@pytest.fixture
def note(client):
    account = make(client, "accounts", name="With notes")
    response = post(client, "/api/v1/notes/", {"regarding": {"entity": "accounts", "id": account["id"]},
                                               "title": "Minutes", "text": "Discussed"})
    assert response.status_code == 201, response.content
    return response.json()


def test_note_regarding_is_written_and_read_as_entity_and_id(client, note):
    assert note["regarding"]["entity"] == "accounts"
    assert_problem(post(client, "/api/v1/notes/", {"title": "x"}), 400, "validation", "regarding", "required")
    assert_problem(post(client, "/api/v1/notes/", {"regarding": {"entity": "nothing", "id": note["id"]}}),
                   400, "validation", "regarding")
    assert_problem(post(client, "/api/v1/notes/", {"regarding": "a string"}), 400, "validation", "regarding")


def test_note_attachment_upload_and_download(client, note):
    content = b"%PDF-1.4\n% a tiny pdf\n"
    response = _upload(client, note["id"], "report.pdf", content)
    assert response.status_code == 200, response.content
    assert response.json()["file_name"] == "report.pdf" and response.json()["file_size"] == len(content)
    download = client.get(f"/api/v1/notes/{note['id']}/attachment/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="report.pdf"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == content
    # A second upload replaces the file: a note has at most one.
    assert _upload(client, note["id"], "notes.txt", b"plain text").status_code == 200
    download = client.get(f"/api/v1/notes/{note['id']}/attachment/")
    assert b"".join(download.streaming_content) == b"plain text"
    assert download["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("name,content", [
    ("page.html", b"<html><script>alert(1)</script></html>"),
    ("tool.exe", b"MZ\x90\x00"),
    ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ("fake.pdf", b"<html>not a pdf</html>"),
    ("sneaky.txt", b"<!DOCTYPE html><script>x</script>"),
    ("empty.txt", b""),
])
def test_note_attachment_refuses_disallowed_types(client, note, name, content):
    assert_problem(_upload(client, note["id"], name, content), 400, "validation", "file")
    assert_problem(client.get(f"/api/v1/notes/{note['id']}/attachment/"), 404, "not-found")


def test_note_attachment_size_limit(client, note, settings):
    settings.MAX_UPLOAD_MB = 1
    body = assert_problem(_upload(client, note["id"], "big.txt", b"x" * (1024 * 1024 + 1)), 400, "validation", "file", "too-large")
    assert "1 MB" in body["errors"]["file"][0]
    assert _upload(client, note["id"], "fits.txt", b"x" * (1024 * 1024)).status_code == 200
    assert_problem(client.put(f"/api/v1/notes/{note['id']}/attachment/", data=encode_multipart(BOUNDARY, {}),
                              content_type=f"multipart/form-data; boundary={BOUNDARY}"), 400, "validation", "file", "required")


def test_note_attachment_is_404_for_others(client, note, bob, api_client):
    assert _upload(client, note["id"], "a.txt", b"secret").status_code == 200
    intruder = api_client(bob)
    assert_problem(intruder.get(f"/api/v1/notes/{note['id']}/attachment/"), 404, "not-found")
    assert_problem(_upload(intruder, note["id"], "b.txt", b"overwrite"), 404, "not-found")
    assert_problem(intruder.get(f"/api/v1/notes/{note['id']}/"), 404, "not-found")
    assert b"".join(client.get(f"/api/v1/notes/{note['id']}/attachment/").streaming_content) == b"secret"


def test_connections_of_a_record_in_both_directions(client, bob, api_client):
    account = make(client, "accounts", name="Supplier Co")
    contact = make(client, "contacts", last_name="Buyer")
    other = make(client, "accounts", name="Unrelated")
    response = post(client, "/api/v1/connections/", {
        "record1": {"entity": "accounts", "id": account["id"]}, "role1": "supplier",
        "record2": {"entity": "contacts", "id": contact["id"]}, "role2": "customer",
    })
    assert response.status_code == 201, response.content
    connection = response.json()
    assert connection["role1_display"] == "Supplier"
    for pk in (account["id"], contact["id"]):
        rows = get(client, "/api/v1/connections/", {"record": pk}).json()["results"]
        assert [r["id"] for r in rows] == [connection["id"]]
    assert get(client, "/api/v1/connections/", {"record": other["id"]}).json()["results"] == []
    assert_problem(get(client, "/api/v1/connections/", {"record": "nope"}), 400, "validation", "record")
    assert get(api_client(bob), "/api/v1/connections/", {"record": account["id"]}).json()["results"] == []
    assert_problem(post(client, "/api/v1/connections/", {"record1": {"entity": "accounts", "id": account["id"]}}),
                   400, "validation", "record2", "required")


def test_deleting_a_record_removes_its_notes_and_connections(client, note):
    from rapport.core.models import Note

    account_id = note["regarding"]["id"]
    assert delete(client, url("accounts", account_id)).status_code == 204
    assert not Note.objects.filter(pk=note["id"]).exists()


# --- the rest of the contract ---------------------------------------------------------------------------------


def test_me_returns_the_caller(client, alice):
    body = client.get("/api/v1/me/").json()
    assert body["id"] == str(alice.pk) and body["is_system_administrator"] is False
    assert body["privileges"]["accounts"]["read"] == "user"


def test_unknown_record_id_shapes_are_404(client):
    assert_problem(client.get("/api/v1/accounts/not-a-uuid/"), 404, "not-found")
    assert_problem(patch(client, "/api/v1/contacts/not-a-uuid/", {}), 404, "not-found")
    assert client.get("/api/v1/no-such-set/").status_code == 404


def test_set_names_are_kebab_case_plurals():
    from rapport.core.entities import all_entities

    for spec in all_entities():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", spec.set_name), spec.set_name


def test_money_values_are_exact_decimals(client):
    record = make(client, "accounts", name="Exact", annual_revenue="0.10")
    assert patch(client, url("accounts", record["id"]), {"credit_limit": "9999999999999.99"}).status_code == 200
    row = account_row(record["id"])
    assert row["annual_revenue"] == Decimal("0.10") and row["credit_limit"] == Decimal("9999999999999.99")
    assert client.get(url("accounts", record["id"])).json()["credit_limit"] == "9999999999999.99"
    # A value the database could not keep exactly is refused, not silently rounded.
    response = patch(client, url("accounts", record["id"]), {"credit_limit": "99999999999999999.99"})
    assert_problem(response, 400, "validation", "credit_limit", "invalid")
    assert client.get(url("accounts", record["id"])).json()["credit_limit"] == "9999999999999.99"
