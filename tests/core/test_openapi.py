"""The OpenAPI schema at /api/v1/schema/: valid OpenAPI 3, and the API keeps its promises.

Schemathesis drives the WSGI application with examples generated from the schema (bounded and
derandomized so the run is repeatable) and checks that nothing answers 5xx and that every status,
content type and body is the one the schema documents.
"""

from __future__ import annotations

import hashlib

import hypothesis
import jsonschema
import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, Phase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.definitions import OPENAPI_30

SCHEMA_URL = "/api/v1/schema/?format=json"
MAX_EXAMPLES = 5
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _document():
    response = Client().get(SCHEMA_URL)
    assert response.status_code == 200
    return response


def test_the_schema_is_served_as_openapi_json():
    response = _document()
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    same = Client(HTTP_ACCEPT="application/vnd.oai.openapi+json").get("/api/v1/schema/")
    assert same.status_code == 200 and same.json() == response.json()


def test_the_schema_validates_as_openapi_3():
    document = _document().json()
    assert document["openapi"].startswith("3.")
    errors = sorted(jsonschema.Draft4Validator(OPENAPI_30).iter_errors(document), key=lambda e: list(e.path))
    assert errors == [], "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:20])
    schemathesis.openapi.from_dict(document).validate()


def test_the_schema_documents_every_entity_endpoint_and_problem_kind():
    from rapport.core.api.errors import PROBLEM_KINDS
    from rapport.core.entities import all_entities

    document = _document().json()
    paths = document["paths"]
    for spec in all_entities():
        base = f"/api/v1/{spec.set_name}/"
        assert {"get", "post"} <= set(paths[base]), spec.set_name
        assert {"get", "patch", "delete"} <= set(paths[base + "{id}/"]), spec.set_name
        assert "get" in paths[base + "{id}/audit/"]
        for action in spec.action_map:
            assert "post" in paths[base + "{id}/" + action + "/"], (spec.set_name, action)
        listing = paths[base]["get"]
        names = {p["name"] for p in listing["parameters"]}
        assert {"q", "filter", "ordering", "fields", "expand", "view", "page_size", "cursor", "count"} <= names
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "errors", "codes"} <= set(problem["properties"])
    text = _document().content.decode()
    for kind in PROBLEM_KINDS:
        assert f'"/api/v1/problems/{kind}"' in text, kind
    refusal = paths["/api/v1/accounts/{id}/"]["patch"]["responses"]["412"]["content"]
    assert list(refusal) == ["application/problem+json"]


def test_the_interactive_docs_are_served():
    assert Client().get("/api/docs/").status_code == 200


# --- schemathesis over the running application --------------------------------------------------------------


@pytest.fixture
def seeded(db, admin, alice):
    """An admin token and records for every entity, so generated ids can name real ones."""
    from rapport.core.actions.base import ActionContext
    from rapport.core.entities import all_entities
    from rapport.core.errors import RapportError
    from rapport.core.permissions.filter import can_create
    from rapport.core.testing.factories import create_for, has_factory
    from rapport.security.actions import create_token

    _token, secret = create_token(admin, ActionContext(user=admin, channel="system"))

    def make(spec):
        return str(create_for(spec, alice if can_create(alice, spec) else admin).pk)

    records = {}
    for spec in all_entities():
        if has_factory(spec) and spec.creatable:
            try:
                records[spec.set_name] = [make(spec) for _ in range(3)]
            except RapportError:
                # Only seeds real ids; the generic suite (tests/entities) reports factory failures.
                continue
    return {"secret": secret, "records": records, "make": make}


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: requests through the WSGI app must not close the test's
    connection (on PostgreSQL that would end the test transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(seeded, keep_test_connection):
    from rapport.wsgi import application

    config = schemathesis.Config()
    project = config.projects.default
    project.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, allow_x00=False,
                              modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
    project.phases.coverage.enabled = False
    project.phases.stateful.enabled = False
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, application, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


def _set_of(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/")[0]


@schema.parametrize()
@hypothesis.settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                     phases=[Phase.explicit, Phase.generate],
                     suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_schema(case, seeded):
    from rapport.core.entities import get_entity

    set_name = _set_of(case.operation.path)
    known = seeded["records"].get(set_name)
    params = case.path_parameters or {}
    if known and "id" in params:
        # Half of the generated ids name a real record (deterministically), half stay random.
        if int(hashlib.sha256(str(params["id"]).encode()).hexdigest(), 16) % 2 == 0:
            if case.method.upper() == "DELETE":
                params["id"] = seeded["make"](get_entity(set_name))
            else:
                params["id"] = known[len(str(params["id"])) % len(known)]
    case.call_and_validate(headers={"Authorization": f"Bearer {seeded['secret']}"}, checks=CHECKS)
