"""The main journeys of the issue's acceptance, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def make_account(user, **data):
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    return create_record(get_entity("accounts"), data, ActionContext(user=user, channel="api")).record


def test_create_account_and_contact_with_validation_quick_create_and_quick_find(live_server, new_context, sign_in, alice, shoot):
    from rapport.customers.models import Account, Contact

    page = sign_in(new_context(), alice)
    expect(page.locator("h1")).to_contain_text("Welcome")
    page.click("nav summary:has-text('Sales')")
    page.click("nav >> text=Accounts")
    expect(page.locator("#list-title")).to_have_text("My active accounts")
    page.click("text=New account")

    # A validation error is shown under its field and nothing is saved.
    page.fill("#id_email", "not-an-address")
    page.click("button:has-text('Save')")
    expect(page.locator("#error-summary")).to_contain_text("The record was not saved")
    expect(page.locator("#id_name-error")).to_have_text("This field is required.")
    expect(page.locator("#id_email-error")).to_have_text("Enter a valid e-mail address.")
    assert Account.objects.count() == 0

    page.fill("#id_name", "Északi Bánya Zrt")
    page.fill("#id_email", "info@eszaki.example")
    page.fill("#id_city", "Pécs")
    page.click("button:has-text('Save')")
    expect(page.locator("#record-title")).to_have_text("Északi Bánya Zrt")
    expect(page.locator(".messages")).to_contain_text("was created")

    # A contact whose account is chosen by type-ahead, with the keyboard.
    page.goto(f"{live_server.url}/contacts/new/")
    page.fill("#id_first_name", "Anna")
    page.fill("#id_last_name", "Kovács")
    page.click("#id_account")
    page.keyboard.type("Északi")
    expect(page.locator("#id_account-options [role=option]")).to_have_count(1)
    shoot(page, "lookup-type-ahead-desktop")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#id_account")).to_have_value("Északi Bánya Zrt")
    page.click("button:has-text('Save')")
    expect(page.locator("#record-title")).to_have_text("Anna Kovács")
    expect(page.locator(".field-item", has_text="Account")).to_contain_text("Északi Bánya Zrt")
    contact = Contact.objects.get(last_name="Kovács")
    assert contact.account.name == "Északi Bánya Zrt"

    # Quick create from a lookup field, in a dialog.
    page.goto(f"{live_server.url}/contacts/new/")
    page.fill("#id_last_name", "Tóth")
    page.click("text=New account")
    dialog = page.locator("#quick-create-dialog")
    expect(dialog).to_be_visible()
    shoot(page, "quick-create-dialog-desktop")
    dialog.locator("#qc-id_name").fill("Déli Kereskedő Kft")
    dialog.locator("button:has-text('Save')").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#id_account")).to_have_value("Déli Kereskedő Kft")
    page.click("#record-form button:has-text('Save')")
    expect(page.locator("#record-title")).to_have_text("Tóth")
    assert Contact.objects.get(last_name="Tóth").account.name == "Déli Kereskedő Kft"

    # Quick find on the lists.
    page.goto(f"{live_server.url}/accounts/")
    page.fill("#quick-find", "bánya")
    expect(page.locator(".record-link")).to_have_text(["Északi Bánya Zrt"])
    expect(page).to_have_url(re.compile(r"q=b%C3%A1nya"))
    page.goto(f"{live_server.url}/contacts/")
    page.fill("#quick-find", "kovács")
    expect(page.locator(".record-link")).to_have_text(["Anna Kovács"])


def test_editing_in_two_tabs_shows_the_conflict_in_the_second(live_server, new_context, sign_in, alice, shoot):

    account = make_account(alice, name="Shared Desk", city="Eger")
    context = new_context()
    first = sign_in(context, alice)
    second = context.new_page()
    first.goto(f"{live_server.url}/accounts/{account.pk}/edit/")
    second.goto(f"{live_server.url}/accounts/{account.pk}/edit/")
    first.fill("#id_city", "Vác")
    first.click("button:has-text('Save')")
    expect(first.locator(".messages")).to_contain_text("were saved")
    second.fill("#id_city", "Sopron")
    second.click("#record-form .form-actions button:has-text('Save')")
    expect(second.locator("#conflict-message")).to_contain_text("Someone else saved this record after you opened it.")
    expect(second.locator("#conflict-message")).to_contain_text("Vác")
    expect(second.locator("#id_city")).to_have_value("Sopron")
    shoot(second, "edit-conflict-desktop")
    account.refresh_from_db()
    assert account.city == "Vác"


def test_deactivate_and_reactivate(live_server, new_context, sign_in, alice, shoot):
    account = make_account(alice, name="Sleepy Kft")
    page = sign_in(new_context(), alice)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    expect(page.locator(".header-facts")).to_contain_text("Active")
    page.click(".record-actions >> text=Deactivate")
    dialog = page.locator("#dialog-deactivate")
    expect(dialog).to_be_visible()
    shoot(page, "deactivate-dialog-desktop")
    dialog.locator("select[name=status_reason]").select_option("closed")
    dialog.locator("button[type=submit]").click()
    expect(page.locator(".header-facts")).to_contain_text("Inactive")
    expect(page.locator(".header-facts")).to_contain_text("Business closed")
    expect(page.locator(".notice")).to_contain_text("read-only")
    expect(page.locator(".record-actions >> text=Edit")).to_have_count(0)
    page.click(".record-actions >> text=Activate")
    expect(page.locator(".header-facts")).to_contain_text("Active")
    expect(page.locator(".record-actions >> text=Edit")).to_have_count(1)


def test_note_with_attachment_download_and_audit_history(live_server, new_context, sign_in, alice, tmp_path):
    account = make_account(alice, name="Paper Trail", city="Győr")
    page = sign_in(new_context(), alice)
    page.goto(f"{live_server.url}/accounts/{account.pk}/edit/")
    page.fill("#id_city", "Debrecen")
    page.click("button:has-text('Save')")

    upload = tmp_path / "minutes.txt"
    upload.write_text("Agreed on the price.\n", encoding="utf-8")
    page.fill("#note-title", "Visit")
    page.fill("#note-text", "Signed the framework contract.")
    page.set_input_files("#note-file", str(upload))
    page.click("#notes button:has-text('Add note')")
    note = page.locator("#notes .note").first
    expect(note).to_contain_text("Visit")
    expect(note).to_contain_text("minutes.txt")
    with page.expect_download() as info:
        note.locator("a:has-text('minutes.txt')").click()
    download = info.value
    assert download.suggested_filename == "minutes.txt"
    assert pathlib_read(download.path()) == "Agreed on the price.\n"

    page.click("[role=tab]:has-text('Audit history')")
    audit = page.locator("#tab-audit")
    expect(audit).to_contain_text("Changed")
    newest = audit.locator(".audit-entry").first
    expect(newest).to_contain_text("Changed")
    expect(newest.locator("tr", has_text="City")).to_have_text(re.compile(r"City\s*Győr\s*Debrecen"))
    expect(audit).to_contain_text("User interface")


def pathlib_read(path) -> str:
    import pathlib

    return pathlib.Path(path).read_text(encoding="utf-8")


def test_personal_view_with_a_filter_and_its_shared_url(live_server, new_context, sign_in, alice, bob):
    for name, city in [("Pécsi Sör", "Pécs"), ("Zsolnay", "Pécs"), ("Tokaji", "Tokaj")]:
        make_account(alice, name=name, city=city)
    make_account(bob, name="Bob's Pécs branch", city="Pécs")
    page = sign_in(new_context(), alice)
    page.goto(f"{live_server.url}/accounts/")
    expect(page.locator(".record-link")).to_have_count(3)
    page.click("summary:has-text('Filter')")
    page.click("text=Add condition")
    page.select_option("#fb-0-field", "city")
    # The row is drawn again for the chosen field (its operators and value input).
    expect(page.locator("[data-filter-row='0'][data-field='city']")).to_be_visible()
    page.select_option("#fb-0-op", "eq")
    expect(page.locator("[data-filter-row='0'][data-op='eq']")).to_be_visible()
    page.fill("#fb-0-value", "Pécs")
    page.click("text=Apply filter")
    expect(page.locator(".record-link")).to_have_text(["Pécsi Sör", "Zsolnay"])
    assert "filter=" in page.url

    page.click("text=Save view…")
    dialog = page.locator("#save-view-dialog")
    dialog.locator("#save-view-name").fill("Pécs accounts")
    dialog.locator("#save-view-shared").check()
    dialog.locator("button:has-text('Save view')").click()
    expect(page.locator("#list-title")).to_have_text("Pécs accounts")
    shared_url = page.url
    assert re.search(r"\?view=[0-9a-f-]{36}$", shared_url)

    other = sign_in(new_context(), bob)
    other.goto(shared_url)
    expect(other.locator("#list-title")).to_have_text("Pécs accounts")
    expect(other.locator(".record-link")).to_have_text(["Bob's Pécs branch"])
