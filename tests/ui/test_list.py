"""The generic list page: columns from the view, sort, quick find, filter bar, paging, counts, queries."""

import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def names_in(response) -> list[str]:
    return [html.unescape(n) for n in re.findall(r'class="record-link" href="[^"]+">([^<]+)</a>', response.content.decode())]


def test_the_list_shows_the_views_columns_and_only_records_the_user_may_read(signed_in, make_record, alice, bob):
    make_record(alice, "accounts", name="Alpha Mining", city="Pécs", phone="+36 1 555 0101")
    make_record(bob, "accounts", name="Bob's Bakery")
    response = signed_in(alice).get("/accounts/")
    assert response.status_code == 200
    page = response.content.decode()
    assert names_in(response) == ["Alpha Mining"]
    for header in ("Account name", "City", "Main phone", "Industry", "Owner", "Modified on"):
        assert header in page
    assert "Pécs" in page and "+36 1 555 0101" in page
    assert "My active accounts" in page  # the default view is named in the heading


def test_quick_find_sort_and_filter_bar(signed_in, make_record, alice):
    for name, city in [("Beta Ltd", "Szeged"), ("Alpha Kft", "Pécs"), ("Gamma Zrt", "Pécs")]:
        make_record(alice, "accounts", name=name, city=city)
    client = signed_in(alice)
    assert names_in(client.get("/accounts/?q=alp")) == ["Alpha Kft"]
    assert names_in(client.get("/accounts/?ordering=-name")) == ["Gamma Zrt", "Beta Ltd", "Alpha Kft"]
    # The column header offers the opposite order of the current sort.
    page = client.get("/accounts/?ordering=name").content.decode()
    assert 'aria-sort="ascending"' in page and "ordering=-name" in page

    bar = client.get("/accounts/", {"view": "active", "fb-0-field": "city", "fb-0-op": "eq", "fb-0-value": "Pécs"})
    assert bar.status_code == 302
    target = urlsplit(bar["Location"])
    tree = json.loads(parse_qs(target.query)["filter"][0])
    assert tree == {"and": [{"field": "city", "op": "eq", "value": "Pécs"}]}
    filtered = client.get(bar["Location"])
    assert names_in(filtered) == ["Alpha Kft", "Gamma Zrt"]
    # The bar shows the condition again so it can be changed.
    assert 'name="fb-0-field"' in filtered.content.decode()


def test_a_bad_filter_is_named_and_the_list_still_works(signed_in, make_record, alice):
    make_record(alice, "accounts", name="Alpha")
    response = signed_in(alice).get("/accounts/", {"filter": json.dumps({"field": "no_such_field", "op": "eq", "value": 1})})
    assert response.status_code == 400
    assert "no_such_field" in response.content.decode()
    assert names_in(response) == ["Alpha"]


def test_keyset_paging_next_and_first(signed_in, make_record, alice):
    for index in range(5):
        make_record(alice, "accounts", name=f"Account {index}")
    client = signed_in(alice)
    first = client.get("/accounts/?page_size=2")
    assert names_in(first) == ["Account 0", "Account 1"]
    following = re.search(r'rel="next" href="([^"]+)"', first.content.decode()).group(1).replace("&amp;", "&")
    second = client.get(following)
    assert names_in(second) == ["Account 2", "Account 3"]
    assert "First page" in second.content.decode()


def test_counts_are_capped_and_exact_on_demand(signed_in, make_record, alice, monkeypatch):
    from rapport.core.views import list as list_views

    monkeypatch.setattr(list_views, "COUNT_CAP", 3)
    for index in range(5):
        make_record(alice, "accounts", name=f"Account {index}")
    client = signed_in(alice)
    capped = client.get("/accounts/?page_size=2").content.decode()
    assert "3+ records" in capped and "Count exactly" in capped
    exact = client.get("/accounts/?page_size=2&count=true").content.decode()
    assert "5 records" in exact
    small = client.get("/accounts/?q=Account 4").content.decode()
    assert "1 record" in small


def test_the_list_costs_the_same_number_of_queries_for_5_and_50_rows(signed_in, make_record, alice, make_user):
    contact_owner = alice
    for index in range(60):
        account = make_record(alice, "accounts", name=f"Account {index:02d}", city="Győr")
        make_record(contact_owner, "contacts", last_name=f"Person {index:02d}", account=str(account.pk))
    client = signed_in(alice)
    counts = {}
    for set_name in ("accounts", "contacts"):
        for size in (5, 50):
            client.get(f"/{set_name}/?page_size={size}")  # warm the session
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/{set_name}/?page_size={size}")
            assert response.status_code == 200
            assert len(names_in(response)) == size
            counts[(set_name, size)] = len(queries)
    assert counts[("accounts", 5)] == counts[("accounts", 50)]
    # Contacts show their account (a lookup column) and owner: joined, never a query per row.
    assert counts[("contacts", 5)] == counts[("contacts", 50)]


def test_htmx_gets_only_the_results(signed_in, make_record, alice):
    make_record(alice, "accounts", name="Alpha")
    response = signed_in(alice).get("/accounts/?q=Alp", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-results")
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="list-results"')
    assert "<html" not in page and "Alpha" in page


def test_my_view_switches_to_all(signed_in, make_record, admin, alice):
    make_record(admin, "accounts", name="Admin's own")
    make_record(alice, "accounts", name="Alice's")
    client = signed_in(admin)
    mine = client.get("/accounts/")
    assert names_in(mine) == ["Admin's own"]
    assert "Show all" in mine.content.decode()
    everyone = client.get("/accounts/?view=active")
    assert names_in(everyone) == ["Admin's own", "Alice's"]
    assert "Show only mine" in everyone.content.decode()


def test_filter_row_offers_the_fields_operators(signed_in, alice):
    response = signed_in(alice).get("/accounts/filter-row/", {"i": "2", "fb-2-field": "employees", "fb-2-op": "contains"})
    page = response.content.decode()
    assert 'name="fb-2-op"' in page
    assert "is at least" in page and "contains" not in re.findall(r'<option value="([^"]+)"', page)
    choice = signed_in(alice).get("/accounts/filter-row/", {"i": "0", "fb-0-field": "industry", "fb-0-op": "in"}).content.decode()
    assert "multiple" in choice and "Mining" in choice


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/accounts/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_sub_grids_view_all_keeps_its_condition_through_quick_find(signed_in, make_record, alice):
    employer = make_record(alice, "accounts", name="Employer")
    other = make_record(alice, "accounts", name="Other")
    make_record(alice, "contacts", last_name="Kept", account=str(employer.pk))
    make_record(alice, "contacts", last_name="Kept Elsewhere", account=str(other.pk))
    client = signed_in(alice)
    page = client.get(f"/contacts/?view=all&account={employer.pk}")
    assert names_in(page) == ["Kept"]
    assert f'form="quick-find-form" name="account" value="{employer.pk}"' in page.content.decode()
    assert names_in(client.get(f"/contacts/?view=all&account={employer.pk}&q=kept")) == ["Kept"]
