"""Switching language and time zone through the user's preferences (PLT-11), in a real browser.

A user signs in in English, then chooses Simplified Chinese, Traditional Chinese, Russian and
Hungarian on the preferences page: the navigation is translated, and an account's annual revenue
and its modified date (stored in UTC) are shown in the number and date formats of the language
and in the chosen time zone.

Screenshots of each language go to ``/tmp/rapport-shots/lang-*.png`` (or ``$RAPPORT_SCREENSHOTS``)
for review.
"""

import datetime as dt
import os
import pathlib
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SHOTS = pathlib.Path(os.environ.get("RAPPORT_SCREENSHOTS") or "/tmp/rapport-shots")
# 23:30 UTC: already the next day in every zone chosen below.
MODIFIED = dt.datetime(2026, 3, 4, 23, 30, tzinfo=dt.UTC)
NBSP = "\u00a0"

# language, time zone, the Sales area, its Accounts item, the preferences heading, the saved message,
# the annual-revenue label, the revenue as shown, the modified date as shown in that zone.
CASES = [
    ("zh-hans", "Asia/Shanghai", "销售", "客户", "语言和时区", "您的首选项已保存。", "年收入",
     re.compile(r"^1,234,567\.89( EUR)?$"), "2026年3月5日 07:30"),
    ("zh-hant", "Asia/Taipei", "銷售", "客戶", "語言和時區", "您的喜好設定已儲存。", "年收入",
     re.compile(r"^1,234,567\.89( EUR)?$"), "2026年3月5日 07:30"),
    ("ru", "Europe/Moscow", "Продажи", "Организации", "Язык и часовой пояс", "Ваши настройки сохранены.",
     "Годовой доход", re.compile(rf"^1[{NBSP} ]234[{NBSP} ]567,89( EUR)?$"), "05.03.2026 02:30"),
    ("hu", "Europe/Budapest", "Értékesítés", "Ügyfelek", "Nyelv és időzóna", "A beállításai mentve.",
     "Éves árbevétel", re.compile(rf"^1[{NBSP} ]234[{NBSP} ]567,89( EUR)?$"), "2026.03.05. 00:30"),
]


def make_account(user):
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity
    from rapport.customers.models import Account

    account = create_record(
        get_entity("accounts"),
        {"name": "Északi Bánya Zrt", "city": "Pécs", "annual_revenue": "1234567.89", "currency": "EUR"},
        ActionContext(user=user, channel="api"),
    ).record
    Account.objects.filter(pk=account.pk).update(created_on=MODIFIED, modified_on=MODIFIED)
    return account


def choose(page, live_server, language, zone):
    page.goto(f"{live_server.url}/settings/preferences/")
    page.select_option("#pref-language", language)
    page.select_option("#pref-time-zone", zone)
    page.click("form.card button[type=submit]")


def test_switching_language_translates_the_shell_and_formats_dates_and_money(live_server, new_context, sign_in, alice):
    account = make_account(alice)
    assert account.annual_revenue == Decimal("1234567.89")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = sign_in(new_context(), alice)
    expect(page.locator("nav summary").first).to_contain_text("Sales")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    for language, zone, sales, accounts, heading, saved, revenue_label, revenue, modified in CASES:
        choose(page, live_server, language, zone)
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("h1")).to_have_text(heading)
        expect(page.locator(".messages")).to_contain_text(saved)
        expect(page.locator("#pref-language")).to_have_value(language)
        expect(page.locator("#pref-time-zone")).to_have_value(zone)
        expect(page.locator("[data-sample=datetime]")).to_contain_text(zone)
        page.screenshot(path=str(SHOTS / f"lang-{language}-preferences.png"), full_page=True)

        # The navigation: the Sales area and its Accounts item, in the language.
        page.goto(f"{live_server.url}/")
        area = page.locator("nav summary", has_text=sales)
        expect(area).to_have_count(1)
        area.click()
        page.click(f"nav a:text-is('{accounts}')")
        expect(page).to_have_url(f"{live_server.url}/accounts/")
        expect(page.locator(".record-link")).to_have_text(["Északi Bánya Zrt"])
        page.screenshot(path=str(SHOTS / f"lang-{language}-list.png"), full_page=True)

        # The detail page: money and the date in the language's formats, the time in the user's zone.
        page.click(".record-link")
        expect(page.locator("#record-title")).to_have_text("Északi Bánya Zrt")
        field = page.locator(".field-item", has=page.locator(f"dt:text-is('{revenue_label}')"))
        expect(field.locator("dd")).to_have_text(revenue)
        expect(page.locator(".header-facts")).to_contain_text(modified)
        page.screenshot(path=str(SHOTS / f"lang-{language}-detail.png"), full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(SHOTS / f"lang-{language}-detail-phone.png"), full_page=True)
        page.set_viewport_size(DESKTOP)

    # Back to English.
    choose(page, live_server, "en", "")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Language and time zone")
