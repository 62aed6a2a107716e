"""Users, business units, teams and roles through the API (API.md "Security entities"), and the
bad input of the issue — each refused with a clear error and nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.core.models import AuditEntry
from rapport.core.testing.api import assert_problem, delete, patch, post
from rapport.security.models import BusinessUnit, Role, Team, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(person, org):
    return person("root-admin", org["root"], is_superuser=True)


@pytest.fixture
def salesperson(person, org):
    return person("wang.li", org["beijing"])


def test_shipped_roles_exist_in_the_root_business_unit_and_cover_every_entity(api_client, salesperson):
    from rapport.core.entities import all_entities
    from rapport.security.models import root_business_unit

    rows = api_client(salesperson).get("/api/v1/roles/?page_size=100").json()["results"]
    shipped = {row["name"]: row for row in rows if row["is_shipped"]}
    assert set(shipped) == {"System Administrator", "Sales Manager", "Salesperson", "Marketing Manager",
                            "Customer Service Representative", "Data Administrator", "Agent Administrator", "Read-only"}
    for row in shipped.values():
        assert row["business_unit"] == str(root_business_unit().pk)
        assert set(row["privileges"]) >= {spec.set_name for spec in all_entities()}


def test_syncing_the_shipped_roles_twice_changes_nothing():
    from rapport.security.roles import sync_shipped_roles

    before = {(r.pk, r.modified_on, str(r.privileges)) for r in Role.objects.all()}
    sync_shipped_roles()
    sync_shipped_roles()
    assert {(r.pk, r.modified_on, str(r.privileges)) for r in Role.objects.all()} == before


def test_me_reports_the_effective_privileges(api_client, salesperson):
    body = api_client(salesperson).get("/api/v1/me/").json()
    assert body["privileges"]["accounts"]["read"] == "user"
    assert body["is_system_administrator"] is False
    assert "manage_users" not in body["misc_privileges"] and "export" in body["misc_privileges"]


def test_an_administrator_creates_a_user_with_roles(api_client, admin, org, shipped):
    client = api_client(admin)
    response = post(client, "/api/v1/users/", {
        "username": "liu.yang", "full_name": "刘洋", "email": "liu.yang@example.cn", "business_unit": str(org["machines"].pk),
        "roles": [str(shipped("sales_manager").pk)], "password": "Temporary-Pass-42", "manager": str(admin.pk)})
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"/api/v1/users/{body['id']}/"
    assert body["must_change_password"] is True and body["is_active"] is True
    assert body["roles"] == [str(shipped("sales_manager").pk)]
    assert client.get(f"/api/v1/users/{body['id']}/").json()["username"] == "liu.yang"
    assert AuditEntry.objects.filter(entity="users", record_id=body["id"], action="create").exists()


def test_duplicate_login_names_are_refused_case_insensitively(api_client, admin, salesperson, org):
    count = User.objects.count()
    response = post(api_client(admin), "/api/v1/users/", {"username": "WANG.LI", "business_unit": str(org["beijing"].pk)})
    body = assert_problem(response, 400, "validation", "username", "unique")
    assert "taken" in body["errors"]["username"][0]
    assert User.objects.count() == count
    renamed = patch(api_client(admin), f"/api/v1/users/{admin.pk}/", {"username": "Wang.Li"})
    assert_problem(renamed, 403, "permission-denied", "username")  # own login name: not even tried
    other = User.objects.get(username="wang.li")
    assert_problem(patch(api_client(admin), f"/api/v1/users/{other.pk}/", {"username": "ROOT-ADMIN"}), 400, "validation",
                   "username", "unique")


def test_the_business_unit_of_a_user_is_required_and_is_active_read_only(api_client, admin, org):
    client = api_client(admin)
    assert_problem(post(client, "/api/v1/users/", {"username": "no.unit"}), 400, "validation", "business_unit", "required")
    assert_problem(post(client, "/api/v1/users/", {"username": "x", "business_unit": str(org["root"].pk), "is_active": False}),
                   400, "validation", "is_active", "read-only")
    assert not User.objects.filter(username__in=["no.unit", "x"]).exists()


@pytest.mark.parametrize("field", ["roles", "business_unit", "teams", "manager", "managed_business_units"])
def test_users_cannot_change_their_own_roles_unit_teams_or_manager(api_client, admin, salesperson, org, shipped, field):
    values = {"roles": [str(shipped("system_administrator").pk)], "business_unit": str(org["root"].pk),
              "teams": [], "manager": None, "managed_business_units": [str(org["root"].pk)]}
    for actor in (salesperson, admin):
        before = (sorted(actor.roles.values_list("pk", flat=True)), actor.business_unit_id, actor.manager_id)
        response = patch(api_client(actor), f"/api/v1/users/{actor.pk}/", {field: values[field]})
        body = assert_problem(response, 403, "permission-denied", field)
        assert body["codes"][field] == ["self-escalation"]
        actor.refresh_from_db()
        assert (sorted(actor.roles.values_list("pk", flat=True)), actor.business_unit_id, actor.manager_id) == before


def test_users_change_their_own_name_and_language(api_client, salesperson):
    response = patch(api_client(salesperson), f"/api/v1/users/{salesperson.pk}/", {"full_name": "王力", "language": "zh-hans"})
    assert response.status_code == 200 and response.json()["full_name"] == "王力"


def test_only_holders_of_manage_users_administer_users(api_client, salesperson, admin, org):
    client = api_client(salesperson)
    count = User.objects.count()
    assert_problem(post(client, "/api/v1/users/", {"username": "sneaky", "business_unit": str(org["root"].pk)}), 403,
                   "permission-denied")
    assert_problem(patch(client, f"/api/v1/users/{admin.pk}/", {"full_name": "Hacked"}), 403, "permission-denied")
    assert_problem(post(client, f"/api/v1/users/{admin.pk}/disable/"), 403, "permission-denied")
    assert_problem(post(client, "/api/v1/business-units/", {"name": "Rogue", "parent": str(org["root"].pk)}), 403,
                   "permission-denied")
    assert_problem(post(client, "/api/v1/roles/", {"name": "Rogue role"}), 403, "permission-denied")
    assert User.objects.count() == count
    admin.refresh_from_db()
    assert admin.full_name != "Hacked" and admin.is_active


def test_a_user_administrator_gives_no_more_than_they_hold(api_client, person, org, make_role, shipped):
    from rapport.core.entities import all_entities
    from rapport.core.permissions.filter import PRIVILEGES

    limited = make_role({s.set_name: {p: "user" for p in PRIVILEGES} for s in all_entities()}, misc=["manage_users"])
    hr = person("hr.manager", org["beijing"], roles=[limited])
    target = person("target", org["beijing"])
    client = api_client(hr)
    response = patch(client, f"/api/v1/users/{target.pk}/", {"roles": [str(shipped("system_administrator").pk)]})
    assert_problem(response, 403, "permission-denied", "roles")
    response = patch(client, f"/api/v1/users/{target.pk}/", {"roles": [str(shipped("data_administrator").pk)]})
    assert_problem(response, 403, "permission-denied", "roles")
    assert list(target.roles.values_list("code", flat=True)) == ["salesperson"]
    # A role within their own privileges is fine.
    assert patch(client, f"/api/v1/users/{target.pk}/", {"roles": [str(shipped("salesperson").pk)]}).status_code == 200
    # Nor can they raise a role's privileges above their own.
    role = make_role({"accounts": {"read": "user"}})
    assert_problem(patch(client, f"/api/v1/roles/{role.pk}/", {"privileges": {"accounts": {"read": "organization"}}}), 403,
                   "permission-denied")
    role.refresh_from_db()
    assert role.privileges == {"accounts": {"read": "user"}}


def test_assigning_to_a_disabled_user_is_refused(api_client, admin, salesperson, person, org):
    from rapport.core.entities import get_entity
    from rapport.core.testing.factories import create_for

    leaver = person("leaver", org["beijing"])
    assert post(api_client(admin), f"/api/v1/users/{leaver.pk}/disable/").status_code == 200
    record = create_for(get_entity("accounts"), salesperson)
    response = post(api_client(salesperson), f"/api/v1/accounts/{record.pk}/assign/", {"owner": str(leaver.pk)})
    assert_problem(response, 400, "validation", "owner")
    record.refresh_from_db()
    assert record.owner_user_id == salesperson.pk
    assert not AuditEntry.objects.filter(record_id=record.pk, action="assign").exists()
    refused = post(api_client(admin), "/api/v1/teams/", {"name": "With a leaver", "business_unit": str(org["beijing"].pk),
                                                         "members": [str(leaver.pk)]})
    assert_problem(refused, 400, "validation", "members")


def test_a_record_owner_cannot_be_written_through_patch(api_client, salesperson, admin):
    from rapport.core.entities import get_entity
    from rapport.core.testing.factories import create_for

    record = create_for(get_entity("accounts"), salesperson)
    response = patch(api_client(salesperson), f"/api/v1/accounts/{record.pk}/", {"owner": str(admin.pk)})
    assert_problem(response, 400, "validation", "owner", "read-only")
    response = patch(api_client(salesperson), f"/api/v1/accounts/{record.pk}/", {"owning_business_unit": None})
    assert_problem(response, 400, "validation", "owning_business_unit", "read-only")
    record.refresh_from_db()
    assert record.owner_user_id == salesperson.pk


def test_business_unit_cycles_are_refused(api_client, admin, org):
    client = api_client(admin)
    for unit, parent in ((org["beijing"], org["machines"]), (org["beijing"], org["beijing"])):
        response = patch(client, f"/api/v1/business-units/{unit.pk}/", {"parent": str(parent.pk)})
        body = assert_problem(response, 400, "validation", "parent", "cycle")
        assert body["errors"]["parent"]
    assert BusinessUnit.objects.get(pk=org["beijing"].pk).parent_id == org["root"].pk
    assert_problem(patch(client, f"/api/v1/business-units/{org['root'].pk}/", {"parent": str(org["beijing"].pk)}), 400,
                   "validation", "parent")


def test_business_units_are_created_moved_disabled_and_enabled(api_client, admin, org):
    client = api_client(admin)
    created = post(client, "/api/v1/business-units/", {"name": "Westrac Liaoning Parts", "parent": str(org["liaoning"].pk)})
    assert created.status_code == 201
    unit = created.json()
    assert unit["path"] == "Rapport / Westrac Liaoning / Westrac Liaoning Parts"
    moved = patch(client, f"/api/v1/business-units/{unit['id']}/", {"parent": str(org["beijing"].pk)})
    assert moved.json()["parent"] == str(org["beijing"].pk)
    assert post(client, f"/api/v1/business-units/{unit['id']}/disable/").json()["record"]["is_active"] is False
    assert_problem(post(client, f"/api/v1/business-units/{unit['id']}/disable/"), 400, "invalid-state")
    assert post(client, f"/api/v1/business-units/{unit['id']}/enable/").json()["record"]["is_active"] is True
    duplicate = post(client, "/api/v1/business-units/", {"name": "westrac liaoning parts", "parent": str(org["root"].pk)})
    assert_problem(duplicate, 400, "validation", "name", "unique")
    assert_problem(post(client, f"/api/v1/business-units/{org['root'].pk}/disable/"), 400, "invalid-state")


def test_teams_and_roles_round_trip(api_client, admin, salesperson, org):
    client = api_client(admin)
    role = post(client, "/api/v1/roles/", {"name": "Key accounts", "privileges": {"accounts": {"read": "business_unit"}},
                                           "misc_privileges": ["export"]})
    assert role.status_code == 201, role.content
    bad = post(client, "/api/v1/roles/", {"name": "Bad", "privileges": {"accounts": {"read": "galaxy"}}})
    assert_problem(bad, 400, "validation", "privileges", "invalid-choice")
    bad = post(client, "/api/v1/roles/", {"name": "Bad", "privileges": {"no-such-set": {"read": "user"}}})
    assert_problem(bad, 400, "validation", "privileges")
    team = post(client, "/api/v1/teams/", {"name": "Key accounts team", "business_unit": str(org["beijing"].pk),
                                           "members": [str(salesperson.pk)], "roles": [role.json()["id"]]})
    assert team.status_code == 201, team.content
    assert team.json()["members"] == [str(salesperson.pk)]
    # The team's role reaches its members.
    assert api_client(salesperson).get("/api/v1/me/").json()["privileges"]["accounts"]["read"] == "business_unit"
    assert delete(client, f"/api/v1/teams/{team.json()['id']}/").status_code == 204
    assert not Team.objects.filter(pk=team.json()["id"]).exists()
    shipped_role = Role.objects.get(code="salesperson")
    assert_problem(delete(client, f"/api/v1/roles/{shipped_role.pk}/"), 400, "invalid-state")


def test_tokens_stop_working_after_revoke_and_expiry(api_client, salesperson):
    from django.test import Client

    from rapport.core.actions.base import ActionContext
    from rapport.security.actions import create_token
    from rapport.security.models import ApiToken

    token, secret = create_token(salesperson, ActionContext(user=salesperson))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me/").status_code == 200
    assert delete(client, f"/api/v1/tokens/{token.pk}/").status_code == 204
    assert_problem(client.get("/api/v1/me/"), 401, "unauthenticated")
    token, secret = create_token(salesperson, ActionContext(user=salesperson))
    ApiToken.objects.filter(pk=token.pk).update(expires_on=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert_problem(Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me/"), 401, "unauthenticated")


def test_a_disabled_users_tokens_stop_working(api_client, admin, salesperson):
    client = api_client(salesperson)
    assert client.get("/api/v1/me/").status_code == 200
    post(api_client(admin), f"/api/v1/users/{salesperson.pk}/disable/")
    assert client.get("/api/v1/me/").status_code == 401


def test_the_users_list_pages_and_counts(api_client, admin, person, org):
    for index in range(5):
        person(f"bulk{index}", org["beijing"])
    client = api_client(admin)
    first = client.get("/api/v1/users/?page_size=3&count=true&q=bulk").json()
    assert first["count"] == 5 and len(first["results"]) == 3 and first["next"]
    second = client.get(first["next"]).json()
    assert [r["username"] for r in first["results"] + second["results"]] == [f"bulk{i}" for i in range(5)]
    assert_problem(client.get("/api/v1/users/?sort=name"), 400, "validation")


def test_the_administration_pages_are_for_user_administrators(signed_in, admin, salesperson):
    for path in ("/settings/security/", "/settings/users/", "/settings/users/new/", "/settings/business-units/",
                 "/settings/teams/", "/settings/roles/", "/settings/field-security/", "/settings/sign-ins/",
                 f"/settings/users/{salesperson.pk}/", f"/settings/roles/{Role.objects.get(code='salesperson').pk}/"):
        assert signed_in(admin).get(path).status_code == 200, path
        assert signed_in(salesperson).get(path).status_code == 403, path
