"""Sharing (SEC-5), manager hierarchy and managed business units (SEC-9), field security (SEC-6)."""

from __future__ import annotations

import pytest

from rapport.core.entities import get_entity
from rapport.core.models import AuditEntry
from rapport.core.testing.api import assert_problem, delete, patch, post
from rapport.core.testing.factories import create_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts():
    return get_entity("accounts")


def _ids(response):
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


def test_share_grants_rights_lists_them_changes_and_revokes(api_client, person, org, accounts):
    owner = person("owner", org["liaoning"])
    reader = person("reader", org["beijing"])
    record = create_for(accounts, owner)
    url = f"/api/v1/accounts/{record.pk}/"
    assert api_client(reader).get(url).status_code == 404
    shared = post(api_client(owner), url + "share/", {"principal": str(reader.pk), "rights": ["write"]})
    assert shared.status_code == 200, shared.content
    listing = api_client(owner).get(url + "shares/").json()["results"]
    assert [(s["principal"], s["principal_type"], s["rights"]) for s in listing] == [(str(reader.pk), "users", ["read", "write"])]
    assert api_client(reader).get(url).status_code == 200
    assert patch(api_client(reader), url, {"city": "沈阳"}).status_code == 200
    assert_problem(delete(api_client(reader), url), 403, "permission-denied")
    # The share is in the record's history.
    entry = AuditEntry.objects.filter(record_id=record.pk, action="share").latest("occurred_on")
    assert entry.changes["share"][1]["rights"] == ["read", "write"]
    assert post(api_client(owner), url + "share/", {"principal": str(reader.pk), "rights": []}).status_code == 200
    assert api_client(owner).get(url + "shares/").json()["results"] == []
    assert api_client(reader).get(url).status_code == 404


def test_sharing_needs_the_share_privilege_and_valid_input(api_client, person, org, accounts, make_role):
    owner = person("owner", org["liaoning"])
    reader = person("reader", org["beijing"])
    third = person("third", org["beijing"])
    record = create_for(accounts, owner)
    url = f"/api/v1/accounts/{record.pk}/share/"
    post(api_client(owner), url, {"principal": str(reader.pk), "rights": ["read"]})
    # Read through a share does not give the right to share further.
    assert_problem(post(api_client(reader), url, {"principal": str(third.pk), "rights": ["read"]}), 403, "permission-denied")
    assert_problem(post(api_client(owner), url, {"principal": str(third.pk), "rights": ["fly"]}), 400, "validation", "rights")
    assert_problem(post(api_client(owner), url, {"principal": str(third.pk)}), 400, "validation", "rights")
    assert_problem(post(api_client(owner), url, {"principal": "not-an-id", "rights": ["read"]}), 400, "validation", "principal")
    assert_problem(post(api_client(third), url, {"principal": str(third.pk), "rights": ["read"]}), 404, "not-found")
    assert api_client(third).get(f"/api/v1/accounts/{record.pk}/").status_code == 404


def test_a_role_cannot_hide_what_a_share_grants(api_client, person, org, accounts, make_role):
    owner = person("owner", org["liaoning"])
    nobody = person("nobody", org["beijing"], roles=[make_role({})])
    record = create_for(accounts, owner)
    post(api_client(owner), f"/api/v1/accounts/{record.pk}/share/", {"principal": str(nobody.pk), "rights": ["read"]})
    assert _ids(api_client(nobody).get("/api/v1/accounts/")) == {str(record.pk)}


def test_shares_go_with_the_deleted_record(api_client, person, org, accounts):
    from rapport.security.models import RecordShare

    owner = person("owner", org["liaoning"])
    reader = person("reader", org["beijing"])
    record = create_for(accounts, owner)
    post(api_client(owner), f"/api/v1/accounts/{record.pk}/share/", {"principal": str(reader.pk), "rights": ["read"]})
    assert delete(api_client(owner), f"/api/v1/accounts/{record.pk}/").status_code == 204
    assert not RecordShare.objects.filter(record_id=record.pk).exists()


def test_managers_see_their_reports_records_where_the_role_allows(api_client, person, org, accounts, make_role):
    own_only = {"accounts": {"read": "user", "create": "user"}}
    director = person("director", org["root"], roles=[make_role(own_only, hierarchy=True)])
    manager = person("manager", org["beijing"], roles=[make_role(own_only, hierarchy=True)], manager=director)
    salesperson = person("sales", org["machines"], manager=manager)
    peer = person("peer", org["beijing"])
    records = {name: create_for(accounts, user).pk for name, user in
               (("director", director), ("manager", manager), ("sales", salesperson), ("peer", peer))}
    assert _ids(api_client(director).get("/api/v1/accounts/")) == {str(records[n]) for n in ("director", "manager", "sales")}
    assert _ids(api_client(manager).get("/api/v1/accounts/")) == {str(records[n]) for n in ("manager", "sales")}
    # Without the hierarchy flag on the role, the chain gives nothing.
    plain = person("plain.manager", org["beijing"], roles=[make_role(own_only)])
    person("report", org["beijing"], manager=plain)
    assert _ids(api_client(plain).get("/api/v1/accounts/")) == set()


def test_managed_business_units_extend_a_managers_reach(api_client, person, org, accounts, make_role):
    supervisor = person("supervisor", org["root"], roles=[make_role({"accounts": {"read": "user"}})],
                        managed_business_units=[org["beijing"]])
    inside = create_for(accounts, person("in.machines", org["machines"]))
    outside = create_for(accounts, person("in.liaoning", org["liaoning"]))
    listed = _ids(api_client(supervisor).get("/api/v1/accounts/"))
    assert str(inside.pk) in listed and str(outside.pk) not in listed


