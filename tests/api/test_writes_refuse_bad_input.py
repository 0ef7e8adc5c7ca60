"""Every write operation of the API, taken from the OpenAPI schema so that a new one is covered the day it lands:
without credentials, against a record that does not exist, or with a body of the wrong type, it answers a clear
4xx error and executes no statement that writes. The per-endpoint tests of each app cover the forbidden areas and
the double submits; this one makes sure no write slips through without the common checks."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from gongzhi.api import api
from tests.conftest import api_client_for

WRITE_METHODS = ("post", "put", "patch", "delete")
MISSING_ID = 987_654_321
# Statements that are not a change of the data: a transaction's bookkeeping and the token's last-use stamp.
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
BOOKKEEPING = re.compile(r"accounts_apitoken|SAVEPOINT", re.IGNORECASE)


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    found = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            # An operation without `security` answers anonymous callers by design (a resident's registration).
            if method in WRITE_METHODS and op.get("security"):
                found.append((method, path, op))
    return sorted(found)


OPERATIONS = _operations()


def _url(path: str, op: dict[str, Any]) -> str:
    kinds = {p["name"]: p.get("schema", {}).get("type") for p in op.get("parameters", []) if p.get("in") == "path"}
    return re.sub(
        r"{(\w+)}", lambda m: str(MISSING_ID) if kinds.get(m.group(1)) == "integer" else "no-such-thing", path
    )


def _writes(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"][:160] for q in ctx.captured_queries if WRITE.match(q["sql"]) and not BOOKKEEPING.search(q["sql"])]


def _send(client: Client, method: str, url: str, body: Any) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_the_schema_has_write_operations_to_check():
    assert len(OPERATIONS) > 80, [p for _, p, _ in OPERATIONS]


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p, _ in OPERATIONS])
def test_a_write_refuses_bad_calls_and_writes_nothing(db, district, method, path, op):
    url = _url(path, op)
    # The district's admin passes the permission checks, so what refuses these calls is the check under test.
    admin = api_client_for(district.people["admin"])
    cases = [("no credentials", Client(), {}, {401})]
    if str(MISSING_ID) in url:
        cases.append(("a record that does not exist", admin, {}, {400, 404, 409, 422}))
    if "application/json" in op.get("requestBody", {}).get("content", {}):
        cases.append(("a body of the wrong type", admin, ["not", "an", "object"], {400, 404, 409, 422}))
    for name, client, body, allowed in cases:
        # The language a request activates stays active in this thread after it: keep it from later tests.
        with translation.override(translation.get_language()), CaptureQueriesContext(connection) as ctx:
            response = _send(client, method, url, body)
        # Issuing a token asks a two-factor user for the code before it reads the body: a refusal as well.
        second_factor = response.status_code == 401 and b"second_factor_required" in response.content
        assert response.status_code in allowed or second_factor, (name, response.status_code, response.content[:300])
        assert _writes(ctx) == [], (name, _writes(ctx))
        answer = response.json()
        assert answer.get("detail") or answer.get("message") or answer.get("error"), (name, answer)
