"""Fuzz every operation in /api/v1/openapi.json through the WSGI app: no 5xx, and responses match the schema.

Schemathesis generates valid and invalid input for each operation from the schema itself, so new endpoints are
covered as soon as they are mounted. Error bodies are documented once for all operations in gongzhi/api.py.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gongzhi.wsgi import application
from tests.conftest import second_factor_proof

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_test_connection():
    # The raw WSGI handler closes "old" connections after each request, which on PostgreSQL would close the
    # connection holding the test transaction; Django's own test client disconnects these handlers the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def staff_headers(district, resident_in_a, keep_test_connection):
    """A bearer token for the street officer, who sees the whole street (with a resident in it) of the test district."""
    from gongzhi.accounts.actions import api_token_issue

    _token, raw = api_token_issue(user=district["street_staff"], proof=second_factor_proof(district["street_staff"]))
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_api_conforms_to_its_schema(case, staff_headers):
    case.call_and_validate(headers=staff_headers, checks=CHECKS)
