"""The pool's pages: Sales → Public pool (claim one or many), the record page's buttons, the rules page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_pool_page_lists_the_units_pool_with_claim_buttons(signed_in, pooled_account, other_seller, far_seller):
    page = signed_in(other_seller).get("/pool/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Dalian Port Works" in html and f"/pool/claim/?one={pooled_account.pk}" in html
    assert "You hold 0 of at most 130 customers." in html
    assert "Dalian Port Works" not in signed_in(far_seller).get("/pool/").content.decode()


def test_claiming_one_from_the_page(signed_in, pooled_account, other_seller):
    client = signed_in(other_seller)
    response = client.post(f"/pool/claim/?one={pooled_account.pk}", {"set": "accounts", "next": "/pool/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/pool/"
    assert "is yours now" in response.content.decode()
    pooled_account.refresh_from_db()
    assert pooled_account.owner_user_id == other_seller.pk


def test_claiming_several_reports_each_and_stops_at_the_capacity(signed_in, make, act, manager, other_seller, admin_user):
    from rapport.core.actions.base import ActionContext
    from rapport.pool.actions import set_pool_rule

    records = [make(manager, "accounts", name=f"Pool {n}") for n in range(2)]
    for record in records:
        act(manager, "accounts", record, "release", reason="Open")
    set_pool_rule(ActionContext(user=admin_user), capacity=1, return_after_days=30)  # (capacity also limits creating: set it once the pool is filled)
    response = signed_in(other_seller).post("/pool/claim/", {"set": "accounts", "next": "/pool/",
                                                             "ids": [str(r.pk) for r in records]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 of 2 records succeeded" in html and "the limit is 1" in html


def test_the_agent_pool_tab_is_for_agent_administrators(signed_in, make, act, seller, agent_admin):
    lead = make(seller, "leads", topic="Cranes", last_name="Ma", company_name="Ma Cranes")
    act(seller, "leads", lead, "abandon", reason="Out of region")
    assert "Ma Cranes" not in signed_in(seller).get("/pool/?set=leads&pool=agent").content.decode()
    html = signed_in(agent_admin).get("/pool/?set=leads&pool=agent").content.decode()
    assert "Ma" in html and f"/pool/claim/?one={lead.pk}" in html


def test_the_record_page_offers_release_abandon_and_claim_to_the_right_people(signed_in, make, seller, manager,
                                                                            other_seller, act):
    account = make(seller, "accounts", name="Button Works")
    owner_page = signed_in(seller).get(f"/accounts/{account.pk}/").content.decode()
    assert "/run/abandon/" in owner_page and "/run/release/" not in owner_page and "/run/claim/" not in owner_page
    manager_page = signed_in(manager).get(f"/accounts/{account.pk}/").content.decode()
    assert "/run/release/" in manager_page
    act(manager, "accounts", account, "release", reason="Open")
    seller_page = signed_in(other_seller).get(f"/accounts/{account.pk}/").content.decode()
    assert "/run/claim/" in seller_page and "/run/abandon/" not in seller_page


def test_the_rules_page_is_for_administrators_and_saves(signed_in, seller, admin_user, org):
    from rapport.pool.rules import rule_for_unit

    assert signed_in(seller).get("/settings/pool/").status_code == 403
    client = signed_in(admin_user)
    assert client.get("/settings/pool/").status_code == 200
    response = client.post("/settings/pool/", {"capacity": "90", "return_after_days": "14"})
    assert response.status_code == 302
    assert rule_for_unit(None) == {"capacity": 90, "return_after_days": 14, "daily_new_customers": 3, "daily_effective_contacts": 35}
    client.post("/settings/pool/", {"business_unit": str(org["liaoning"].pk), "capacity": "20", "return_after_days": "0"})
    assert rule_for_unit(org["liaoning"].pk) == {"capacity": 20, "return_after_days": 0, "daily_new_customers": 3, "daily_effective_contacts": 35}
    bad = client.post("/settings/pool/", {"capacity": "0", "return_after_days": "x"})
    assert bad.status_code == 400 and "Enter a whole number." in bad.content.decode()
    assert "Customer pool rules" in client.get("/settings/").content.decode()
    assert "Customer pool rules" not in signed_in(seller).get("/settings/").content.decode()
