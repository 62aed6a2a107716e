"""The permission matrix (SEC-4, SEC-5, SEC-7): every owned entity × privilege × depth.

For each registered owned entity, a user whose only role grants one privilege at one depth must
reach exactly the records the rule defines — their own and their team's (user), their business
unit's, their unit's sub-tree (parent:child), everything (organisation) — plus, whatever the
depth, the records shared with them or their team with that right. Reads are checked through
the API list, count, detail and quick find, global search, exports, the UI list and lookups; changes through the API (write, delete, assign,
share) and the record filter (append, append-to).
"""

from __future__ import annotations

import django
import pytest

from rapport.core.actions.base import ActionContext, run_action

django.setup()

from rapport.core.entities import all_entities  # noqa: E402
from rapport.core.testing.factories import create_for, has_factory  # noqa: E402
from tests.security.conftest import system  # noqa: E402

DEPTHS = ["none", "user", "business_unit", "parent_child", "organization"]
API_PRIVILEGES = ["read", "write", "delete", "assign", "share"]
FILTER_PRIVILEGES = ["append", "append_to"]


def owned_entities():
    return [spec for spec in all_entities()
            if spec.is_owned and spec.read_filter is None and spec.creatable and has_factory(spec)]


def marker_field(spec):
    """A writable text quick-find field, to find the matrix records with ``q``."""
    for name in spec.quick_find:
        fs = spec.field_map[name]
        if fs.type in {"text", "textarea"} and not fs.read_only and not fs.system and (fs.max_length or 100) >= 20:
            return name
    return None


SCOPE = {
    "none": set(),
    "user": {"mine", "team"},
    "business_unit": {"mine", "team", "colleague"},
    "parent_child": {"mine", "team", "colleague", "child"},
}


class World:
    """An organisation, its people, and one record per kind of reach."""

    def __init__(self, spec, org, person, make_role, privilege_for_shares):
        from rapport.core.permissions.filter import PRIVILEGES
        from rapport.security.actions_organisation import create_team
        from rapport.security.models import User

        self.spec = spec
        every_user_depth = make_role({s.set_name: {p: "user" for p in PRIVILEGES} for s in all_entities()})
        self.admin = User.objects.get(pk=person("matrix-admin", org["root"], is_superuser=True).pk)
        self.me = person("me", org["beijing"], roles=[])
        self.colleague = person("colleague", org["beijing"], roles=[every_user_depth])
        self.child = person("child", org["machines"], roles=[every_user_depth])
        self.parent = person("parent", org["root"], roles=[every_user_depth])
        self.stranger = person("stranger", org["liaoning"], roles=[every_user_depth])
        self.outsider = person("outsider", org["liaoning"], roles=[every_user_depth])
        self.team = create_team({"name": "Beijing key accounts", "business_unit": str(org["beijing"].pk),
                                 "members": [str(self.me.pk)]}, system())
        self.admin_ctx = ActionContext(user=self.admin, channel="system")
        self.marker = marker_field(spec)
        self.records = {}
        owners = {"mine": self.me, "team": self.team, "colleague": self.colleague, "child": self.child,
                  "parent": self.parent, "stranger": self.stranger, "shared_user": self.stranger,
                  "shared_team": self.stranger, "shared_other": self.stranger}
        for label, owner in owners.items():
            values = {self.marker: f"Matrixmark {label}"} if self.marker else {}
            record = create_for(spec, self.admin, **values)
            run_action(spec.set_name, record.pk, "assign", self.admin_ctx, {"owner": str(owner.pk)})
            self.records[label] = record.pk
        # Shared with me / my team with the privilege under test; the control is shared elsewhere.
        rights = [privilege_for_shares]
        run_action(spec.set_name, self.records["shared_user"], "share", self.admin_ctx,
                   {"principal": str(self.me.pk), "rights": rights})
        run_action(spec.set_name, self.records["shared_team"], "share", self.admin_ctx,
                   {"principal": str(self.team.pk), "rights": rights})
        run_action(spec.set_name, self.records["shared_other"], "share", self.admin_ctx,
                   {"principal": str(self.outsider.pk), "rights": ["read", "write", "delete", "assign", "share"]})

    def expected(self, depth: str) -> set:
        if depth == "organization":
            return set(self.spec.model.objects.values_list("pk", flat=True))
        return {self.records[label] for label in SCOPE[depth] | {"shared_user", "shared_team"}}

    def give(self, role):
        self.me.roles.set([role])
        self.me.forget_security_cache()


