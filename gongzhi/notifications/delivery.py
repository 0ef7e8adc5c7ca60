"""Delivering what the outbox holds: the worker's side of notifications (the tasks run it)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from gongzhi.core import clock
from gongzhi.notifications.channels import Undeliverable, get_channel
from gongzhi.notifications.models import OutboxMessage, OutboxStatus

logger = logging.getLogger("gongzhi.notifications")

BATCH_SIZE = 100
MAX_ERROR_CHARS = 2000


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff after the n-th failed attempt: base, 2×base, 4×base … capped."""
    base = _setting("NOTIFICATION_RETRY_BASE_SECONDS", 30)
    cap = _setting("NOTIFICATION_RETRY_MAX_SECONDS", 3600)
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def deliver_pending(
    *, ids: Iterable[int] | None = None, at: dt.datetime | None = None, limit: int = BATCH_SIZE
) -> dict[str, int]:
    """Deliver up to `limit` pending messages that are due (optionally only `ids`) in one transaction.

    Rows are locked with SKIP LOCKED on PostgreSQL, so concurrent workers take disjoint rows and never deliver one
    message twice; a worker that dies mid-batch rolls back, leaving its rows pending for the next run.
    """
    now = at or clock.now()
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    with transaction.atomic():
        rows = OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        if ids is not None:
            rows = rows.filter(pk__in=list(ids))
        batch = list(
            rows.select_related("user")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("next_attempt_at", "id")[:limit]
        )
        for message in batch:
            counts[_deliver_one(message, now)] += 1
    return counts


def deliver_due(*, at: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Deliver every message due by `at` (default now), batch by batch; what fails is rescheduled for later."""
    now = at or clock.now()
    totals = {"delivered": 0, "retrying": 0, "failed": 0}
    while True:
        counts = deliver_pending(at=now, limit=batch_size)
        for key, value in counts.items():
            totals[key] += value
        if sum(counts.values()) < batch_size:
            return totals


def _deliver_one(message: OutboxMessage, now: dt.datetime) -> str:
    message.attempts += 1
    try:
        # A savepoint: a channel failing halfway (e.g. a database error in the inbox) undoes only its own writes.
        with transaction.atomic():
            get_channel(message.channel).send(message)
    except Undeliverable as exc:
        message.status = OutboxStatus.FAILED
        message.last_error = str(exc)[:MAX_ERROR_CHARS]
        outcome = "failed"
    except Exception as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
        if message.attempts >= _setting("NOTIFICATION_MAX_ATTEMPTS", 8):
            message.status = OutboxStatus.FAILED
            outcome = "failed"
        else:
            message.next_attempt_at = now + retry_delay(message.attempts)
            outcome = "retrying"
        logger.warning("notification %s via %s failed: %s", message.pk, message.channel, message.last_error)
    else:
        message.status = OutboxStatus.DELIVERED
        message.delivered_at = now
        outcome = "delivered"
    message.save(update_fields=["attempts", "status", "last_error", "next_attempt_at", "delivered_at"])
    return outcome
