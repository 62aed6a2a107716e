"""Timed scenarios, each with the same-run baseline it is reported against.

Requests go through Django's full stack in-process (middleware, authentication, the record
filter, serialisation) with the test client; the baselines are measured the same way in the
same run, so the ratios are comparable across machines.
"""

from __future__ import annotations

import json
import uuid

from bench.common import timed


def _client_for(user):
    from django.test import Client

    from rapport.core.actions.base import ActionContext
    from rapport.security.actions import create_token

    _token, secret = create_token(user, ActionContext(user=user, channel="system"), name="bench")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def baselines(repeat: int) -> dict:
    """Raw indexed lookup, a trivial Django view, and a bulk executemany insert."""
    from django.db import connection
    from django.test import Client

    from rapport.customers.models import Account

    table = Account._meta.db_table
    some_id = Account.objects.values_list("id", flat=True).first()
    key = some_id.hex if connection.vendor == "sqlite" else some_id

    def raw_lookup():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, name, city FROM {table} WHERE id = %s", [key])
            cursor.fetchone()

    client = Client()

    def trivial_view():
        assert client.get("/health/live").status_code == 200

    results = {"baseline_sql_lookup": timed(raw_lookup, repeat), "baseline_trivial_view": timed(trivial_view, repeat)}
    results["baseline_bare_drf_page"] = timed(bare_drf_page(), repeat)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_insert (id varchar(36), name varchar(200), city varchar(100))")
        rows = [(str(uuid.uuid4()), f"Company {i}", "Győr") for i in range(20000)]
        import time

        start = time.perf_counter()
        cursor.executemany("INSERT INTO bench_insert (id, name, city) VALUES (%s, %s, %s)", rows)
        elapsed = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_insert")
    results["baseline_executemany_rows_per_s"] = {"value": len(rows) / elapsed}
    return results


def bare_drf_page():
    """The same page with plain DRF: a ModelSerializer over the same filter and sort, no
    authentication, record filter or metadata (the ceiling a list request is compared to)."""
    from rest_framework import serializers
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    from rapport.customers.models import Account

    class AccountSerializer(serializers.ModelSerializer):
        class Meta:
            model = Account
            fields = "__all__"

    class BareList(APIView):
        authentication_classes = []
        permission_classes = []

        def get(self, request):
            rows = Account.objects.filter(state="active").order_by("name", "id")[:50]
            return Response({"results": AccountSerializer(rows, many=True).data, "next": None})

    view = BareList.as_view()
    factory = APIRequestFactory()

    def run():
        response = view(factory.get("/bare/"))
        response.render()
        assert response.status_code == 200

    return run


def list_scenarios(repeat: int) -> dict:
    """API and UI list with a filter and sort on indexed fields: first page and a deep cursor page."""
    from django.test import Client

    from rapport.security.models import User

    salesperson = User.objects.filter(username="bench000").first()
    admin = User.objects.filter(is_superuser=True).first()
    if admin is None:
        from rapport.core.actions.base import ActionContext
        from rapport.security.actions import create_user

        admin = create_user(ActionContext(user=None, channel="system"), username="benchadmin", password=None, is_superuser=True)
    results = {}
    for label, user in (("salesperson", salesperson), ("admin", admin)):
        client = _client_for(user)
        url = "/api/v1/accounts/?state=active&ordering=name&page_size=50"

        def first_page(client=client, url=url):
            response = client.get(url)
            assert response.status_code == 200, response.content[:300]

        results[f"api_list_first_page_{label}"] = timed(first_page, repeat)
        # Walk 40 pages deep once, then time the deep page itself.
        response = client.get(url).json()
        deep_url = url
        for _ in range(40):
            if not response.get("next"):
                break
            deep_url = response["next"].replace("http://testserver", "")
            response = client.get(deep_url).json()

        def deep_page(client=client, deep_url=deep_url):
            assert client.get(deep_url).status_code == 200

        results[f"api_list_deep_page_{label}"] = timed(deep_page, repeat)
        # The same two pages in the browser's list (same parameters and cursor, rendered as HTML).
        browser = Client()
        browser.force_login(user)
        for page, page_url in (("first", url), ("deep", deep_url)):
            ui_url = page_url.replace("/api/v1/accounts/", "/accounts/", 1)

            def ui_list(browser=browser, ui_url=ui_url):
                response = browser.get(ui_url)
                assert response.status_code == 200 and response.content.count(b"<tr") > 1, response.status_code

            results[f"ui_list_{page}_page_{label}"] = timed(ui_list, repeat)
    return results


def record_scenarios(repeat: int) -> dict:
    """GET, PATCH and POST one record."""
    from rapport.customers.models import Account
    from rapport.security.models import User

    admin = User.objects.filter(is_superuser=True).first()
    client = _client_for(admin)
    ids = [str(i) for i in Account.objects.filter(state="active").values_list("id", flat=True)[:200]]
    state = {"n": 0}

    def get_one():
        state["n"] += 1
        assert client.get(f"/api/v1/accounts/{ids[state['n'] % len(ids)]}/?expand=parent_account").status_code == 200

    def patch_one():
        state["n"] += 1
        body = json.dumps({"city": f"Győr {state['n']}"})
        response = client.patch(f"/api/v1/accounts/{ids[state['n'] % len(ids)]}/", body, content_type="application/json")
        assert response.status_code == 200, response.content[:300]

    run = uuid.uuid4().hex[:8]

    def post_one():
        state["n"] += 1
        # A new company each time (cached databases keep earlier runs' accounts, and duplicate rules apply).
        body = json.dumps({"name": f"Bench Neu {run} {state['n']} Kft.", "city": "Pécs"})
        response = client.post("/api/v1/accounts/", body, content_type="application/json")
        assert response.status_code == 201, response.content[:300]

    return {"api_get_one": timed(get_one, repeat), "api_patch_one": timed(patch_one, repeat // 2),
            "api_post_one": timed(post_one, repeat // 2)}


def search_scenarios(repeat: int) -> dict:
    """Quick find through the API's ``q`` and global search (when the search service is present)."""
    from rapport.security.models import User

    admin = User.objects.filter(is_superuser=True).first()
    client = _client_for(admin)
    results = {}
    for term in ("华为", "機械", "Kft", "Сибирская"):
        def quick_find(term=term):
            assert client.get("/api/v1/accounts/", {"q": term, "page_size": 50}).status_code == 200

        results[f"quick_find_{term}"] = timed(quick_find, max(10, repeat // 4))
    if client.get("/api/v1/search/", {"q": "华为"}).status_code == 200:
        def global_search():
            assert client.get("/api/v1/search/", {"q": "华为"}).status_code == 200

        results["global_search_华为"] = timed(global_search, max(10, repeat // 4))
    return results
