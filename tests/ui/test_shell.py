"""The app shell: navigation from the registry, search box, user menu, preferences."""

import html

import pytest

pytestmark = pytest.mark.django_db


def test_navigation_comes_from_the_registry(signed_in, alice):
    page = html.unescape(signed_in(alice).get("/accounts/").content.decode())
    assert ">Sales <" in page
    assert '<a href="/accounts/" aria-current="page">Accounts</a>' in page
    assert '<a href="/contacts/">Contacts</a>' in page
    assert 'href="/notes/"' not in page and 'href="/connections/"' not in page  # internal entities
    assert 'action="/search/"' in page and 'name="q"' in page
    assert "Notifications" in page and "You have no notifications." in page
    assert 'href="/settings/preferences/"' in page and "Sign out" in page
    assert "/settings/audit/" not in page  # only administrators see the global audit


def test_internal_entities_have_no_pages(signed_in, alice):
    assert signed_in(alice).get("/notes/").status_code == 404


def test_preferences_set_language_and_time_zone(signed_in, alice):
    client = signed_in(alice)
    response = client.post("/settings/preferences/", {"language": "zh-hans", "time_zone": "Asia/Shanghai"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.language, alice.time_zone) == ("zh-hans", "Asia/Shanghai")
    page = client.get("/settings/preferences/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "Asia/Shanghai" in page
    refused = client.post("/settings/preferences/", {"language": "xx", "time_zone": "Mars/Olympus"})
    assert refused.status_code == 400
    alice.refresh_from_db()
    assert (alice.language, alice.time_zone) == ("zh-hans", "Asia/Shanghai")


def test_preferences_change_is_audited(signed_in, alice):
    from rapport.core.models import AuditEntry

    signed_in(alice).post("/settings/preferences/", {"language": "ru", "time_zone": ""})
    entry = AuditEntry.objects.get(entity="users", record_id=alice.pk, action="update")
    assert entry.changes == {"language": ["", "ru"]} and entry.channel == "ui"


def test_the_settings_page_lists_the_administration_pages_the_user_may_open(client, admin, alice):
    client.force_login(admin)
    page = client.get("/settings/").content.decode()
    for url in ("/settings/preferences/", "/settings/audit/", "/settings/jobs/", "/settings/security/"):
        assert f'href="{url}' in page, url
    client.force_login(alice)
    page = client.get("/settings/").content.decode()
    assert 'href="/settings/preferences/"' in page
    assert 'href="/settings/audit/"' not in page
