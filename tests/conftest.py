"""Shared fixtures: users, API clients with tokens, an action context."""

import os
import pathlib

import pytest

os.environ.setdefault("RAPPORT_TESTING", "1")

CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "Correct-Horse-9"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """One Chromium per test process: Playwright's sync API allows only one running instance per thread,
    so every browser test shares this fixture rather than starting its own."""
    if not pathlib.Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/setup --test)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures are still
    # synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db):
    from rapport.core.actions.base import ActionContext
    from rapport.security.actions import create_user

    def make(username, *, admin=False, password="Correct-Horse-9", **extra):
        return create_user(ActionContext(user=None, channel="system"), username=username, password=password,
                           is_superuser=admin, **extra)

    return make


@pytest.fixture
def admin(make_user):
    return make_user("admin", admin=True)


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def api_client():
    """A client for a user: ``api_client(user)`` sends that user's Bearer token."""
    from django.test import Client

    from rapport.core.actions.base import ActionContext
    from rapport.security.actions import create_token

    def make(user=None):
        if user is None:
            return Client()
        _token, secret = create_token(user, ActionContext(user=user, channel="system"))
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


@pytest.fixture
def signed_in():
    """``signed_in(user)`` → a browser-like test client with that user's session."""
    from django.test import Client

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def create(ctx):
    """``create(user, set_name, **data)`` creates a record through the generic create action."""
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    def make(user, set_name, **data):
        return create_record(get_entity(set_name), data, ctx(user)).record

    return make


@pytest.fixture
def ctx():
    from rapport.core.actions.base import ActionContext

    def make(user, channel="api"):
        return ActionContext(user=user, channel=channel)

    return make


@pytest.fixture
def new_context(browser, live_server):
    """``new_context(viewport=None)`` → a browser context, closed at the end of the test.

    It depends on ``live_server`` so that it is set up after the server and its database and torn
    down before them: no page (the notification bell polls) can reach the server while the test
    database is flushed.
    """
    contexts = []

    def make(viewport=None, **options):
        context = browser.new_context(viewport=viewport or DESKTOP, accept_downloads=True, locale="en-US", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        for page in context.pages:
            page.goto("about:blank")  # stop polling before the context goes
        context.close()


@pytest.fixture
def sign_in(live_server):
    """``sign_in(context, user)`` signs in through the login form and returns the page."""

    def go(context, user):
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return go


@pytest.fixture
def shoot():
    """``shoot(page, name)`` saves a full-page screenshot when RAPPORT_SCREENSHOTS is set."""
    folder = os.environ.get("RAPPORT_SCREENSHOTS")

    def take(page, name):
        if folder:
            pathlib.Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(pathlib.Path(folder) / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def grant(db):
    """``grant(user, *misc)`` adds a role holding the miscellaneous privileges ``misc`` to ``user``."""
    import itertools

    from rapport.security.models import Role, root_business_unit

    counter = itertools.count(1)

    def give(user, *misc):
        role = Role.objects.create(name=f"Granted role {next(counter)}", business_unit=root_business_unit(),
                                   privileges={}, misc_privileges=list(misc))
        role.users.add(user)
        user.__dict__.pop("_rapport_security", None)
        return user

    return give


@pytest.fixture
def org(db):
    """root → Beijing → Beijing machines; root → Liaoning (a sibling branch)."""
    from rapport.core.actions.base import ActionContext
    from rapport.security.actions_organisation import create_business_unit
    from rapport.security.models import root_business_unit

    system = ActionContext(user=None, channel="system")
    root = root_business_unit()
    beijing = create_business_unit({"name": "Westrac Beijing", "parent": str(root.pk)}, system)
    machines = create_business_unit({"name": "Westrac Beijing Machines", "parent": str(beijing.pk)}, system)
    liaoning = create_business_unit({"name": "Westrac Liaoning", "parent": str(root.pk)}, system)
    return {"root": root, "beijing": beijing, "machines": machines, "liaoning": liaoning}
