"""/metrics: off without METRICS_TOKEN, 401/403 without the right bearer token (nothing leaked), and with it the
request counts and latency by route (the URL pattern's name), login failures and the database backlog gauges."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from gongzhi.core import heartbeat, metrics
from gongzhi.notifications.models import OutboxMessage, OutboxStatus
from tests import factories
from tests.observability.helpers import AUTH, DB_TASKS, TOKEN, scrape, value

ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
with_token = override_settings(METRICS_TOKEN=TOKEN)


@override_settings(METRICS_TOKEN="")
def test_without_a_token_configured_the_endpoint_is_off(db):
    response = Client().get("/metrics", **AUTH)
    assert response.status_code == 404
    assert b"gongzhi_" not in response.content


@with_token
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"HTTP_AUTHORIZATION": ""}, 401),
        ({"HTTP_AUTHORIZATION": "Bearer"}, 401),
        ({"HTTP_AUTHORIZATION": "Bearer   "}, 401),
        ({"HTTP_AUTHORIZATION": f"Basic {TOKEN}"}, 401),
        ({"HTTP_AUTHORIZATION": "Bearer wrong"}, 403),
        ({"HTTP_AUTHORIZATION": f"Bearer {TOKEN[:-1]}"}, 403),
        ({"HTTP_AUTHORIZATION": f"Bearer {TOKEN}x"}, 403),
        ({"HTTP_AUTHORIZATION": f"Bearer {TOKEN.upper()}"}, 403),
        ({"HTTP_AUTHORIZATION": "Bearer 令牌"}, 403),
    ],
)
def test_missing_or_wrong_credentials_are_refused_and_nothing_leaks(db, headers, status):
    Client().get("/healthz")  # something to count, which must not show
    response = Client().get("/metrics", **headers)
    assert response.status_code == status
    assert b"gongzhi_" not in response.content and b"python_" not in response.content
    assert "凭据" in response.content.decode() and "credentials" in response.content.decode()
    if status == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert "no-cache" in response["Cache-Control"]


@with_token
def test_only_get_is_answered(db):
    assert Client().post("/metrics", **AUTH).status_code == 405


@with_token
def test_requests_are_counted_and_timed_by_route_name_not_path(db, district):
    client = Client()
    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/api/v1/ping")  # no token: 401
    for n in range(5):
        client.get(f"/no/such/page/{n}")
    client.generic("BREW", "/healthz")
    after = scrape(client)

    def delta(name, **labels):
        return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)

    assert delta("gongzhi_http_requests_total", route="healthz", method="GET", status="200") == 2
    assert delta("gongzhi_http_requests_total", route="api:ping", method="GET", status="401") == 1
    # Five raw paths, one series.
    assert delta("gongzhi_http_requests_total", route="<unmatched>", method="GET", status="404") == 5
    assert delta("gongzhi_http_requests_total", route="healthz", method="other", status="405") == 1
    assert delta("gongzhi_http_request_duration_seconds_count", route="healthz", method="GET") == 2
    assert delta("gongzhi_http_request_duration_seconds_bucket", route="healthz", method="GET", le="+Inf") == 2
    assert delta("gongzhi_http_request_duration_seconds_sum", route="healthz", method="GET") > 0
    assert delta("gongzhi_http_requests_total", route="metrics", method="GET", status="200") == 1  # the first scrape
    routes = {dict(labels).get("route") for (name, labels) in after if name == "gongzhi_http_requests_total"}
    assert not any(route and route.startswith("/") for route in routes)  # never a raw path


@with_token
def test_a_page_with_an_id_in_its_path_is_counted_under_its_pattern_name(db, district):
    client = Client()
    client.force_login(district["street_staff"])
    before = scrape(client)
    client.get("/appeals/999999/")
    client.get("/appeals/999998/")
    after = scrape(client)
    series = [
        (dict(labels), after[(name, labels)] - before.get((name, labels), 0))
        for (name, labels) in after
        if name == "gongzhi_http_requests_total" and "999" not in str(labels)
    ]
    moved = [labels for labels, d in series if d == 2]
    assert moved and all(not labels["route"].startswith("/") for labels in moved), moved


@with_token
def test_login_failures_are_counted_by_channel(db, district):
    client = Client()
    before = scrape(client)
    client.post(
        "/api/v1/auth/token", {"username": "street_staff", "password": "wrong"}, content_type="application/json"
    )
    client.post("/login/", {"username": "street_staff", "password": "wrong"})
    client.post("/login/", {"username": "nobody-here", "password": "wrong"})
    client.post("/login/", {"username": "street_staff", "password": factories.PASSWORD})  # succeeds: not counted
    after = scrape(client)
    assert (
        value(after, "gongzhi_login_failures_total", channel="api")
        - (value(before, "gongzhi_login_failures_total", channel="api") or 0)
        == 1
    )
    assert (
        value(after, "gongzhi_login_failures_total", channel="web")
        - (value(before, "gongzhi_login_failures_total", channel="web") or 0)
        == 2
    )


def _task(*, enqueued: dt.datetime, run_after: dt.datetime | None = None, queue="default", status="READY"):
    with time_machine.travel(enqueued, tick=False):
        return DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="tests.observability.tasks.slow",
            backend_name="default",
            queue_name=queue,
            status=status,
            run_after=run_after or get_date_max(),
        )


@with_token
@DB_TASKS
def test_task_queue_depth_and_the_age_of_the_oldest_due_task(db):
    _task(enqueued=T0)  # due since T0
    _task(enqueued=T0 + dt.timedelta(minutes=5))
    _task(enqueued=T0, run_after=T0 + dt.timedelta(minutes=2))  # due since T0+2min
    _task(enqueued=T0, run_after=T0 + dt.timedelta(hours=3))  # scheduled: not due yet
    _task(enqueued=T0 - dt.timedelta(hours=1), status="SUCCESSFUL")  # done: not counted
    _task(enqueued=T0 + dt.timedelta(minutes=1), queue="imports")
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        samples = scrape()
    assert value(samples, "gongzhi_tasks_due", queue="default") == 3
    assert value(samples, "gongzhi_tasks_scheduled", queue="default") == 1
    assert value(samples, "gongzhi_tasks_oldest_due_age_seconds", queue="default") == 600
    assert value(samples, "gongzhi_tasks_due", queue="imports") == 1
    assert value(samples, "gongzhi_tasks_oldest_due_age_seconds", queue="imports") == 540
    assert value(samples, "gongzhi_scrape_source_up", source="tasks") == 1


@with_token
def test_the_inline_task_backend_has_no_queue_to_report(db):
    samples = scrape()
    assert not [key for key in samples if key[0] == "gongzhi_tasks_due"]
    assert value(samples, "gongzhi_scrape_source_up", source="tasks") == 1


@with_token
def test_outbox_backlog_counts_pending_messages_and_the_oldest_age(db, district):
    user = district["resident_a"]

    def message(channel, created, status=OutboxStatus.PENDING, next_attempt=None):
        return OutboxMessage.objects.create(
            user=user,
            channel=channel,
            kind="test",
            title="t",
            status=status,
            created_at=created,
            next_attempt_at=next_attempt or created,
        )

    message("email", T0)
    message("email", T0 + dt.timedelta(minutes=1), next_attempt=T0 + dt.timedelta(hours=1))  # backing off
    message("sms", T0 + dt.timedelta(minutes=4))
    message("email", T0 - dt.timedelta(days=1), status=OutboxStatus.DELIVERED)
    message("email", T0 - dt.timedelta(days=1), status=OutboxStatus.FAILED)
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        samples = scrape()
    assert value(samples, "gongzhi_outbox_pending", channel="email") == 2
    assert value(samples, "gongzhi_outbox_due", channel="email") == 1
    assert value(samples, "gongzhi_outbox_oldest_pending_age_seconds", channel="email") == 300
    assert value(samples, "gongzhi_outbox_pending", channel="sms") == 1
    assert value(samples, "gongzhi_outbox_oldest_pending_age_seconds", channel="sms") == 60
    assert value(samples, "gongzhi_scrape_source_up", source="outbox") == 1


@with_token
def test_sweep_lag_grows_from_each_sweeps_last_whole_pass(db):
    with time_machine.travel(T0, tick=False):
        call_command("post_due_awards", "--once", stdout=open(os.devnull, "w"))  # noqa: SIM115
        call_command("expire_points", "--once", stdout=open(os.devnull, "w"))  # noqa: SIM115
    with time_machine.travel(T0 + dt.timedelta(minutes=3), tick=False):
        call_command("sweep_deadlines", "--once", stdout=open(os.devnull, "w"))  # noqa: SIM115
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        samples = scrape()
    assert value(samples, "gongzhi_sweep_lag_seconds", sweep="post_due_awards") == 600
    assert value(samples, "gongzhi_sweep_lag_seconds", sweep="expire_points") == 600
    assert value(samples, "gongzhi_sweep_lag_seconds", sweep="sweep_deadlines") == 420
    assert (
        value(samples, "gongzhi_sweep_last_success_timestamp_seconds", sweep="sweep_deadlines")
        == (T0 + dt.timedelta(minutes=3)).timestamp()
    )
    assert value(samples, "gongzhi_sweep_last_duration_seconds", sweep="sweep_deadlines") >= 0


@with_token
def test_worker_heartbeat_age_and_workers_alive(db):
    with time_machine.travel(T0, tick=False):
        heartbeat.worker_started("w1", data={})
        heartbeat.worker_started("w2", data={})
    with time_machine.travel(T0 + dt.timedelta(seconds=50), tick=False):
        heartbeat.worker_beat("w1", data={})
        heartbeat.worker_stopped("w2")
    with time_machine.travel(T0 + dt.timedelta(seconds=70), tick=False):
        samples = scrape()
    assert value(samples, "gongzhi_workers_alive") == 1  # w2 stopped
    assert value(samples, "gongzhi_worker_heartbeat_age_seconds") == 20


@with_token
def test_a_failing_source_is_reported_and_the_others_still_answer(db, monkeypatch):
    def broken(now):
        raise RuntimeError("table missing")

    monkeypatch.setitem(metrics._SOURCES, "broken", broken)
    samples = scrape()
    assert value(samples, "gongzhi_scrape_source_up", source="broken") == 0
    assert value(samples, "gongzhi_scrape_source_up", source="outbox") == 1
    assert value(samples, "gongzhi_workers_alive") is not None


def test_several_processes_counts_add_up_in_multiprocess_mode(tmp_path):
    """Two web processes each count their own requests into PROMETHEUS_MULTIPROC_DIR; a scrape sees the sum."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "GONGZHI_ENV"}} | {
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "METRICS_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "CACHE_BACKEND": "locmem",
    }
    code = "from django.test import Client; c = Client(); [c.get('/metrics') for _ in range({n})]"
    for n in (3, 4):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", code.format(n=n)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
    assert len(list(tmp_path.glob("counter_*.db"))) == 2  # one file per process
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(tmp_path))
    text = generate_latest(registry).decode()
    totals = {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "gongzhi_http_requests_total"
    }
    assert totals == {(("method", "GET"), ("route", "metrics"), ("status", "401")): 7}
    # The view builds the same registry from the directory.
    assert "gongzhi_http_requests_total" in generate_latest(metrics.scrape_registry(str(tmp_path))).decode()
