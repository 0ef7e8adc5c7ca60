"""`manage.py sweep_care_visits`: escalate overdue care visits to the grid's owner, then the community."""

import datetime as dt
from typing import Any

from gongzhi.care.actions.escalation import escalate_overdue
from gongzhi.core.sweep import SweepCommand


class Command(SweepCommand):
    help = "Escalate overdue care visits (grid owner, then community) through the notifications outbox."
    interval = 3600
    at_help = "ISO time: escalate as of then (a drill may give a later time)"
    at_may_be_future = True

    def sweep(self, *, at: dt.datetime | None, options: dict[str, Any]) -> str | None:
        result = escalate_overdue(at=at)
        return (
            f"care visits: {result['overdue']} overdue, {result['escalated']} escalated, {result['notified']} notified"
        )
