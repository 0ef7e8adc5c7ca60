"""`manage.py sweep_deadlines [--once] [--at ISO8601]`: escalate overdue appeals one level (micro-grid → grid → street)."""

import datetime as dt
import time
from typing import Any

from django.core.management.base import CommandError, CommandParser

from gongzhi.appeals import actions
from gongzhi.core.sweep import SweepCommand


class Command(SweepCommand):
    help = "Escalate appeals whose 7135 deadline has passed (the worker's periodic sweep)."
    interval = 30
    at_help = "ISO 8601 time: judge deadlines as of then (drills and audits)"
    at_may_be_future = True

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--batch", type=int, default=500, help="appeals locked and escalated per transaction")

    def prepare(self, options: dict[str, Any]) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")

    def sweep(self, *, at: dt.datetime | None, options: dict[str, Any]) -> str:
        started = time.perf_counter()
        result = actions.sweep_deadlines(at=at, batch=options["batch"])
        elapsed = (time.perf_counter() - started) * 1000
        return (
            f"{result.at.isoformat(timespec='seconds')} escalated {len(result.escalated)}, "
            f"skipped {result.skipped} in {elapsed:.0f} ms"
        )
