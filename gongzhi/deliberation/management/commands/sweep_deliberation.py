"""`manage.py sweep_deliberation [--once]`: close online votes past their deadline, remind owners of action items
due in two days or overdue (each reminder once)."""

import datetime as dt
from typing import Any

from gongzhi.core import clock
from gongzhi.core.sweep import SweepCommand
from gongzhi.deliberation.actions.items import reminders_sweep
from gongzhi.deliberation.actions.votes import votes_close_due


class Command(SweepCommand):
    help = "Close deliberation votes at their deadline and remind action-item owners (the periodic sweep)."
    interval = 60
    at_help = "ISO time: close what was due by then (not later than now)"

    def sweep(self, *, at: dt.datetime | None, options: dict[str, Any]) -> str:
        closed = votes_close_due(now=at)
        sent = reminders_sweep(today=at.date() if at else None)
        return (
            f"{clock.now().isoformat(timespec='seconds')} votes closed {len(closed)}, "
            f"reminders due-soon {sent['due_soon']}, overdue {sent['overdue']}"
        )
