"""Browser journey of the pool (Playwright with Debian's Chromium against the live server).

Set ``RAPPORT_SCREENSHOTS=<folder>`` to also save the pool page.
"""

import os

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_claim_from_the_pool_until_the_capacity_limit_refuses(live_server, new_context, sign_in, shoot, make, act,
                                                             manager, other_seller, admin_user):
    from rapport.core.actions.base import ActionContext
    from rapport.customers.models import Account
    from rapport.pool.actions import set_pool_rule

    set_pool_rule(ActionContext(user=admin_user), capacity=2, return_after_days=30)
    names = ["Anshan Steel", "Benxi Coal", "Chaoyang Cement"]
    for name in names:
        record = make(manager, "accounts", name=name)
        act(manager, "accounts", record, "release", reason="Open to the branch")

    page = sign_in(new_context(), other_seller)
    page.click("nav summary:has-text('Sales')")
    page.click("nav >> text=Public pool")
    expect(page.locator("#pool-title")).to_have_text("Public pool")
    expect(page.locator("#pool-records .record-link")).to_have_count(3)
    expect(page.locator("#pool-capacity")).to_contain_text("You hold 0 of at most 2 customers.")
    shoot(page, "pool-desktop")

    for held, name in enumerate(names[:2], start=1):
        page.locator("tr", has_text=name).locator(".claim-one").click()
        expect(page.locator(".messages")).to_contain_text(name)
        expect(page.locator("#pool-capacity")).to_contain_text(f"You hold {held} of at most 2 customers.")
        expect(page.locator("#pool-records .record-link", has_text=name)).to_have_count(0)

    page.locator("tr", has_text=names[2]).locator(".claim-one").click()
    expect(page.locator(".messages")).to_contain_text("the limit is 2")
    expect(page.locator("#pool-records .record-link", has_text=names[2])).to_have_count(1)
    shoot(page, "pool-capacity-reached")
    assert set(Account.objects.filter(owner_user=other_seller).values_list("name", flat=True)) == set(names[:2])
    assert Account.objects.get(name=names[2]).pool == "public"

    # The claimed account's page offers the owner "Abandon" (to the agent administrator's pool).
    page.goto(f"{live_server.url}/accounts/{Account.objects.get(name=names[0]).pk}/")
    expect(page.locator(".record-actions >> text=Abandon")).to_have_count(1)
