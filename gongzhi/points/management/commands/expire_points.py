"""`manage.py expire_points [--once] [--at ISO]`: lapse points older than their scheme's expiry period (FIFO)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.core import clock
from gongzhi.points.actions.expiry import expire_due
from gongzhi.points.management.commands.post_due_awards import Command as PostDueAwards


class Command(BaseCommand):
    help = "Expire points not spent within their scheme's expiry period (safe to run twice, or in two processes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="sweep once and exit (for cron); default: loop")
        parser.add_argument("--at", help="ISO time: expire what had expired by then (not later than now)")
        parser.add_argument("--interval", type=int, default=3600, help="seconds between sweeps when looping")

    def handle(self, *args: Any, **options: Any) -> None:
        # Same rule as the award sweep: --at may not be in the future (expiring early would take residents' points).
        at = PostDueAwards._at(self, options["at"])
        while True:
            result = expire_due(at=at)
            self.stdout.write(
                f"{clock.now().isoformat(timespec='seconds')} expired {result['points']} points on "
                f"{result['accounts']} accounts, failed {result['failed']}"
            )
            if options["once"]:
                return
            time.sleep(max(1, options["interval"]))
