"""Browser journeys of activities (Playwright with Debian's Chromium against the live server):
a manager assigns a task, the salesperson sees it at sign-in and rejects it, the manager sees the
rejection; a visit logged with maturity and next contact date puts a follow-up task in the calendar.
Screenshots of the pages (desktop and phone) go to RAPPORT_SCREENSHOTS or /tmp/rapport-shots."""

import datetime as dt
import os
import pathlib

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = pathlib.Path(os.environ.get("RAPPORT_SCREENSHOTS") or "/tmp/rapport-shots")


@pytest.fixture
def page_for(new_context, live_server):
    def open_as(user, viewport=DESKTOP):
        page = new_context(viewport).new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", "Correct-Horse-9")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return open_as


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"act-{name}.png"), full_page=True)


def test_assign_see_at_login_reject_and_see_the_rejection(live_server, page_for, make_user, account_of, activity_of):
    from rapport.activities.models import Activity
    from rapport.security.roles import shipped_role

    manager = make_user("mia", full_name="Mia Manager", roles=[shipped_role("sales_manager")])
    seller = make_user("sam", full_name="Sam Seller", manager=manager)
    account = account_of(manager, name="Északi Bánya Zrt")
    task = activity_of(manager, subject="Visit the quarry before Friday", priority="urgent",
                       regarding={"entity": "accounts", "id": str(account.pk)})

    boss = page_for(manager)
    boss.goto(f"{live_server.url}/activities/{task.pk}/")
    expect(boss.locator("#record-title")).to_have_text("Visit the quarry before Friday")
    boss.click(".record-actions >> text=Assign")
    dialog = boss.locator("#dialog-assign")
    expect(dialog).to_be_visible()
    owner = dialog.locator("select").first
    owner.select_option(label="Sam Seller")
    shoot(boss, "assign-dialog")
    dialog.locator("button[type=submit]").click()
    expect(boss.locator(".messages")).to_contain_text("assigned")
    assert Activity.objects.get(pk=task.pk).owner_user_id == seller.pk

    sales = page_for(seller)
    bell = sales.locator("#bell")
    expect(bell).to_have_attribute("open", "")
    expect(bell).to_contain_text("Today's new activities")
    expect(bell).to_contain_text("Visit the quarry before Friday")
    expect(bell.locator(".bell-count")).to_have_text("1")
    shoot(sales, "login-digest-desktop")
    bell.locator(".bell-digest a", has_text="Visit the quarry").click()
    expect(sales.locator("#record-title")).to_have_text("Visit the quarry before Friday")
    shoot(sales, "activity-detail-desktop")
    sales.click(".record-actions >> text=Reject")
    reject = sales.locator("#dialog-reject")
    reject.locator("textarea").fill("I am at the trade fair all week")
    reject.locator("button[type=submit]").click()
    expect(sales.locator(".messages")).to_contain_text("handed back")

    boss.goto(f"{live_server.url}/")
    expect(boss.locator("#bell .bell-count")).to_have_text("1")
    boss.goto(f"{live_server.url}/notifications/")
    expect(boss.locator(".notification-list")).to_contain_text("rejected")
    expect(boss.locator(".notification-list")).to_contain_text("I am at the trade fair all week")
    shoot(boss, "notifications-desktop")
    boss.set_viewport_size(PHONE)
    shoot(boss, "notifications-phone")
    task = Activity.objects.get(pk=task.pk)
    assert task.owner_user_id == manager.pk and task.rejection_reason == "I am at the trade fair all week"


def test_log_a_visit_and_find_the_follow_up_task_in_the_calendar(live_server, page_for, make_user, account_of,
                                                                 activity_of):
    from django.utils import timezone

    seller = make_user("sam", full_name="Sam Seller")
    account = account_of(seller, name="Déli Kereskedő Kft", city="Szeged")
    activity_of(seller, "phone-calls", subject="First call", regarding={"entity": "accounts", "id": str(account.pk)})
    day = timezone.localdate() + dt.timedelta(days=3)

    page = page_for(seller)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    expect(page.locator("#timeline")).to_contain_text("First call")
    page.click("#timeline summary:has-text('Add to the timeline')")
    form = page.locator("#contact-log-form")
    form.locator("select[name=method]").select_option("visit")
    form.locator("textarea[name=notes]").fill("Met the owner; needs two loaders in spring.")
    form.locator("select[name=maturity]").select_option("3")
    form.locator("input[name=next_contact_on]").fill(day.isoformat())
    shoot(page, "timeline-add-desktop")
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("follow-up task")
    expect(page.locator("#timeline")).to_contain_text("Effective contact")
    shoot(page, "account-timeline-desktop")

    page.goto(f"{live_server.url}/activities/calendar/?view=month&date={day.isoformat()}")
    cell = page.locator(f".calendar-day[data-date='{day.isoformat()}']")
    expect(cell).to_contain_text("Contact Déli Kereskedő Kft again")
    shoot(page, "calendar-month-desktop")
    page.goto(f"{live_server.url}/activities/calendar/?view=week&date={day.isoformat()}")
    expect(page.locator(f".calendar-day[data-date='{day.isoformat()}']")).to_contain_text("Contact Déli")
    shoot(page, "calendar-week-desktop")

    # Drag the follow-up to the next day.
    target = (day + dt.timedelta(days=1)).isoformat()
    page.drag_and_drop(f".calendar-day[data-date='{day.isoformat()}'] .calendar-item",
                       f".calendar-day[data-date='{target}']")
    expect(page.locator("#calendar-status")).to_contain_text("moved")
    from rapport.activities.models import Activity

    moved = Activity.objects.get(subject__startswith="Contact Déli")
    assert timezone.localtime(moved.due_on).date().isoformat() == target

    page.goto(f"{live_server.url}/activities/plan/")
    expect(page.locator("body")).to_contain_text("Contact Déli Kereskedő Kft again")
    shoot(page, "plan-desktop")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/activities/calendar/?view=month&date={target}")
    shoot(page, "calendar-month-phone")
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    shoot(page, "account-timeline-phone")
    page.goto(f"{live_server.url}/activities/reports/")
    shoot(page, "reports-phone")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/activities/reports/")
    shoot(page, "reports-desktop")
    page.goto(f"{live_server.url}/activities/")
    shoot(page, "activities-list-desktop")
