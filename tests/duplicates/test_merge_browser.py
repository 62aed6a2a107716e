"""Browser journey: merge two accounts from the list selection and the merge page, then undo it from
the master's audit history.

Set ``RAPPORT_SCREENSHOTS=<folder>`` to also save each step.
"""

import os

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import new_context, shoot, sign_in  # noqa: F401 (shared fixtures)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_merge_two_accounts(live_server, new_context, sign_in, shoot, alice):  # noqa: F811
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity
    from rapport.customers.models import Account, Contact
    from rapport.security.models import Role, root_business_unit

    role = Role.objects.create(name="Data stewards", business_unit=root_business_unit(), privileges={},
                               misc_privileges=["merge"])
    role.users.add(alice)
    ctx = ActionContext(user=alice)
    master = create_record(get_entity("accounts"), {"name": "Dalian Port Works", "phone": "+86 411 1111"}, ctx).record
    subordinate = create_record(get_entity("accounts"), {"name": "Dalian Port Works Ltd.", "city": "Dalian",
                                                         "phone": "+86 411 2222"}, ctx).record
    contact = create_record(get_entity("contacts"), {"last_name": "Li", "account": str(subordinate.pk)}, ctx).record

    page = sign_in(new_context(), alice)
    page.goto(f"{live_server.url}/accounts/")
    page.check(f"input[name=ids][value='{master.pk}']")
    page.check(f"input[name=ids][value='{subordinate.pk}']")
    page.click(".bulk-actions >> text=Merge")
    expect(page.locator("#merge-form")).to_be_visible()
    expect(page.locator("#merge-form thead")).to_contain_text("Dalian Port Works Ltd.")
    page.check(f"input[name=master][value='{master.pk}']")
    page.check(f"input[name=field-city][value='{subordinate.pk}']")
    page.check(f"input[name=field-phone][value='{master.pk}']")
    shoot(page, "merge-1-page")
    page.click("#merge-submit")
    page.wait_for_url(f"{live_server.url}/accounts/{master.pk}/")
    expect(page.locator(".messages")).to_contain_text("was merged into")
    shoot(page, "merge-2-master")
    master.refresh_from_db()
    subordinate.refresh_from_db()
    assert (master.city, master.phone, master.name) == ("Dalian", "+86 411 1111", "Dalian Port Works")
    assert subordinate.state == "inactive" and Contact.objects.get(pk=contact.pk).account_id == master.pk

    # the audit history offers the undo
    page.click("#tab-audit-tab")
    undo = page.locator("#tab-audit button", has_text="Undo merge")
    expect(undo).to_be_visible()
    expect(page.locator("#tab-audit")).to_contain_text("Dalian Port Works Ltd.")
    shoot(page, "merge-3-audit")
    page.once("dialog", lambda dialog: dialog.accept())
    undo.click()
    expect(page.locator(".messages")).to_contain_text("The merge was undone")
    shoot(page, "merge-4-undone")
    master.refresh_from_db()
    assert master.city == "" and Account.objects.get(pk=subordinate.pk).state == "active"
    assert Contact.objects.get(pk=contact.pk).account_id == subordinate.pk
