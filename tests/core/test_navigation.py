"""The shell's navigation comes from the registry: entities by area, pages by visibility."""

from rapport.core.navigation import navigation


def _urls(user):
    return {item["url"] for area in navigation(user) for item in area["items"]}


def test_entities_appear_in_their_area_and_settings_pages_only_for_administrators(admin, alice):
    assert {"/accounts/", "/contacts/"} <= _urls(alice)
    assert "/settings/jobs/" in _urls(admin)
    assert "/settings/jobs/" not in _urls(alice)
    sales = next(area for area in navigation(alice) if area["code"] == "sales")
    assert [item["url"] for item in sales["items"]][:2] == ["/accounts/", "/contacts/"]
