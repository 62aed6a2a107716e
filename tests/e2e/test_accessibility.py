"""Automated accessibility check (axe) on the shell, a list, a form and a detail page, at desktop and
phone widths; on a phone no page scrolls sideways. With RAPPORT_SCREENSHOTS set, each page is saved."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}


def seed(user):
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    ctx = ActionContext(user=user, channel="api")
    accounts = []
    for index, (name, city) in enumerate([("Északi Bánya Zrt", "Pécs"), ("北京华为科技有限公司", "北京"),
                                          ("ООО Ромашка", "Москва"), ("Harbour Logistics Ltd", "Rijeka")]):
        accounts.append(create_record(get_entity("accounts"), {
            "name": name, "city": city, "phone": f"+36 72 555 01{index:02d}", "industry": "mining",
            "annual_revenue": "1234567.50", "email": f"info{index}@example.com",
        }, ctx).record)
    for first, last in [("Anna", "Kovács"), ("Wei", "Zhang")]:
        create_record(get_entity("contacts"), {"first_name": first, "last_name": last, "account": str(accounts[0].pk),
                                               "job_title": "Buyer", "email": f"{first.lower()}@example.com"}, ctx)
    create_record(get_entity("notes"), {"regarding": {"entity": "accounts", "id": str(accounts[0].pk)},
                                        "title": "Visit", "text": "Agreed on the framework contract."}, ctx)
    return accounts[0]


def problems(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v.get("impact") in BLOCKING]


def test_pages_have_no_serious_accessibility_violations_and_fit_a_phone(live_server, new_context, sign_in, alice, shoot):
    account = seed(alice)
    pages = [
        ("home", "/"),
        ("accounts-list", "/accounts/"),
        ("accounts-list-filtered", "/accounts/?view=active&filter=%7B%22and%22%3A%5B%7B%22field%22%3A%22city%22%2C%22op%22%3A%22eq%22%2C%22value%22%3A%22P%C3%A9cs%22%7D%5D%7D"),
        ("contacts-list", "/contacts/"),
        ("account-form-new", "/accounts/new/"),
        ("account-form-edit", f"/accounts/{account.pk}/edit/"),
        ("account-detail", f"/accounts/{account.pk}/"),
        ("preferences", "/settings/preferences/"),
    ]
    found = {}
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = sign_in(new_context(viewport=viewport), alice)
        for name, url in pages:
            page.goto(f"{live_server.url}{url}")
            page.wait_for_load_state("networkidle")
            shoot(page, f"{name}-{width_name}")
            issues = problems(page)
            if issues:
                found[f"{name} at {width_name}"] = issues
            if width_name == "phone":
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{name} scrolls sideways on a phone by {overflow}px"
        # A page with an error summary and a form's other tab, and the opened menus, are checked too.
        page.goto(f"{live_server.url}/accounts/new/")
        page.click("#record-form .form-actions button:has-text('Save')")
        page.wait_for_load_state("networkidle")
        shoot(page, f"account-form-errors-{width_name}")
        issues = problems(page)
        if issues:
            found[f"form with errors at {width_name}"] = issues
        page.goto(f"{live_server.url}/accounts/{account.pk}/")
        page.click("[role=tab]:has-text('Audit history')")
        page.locator("#tab-audit .audit-entry").first.wait_for()
        shoot(page, f"account-detail-audit-{width_name}")
        issues = problems(page)
        if issues:
            found[f"audit tab at {width_name}"] = issues
        page.goto(f"{live_server.url}/accounts/")
        if width_name == "phone":
            page.click("[data-nav-toggle]")
        page.click("nav summary:has-text('Sales')")
        shoot(page, f"navigation-{width_name}")
        issues = problems(page)
        if issues:
            found[f"navigation menu open at {width_name}"] = issues
        page.keyboard.press("Escape")
        if width_name == "phone":
            page.click("[data-nav-toggle]")
        page.click("summary:has-text('Change view')")
        shoot(page, f"accounts-list-view-menu-{width_name}")
        issues = problems(page)
        if issues:
            found[f"list with the view menu open at {width_name}"] = issues
        page.keyboard.press("Escape")
        page.click("summary:has-text('Filter')")
        page.click("text=Add condition")
        page.locator("#fb-0-field").wait_for()
        shoot(page, f"accounts-list-filter-{width_name}")
        issues = problems(page)
        if issues:
            found[f"list with the filter bar open at {width_name}"] = issues
    assert found == {}, "\n".join(f"{where}: {issue}" for where, issues in found.items() for issue in issues)


def test_keyboard_only_reaches_the_list_and_opens_a_record(live_server, new_context, sign_in, alice):
    seed(alice)
    page = sign_in(new_context(), alice)
    page.goto(f"{live_server.url}/accounts/")
    page.keyboard.press("/")
    page.keyboard.type("Harbour")
    page.locator(".record-link", has_text="Harbour Logistics Ltd").wait_for()
    page.wait_for_function("document.querySelectorAll('.record-link').length === 1")
    # Tab from the search box to the first record's link and open it with Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('record-link')"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/*/")
    assert page.locator("#record-title").inner_text() == "Harbour Logistics Ltd"
    # The record's tabs move with the arrow keys.
    page.locator("[role=tab]").first.focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.getAttribute('aria-selected')") == "true"
    assert page.locator("[role=tabpanel]:not([hidden])").count() == 1