def _ids(response) -> set:
    import uuid

    assert response.status_code == 200, response.content[:500]
    return {uuid.UUID(row["id"]) for row in response.json()["results"]}


ENTITY_PARAMS = [pytest.param(spec.set_name, id=spec.set_name) for spec in owned_entities()]


@pytest.mark.django_db
@pytest.mark.parametrize("set_name", ENTITY_PARAMS)
@pytest.mark.parametrize("depth", DEPTHS)
def test_read_depth_through_list_count_detail_quick_find_ui_lookups_search_and_export(
        set_name, depth, org, person, make_role, api_client):
    import csv
    import io
    import re
    import uuid

    from django.test import Client

    from rapport.core.entities import get_entity
    from rapport.core.search.service import indexed_entities
    from rapport.core.views.common import ui_entity

    spec = get_entity(set_name)
    world = World(spec, org, person, make_role, "read")
    world.give(make_role({set_name: {"read": depth}}, misc=["export"]))
    expected = world.expected(depth)
    client = api_client(world.me)

    listed = _ids(client.get(f"/api/v1/{set_name}/?page_size=500&count=true"))
    assert listed == expected
    assert client.get(f"/api/v1/{set_name}/?count=true").json()["count"] == len(expected)
    for label, pk in world.records.items():
        status = client.get(f"/api/v1/{set_name}/{pk}/").status_code
        assert status == (200 if pk in expected else 404), (label, status)
    if not world.marker:
        return
    mine = expected & set(world.records.values())
    found = _ids(client.get(f"/api/v1/{set_name}/?q=Matrixmark&page_size=500&count=true"))
    assert found == mine

    # Global search: the same records, no more.
    if set_name in {s.set_name for s in indexed_entities()}:
        response = client.get("/api/v1/search/", {"q": "Matrixmark", "entities": set_name})
        assert response.status_code == 200, response.content[:300]
        assert {uuid.UUID(r["id"]) for r in response.json()["results"]} == mine

    # Export: the rows of what the caller may read (the marker column tells them apart).
    response = client.get(f"/api/v1/{set_name}/export/", {"format": "csv", "q": "Matrixmark", "fields": world.marker})
    assert response.status_code == 200, response.content[:300]
    exported = {row[0] for row in csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))}
    labels = {label for label, pk in world.records.items() if pk in mine}
    assert {value.removeprefix("Matrixmark ") for value in exported if value.startswith("Matrixmark")} == labels

    if ui_entity(set_name) is None:
        return
    browser = Client()
    browser.force_login(world.me)
    # The UI list (the "all" view) and the lookup type-ahead.
    page = browser.get(f"/{set_name}/", {"view": "all", "q": "Matrixmark"}).content.decode()
    shown = {uuid.UUID(pk) for pk in re.findall(rf'href="/{set_name}/([0-9a-f-]{{36}})/"', page)}
    assert shown == mine
    offered = browser.get(f"/{set_name}/lookup/", {"q": "Matrixmark", "format": "json"}).json()["results"]
    assert {uuid.UUID(r["id"]) for r in offered} == mine


def _attempt(client, set_name, pk, privilege, world):
    from rapport.core.testing.api import delete, patch, post

    if privilege == "write":
        return patch(client, f"/api/v1/{set_name}/{pk}/", {})
    if privilege == "delete":
        return delete(client, f"/api/v1/{set_name}/{pk}/")
    if privilege == "assign":
        return post(client, f"/api/v1/{set_name}/{pk}/assign/", {"owner": str(world.me.pk)})
    if privilege == "share":
        return post(client, f"/api/v1/{set_name}/{pk}/share/", {"principal": str(world.colleague.pk), "rights": ["read"]})
    raise AssertionError(privilege)


