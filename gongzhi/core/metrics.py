"""Prometheus metrics at /metrics, behind `METRICS_TOKEN` (docs/operations.md "Observability").

Two kinds of metric, kept apart on purpose:

- **Per-process** counters and histograms (requests by route, their latency, login failures) are counted by the web
  process that saw the event. Under gunicorn's several workers each process counts only its own, so they are kept
  in prometheus_client's multiprocess mode: with `PROMETHEUS_MULTIPROC_DIR` set (gunicorn.conf.py sets it) every
  process writes its values to files there and the scrape adds them up, whichever worker answers it.
- **Backlog** gauges (task queue, outbox, worker heartbeat, sweep lag) are read from the database at scrape time,
  so they are the same whichever process answers and need no shared state. Each app adds its own from its
  `metrics.py` with `@scrape_source` (the outbox is notifications'), as it adds its navigation from `nav.py`.

A route is the URL pattern's name (`appeals:detail`, ninja's `api-1.0.0:…`), never the raw path, and the method is
one of the HTTP methods or `other`, so a scanner sending random paths cannot grow the number of series.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import MiddlewareNotUsed
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.module_loading import autodiscover_modules
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from gongzhi.core import clock, heartbeat

logger = logging.getLogger(__name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"

REQUESTS = Counter(
    "gongzhi_http_requests", "HTTP requests answered, by route, method and status", ["route", "method", "status"]
)
LATENCY = Histogram(
    "gongzhi_http_request_duration_seconds",
    "Time from the request entering Django to its response, by route and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
LOGIN_FAILURES = Counter(
    "gongzhi_login_failures", "Failed sign-ins (Django's user_login_failed signal), by channel", ["channel"]
)
for _channel in ("web", "api"):
    LOGIN_FAILURES.labels(_channel)  # present at 0 from the start, so rate() works before the first failure


def enabled() -> bool:
    return bool(settings.METRICS_TOKEN)


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else UNMATCHED


class MetricsMiddleware:
    """Counts and times every request by route; not installed at all while /metrics is off (no METRICS_TOKEN)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not enabled():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_of(request)
        method = request.method if request.method in METHODS else "other"
        LATENCY.labels(route, method).observe(time.perf_counter() - started)
        REQUESTS.labels(route, method, str(response.status_code)).inc()
        return response


@receiver(user_login_failed, dispatch_uid="gongzhi.core.metrics.login_failed")
def _count_login_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    channel = "other" if request is None else "api" if request.path.startswith("/api/") else "web"
    LOGIN_FAILURES.labels(channel).inc()


# --- Backlog gauges, read from the database at scrape time ---------------------------------------------------------

Source = Callable[[dt.datetime], Iterable[Metric]]
_SOURCES: dict[str, Source] = {}
_discovered = False


def scrape_source(name: str) -> Callable[[Source], Source]:
    """Register `fn(now) -> metric families` as the scrape source `name` (reported in `gongzhi_scrape_source_up`)."""

    def register(fn: Source) -> Source:
        _SOURCES[name] = fn
        return fn

    return register


def sources() -> dict[str, Source]:
    global _discovered
    if not _discovered:
        autodiscover_modules("metrics")
        _discovered = True
    return dict(sorted(_SOURCES.items()))


def _age(now: dt.datetime, then: dt.datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


@scrape_source("tasks")
def task_queue(now: dt.datetime) -> Iterator[Metric]:
    due = GaugeMetricFamily(
        "gongzhi_tasks_due", "Tasks ready to run now (django-tasks database backend)", labels=["queue"]
    )
    scheduled = GaugeMetricFamily("gongzhi_tasks_scheduled", "Tasks waiting for a later run_after", labels=["queue"])
    oldest = GaugeMetricFamily(
        "gongzhi_tasks_oldest_due_age_seconds", "Age of the oldest due task (0 when none is due)", labels=["queue"]
    )
    if heartbeat.uses_task_worker():
        for row in heartbeat.queue_by_name(now=now):
            due.add_metric([row["queue_name"]], row["due"])
            scheduled.add_metric([row["queue_name"]], row["scheduled"])
            oldest.add_metric([row["queue_name"]], _age(now, row["oldest"]))
    yield from (due, scheduled, oldest)


@scrape_source("worker")
def worker(now: dt.datetime) -> Iterator[Metric]:
    max_age = float(settings.WORKER_HEARTBEAT_MAX_AGE or 60)
    state = heartbeat.worker_state(now=now, max_age=max_age)
    alive = GaugeMetricFamily(
        "gongzhi_workers_alive", f"Task workers running that beat within {max_age:g} s (WORKER_HEARTBEAT_MAX_AGE)"
    )
    alive.add_metric([], state.alive)
    yield alive
    if state.last_beat is not None:
        age = GaugeMetricFamily(
            "gongzhi_worker_heartbeat_age_seconds", "Seconds since the newest beat of a running task worker"
        )
        age.add_metric([], _age(now, state.last_beat))
        yield age


@scrape_source("sweeps")
def sweep_lag(now: dt.datetime) -> Iterator[Metric]:
    lag = GaugeMetricFamily(
        "gongzhi_sweep_lag_seconds", "Seconds since the sweep command last finished a whole pass", labels=["sweep"]
    )
    last = GaugeMetricFamily(
        "gongzhi_sweep_last_success_timestamp_seconds",
        "When the sweep last finished a pass (Unix time)",
        labels=["sweep"],
    )
    duration = GaugeMetricFamily(
        "gongzhi_sweep_last_duration_seconds", "How long the sweep's last pass took", labels=["sweep"]
    )
    for row in heartbeat.sweeps():
        name = row.name.removeprefix(heartbeat.SWEEP_PREFIX)
        lag.add_metric([name], _age(now, row.beat_at))
        last.add_metric([name], row.beat_at.timestamp())
        duration.add_metric([name], float(row.data.get("duration_seconds", 0.0)))
    yield from (lag, last, duration)


class _Backlog:
    """Collects every scrape source; one that fails (its table missing, the database down) reports 0 in
    `gongzhi_scrape_source_up` and its error in the log, and the others still answer."""

    def collect(self) -> Iterator[Metric]:
        now = clock.now()
        up = GaugeMetricFamily("gongzhi_scrape_source_up", "1 when the source's metrics were read", labels=["source"])
        for name, source in sources().items():
            try:
                families = list(source(now))
            except Exception:  # a scrape must still answer with what it can; the log has the traceback
                logger.exception("metrics source %s failed", name)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        yield up


class _Process:
    """This process's own registry (one process: runserver, a single gunicorn worker, tests)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def scrape_registry(multiproc_dir: str | None = None) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    multiproc_dir = multiproc_dir or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if multiproc_dir:
        MultiProcessCollector(registry, path=multiproc_dir)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Process())
    registry.register(_Backlog())
    return registry


MISSING = "需要凭据：Authorization: Bearer <METRICS_TOKEN> / credentials required: Authorization: Bearer <token>\n"
WRONG = "凭据错误 / wrong credentials\n"


def _refusal(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus text format, for `Authorization: Bearer <METRICS_TOKEN>`; 404 while METRICS_TOKEN is unset."""
    token: str = settings.METRICS_TOKEN
    if not token:
        raise Http404
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        return _refusal(401, MISSING)
    if not hmac.compare_digest(given.encode(), token.encode()):
        logger.warning("metrics: wrong token from %s", request.META.get("REMOTE_ADDR"))
        return _refusal(403, WRONG)
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
