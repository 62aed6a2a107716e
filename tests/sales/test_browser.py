"""Browser journeys of the sales issue (Playwright with Debian's Chromium against the live server).

Set ``RAPPORT_SCREENSHOTS=<folder>`` to also save the sales pages at desktop and phone widths.
"""

import os
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import DESKTOP, PHONE

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def make(user, set_name, **data):
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    return create_record(get_entity(set_name), data, ActionContext(user=user, channel="api")).record


def test_qualify_a_lead_into_account_contact_and_opportunity(live_server, new_context, sign_in, shoot, alice):
    from rapport.sales.models import Opportunity

    lead = make(alice, "leads", topic="Two graders for the county", first_name="Gábor", last_name="Nagy",
                company_name="Alföldi Útépítő Kft.", email="nagy@alfoldi.example", phone="+36 62 555 104")
    page = sign_in(new_context(), alice)
    page.goto(f"{live_server.url}/leads/")
    expect(page.locator(".record-link")).to_have_text(["Gábor Nagy"])
    page.click("text=Gábor Nagy")
    shoot(page, "sales-lead-desktop")
    page.click(".record-actions >> text=Qualify")
    dialog = page.locator("#dialog-qualify")
    expect(dialog).to_be_visible()
    for name in ("create_account", "create_contact", "create_opportunity"):
        dialog.locator(f"input[name={name}]").check()
    dialog.locator("button[type=submit]").click()
    opportunity = Opportunity.objects.get(originating_lead=lead)
    expect(page).to_have_url(f"{live_server.url}/opportunities/{opportunity.pk}/")
    expect(page.locator("#record-title")).to_have_text("Two graders for the county")
    expect(page.locator(".field-item", has_text="Customer").first).to_contain_text("Alföldi Útépítő Kft.")
    expect(page.locator(".stage-step.is-current")).to_contain_text("Identification")
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    expect(page.locator(".header-facts")).to_contain_text("Qualified")
    expect(page.locator(".record-actions >> text=Edit")).to_have_count(0)


def test_move_an_opportunity_on_the_stage_bar_and_the_board(live_server, new_context, sign_in, shoot, alice):
    account = make(alice, "accounts", name="Dalian Port Works")
    opportunity = make(alice, "opportunities", topic="Port loaders", customer=str(account.pk),
                       estimated_revenue="950000.00", estimated_close_date="2031-05-01")
    make(alice, "opportunities", topic="Spare buckets", customer=str(account.pk), estimated_revenue="20000.00")
    page = sign_in(new_context(), alice)
    page.goto(f"{live_server.url}/opportunities/{opportunity.pk}/")
    expect(page.locator(".stage-step.is-current")).to_contain_text("Identification")
    # Promote is not offered while the exit criteria are unticked; jumping ahead is refused with the reason.
    expect(page.locator(".record-actions >> text=Promote")).to_have_count(0)
    page.click(".stage-bar button[data-stage=qualification]")
    expect(page.locator(".messages")).to_contain_text("exit criteria of Identification are not met")
    expect(page.locator(".stage-step.is-current")).to_contain_text("Identification")
    for index in range(3):
        page.locator(".criterion-toggle[aria-checked=false]").first.click()
        expect(page.locator(".criterion-toggle[aria-checked=true]")).to_have_count(index + 1)
    shoot(page, "sales-opportunity-desktop")
    page.click(".record-actions >> text=Promote")
    expect(page.locator(".stage-step.is-current")).to_contain_text("Qualification")
    expect(page.locator(".field-item", has_text="Probability").first).to_contain_text("20")

    page.goto(f"{live_server.url}/opportunities/board/")
    expect(page.locator(".board-column[data-stage=qualification] .board-card")).to_contain_text(["Port loaders"])
    expect(page.locator(".board-column[data-stage=identification] .column-totals")).to_contain_text("1 opportunity")
    shoot(page, "sales-board-desktop")
    # Dragging forward past unmet criteria is refused and the reason shown.
    card = page.locator("#card-" + str(opportunity.pk))
    card.drag_to(page.locator(".board-column[data-stage=development]"))
    expect(page.locator("#board-status")).to_contain_text("exit criteria of Qualification are not met")
    # Dragging back is allowed.
    card.drag_to(page.locator(".board-column[data-stage=identification]"))
    expect(page.locator(".board-column[data-stage=identification] .board-card")).to_have_count(2)
    opportunity.refresh_from_db()
    assert opportunity.stage == "identification"
    # The keyboard fallback moves a card too.
    page.locator(f"#move-{opportunity.pk}").select_option("qualification")
    page.locator(f"#card-{opportunity.pk} .card-move button").click()
    expect(page.locator(".board-column[data-stage=qualification] .board-card")).to_contain_text(["Port loaders"])