def test_team_owned_records_are_reached_by_members(api_client, person, org, accounts, make_role):
    from rapport.core.actions.base import ActionContext, run_action
    from rapport.security.actions_organisation import create_team
    from tests.security.conftest import system

    member = person("member", org["beijing"])
    outsider = person("outsider", org["beijing"])
    admin = person("root-admin", org["root"], is_superuser=True)
    team = create_team({"name": "Pool", "business_unit": str(org["liaoning"].pk), "members": [str(member.pk)]}, system())
    record = create_for(accounts, admin)
    run_action("accounts", record.pk, "assign", ActionContext(user=admin), {"owner": str(team.pk)})
    record.refresh_from_db()
    assert record.owning_business_unit_id == org["liaoning"].pk
    assert str(record.pk) in _ids(api_client(member).get("/api/v1/accounts/"))
    assert str(record.pk) not in _ids(api_client(outsider).get("/api/v1/accounts/"))


@pytest.fixture
def credit_profile(person, org):
    from rapport.security.actions_roles import create_field_security_profile
    from tests.security.conftest import system

    finance = person("finance", org["beijing"], roles=None)
    auditor = person("auditor", org["beijing"], roles=None)
    profile = create_field_security_profile({
        "name": "Credit", "fields": {"accounts.credit_limit": {"read": True, "update": True}, "accounts.phone": {"read": True, "update": False}},
        "members": [str(finance.pk)]}, system())
    return profile, finance, auditor


def test_secured_fields_are_absent_for_non_members_everywhere(api_client, accounts, credit_profile, org, person, make_role):
    _profile, finance, auditor = credit_profile
    everyone = make_role({"accounts": {"read": "organization", "write": "organization", "create": "user"}})
    finance.roles.add(everyone)
    auditor.roles.add(everyone)
    record = create_for(accounts, finance)
    accounts.model.objects.filter(pk=record.pk).update(credit_limit="5000.00", phone="+86 10 5555 0001")
    patch(api_client(finance), f"/api/v1/accounts/{record.pk}/", {"credit_limit": "7000.00"})
    member, other = api_client(finance), api_client(auditor)
    assert member.get(f"/api/v1/accounts/{record.pk}/").json()["credit_limit"] == "7000.00"
    detail = other.get(f"/api/v1/accounts/{record.pk}/").json()
    assert "credit_limit" not in detail and "phone" not in detail and detail["name"]
    assert all("credit_limit" not in row for row in other.get("/api/v1/accounts/").json()["results"])
    assert_problem(other.get("/api/v1/accounts/?credit_limit__gt=1"), 400, "validation")
    assert_problem(other.get("/api/v1/accounts/?ordering=credit_limit"), 400, "validation")
    assert_problem(other.get("/api/v1/accounts/?fields=name,credit_limit"), 400, "validation")
    assert str(record.pk) not in _ids(other.get("/api/v1/accounts/?q=5555"))  # phone is a quick-find field
    assert str(record.pk) in _ids(member.get("/api/v1/accounts/?q=5555"))
    history = other.get(f"/api/v1/accounts/{record.pk}/audit/").json()["results"]
    assert history and all("credit_limit" not in entry["changes"] for entry in history)
    assert any("credit_limit" in entry["changes"] for entry in member.get(f"/api/v1/accounts/{record.pk}/audit/").json()["results"])


def test_writing_a_secured_field_needs_update(api_client, accounts, credit_profile, make_role):
    _profile, finance, auditor = credit_profile
    everyone = make_role({"accounts": {"read": "organization", "write": "organization", "create": "user"}})
    finance.roles.add(everyone)
    auditor.roles.add(everyone)
    record = create_for(accounts, finance)
    accounts.model.objects.filter(pk=record.pk).update(phone="+86 10 5555 0002")
    body = assert_problem(patch(api_client(auditor), f"/api/v1/accounts/{record.pk}/", {"credit_limit": "1.00"}), 403,
                          "permission-denied", "credit_limit")
    assert "credit_limit" in body["detail"]
    # Read without update: a member of the profile still may not change the phone.
    assert_problem(patch(api_client(finance), f"/api/v1/accounts/{record.pk}/", {"phone": "+86 1"}), 403, "permission-denied", "phone")
    record.refresh_from_db()
    assert record.credit_limit is None and record.phone == "+86 10 5555 0002"


def test_field_security_profiles_validate_their_fields(api_client, person, org):
    admin = person("root-admin", org["root"], is_superuser=True)
    client = api_client(admin)
    bad = post(client, "/api/v1/field-security-profiles/", {"name": "Bad", "fields": {"accounts.nope": {"read": True}}})
    assert_problem(bad, 400, "validation", "fields", "unknown-field")
    bad = post(client, "/api/v1/field-security-profiles/", {"name": "Bad", "fields": {"accounts.owner": {"read": True}}})
    assert_problem(bad, 400, "validation", "fields")
    good = post(client, "/api/v1/field-security-profiles/", {"name": "Good", "fields": {"accounts.credit_limit": {"read": True, "update": False}},
                                                             "members": [str(admin.pk)]})
    assert good.status_code == 201 and good.json()["members"] == [str(admin.pk)]
    salesperson = person("sales", org["beijing"])
    assert_problem(api_client(salesperson).get("/api/v1/field-security-profiles/"), 403, "permission-denied")
