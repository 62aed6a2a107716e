"""Every entity with a navigation area gets its pages from its spec alone: list, form, lookup."""

import pytest

from rapport.core.entities import all_entities

pytestmark = pytest.mark.django_db

UI_SETS = [spec.set_name for spec in all_entities() if spec.area]


@pytest.mark.parametrize("set_name", UI_SETS)
def test_the_generic_pages_answer(signed_in, admin, set_name):
    from rapport.core.entities import get_entity

    spec = get_entity(set_name)
    client = signed_in(admin)
    listing = client.get(f"/{set_name}/")
    assert listing.status_code == 200
    assert str(spec.label_plural).lower() in listing.content.decode().lower()
    assert client.get(f"/{set_name}/lookup/?q=zzqx-matches-nothing", HTTP_ACCEPT="application/json").json() == {"results": []}
    if spec.creatable:
        form = client.get(f"/{set_name}/new/")
        assert form.status_code == 200 and 'id="record-form"' in form.content.decode()