def test_close_as_lost_against_a_competitor_then_reopen(live_server, new_context, sign_in, shoot, alice, admin):
    account = make(alice, "accounts", name="Sibirskaya Gornaya")
    opportunity = make(alice, "opportunities", topic="Mining trucks tender", customer=str(account.pk),
                       estimated_revenue="4200000.00")
    komatsu = make(admin, "competitors", name="Komatsu", key_product="HD785 dump truck")
    page = sign_in(new_context(), alice)
    page.goto(f"{live_server.url}/opportunities/{opportunity.pk}/")
    page.click(".record-actions >> text=Close as lost")
    dialog = page.locator("#dialog-lose")
    expect(dialog).to_be_visible()
    dialog.locator("select[name=status_reason]").select_option("out_sold")
    dialog.locator("#lose-id_competitor").click()
    page.keyboard.type("Koma")
    expect(dialog.locator("#lose-id_competitor-options [role=option]")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    dialog.locator("textarea[name=description]").fill("Their financing was better.")
    dialog.locator("button[type=submit]").click()
    expect(page.locator(".header-facts")).to_contain_text("Lost")
    expect(page.locator(".header-facts")).to_contain_text("Out-sold")
    expect(page.locator(".stage-step.is-current")).to_contain_text("Closed lost")
    expect(page.locator(".record-actions >> text=Edit")).to_have_count(0)

    page.goto(f"{live_server.url}/competitors/{komatsu.pk}/")
    expect(page.locator("#lost-deals")).to_contain_text("Mining trucks tender")
    shoot(page, "sales-competitor-desktop")
    page.click("#lost-deals >> text=Mining trucks tender")
    page.click(".record-actions >> text=Reopen")
    expect(page.locator(".header-facts")).to_contain_text("Open")
    expect(page.locator(".stage-step.is-current")).to_contain_text("Proposal")
    expect(page.locator(".record-actions >> text=Edit")).to_have_count(1)
    page.goto(f"{live_server.url}/competitors/{komatsu.pk}/")
    expect(page.locator("#open-deals")).to_contain_text("Mining trucks tender")


def test_screenshots_of_the_sales_pages(live_server, new_context, sign_in, shoot, admin, settings):
    """Reports and lists with the demo data, at desktop and phone widths (saved only with RAPPORT_SCREENSHOTS)."""
    from rapport.demo import load_demo

    settings.ADMIN_MFA = "optional"  # the administrator signs in with a password only here

    load_demo(admin_password="Demo-Password-1")
    for viewport, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = sign_in(new_context(viewport=viewport), admin)
        for path, name in (("/sales/reports/pipeline/", "report-pipeline"), ("/sales/reports/forecast/", "report-forecast"),
                           ("/sales/reports/win-rate/", "report-win-rate"),
                           ("/sales/reports/lead-conversion/", "report-lead-conversion"),
                           ("/sales/reports/disqualification/", "report-disqualification"),
                           ("/opportunities/board/", "board"), ("/leads/?view=all", "leads"),
                           ("/opportunities/?view=all", "opportunities")):
            page.goto(f"{live_server.url}{path}")
            expect(page.locator("h1")).to_be_visible()
            shoot(page, f"sales-{name}-{suffix}")
        page.goto(f"{live_server.url}/sales/reports/pipeline/")
        page.locator("#funnel-table tbody a").first.click()
        expect(page).to_have_url(re.compile(r"/opportunities/\?view=all&filter="))
        expect(page.locator(".record-link").first).to_be_visible()
        from rapport.sales.models import Opportunity

        opportunity = Opportunity.objects.filter(state="open").order_by("topic").first()
        page.goto(f"{live_server.url}/opportunities/{opportunity.pk}/")
        shoot(page, f"sales-opportunity-{suffix}")
