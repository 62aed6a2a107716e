"""Saved views (PLT-3): a person's columns, sort and filter under a name; shareable by URL."""

import html
import json
import re

import pytest

pytestmark = pytest.mark.django_db


def names_in(response) -> list[str]:
    return [html.unescape(n) for n in re.findall(r'class="record-link" href="[^"]+">([^<]+)</a>', response.content.decode())]


def save(client, **data):
    body = {"name": "Pécs customers", "filter": json.dumps({"and": [{"field": "city", "op": "eq", "value": "Pécs"}]}),
            "ordering": "-name", "columns": ["name", "phone"], "next": "/accounts/"}
    body.update(data)
    return client.post("/accounts/views/", body)


def test_a_saved_view_keeps_columns_sort_and_filter(signed_in, make_record, alice):
    from rapport.core.models import SavedView

    for name, city in [("Alpha", "Pécs"), ("Beta", "Pécs"), ("Gamma", "Győr")]:
        make_record(alice, "accounts", name=name, city=city, phone="+36 72 000")
    client = signed_in(alice)
    response = save(client)
    view = SavedView.objects.get(owner=alice)
    assert response.status_code == 302 and response["Location"] == f"/accounts/?view={view.pk}"
    listing = client.get(response["Location"])
    page = html.unescape(listing.content.decode())
    assert names_in(listing) == ["Beta", "Alpha"]
    assert "<h1 id=\"list-title\">Pécs customers</h1>" in page
    assert "Main phone" in page and "City</a>" not in page  # the chosen columns only
    assert "Delete view" in page  # the owner may delete it


def test_an_invalid_view_is_refused_and_not_stored(signed_in, alice):
    from rapport.core.models import SavedView

    client = signed_in(alice)
    response = save(client, filter=json.dumps({"field": "nope", "op": "eq", "value": 1}), name="")
    follow = html.unescape(client.get(response["Location"]).content.decode())
    assert "Give the view a name." in follow and "nope" in follow
    assert not SavedView.objects.exists()


def test_the_shared_url_shows_the_reader_their_own_records(signed_in, make_record, alice, bob):
    from rapport.core.models import SavedView

    make_record(alice, "accounts", name="Alice in Pécs", city="Pécs")
    make_record(bob, "accounts", name="Bob in Pécs", city="Pécs")
    make_record(bob, "accounts", name="Bob elsewhere", city="Szeged")
    save(signed_in(alice), is_shared="on")
    view = SavedView.objects.get(owner=alice)
    shared = signed_in(bob).get(f"/accounts/?view={view.pk}")
    assert names_in(shared) == ["Bob in Pécs"]  # the record filter still applies
    assert "Shared by others" in shared.content.decode()
    SavedView.objects.filter(pk=view.pk).update(is_shared=False)
    private = signed_in(bob).get(f"/accounts/?view={view.pk}")
    assert private.status_code == 400 and "Unknown view" in html.unescape(private.content.decode())


def test_a_my_saved_view_switches_to_all(signed_in, make_record, admin, alice):
    make_record(admin, "accounts", name="Admin in Pécs", city="Pécs")
    make_record(alice, "accounts", name="Alice in Pécs", city="Pécs")
    make_record(alice, "accounts", name="Alice in Győr", city="Győr")
    client = signed_in(admin)
    tree = {"and": [{"field": "owner", "op": "eq-current-user"}, {"field": "city", "op": "eq", "value": "Pécs"}]}
    response = save(client, name="My Pécs", filter=json.dumps(tree), ordering="name")
    mine = client.get(response["Location"])
    assert names_in(mine) == ["Admin in Pécs"]
    switch = re.search(r'href="([^"]+)" data-scope-switch>Show all<', mine.content.decode()).group(1)
    everyone = client.get(html.unescape(switch))
    assert names_in(everyone) == ["Admin in Pécs", "Alice in Pécs"]


def test_deleting_a_view(signed_in, alice, bob):
    from rapport.core.models import SavedView

    save(signed_in(alice))
    view = SavedView.objects.get()
    assert signed_in(bob).post(f"/accounts/views/{view.pk}/delete/").status_code == 404
    assert signed_in(alice).post(f"/accounts/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()
