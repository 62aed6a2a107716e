"""The generic suite, parametrized over the registry: a registered entity gets these with zero test lines.

For each entity: an API create/read/update/delete round trip with its audit entries, the
permission basics (another non-administrator gets 404 and does not see it in lists), list and
detail query counts that do not grow with the page size (against ``tests/query_counts.json``;
``RAPPORT_UPDATE_QUERY_COUNTS=1`` rewrites it), and completeness (every entity has a factory).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.core.entities import EntitySpec, all_entities
from rapport.core.models import AuditEntry
from rapport.core.permissions.filter import can_create
from rapport.core.testing.api import assert_problem, delete, patch, post
from rapport.core.testing.factories import build_create_data, create_for, missing_factory_fields
from rapport.core.testing.query_counts import assert_query_count

BASELINES = Path(__file__).resolve().parent.parent / "query_counts.json"
SPECS = all_entities()
IDS = [spec.set_name for spec in SPECS]

pytestmark = pytest.mark.django_db


def base(spec: EntitySpec, pk=None) -> str:
    return f"/api/v1/{spec.set_name}/" + (f"{pk}/" if pk else "")


def creator(spec, alice, admin):
    """A non-administrator when the entity lets one create, else an administrator."""
    return alice if can_create(alice, spec) else admin


def field_to_change(spec: EntitySpec) -> str:
    """The field the round trip edits: the primary field, or the first writable text field."""
    candidates = [spec.primary_field, *spec.writable_fields]
    for name in candidates:
        fs = spec.field_map[name]
        if not fs.read_only and not fs.system and fs.type in {"text", "textarea"} and fs.name != "currency":
            return name
    raise AssertionError(f"{spec.set_name} has no writable text field for the generic edit test")


# --- completeness ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_entity_has_a_factory(spec):
    assert missing_factory_fields(spec) == [], (
        f"{spec.set_name} has required fields no factory fills; register an override with "
        "rapport.core.testing.factories.register_factory in rapport/<app>/testing.py")


def test_the_completeness_check_catches_an_entity_without_a_factory():
    from rapport.core.entities import finalize
    from rapport.core.models import Note

    # A spec that is never registered, whose required reference nothing knows how to fill.
    orphan = finalize(EntitySpec(set_name="orphans", model=Note, label="Orphan", label_plural="Orphans",
                                 primary_field="title", fields=["regarding", "title"]))
    assert missing_factory_fields(orphan) == ["regarding"]


def test_the_registry_is_not_empty():
    assert {"accounts", "contacts", "notes", "connections"} <= set(IDS)


# --- round trip ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_api_create_read_update_delete_with_audit(spec, alice, admin, api_client):
    if not spec.creatable:
        pytest.skip(f"{spec.set_name} records are not created through the generic API")
    user = creator(spec, alice, admin)
    client = api_client(user)
    data = build_create_data(spec, user, full=True)

    created = post(client, base(spec), data)
    assert created.status_code == 201, created.content
    record = created.json()
    if "id" not in record and "record" in record:
        record = record["record"]  # a create that also creates others answers like an action (API.md)
    assert created["Location"].endswith(base(spec, record["id"]))
    assert created["ETag"] == '"1"'
    for key, value in data.items():
        assert record[key] == value, (key, record[key], value)
    for key in ("id", "created_on", "modified_on", "created_by", "modified_by", "version"):
        assert key in record
    assert record["created_by"] == str(user.pk)
    if spec.is_owned:
        assert record["owner"] == str(user.pk) and record["owner_type"] == "users"
    detail = base(spec, record["id"])
    assert client.get(detail).json() == record

    name = field_to_change(spec)
    new_value = "Changed by the generic suite"
    changed = patch(client, detail, {name: new_value}, if_match='"1"')
    assert changed.status_code == 200, changed.content
    assert changed.json()[name] == new_value and changed.json()["version"] == 2
    assert changed["ETag"] == '"2"'
    assert_problem(patch(client, detail, {name: "stale"}, if_match='"1"'), 412, "precondition-failed")
    assert_problem(patch(client, detail, {"no_such_field": 1}), 400, "validation", "no_such_field", "unknown-field")
    assert_problem(patch(client, detail, {"version": 7}), 400, "validation", "version", "read-only")
    assert client.get(detail).json()[name] == new_value

    audit = client.get(detail + "audit/").json()["results"]
    assert [e["action"] for e in audit] == ["update", "create"]
    assert audit[0]["changes"] == {name: [data.get(name, record[name]), new_value]}
    assert all(e["channel"] == "api" and e["user"] == str(user.pk) for e in audit)

    assert delete(client, detail, if_match='"2"').status_code == 204
    assert_problem(client.get(detail), 404, "not-found")
    assert spec.model.objects.filter(pk=record["id"]).count() == 0
    assert AuditEntry.objects.filter(entity=spec.set_name, record_id=record["id"], action="delete").count() == 1


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_bad_input_names_the_field(spec, alice, admin, api_client):
    user = creator(spec, alice, admin)
    client = api_client(user)
    data = build_create_data(spec, user)
    required = [n for n in spec.writable_fields if spec.field_map[n].required]
    before = spec.model.objects.count()
    for name in required:
        incomplete = {k: v for k, v in data.items() if k != name}
        assert_problem(post(client, base(spec), incomplete), 400, "validation", name, "required")
    assert_problem(post(client, base(spec), {**data, "id": "00000000-0000-0000-0000-000000000001"}), 400, "validation",
                   "id", "read-only")
    assert_problem(post(client, base(spec), {**data, "no_such_field": 1}), 400, "validation", "no_such_field", "unknown-field")
    assert spec.model.objects.count() == before


# --- permission basics -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_another_users_record_is_invisible(spec, alice, bob, api_client):
    if not can_create(alice, spec):
        pytest.skip(f"only administrators create {spec.set_name}")
    record = create_for(spec, alice)
    own = api_client(alice)
    other = api_client(bob)
    detail = base(spec, record.pk)
    assert own.get(detail).status_code == 200
    assert [r["id"] for r in own.get(base(spec)).json()["results"]] == [str(record.pk)]
    row = spec.model.objects.filter(pk=record.pk).values().first()
    audits = AuditEntry.objects.filter(record_id=record.pk).count()

    assert_problem(other.get(detail), 404, "not-found")
    assert_problem(patch(other, detail, {field_to_change(spec): "Taken over"}), 404, "not-found")
    assert_problem(delete(other, detail), 404, "not-found")
    assert_problem(other.get(detail + "audit/"), 404, "not-found")
    for action in spec.action_map:
        assert_problem(post(other, detail + f"{action}/", {}), 404, "not-found")
    assert other.get(base(spec)).json()["results"] == []
    assert other.get(base(spec) + "?count=true").json()["count"] == 0
    assert spec.model.objects.filter(pk=record.pk).values().first() == row
    assert AuditEntry.objects.filter(record_id=record.pk).count() == audits


# --- query counts -----------------------------------------------------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


def _expandable(spec):
    return ",".join(n for n, fs in spec.field_map.items() if fs.type in {"lookup", "polylookup"})


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_list_and_detail_query_counts_are_constant(spec, alice, admin, api_client):
    user = creator(spec, alice, admin)
    client = api_client(user)
    records = [create_for(spec, user) for _ in range(6)]
    client.get(base(spec))  # the token's first use is written once; not part of the list's cost
    small = _queries(client, base(spec) + "?page_size=2")
    large = _queries(client, base(spec) + "?page_size=50")
    assert small == large, f"{spec.set_name}: {small} queries for 2 rows, {large} for 6"
    assert_query_count(BASELINES, f"{spec.set_name}.api_list", large)
    expand = _expandable(spec)
    expanded_small = _queries(client, base(spec) + f"?page_size=2&expand={expand}")
    expanded = _queries(client, base(spec) + f"?page_size=50&expand={expand}")
    assert expanded_small == expanded, f"{spec.set_name}: expanding lookups costs a query per row"
    assert_query_count(BASELINES, f"{spec.set_name}.api_list_expanded", expanded)
    assert_query_count(BASELINES, f"{spec.set_name}.api_detail", _queries(client, base(spec, records[0].pk)))


def _unique_text_fields(spec):
    names = []
    for name in spec.writable_fields:
        fs = spec.field_map[name]
        if fs.type not in {"text", "email"}:
            continue
        model_field = spec.model._meta.get_field(fs.column or name)
        if model_field.unique:
            names.append(name)
    return names


UNIQUE = [(spec, name) for spec in SPECS for name in _unique_text_fields(spec)]


@pytest.mark.skipif(not UNIQUE, reason="no registered entity has a unique writable text field")
@pytest.mark.parametrize("spec,name", UNIQUE, ids=[f"{s.set_name}.{n}" for s, n in UNIQUE])
def test_a_duplicate_unique_value_is_400_not_a_server_error(spec, name, alice, admin, api_client):
    user = creator(spec, alice, admin)
    client = api_client(user)
    first = create_for(spec, user)
    second = create_for(spec, user)
    taken = getattr(first, spec.field_map[name].column)
    response = patch(client, base(spec, second.pk), {name: taken})
    assert_problem(response, 400, "validation", name, "unique")
    data = {**build_create_data(spec, user), name: taken}
    assert_problem(post(client, base(spec), data), 400, "validation", name, "unique")
