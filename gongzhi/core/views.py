import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from gongzhi.core import clock, heartbeat


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _age(now: dt.datetime, moment: dt.datetime | None) -> float | None:
    return round(max(0.0, (now - moment).total_seconds()), 3) if moment is not None else None


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The load balancer's check: the database answers, and (with the database task backend) a task worker beats.

    Two statements with the database task backend (the workers' beats, the due tasks), `SELECT 1` without it; 503
    when the database fails or no worker has beaten within WORKER_HEARTBEAT_MAX_AGE seconds (0: never for that).
    """
    now = clock.now()
    body: dict[str, Any] = {"status": "ok", "time": now.isoformat()}
    status = 200
    try:
        if heartbeat.uses_task_worker():
            max_age = float(settings.WORKER_HEARTBEAT_MAX_AGE)
            state = heartbeat.worker_state(now=now, max_age=max_age or 60)
            queue = heartbeat.queue_state(now=now)
            stopped = heartbeat.worker_is_stopped(state, now=now, max_age=max_age) if max_age else False
            body["worker"] = {
                "status": "stopped" if stopped else "ok" if max_age else "not checked",
                "last_heartbeat": _iso(state.last_beat or state.last_seen),
                "heartbeat_age_seconds": _age(now, state.last_beat or state.last_seen),
                "alive": state.alive,
                "max_age_seconds": max_age,
            }
            body["tasks"] = {
                "due": queue.due,
                "oldest_due": _iso(queue.oldest_due_at),
                "oldest_due_age_seconds": _age(now, queue.oldest_due_at),
            }
            if stopped:
                status = 503
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # any driver error means "down"; the body says which
        database = {"status": "error", "vendor": connection.vendor, "error": str(exc)[:200]}
        status = 503
    body["database"] = database
    if status != 200:
        body["status"] = "degraded"
    return JsonResponse(body, status=status)
