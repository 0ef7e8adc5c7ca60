"""`manage.py sweep_deadlines [--once] [--at ISO8601]`: escalate overdue appeals one level (micro-grid → grid → street)."""

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gongzhi.appeals import actions


class Command(BaseCommand):
    help = "Escalate appeals whose 7135 deadline has passed (the worker's periodic sweep)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="sweep once and exit (cron, drills); default: loop")
        parser.add_argument("--at", help="ISO 8601 time: judge deadlines as of then (drills and audits)")
        parser.add_argument("--interval", type=int, default=30, help="seconds between sweeps when looping")
        parser.add_argument("--batch", type=int, default=500, help="appeals locked and escalated per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        at = self._at(options["at"])
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        while True:
            started = time.perf_counter()
            result = actions.sweep_deadlines(at=at, batch=options["batch"])
            elapsed = (time.perf_counter() - started) * 1000
            self.stdout.write(
                f"{result.at.isoformat(timespec='seconds')} escalated {len(result.escalated)}, "
                f"skipped {result.skipped} in {elapsed:.0f} ms"
            )
            if options["once"]:
                return
            time.sleep(max(1, options["interval"]))

    def _at(self, raw: str | None) -> dt.datetime | None:
        if not raw:
            return None
        try:
            at = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise CommandError(f"--at: not an ISO 8601 date-time: {raw!r}") from None
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        return at
