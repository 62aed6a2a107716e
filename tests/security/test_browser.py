"""Browser journey of the issue: an administrator creates a business unit and a Salesperson; the
new user signs in, must change the password, sees only their own accounts; after repeated failed
sign-ins the account is locked and the administrator unlocks it."""

from __future__ import annotations

import os
import re

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PASSWORD = "Correct-Horse-9"


def open_page(new_context):
    """A page of a fresh context (closed by the ``new_context`` fixture before the database goes)."""
    return new_context().new_page()


def submit_sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    question = page.locator("#challenge-question")
    if question.count():
        first, second = (int(n) for n in re.findall(r"\d+", question.inner_text())[:2])
        page.fill("#id_challenge", str(first + second))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_load_state("load")


@pytest.mark.e2e
def test_administrator_creates_a_salesperson_who_changes_the_password_sees_own_accounts_and_is_unlocked(
        new_context, live_server, transactional_db, settings):
    from rapport.core.actions.base import ActionContext
    from rapport.core.entities import get_entity
    from rapport.core.testing.factories import create_for
    from rapport.security.actions import create_user
    from rapport.security.models import User

    settings.ADMIN_MFA = "optional"
    base = live_server.url
    admin = create_user(ActionContext(user=None), username="root-admin", password=PASSWORD, is_superuser=True)
    create_for(get_entity("accounts"), admin, name="Administrator's own account")

    # The administrator creates a business unit and a user with the Salesperson role.
    admin_page = open_page(new_context)
    submit_sign_in(admin_page, base, "root-admin", PASSWORD)
    admin_page.goto(f"{base}/settings/business-units/")
    admin_page.fill("#id_name", "Westrac Shenyang")
    admin_page.click("#new-unit button[type=submit]")
    assert "Westrac Shenyang" in admin_page.locator("#unit-tree").inner_text()
    admin_page.goto(f"{base}/settings/users/new/")
    admin_page.fill("#id_username", "zhou.xin")
    admin_page.fill("#id_full_name", "周欣")
    admin_page.fill("#id_password", "Temporary-Pass-42")
    admin_page.select_option("#id_business_unit", label="Westrac Shenyang")
    admin_page.get_by_label("Salesperson", exact=True).check()
    admin_page.click("main form.card button[type=submit] >> nth=0")
    admin_page.wait_for_url(re.compile(r"/settings/users/[0-9a-f-]+/$"))
    zhou = User.objects.get(username="zhou.xin")
    assert list(zhou.roles.values_list("name", flat=True)) == ["Salesperson"]
    assert zhou.business_unit.name == "Westrac Shenyang" and zhou.must_change_password
    create_for(get_entity("accounts"), zhou, name="Zhou's own account")

    # The new user signs in and must change the password first.
    user_page = open_page(new_context)
    submit_sign_in(user_page, base, "zhou.xin", "Temporary-Pass-42")
    user_page.goto(f"{base}/accounts/")
    user_page.wait_for_load_state("load")
    assert user_page.url == f"{base}/password/"
    user_page.fill("#id_old_password", "Temporary-Pass-42")
    user_page.fill("#id_new_password1", "My-Own-Secret-2025")
    user_page.fill("#id_new_password2", "My-Own-Secret-2025")
    with user_page.expect_navigation():
        user_page.click("main button[type=submit]")
    assert user_page.url == f"{base}/", user_page.locator("main").inner_text()
    user_page.goto(f"{base}/accounts/?view=all")
    listing = user_page.locator("main").inner_text()
    assert "Zhou's own account" in listing
    assert "Administrator's own account" not in listing

    # Repeated failures lock the account (a verification question appears after the first few).
    attacker = open_page(new_context)
    for _attempt in range(5):
        submit_sign_in(attacker, base, "zhou.xin", "not-the-password")
    assert "locked" in attacker.locator("#sign-in-error").inner_text()
    submit_sign_in(attacker, base, "zhou.xin", "My-Own-Secret-2025")
    assert "locked" in attacker.locator("#sign-in-error").inner_text()

    # The administrator unlocks it; the user signs in again.
    admin_page.goto(f"{base}/settings/users/{zhou.pk}/")
    assert admin_page.locator("#locked-badge").is_visible()
    admin_page.get_by_role("button", name="Unlock").click()
    admin_page.wait_for_load_state()
    assert admin_page.locator("#locked-badge").count() == 0
    again = open_page(new_context)
    submit_sign_in(again, base, "zhou.xin", "My-Own-Secret-2025")
    assert again.url == f"{base}/"
