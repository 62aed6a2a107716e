"""The public pool through the API (SAL-21, SAL-23; API.md "Public pool"): release, abandon, claim,
the capacity limit, who sees pool records, and the rules as data."""

from __future__ import annotations

import pytest

from rapport.core.models import AuditEntry
from rapport.core.testing.api import assert_problem, patch, post

pytestmark = pytest.mark.django_db


def url(record, action=None, set_name="accounts"):
    return f"/api/v1/{set_name}/{record.pk}/" + (f"{action}/" if action else "")


def listed(client, set_name="accounts", **params):
    response = client.get(f"/api/v1/{set_name}/", params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- release ------------------------------------------------------------------------------------------


def test_a_manager_releases_an_account_into_its_business_units_public_pool(api_client, make, seller, manager, org):
    account = make(seller, "accounts", name="Dalian Port Works")
    response = post(api_client(manager), url(account, "release"), {"reason": "The salesperson left the company"})
    assert response.status_code == 200, response.content
    body = response.json()["record"]
    assert body["owner"] is None
    assert body["pool"] == "public"
    assert body["pooled_on"]
    account.refresh_from_db()
    assert (account.owner_user_id, account.owner_team_id, account.pool) == (None, None, "public")
    assert account.owning_business_unit_id == org["beijing"].pk
    entry = AuditEntry.objects.filter(entity="accounts", record_id=account.pk).order_by("-occurred_on").first()
    assert entry.action == "assign" and entry.channel == "api" and entry.user_id == manager.pk
    assert entry.changes["pool"] == ["", "public"]
    assert entry.changes["reason"] == [None, "The salesperson left the company"]


def test_release_needs_a_reason(api_client, make, seller, manager):
    account = make(seller, "accounts", name="Dalian Port Works")
    assert_problem(post(api_client(manager), url(account, "release"), {}), 400, "validation", "reason", "required")
    account.refresh_from_db()
    assert account.owner_user_id == seller.pk and account.pool == ""


def test_a_salesperson_cannot_release_their_own_account_and_abandons_it_instead(api_client, make, seller):
    account = make(seller, "accounts", name="Dalian Port Works")
    body = assert_problem(post(api_client(seller), url(account, "release"), {"reason": "No need"}), 400, "invalid-state")
    assert "abandon" in body["detail"]
    account.refresh_from_db()
    assert account.owner_user_id == seller.pk


def test_a_salesperson_of_another_unit_cannot_release_and_gets_not_found(api_client, make, seller, far_seller):
    account = make(seller, "accounts", name="Dalian Port Works")
    assert_problem(post(api_client(far_seller), url(account, "release"), {"reason": "x"}), 404, "not-found")


def test_releasing_a_pooled_account_again_is_refused(api_client, pooled_account, manager):
    assert_problem(post(api_client(manager), url(pooled_account, "release"), {"reason": "again"}), 400, "invalid-state")


# --- abandon ------------------------------------------------------------------------------------------


def test_the_owner_abandons_a_lead_to_the_agent_administrators_pool(api_client, make, seller, agent_admin):
    lead = make(seller, "leads", topic="Two loaders", last_name="Zhang", company_name="Zhang Mining")
    response = post(api_client(seller), url(lead, "abandon", "leads"), {"reason": "Budget cut, not reachable"})
    assert response.status_code == 200, response.content
    lead.refresh_from_db()
    assert (lead.owner_user_id, lead.pool) == (None, "agent")
    # The salesperson no longer sees it; the agent administrator (in another branch) does.
    assert api_client(seller).get(url(lead, set_name="leads")).status_code == 404
    assert str(lead.pk) in listed(api_client(agent_admin), "leads", pool="agent")
    entry = AuditEntry.objects.filter(entity="leads", record_id=lead.pk, action="assign").get()
    assert entry.changes["reason"] == [None, "Budget cut, not reachable"]


def test_only_the_owner_abandons(api_client, make, seller, manager):
    account = make(seller, "accounts", name="Dalian Port Works")
    body = assert_problem(post(api_client(manager), url(account, "abandon"), {"reason": "x"}), 400, "invalid-state")
    assert "owner" in body["detail"]


# --- claim --------------------------------------------------------------------------------------------


def test_a_salesperson_of_the_unit_sees_and_claims_a_pool_account(api_client, pooled_account, other_seller, org):
    client = api_client(other_seller)
    assert str(pooled_account.pk) in listed(client, pool="public")
    assert client.get(url(pooled_account)).json()["pool"] == "public"
    response = post(client, url(pooled_account, "claim"))
    assert response.status_code == 200, response.content
    assert response.json()["record"]["owner"] == str(other_seller.pk)
    pooled_account.refresh_from_db()
    assert (pooled_account.owner_user_id, pooled_account.pool, pooled_account.pooled_on) == (other_seller.pk, "", None)
    assert pooled_account.owning_business_unit_id == org["beijing"].pk
    entry = AuditEntry.objects.filter(entity="accounts", record_id=pooled_account.pk).order_by("-occurred_on").first()
    assert entry.user_id == other_seller.pk and entry.changes["pool"] == ["public", ""]


def test_each_business_unit_has_its_own_public_pool(api_client, make, person, manager, act):
    machines_seller = person("zhou", "machines")
    beijing_seller = person("wu", "beijing")
    parent_record = make(beijing_seller, "accounts", name="Beijing Cranes")
    child_record = make(machines_seller, "accounts", name="Machines Parts Co")
    act(manager, "accounts", parent_record, "release", reason="x")
    act(manager, "accounts", child_record, "release", reason="y")
    assert listed(api_client(machines_seller), pool="public") == {str(child_record.pk)}
    assert listed(api_client(beijing_seller), pool="public") == {str(parent_record.pk)}
    # The Beijing manager (parent:child depth) oversees both pools.
    assert listed(api_client(manager), pool="public") == {str(parent_record.pk), str(child_record.pk)}


def test_another_business_unit_neither_sees_nor_claims_a_pool_account(api_client, pooled_account, far_seller):
    client = api_client(far_seller)
    assert str(pooled_account.pk) not in listed(client)
    assert str(pooled_account.pk) not in listed(client, q="Dalian")
    assert client.get(url(pooled_account)).status_code == 404
    assert_problem(post(client, url(pooled_account, "claim")), 404, "not-found")
    pooled_account.refresh_from_db()
    assert pooled_account.pool == "public"


def test_the_list_count_agrees_with_the_pool(api_client, pooled_account, other_seller, far_seller):
    assert api_client(other_seller).get("/api/v1/accounts/", {"count": "true", "pool": "public"}).json()["count"] == 1
    assert api_client(far_seller).get("/api/v1/accounts/", {"count": "true", "pool": "public"}).json()["count"] == 0


def test_a_pool_account_is_read_only_for_the_salespeople_who_see_it(api_client, pooled_account, other_seller):
    client = api_client(other_seller)
    assert_problem(patch(client, url(pooled_account), {"name": "Mine now"}), 403, "permission-denied")


def test_pool_is_read_only_in_the_api(api_client, make, seller):
    account = make(seller, "accounts", name="Dalian Port Works")
    response = patch(api_client(seller), url(account), {"pool": "public"})
    assert response.status_code == 400, response.content
    account.refresh_from_db()
    assert account.pool == ""


def test_claiming_an_owned_account_is_refused(api_client, make, seller, manager):
    account = make(seller, "accounts", name="Dalian Port Works")
    assert_problem(post(api_client(manager), url(account, "claim")), 400, "invalid-state")


def test_the_agent_pool_is_claimed_by_an_agent_administrator_only(api_client, make, act, seller, other_seller, agent_admin):
    account = make(seller, "accounts", name="Dalian Port Works")
    act(seller, "accounts", account, "abandon", reason="Wrong region")
    assert str(account.pk) not in listed(api_client(other_seller))
    assert_problem(post(api_client(other_seller), url(account, "claim")), 404, "not-found")
    response = post(api_client(agent_admin), url(account, "claim"))
    assert response.status_code == 200, response.content
    account.refresh_from_db()
    assert account.owner_user_id == agent_admin.pk and account.pool == ""


def test_a_reader_who_cannot_own_accounts_cannot_claim(api_client, pooled_account, person):
    reader = person("qian", "beijing", "read_only")
    assert str(pooled_account.pk) in listed(api_client(reader), pool="public")
    assert_problem(post(api_client(reader), url(pooled_account, "claim")), 400, "invalid-state")


def test_assigning_a_pool_record_takes_it_out_of_the_pool(api_client, pooled_account, manager, other_seller):
    response = post(api_client(manager), url(pooled_account, "assign"), {"owner": str(other_seller.pk)})
    assert response.status_code == 200, response.content
    pooled_account.refresh_from_db()
    assert (pooled_account.owner_user_id, pooled_account.pool, pooled_account.pooled_on) == (other_seller.pk, "", None)


# --- capacity (SAL-23) --------------------------------------------------------------------------------


def test_claim_at_the_capacity_limit_is_refused_with_409(api_client, make, act, manager, other_seller, admin_user):
    from rapport.core.actions.base import ActionContext
    from rapport.pool.actions import set_pool_rule

    set_pool_rule(ActionContext(user=admin_user), capacity=2, return_after_days=30)
    make(other_seller, "accounts", name="Held account")
    make(other_seller, "leads", topic="Held lead", last_name="Gao", company_name="Gao Ltd")
    pooled = make(manager, "accounts", name="Pooled one")
    act(manager, "accounts", pooled, "release", reason="Free it")
    body = assert_problem(post(api_client(other_seller), url(pooled, "claim")), 409, "capacity-reached")
    assert "2" in body["detail"]
    assert body.get("capacity") == 2 and body.get("held") == 2
    pooled.refresh_from_db()
    assert pooled.pool == "public" and pooled.owner_user_id is None
    # Inactive accounts do not count: deactivating one frees a place.
    held = other_seller_account = pooled.__class__.objects.get(name="Held account")
    act(other_seller, "accounts", held, "deactivate")
    assert post(api_client(other_seller), url(pooled, "claim")).status_code == 200
    assert other_seller_account.pk != pooled.pk


def test_the_default_capacity_is_130(seller):
    from rapport.pool.rules import capacity_of

    assert capacity_of(seller) == 130


def test_a_business_unit_override_applies_to_the_units_below(person, org, admin_user):
    from rapport.core.actions.base import ActionContext
    from rapport.pool.rules import capacity_of, rule_for_unit

    set_pool_rule = __import__("rapport.pool.actions", fromlist=["set_pool_rule"]).set_pool_rule
    set_pool_rule(ActionContext(user=admin_user), capacity=100, return_after_days=20)
    set_pool_rule(ActionContext(user=admin_user), business_unit=org["beijing"], capacity=5, return_after_days=7)
    assert capacity_of(person("a1", "machines")) == 5
    assert capacity_of(person("a2", "liaoning")) == 100
    assert rule_for_unit(org["machines"].pk) == {"capacity": 5, "return_after_days": 7, "daily_new_customers": 3, "daily_effective_contacts": 35}


def test_only_administrators_change_the_rules(seller):
    from rapport.core.actions.base import ActionContext
    from rapport.core.errors import PermissionDenied, RecordValidationError
    from rapport.pool.actions import set_pool_rule

    with pytest.raises(PermissionDenied):
        set_pool_rule(ActionContext(user=seller), capacity=5, return_after_days=1)
    from rapport.security.actions import create_user

    admin = create_user(ActionContext(user=None, channel="system"), username="boss", password=None, is_superuser=True)
    with pytest.raises(RecordValidationError) as refused:
        set_pool_rule(ActionContext(user=admin), capacity=0, return_after_days=-1)
    assert set(refused.value.errors) == {"capacity", "return_after_days"}


# --- concurrency --------------------------------------------------------------------------------------


def test_a_second_claim_of_the_same_record_is_refused(api_client, pooled_account, seller, other_seller):
    assert post(api_client(other_seller), url(pooled_account, "claim")).status_code == 200
    response = post(api_client(seller), url(pooled_account, "claim"))
    # The first claimer owns it now: the second caller either no longer reads it (404) or is told why.
    assert response.status_code in (400, 404), response.content
    pooled_account.refresh_from_db()
    assert pooled_account.owner_user_id == other_seller.pk


def test_creating_or_being_assigned_a_customer_beyond_the_capacity_is_refused(api_client, make, other_seller, manager,
                                                                                admin_user):
    from rapport.core.actions.base import ActionContext
    from rapport.customers.models import Account
    from rapport.pool.actions import set_pool_rule

    set_pool_rule(ActionContext(user=admin_user), capacity=2, return_after_days=30)
    client = api_client(other_seller)
    assert post(client, "/api/v1/accounts/", {"name": "First"}).status_code == 201
    assert post(client, "/api/v1/leads/", {"topic": "Second", "last_name": "Gao", "company_name": "Gao Ltd"}).status_code == 201
    body = assert_problem(post(client, "/api/v1/accounts/", {"name": "Third"}), 409, "capacity-reached")
    assert body["capacity"] == 2 and body["held"] == 2
    assert not Account.objects.filter(name="Third").exists()
    spare = make(manager, "accounts", name="Manager's spare")
    refused = post(api_client(manager), url(spare, "assign"), {"owner": str(other_seller.pk)})
    assert_problem(refused, 409, "capacity-reached")
    spare.refresh_from_db()
    assert spare.owner_user_id == manager.pk
