"""GET /api/v1/appeals as staff: slim rows that match the declared schema, in a constant number of queries."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.appeals.api import AppealPageOut
from gongzhi.appeals.models import Appeal
from tests.appeals.conftest import T0
from tests.conftest import STREET, api_client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/appeals"


def test_rows_match_the_schema_and_carry_the_countdown(duty, submit):
    with time_machine.travel(T0, tick=False):
        a, b = submit(), submit(category=None)
        Appeal.objects.filter(pk=a.pk).update(state="accepted", due_at=T0 + dt.timedelta(hours=2))
        body = api_client_for(duty["street_staff"]).get(URL, {"area": STREET, "limit": 1}).json()
    AppealPageOut.model_validate(body)
    assert [i["id"] for i in body["items"]] == [b.pk] and body["next_before_id"] == b.pk
    with time_machine.travel(T0, tick=False):
        rest = api_client_for(duty["street_staff"]).get(URL, {"before_id": b.pk}).json()
    row = rest["items"][0]
    assert row["id"] == a.pk and row["remaining_seconds"] == 7200 and row["overdue"] is False
    assert row["category"] == "env-litter" and row["category_name"] == "环境卫生/垃圾堆放"
    assert row["state_label"] and row["paused"] is False and rest["next_before_id"] is None
    assert "contact_phone" not in row and "policy" not in row


def test_the_query_count_does_not_grow_with_the_rows(duty, submit):
    street = api_client_for(duty["street_staff"])
    submit()
    street.get(URL)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        street.get(URL)
    for _ in range(5):
        submit()
    with CaptureQueriesContext(connection) as six:
        assert len(street.get(URL).json()["items"]) == 6
    assert len(six.captured_queries) == len(one.captured_queries) <= 2


def test_timestamps_and_the_frozen_countdown_are_written_exactly(duty, submit):
    """The same text on both databases (PostgreSQL renders the rows itself): UTC, "Z", milliseconds truncated."""
    with time_machine.travel(T0, tick=False):
        a = submit(category=None)
        Appeal.objects.filter(pk=a.pk).update(
            state="suspended",
            created_at=T0,
            dispatched_at=T0 + dt.timedelta(microseconds=123),
            accepted_at=T0 + dt.timedelta(seconds=1, microseconds=456_789),
            arrive_by=None,
            due_at=T0 + dt.timedelta(hours=3),
            paused_at=T0 + dt.timedelta(hours=1),
        )
    with time_machine.travel(T0 + dt.timedelta(days=5), tick=False):
        body = api_client_for(duty["street_staff"]).get(URL, {"area": STREET}).json()
    AppealPageOut.model_validate(body)
    row = body["items"][0]
    assert row["created_at"] == "2026-03-16T01:00:00Z"
    assert row["dispatched_at"] == "2026-03-16T01:00:00.000Z"
    assert row["accepted_at"] == "2026-03-16T01:00:01.456Z"
    assert row["arrive_by"] is None and row["due_at"] == "2026-03-16T04:00:00Z"
    assert row["remaining_seconds"] == 7200 and row["paused"] is True and row["overdue"] is False
    assert row["category"] is None and row["category_name"] is None and row["state_label"] == "挂起"
    assert row["closed_on_time"] is None and isinstance(row["lat"], float) and row["is_public"] is False
