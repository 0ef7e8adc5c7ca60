"""`manage.py sweep_matching [--once] [--at ISO]`: the seven-order flow's deadlines and the quarterly review.

Releases demands whose holder missed the deadline back to the pool (a recorded system move), reminds holders 12
hours before their deadline and residents who have not rated in time, and flags offers not reviewed for a quarter
to their owners."""

import datetime as dt
from typing import Any

from gongzhi.core import clock
from gongzhi.core.sweep import SweepCommand
from gongzhi.matching.actions.flow import demands_sweep
from gongzhi.matching.actions.resources import resources_flag_stale


class Command(SweepCommand):
    help = "Release overdue demands, send reminders, flag offers due for their quarterly review (the periodic sweep)."
    interval = 300
    at_help = "ISO time: sweep as of then (a drill of deadlines may be in the future)"
    at_may_be_future = True

    def sweep(self, *, at: dt.datetime | None, options: dict[str, Any]) -> str:
        result = demands_sweep(now=at)
        stale = resources_flag_stale(now=at)
        return (
            f"{clock.now().isoformat(timespec='seconds')} released {result['released']}, "
            f"reminded {result['reminded']}, offers flagged {stale}"
        )
