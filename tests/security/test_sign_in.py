"""Sign-in hardening (SEC-8): challenge, lockout, unlock, forced change, dormant lock, TOTP, audit."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from rapport.core.testing.api import assert_problem, post
from rapport.security.models import SignInEvent, User
from rapport.security.signin import SESSION_CHALLENGE

PASSWORD = "Correct-Horse-9"
pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str, *, answer_challenge: bool = True, **extra):
    """POST the sign-in form, answering the verification question when the form asks one."""
    data = {"username": username, "password": password, **extra}
    page = client.get("/login/")
    if answer_challenge and "challenge-question" in page.content.decode():
        challenge = client.session[SESSION_CHALLENGE]
        data["challenge"] = str(challenge["first"] + challenge["second"])
    return client.post("/login/", data, HTTP_USER_AGENT="pytest-browser/1.0", REMOTE_ADDR="203.0.113.7")


def signed_in_user(client: Client):
    return client.get("/api/v1/me/")


@pytest.fixture
def salesperson(person, org):
    return person("wang.li", org["beijing"])


def test_a_correct_password_signs_in_and_is_audited(salesperson):
    client = Client()
    response = sign_in(client, "wang.li", PASSWORD)
    assert response.status_code == 302
    assert signed_in_user(client).json()["username"] == "wang.li"
    event = SignInEvent.objects.get(user=salesperson, outcome="success")
    assert event.ip_address == "203.0.113.7" and event.user_agent == "pytest-browser/1.0"


def test_the_challenge_appears_after_three_failures_and_must_be_answered(salesperson):
    client = Client()
    for _attempt in range(3):
        assert "challenge-question" not in client.get("/login/").content.decode()
        assert sign_in(client, "wang.li", "wrong-password-1").status_code == 200
    page = client.get("/login/").content.decode()
    assert "challenge-question" in page
    # The right password with a wrong answer is refused, and the password is not even tried.
    refused = client.post("/login/", {"username": "wang.li", "password": PASSWORD, "challenge": "999"})
    assert refused.status_code == 200
    assert "verification question is not right" in refused.content.decode()
    assert SignInEvent.objects.filter(user=salesperson, outcome="challenge").count() == 1
    assert User.objects.get(pk=salesperson.pk).failed_sign_ins == 3
    # A fresh browser session does not avoid it: the account's failures count too.
    fresh = Client()
    skipped = fresh.post("/login/", {"username": "wang.li", "password": PASSWORD})
    assert skipped.status_code == 200 and "Answer the verification question" in skipped.content.decode()
    assert sign_in(fresh, "wang.li", PASSWORD).status_code == 302
    assert User.objects.get(pk=salesperson.pk).failed_sign_ins == 0


def test_five_failures_lock_the_account_until_an_administrator_unlocks_it(salesperson, person, org, api_client):
    client = Client()
    for _attempt in range(5):
        sign_in(client, "wang.li", "wrong-password-1")
    salesperson.refresh_from_db()
    assert salesperson.locked_on is not None and salesperson.lock_reason == "failures"
    refused = sign_in(client, "wang.li", PASSWORD)
    assert refused.status_code == 200 and "locked" in refused.content.decode()
    assert signed_in_user(client).status_code == 401
    assert SignInEvent.objects.filter(user=salesperson, outcome="locked").exists()

    other_salesperson = person("zhao.min", org["beijing"])
    assert_problem(post(api_client(other_salesperson), f"/api/v1/users/{salesperson.pk}/unlock/"), 403, "permission-denied")
    admin = person("root-admin", org["root"], is_superuser=True)
    answer = post(api_client(admin), f"/api/v1/users/{salesperson.pk}/unlock/")
    assert answer.status_code == 200 and answer.json()["record"]["is_locked"] is False
    assert sign_in(Client(), "wang.li", PASSWORD).status_code == 302


def test_an_account_unused_for_ninety_days_is_locked_at_the_next_attempt(salesperson, person, org, api_client, settings):
    settings.RAPPORT_DORMANT_DAYS = 90
    User.objects.filter(pk=salesperson.pk).update(last_login=timezone.now() - dt.timedelta(days=91),
                                                  date_joined=timezone.now() - dt.timedelta(days=200))
    refused = sign_in(Client(), "wang.li", PASSWORD)
    assert refused.status_code == 200 and "not used for a long time" in refused.content.decode()
    salesperson.refresh_from_db()
    assert salesperson.lock_reason == "dormant"
    admin = person("root-admin", org["root"], is_superuser=True)
    assert post(api_client(admin), f"/api/v1/users/{salesperson.pk}/unlock/").status_code == 200
    assert sign_in(Client(), "wang.li", PASSWORD).status_code == 302


def test_a_recent_account_is_not_dormant(salesperson, settings):
    settings.RAPPORT_DORMANT_DAYS = 90
    User.objects.filter(pk=salesperson.pk).update(last_login=timezone.now() - dt.timedelta(days=89))
    assert sign_in(Client(), "wang.li", PASSWORD).status_code == 302


def test_first_sign_in_forces_a_password_change(person, org):
    person("new.hire", org["beijing"], must_change_password=True)
    client = Client()
    assert sign_in(client, "new.hire", PASSWORD).status_code == 302
    assert client.get("/").url == "/password/"
    assert client.get("/settings/").url == "/password/"
    assert signed_in_user(client).status_code == 401  # the API refuses the session too
    changed = client.post("/password/", {"old_password": PASSWORD, "new_password1": "Another-Horse-77",
                                         "new_password2": "Another-Horse-77"})
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    assert User.objects.get(username="new.hire").must_change_password is False


def test_an_administrator_resets_a_password_that_must_be_changed(salesperson, person, org, api_client):
    admin = person("root-admin", org["root"], is_superuser=True)
    weak = post(api_client(admin), f"/api/v1/users/{salesperson.pk}/reset-password/", {"password": "123"})
    assert_problem(weak, 400, "validation", "password")
    assert sign_in(Client(), "wang.li", PASSWORD).status_code == 302  # unchanged
    done = post(api_client(admin), f"/api/v1/users/{salesperson.pk}/reset-password/", {"password": "Temporary-Pass-42"})
    assert done.status_code == 200 and done.json()["record"]["must_change_password"] is True
    client = Client()
    assert sign_in(client, "wang.li", "Temporary-Pass-42").status_code == 302
    assert client.get("/").url == "/password/"


def test_a_disabled_user_cannot_sign_in(salesperson, person, org, api_client):
    admin = person("root-admin", org["root"], is_superuser=True)
    assert post(api_client(admin), f"/api/v1/users/{salesperson.pk}/disable/").status_code == 200
    refused = sign_in(Client(), "wang.li", PASSWORD)
    assert refused.status_code == 200 and "disabled" in refused.content.decode()


def test_users_of_a_disabled_business_unit_cannot_sign_in(salesperson, person, org, api_client):
    admin = person("root-admin", org["root"], is_superuser=True)
    assert post(api_client(admin), f"/api/v1/business-units/{org['beijing'].pk}/disable/").status_code == 200
    assert sign_in(Client(), "wang.li", PASSWORD).status_code == 200


def _enable_totp(user) -> str:
    from rapport.core.actions.base import ActionContext
    from rapport.security.actions import set_two_factor

    secret = pyotp.random_base32()
    set_two_factor(user, ActionContext(user=user, channel="ui"), secret=secret)
    return secret


def test_two_factor_sign_in_needs_the_current_code(salesperson):
    secret = _enable_totp(salesperson)
    client = Client()
    first = sign_in(client, "wang.li", PASSWORD)
    assert first.url == "/login/two-factor/"
    assert signed_in_user(client).status_code == 401  # not signed in after the password alone
    wrong = client.post("/login/two-factor/", {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert wrong.status_code == 400
    assert SignInEvent.objects.filter(user=salesperson, outcome="two_factor").count() == 1
    right = client.post("/login/two-factor/", {"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 302
    assert signed_in_user(client).json()["username"] == "wang.li"


def test_administrators_must_set_up_two_factor_when_it_is_required(person, org, settings):
    settings.ADMIN_MFA = "required"
    person("root-admin", org["root"], is_superuser=True)
    client = Client()
    assert sign_in(client, "root-admin", PASSWORD).status_code == 302
    assert client.get("/").url == "/settings/two-factor/"
    assert client.get("/api/v1/me/").status_code == 403
    page = client.get("/settings/two-factor/")
    secret = client.session["rapport_two_factor_enrolling"]
    assert secret in page.content.decode()
    assert client.post("/settings/two-factor/", {"operation": "enable", "code": "12"}).status_code == 400
    assert client.post("/settings/two-factor/", {"operation": "enable", "code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get("/").status_code == 200
    assert User.objects.get(username="root-admin").two_factor_enabled is True


def test_ordinary_users_are_not_asked_for_two_factor_when_only_administrators_must(salesperson, settings):
    settings.ADMIN_MFA = "required"
    client = Client()
    sign_in(client, "wang.li", PASSWORD)
    assert client.get("/").status_code == 200


def test_the_sign_in_audit_is_for_administrators(salesperson, person, org, api_client):
    sign_in(Client(), "wang.li", "wrong-password-1")
    sign_in(Client(), "nobody-such", "wrong-password-1")
    admin = person("root-admin", org["root"], is_superuser=True)
    rows = api_client(admin).get("/api/v1/sign-in-events/").json()["results"]
    outcomes = {(row["username"], row["outcome"]) for row in rows}
    assert {("wang.li", "failure"), ("nobody-such", "failure")} <= outcomes
    assert all(row["ip_address"] == "203.0.113.7" for row in rows)
    assert_problem(api_client(salesperson).get("/api/v1/sign-in-events/"), 403, "permission-denied")
    page = Client()
    page.force_login(admin)
    assert "nobody-such" in page.get("/settings/sign-ins/").content.decode()
