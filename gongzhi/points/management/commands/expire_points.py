"""`manage.py expire_points [--once] [--at ISO]`: lapse points older than their scheme's expiry period (FIFO)."""

import datetime as dt
from typing import Any

from gongzhi.core import clock
from gongzhi.core.sweep import SweepCommand
from gongzhi.points.actions.expiry import expire_due


class Command(SweepCommand):
    help = "Expire points not spent within their scheme's expiry period (safe to run twice, or in two processes)."
    interval = 3600
    # Not in the future, as for the award sweep: expiring early would take residents' points.
    at_help = "ISO time: expire what had expired by then (not later than now)"

    def sweep(self, *, at: dt.datetime | None, options: dict[str, Any]) -> str:
        result = expire_due(at=at)
        return (
            f"{clock.now().isoformat(timespec='seconds')} expired {result['points']} points on "
            f"{result['accounts']} accounts, failed {result['failed']}"
        )
