"""The outbox backlog for /metrics (`core.metrics` collects every app's `metrics.py`): messages still pending
delivery per channel, how many of them are due now, and the age of the oldest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count, Min, Q
from prometheus_client.core import GaugeMetricFamily, Metric

from gongzhi.core.metrics import scrape_source
from gongzhi.notifications.models import OutboxMessage, OutboxStatus


@scrape_source("outbox")
def outbox_backlog(now: dt.datetime) -> Iterator[Metric]:
    pending = GaugeMetricFamily(
        "gongzhi_outbox_pending", "Outbox messages not yet delivered (backing off included)", labels=["channel"]
    )
    due = GaugeMetricFamily(
        "gongzhi_outbox_due", "Pending outbox messages whose next attempt is due", labels=["channel"]
    )
    oldest = GaugeMetricFamily(
        "gongzhi_outbox_oldest_pending_age_seconds", "Age of the oldest pending outbox message", labels=["channel"]
    )
    # The partial index outbox_pending_due holds exactly the pending rows.
    rows = (
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
        .values("channel")
        .annotate(pending=Count("id"), due=Count("id", filter=Q(next_attempt_at__lte=now)), oldest=Min("created_at"))
        .order_by("channel")
    )
    for row in rows:
        pending.add_metric([row["channel"]], row["pending"])
        due.add_metric([row["channel"]], row["due"])
        oldest.add_metric([row["channel"]], max(0.0, (now - row["oldest"]).total_seconds()))
    yield from (pending, due, oldest)
