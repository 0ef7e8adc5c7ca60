"""Signs of life of the background processes, and the task queue's backlog, as /healthz and /metrics read them.

- The task worker (`manage.py task_worker`) beats `worker:<worker id>` every few seconds while it lives and marks
  the row stopped when it ends; /healthz answers 503 when no worker has beaten within `WORKER_HEARTBEAT_MAX_AGE`.
- Each sweep command (`core.sweep.SweepCommand`) writes `sweep:<command>` after every whole pass, so the sweep lag
  (how long since the last pass) can be reported.
- The queue is django-tasks' database backend (`django_tasks_db.DBTaskResult`): a task is due when it is READY and
  its `run_after` has come (or it has none); its due time is `run_after`, or `enqueued_at` when it has none.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, Max, Min, Q, When

from gongzhi.core import clock
from gongzhi.core.models import Heartbeat, HeartbeatKind

WORKER_PREFIX = "worker:"
SWEEP_PREFIX = "sweep:"
# Rows of workers that ended (or crashed) this long ago are deleted when a worker starts.
STALE_WORKER_ROWS = dt.timedelta(days=7)


def _upsert(name: str, kind: str, *, now: dt.datetime, data: dict[str, Any], started: bool = False) -> None:
    """One UPDATE, and an INSERT only the first time: a beat costs one statement."""
    changes: dict[str, Any] = {"beat_at": now, "stopped_at": None, "data": data}
    if started:
        changes["started_at"] = now
    if not Heartbeat.objects.filter(name=name).update(**changes):
        Heartbeat.objects.create(name=name, kind=kind, beat_at=now, started_at=now, data=data)


def process_facts() -> dict[str, Any]:
    return {"host": socket.gethostname()[:100], "pid": os.getpid()}


def worker_started(worker_id: str, *, data: dict[str, Any]) -> None:
    now = clock.now()
    Heartbeat.objects.filter(kind=HeartbeatKind.WORKER, beat_at__lt=now - STALE_WORKER_ROWS).delete()
    _upsert(WORKER_PREFIX + worker_id, HeartbeatKind.WORKER, now=now, data=data, started=True)


def worker_beat(worker_id: str, *, data: dict[str, Any]) -> None:
    _upsert(WORKER_PREFIX + worker_id, HeartbeatKind.WORKER, now=clock.now(), data=data)


def worker_stopped(worker_id: str) -> None:
    now = clock.now()
    Heartbeat.objects.filter(name=WORKER_PREFIX + worker_id).update(beat_at=now, stopped_at=now)


def sweep_ran(command: str, *, started_at: dt.datetime, duration: float) -> None:
    """Record a whole pass of the sweep `command` that began at `started_at` and took `duration` seconds."""
    now = clock.now()
    data = process_facts() | {"duration_seconds": round(duration, 3), "pass_started_at": started_at.isoformat()}
    _upsert(SWEEP_PREFIX + command, HeartbeatKind.SWEEP, now=now, data=data)


@dataclass(frozen=True)
class WorkerState:
    last_beat: dt.datetime | None
    """The newest beat of a worker that has not stopped (None: none running)."""
    last_seen: dt.datetime | None
    """The newest beat of any worker, stopped ones included (None: no worker has ever run)."""
    alive: int
    """Workers that have not stopped and beat within the limit."""


def worker_state(*, now: dt.datetime, max_age: float) -> WorkerState:
    """One statement: the newest beats and the workers alive."""
    live = Q(stopped_at__isnull=True)
    row = Heartbeat.objects.filter(kind=HeartbeatKind.WORKER).aggregate(
        last_beat=Max("beat_at", filter=live),
        last_seen=Max("beat_at"),
        alive=Count("id", filter=live & Q(beat_at__gte=now - dt.timedelta(seconds=max_age))),
    )
    return WorkerState(last_beat=row["last_beat"], last_seen=row["last_seen"], alive=row["alive"])


def worker_is_stopped(state: WorkerState, *, now: dt.datetime, max_age: float) -> bool:
    return state.last_beat is None or (now - state.last_beat).total_seconds() > max_age


def uses_task_worker() -> bool:
    """Whether tasks wait in the database for `task_worker` (django-tasks' database backend), not run inline."""
    return bool(settings.TASKS.get("default", {}).get("BACKEND") == "django_tasks_db.DatabaseBackend")


def _due_tasks(now: dt.datetime) -> Any:
    from django_tasks_db.models import DBTaskResult, get_date_max

    never = get_date_max()  # the backend's "no run_after"
    return (
        DBTaskResult.objects.filter(status="READY")
        .filter(Q(run_after=never) | Q(run_after__lte=now))
        .annotate(due_at=Case(When(run_after=never, then=F("enqueued_at")), default=F("run_after")))
    )


@dataclass(frozen=True)
class QueueState:
    due: int
    oldest_due_at: dt.datetime | None


def queue_state(*, now: dt.datetime) -> QueueState:
    """One statement over the READY rows (django-tasks-db's partial index): how many are due, and the oldest."""
    row = _due_tasks(now).aggregate(due=Count("id"), oldest=Min("due_at"))
    return QueueState(due=row["due"], oldest_due_at=row["oldest"])


def queue_by_name(*, now: dt.datetime) -> list[dict[str, Any]]:
    """Per queue: due tasks, the oldest due time, and tasks waiting for a later `run_after`."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    never = get_date_max()
    due = Q(run_after=never) | Q(run_after__lte=now)
    due_at = Case(When(run_after=never, then=F("enqueued_at")), default=F("run_after"))
    rows: Any = (
        DBTaskResult.objects.filter(status="READY")
        .values("queue_name")
        .annotate(
            due=Count("id", filter=due),
            scheduled=Count("id", filter=~due),
            oldest=Min(due_at, filter=due),
        )
        .order_by("queue_name")
    )
    return [dict(row) for row in rows]


def sweeps() -> list[Heartbeat]:
    return list(Heartbeat.objects.filter(kind=HeartbeatKind.SWEEP).order_by("name"))
