"""GET /api/v1/appeals/tasks: the caller's open tasks, the most urgent first, in a constant number of queries."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pydantic import TypeAdapter

from gongzhi.appeals.api import TaskOut
from gongzhi.appeals.models import Appeal
from tests.appeals.conftest import T0
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/appeals/tasks"


@pytest.fixture
def worker(duty):
    return api_client_for(duty["microgrid_worker_a"])


def test_lists_my_open_tasks_soonest_deadline_first(duty, submit, worker):
    with time_machine.travel(T0, tick=False):
        late, soon, undated, done = (submit() for _ in range(4))
        Appeal.objects.filter(pk=late.pk).update(state="accepted", due_at=T0 + dt.timedelta(days=2))
        Appeal.objects.filter(pk=soon.pk).update(state="accepted", due_at=T0 - dt.timedelta(hours=1))
        Appeal.objects.filter(pk=done.pk).update(state="closed", due_at=T0 - dt.timedelta(days=1))
        response = worker.get(URL)
    assert response.status_code == 200, response.content
    items = response.json()
    assert [i["id"] for i in items] == [soon.pk, late.pk, undated.pk]
    first = items[0]
    assert first["overdue"] is True and first["remaining_seconds"] == -3600
    assert first["state"] == "accepted" and first["state_label"]
    assert first["category"] == "env-litter" and first["category_name"] == "环境卫生/垃圾堆放"
    assert items[2]["due_at"] is None and items[2]["arrive_by"] is not None and items[2]["overdue"] is False
    assert "contact_phone" not in first
    TypeAdapter(list[TaskOut]).validate_python(items)  # the answer is what the OpenAPI schema says


def test_other_peoples_tasks_are_not_mine(duty, submit):
    submit()
    assert api_client_for(duty["grid_worker_a"]).get(URL).json() == []
    assert api_client_for(duty["resident_a"]).get(URL).json() == []


def test_limit_is_validated_and_applied(duty, submit, worker):
    for _ in range(3):
        submit()
    assert len(worker.get(URL, {"limit": 2}).json()) == 2
    for bad in (0, 201, "x"):
        assert worker.get(URL, {"limit": bad}).status_code == 422


def test_without_a_token_the_task_list_answers_401(client):
    assert client.get(URL).status_code == 401


def test_the_query_count_does_not_grow_with_the_rows(duty, submit, worker):
    submit()
    worker.get(URL)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        worker.get(URL)
    for _ in range(5):
        submit()
    with CaptureQueriesContext(connection) as six:
        assert len(worker.get(URL).json()) == 6
    assert len(six.captured_queries) == len(one.captured_queries) <= 3
