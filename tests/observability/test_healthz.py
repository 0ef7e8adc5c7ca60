"""/healthz: the database, the task worker's heartbeat and the oldest due task; 503 once the worker has stopped.

The clock is moved with time-machine; the heartbeat rows are written as `task_worker` writes them.
"""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult, get_date_max

from gongzhi.core import heartbeat
from tests.observability.helpers import DB_TASKS

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def health(at: dt.datetime):
    with time_machine.travel(at, tick=False):
        response = Client().get("/healthz")
    return response.status_code, response.json()


def test_with_tasks_run_inline_there_is_no_worker_to_check_and_one_statement(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["database"]["status"] == "ok" and "worker" not in body and "tasks" not in body


@DB_TASKS
def test_no_worker_ever_started_is_503(db):
    status, body = health(T0)
    assert status == 503 and body["status"] == "degraded"
    assert body["worker"] == {
        "status": "stopped",
        "last_heartbeat": None,
        "heartbeat_age_seconds": None,
        "alive": 0,
        "max_age_seconds": 60.0,
    }
    assert body["database"]["status"] == "ok"


@DB_TASKS
def test_a_beating_worker_is_ok_until_its_beats_are_older_than_the_limit(db):
    with time_machine.travel(T0, tick=False):
        heartbeat.worker_started("w1", data={})
    status, body = health(T0 + dt.timedelta(seconds=30))
    assert status == 200 and body["status"] == "ok"
    assert body["worker"]["status"] == "ok" and body["worker"]["alive"] == 1
    assert body["worker"]["last_heartbeat"] == T0.isoformat()
    assert body["worker"]["heartbeat_age_seconds"] == 30
    assert health(T0 + dt.timedelta(seconds=60))[0] == 200  # at the limit: still alive
    status, body = health(T0 + dt.timedelta(seconds=61))
    assert status == 503 and body["worker"]["status"] == "stopped" and body["worker"]["alive"] == 0
    assert body["worker"]["heartbeat_age_seconds"] == 61
    # A beat brings it back.
    with time_machine.travel(T0 + dt.timedelta(seconds=90), tick=False):
        heartbeat.worker_beat("w1", data={})
    assert health(T0 + dt.timedelta(seconds=95))[0] == 200


@DB_TASKS
@override_settings(WORKER_HEARTBEAT_MAX_AGE=300)
def test_the_limit_is_configurable(db):
    with time_machine.travel(T0, tick=False):
        heartbeat.worker_started("w1", data={})
    assert health(T0 + dt.timedelta(seconds=299))[0] == 200
    status, body = health(T0 + dt.timedelta(seconds=301))
    assert status == 503 and body["worker"]["max_age_seconds"] == 300


@DB_TASKS
@override_settings(WORKER_HEARTBEAT_MAX_AGE=0)
def test_a_limit_of_zero_reports_the_heartbeat_without_judging_it(db):
    status, body = health(T0)
    assert status == 200 and body["worker"]["status"] == "not checked"


@DB_TASKS
def test_a_worker_that_stopped_is_503_at_once_and_its_last_beat_is_shown(db):
    with time_machine.travel(T0, tick=False):
        heartbeat.worker_started("w1", data={})
    with time_machine.travel(T0 + dt.timedelta(seconds=5), tick=False):
        heartbeat.worker_stopped("w1")
    status, body = health(T0 + dt.timedelta(seconds=6))
    assert status == 503 and body["worker"]["status"] == "stopped"
    assert body["worker"]["last_heartbeat"] == (T0 + dt.timedelta(seconds=5)).isoformat()


@DB_TASKS
def test_one_live_worker_of_two_is_enough(db):
    with time_machine.travel(T0, tick=False):
        heartbeat.worker_started("old", data={})
        heartbeat.worker_started("new", data={})
        heartbeat.worker_stopped("old")
    status, body = health(T0 + dt.timedelta(seconds=10))
    assert status == 200 and body["worker"]["alive"] == 1


@DB_TASKS
def test_the_oldest_due_task_is_reported_and_future_ones_are_not(db):
    with time_machine.travel(T0, tick=False):
        heartbeat.worker_started("w1", data={})
        for run_after in (get_date_max(), T0 + dt.timedelta(seconds=20), T0 + dt.timedelta(hours=1)):
            DBTaskResult.objects.create(
                args_kwargs={"args": [], "kwargs": {}},
                task_path="tests.observability.tasks.slow",
                backend_name="default",
                run_after=run_after,
            )
    status, body = health(T0 + dt.timedelta(seconds=45))
    assert status == 200
    assert body["tasks"] == {"due": 2, "oldest_due": T0.isoformat(), "oldest_due_age_seconds": 45}


@DB_TASKS
def test_the_check_is_two_statements(db, django_assert_num_queries):
    heartbeat.worker_started("w1", data={})
    client = Client()
    client.get("/healthz")  # warm
    with django_assert_num_queries(2):
        assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("backend", [None, "django_tasks_db.DatabaseBackend"])
def test_a_database_error_is_503_with_the_error(db, backend):
    settings = {"TASKS": {"default": {"BACKEND": backend}}} if backend else {}
    with (
        override_settings(**settings),
        mock.patch("gongzhi.core.heartbeat.worker_state", side_effect=OperationalError("server closed")),
        mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("server closed")),
    ):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["status"] == "error"
    assert "server closed" in response.json()["database"]["error"]
