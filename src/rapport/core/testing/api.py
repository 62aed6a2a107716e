"""Helpers for API tests: JSON requests and problem+json assertions."""

from __future__ import annotations

import json

PROBLEM_CONTENT_TYPE = "application/problem+json"


def send(client, method: str, url: str, body=None, **headers):
    """``client.<method>(url)`` with a JSON body; extra keyword arguments become headers."""
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    call = getattr(client, method.lower())
    if body is None:
        return call(url, **extra)
    return call(url, data=json.dumps(body), content_type="application/json", **extra)


def post(client, url: str, body=None, **headers):
    return send(client, "post", url, body if body is not None else {}, **headers)


def patch(client, url: str, body, **headers):
    return send(client, "patch", url, body, **headers)


def delete(client, url: str, **headers):
    return send(client, "delete", url, None, **headers)


def assert_problem(response, status: int, kind: str, field: str | None = None, code: str | None = None) -> dict:
    """The response is a problem+json of ``kind`` (API.md "Errors"), optionally naming ``field``."""
    assert response.status_code == status, (response.status_code, response.content[:2000])
    assert response["Content-Type"].split(";")[0] == PROBLEM_CONTENT_TYPE, response["Content-Type"]
    body = response.json()
    assert body["type"] == f"/api/v1/problems/{kind}", body
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], dict) and isinstance(body["codes"], dict)
    for key, messages in body["errors"].items():
        assert messages and all(isinstance(m, str) and m for m in messages), body
        assert len(body["codes"].get(key, [])) == len(messages), body
    if field is not None:
        assert field in body["errors"], body
        if code is not None:
            assert code in body["codes"][field], body
    return body
