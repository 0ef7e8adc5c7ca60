"""`manage.py sweep_rectifications [--once] [--interval N] [--at ISO]`: rectification orders still open after their
deadline become overdue (the `mark_overdue` move of core.fsm, one event each)."""

import datetime as dt
from typing import Any

from gongzhi.core.sweep import SweepCommand
from gongzhi.inspections.actions.rectifications import mark_overdue


class Command(SweepCommand):
    help = "Mark rectification orders past their deadline as overdue (the periodic sweep)."
    interval = 3600
    at_help = "ISO time: mark what was overdue by then (not later than now)"

    def sweep(self, *, at: dt.datetime | None, options: dict[str, Any]) -> str | None:
        moved = mark_overdue(at=at)
        return f"rectifications marked overdue: {moved}" if moved or options["once"] else None