SUCCESS = {"write": 200, "delete": 204, "assign": 200, "share": 200}


@pytest.mark.django_db
@pytest.mark.parametrize("set_name", ENTITY_PARAMS)
@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("privilege", ["write", "delete", "assign", "share"])
def test_change_privilege_depth_through_the_api(set_name, depth, privilege, org, person, make_role, api_client):
    from rapport.core.entities import get_entity
    from rapport.core.models import AuditEntry

    spec = get_entity(set_name)
    world = World(spec, org, person, make_role, privilege)
    # Reading everything isolates the privilege under test: a refusal is 403, never 404.
    world.give(make_role({set_name: {"read": "organization", privilege: depth}}))
    expected = world.expected(depth)
    client = api_client(world.me)
    for label, pk in world.records.items():
        audits_before = AuditEntry.objects.filter(record_id=pk, user=world.me).count()
        response = _attempt(client, set_name, pk, privilege, world)
        if pk in expected:
            assert response.status_code == SUCCESS[privilege], (label, response.status_code, response.content[:300])
        else:
            assert response.status_code == 403, (label, response.status_code, response.content[:300])
            assert response["Content-Type"].startswith("application/problem+json")
            assert spec.model.objects.filter(pk=pk).exists()
            assert AuditEntry.objects.filter(record_id=pk, user=world.me).count() == audits_before


@pytest.mark.django_db
@pytest.mark.parametrize("set_name", ENTITY_PARAMS)
@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("privilege", FILTER_PRIVILEGES)
def test_append_privileges_through_the_record_filter(set_name, depth, privilege, org, person, make_role):
    from rapport.core.entities import get_entity

    spec = get_entity(set_name)
    world = World(spec, org, person, make_role, privilege)
    world.give(make_role({set_name: {privilege: depth}}))
    reached = set(spec.model.objects.for_user(world.me, privilege).values_list("pk", flat=True))
    assert reached == world.expected(depth)


@pytest.mark.django_db
@pytest.mark.parametrize("set_name", ENTITY_PARAMS)
def test_create_needs_the_create_privilege(set_name, org, person, make_role, api_client):
    from rapport.core.entities import get_entity
    from rapport.core.testing.factories import build_create_data

    spec = get_entity(set_name)
    reader = make_role({s.set_name: {"read": "user"} for s in all_entities()})
    creator_role = make_role({s.set_name: {"read": "user", "create": "user"} for s in all_entities()})
    creator = person("creator", org["beijing"], roles=[creator_role])
    data = build_create_data(spec, creator)  # its required lookups are the creator's own records
    creator.roles.set([reader])
    before = spec.model.objects.count()
    refused = api_client(creator).post(f"/api/v1/{set_name}/", data, content_type="application/json")
    assert refused.status_code == 403
    assert spec.model.objects.count() == before
    creator.roles.set([creator_role])
    allowed = api_client(creator).post(f"/api/v1/{set_name}/", data, content_type="application/json")
    assert allowed.status_code == 201, allowed.content[:500]
    body = allowed.json()
    record = body.get("record", body)  # contact-logs answer like an action: {"record", "created"}
    assert record["owner"] == str(creator.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("set_name", ENTITY_PARAMS)
def test_a_user_created_without_roles_reads_and_writes_only_their_own_records(set_name, org, api_client):
    """Compatibility: ``create_user`` without roles gives Salesperson (user depth)."""
    from rapport.core.entities import get_entity
    from rapport.core.testing.api import patch
    from rapport.security.actions import create_user

    spec = get_entity(set_name)
    alice = create_user(system(), username="alice", password=None, business_unit=org["beijing"])
    bob = create_user(system(), username="bob", password=None, business_unit=org["beijing"])
    own = create_for(spec, alice)
    other = create_for(spec, bob)
    client = api_client(alice)
    listed = _ids(client.get(f"/api/v1/{set_name}/?page_size=500"))
    assert own.pk in listed and other.pk not in listed
    assert patch(client, f"/api/v1/{set_name}/{own.pk}/", {}).status_code == 200
    assert patch(client, f"/api/v1/{set_name}/{other.pk}/", {}).status_code == 404
