"""`manage.py post_due_awards [--once] [--at ISO]`: post awards whose publicity period has ended without objection."""

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.points.actions.award_sweep import post_due_awards


class Command(BaseCommand):
    help = "Post published points awards whose publicity period has ended (the periodic sweep)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="sweep once and exit (for cron); default: loop")
        parser.add_argument("--at", help="ISO time: post what was due by then (not later than now)")
        parser.add_argument("--interval", type=int, default=60, help="seconds between sweeps when looping")

    def handle(self, *args: Any, **options: Any) -> None:
        at = self._at(options["at"])
        while True:
            result = post_due_awards(at=at)
            self.stdout.write(
                f"{clock.now().isoformat(timespec='seconds')} due {result['due']}, posted {result['posted']}, "
                f"failed {result['failed']}"
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
            raise CommandError(f"--at: not an ISO date-time: {raw!r}") from None
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        if at > clock.now():
            # Posting before a publicity period really ends would cut residents' time to object.
            raise CommandError("--at may not be in the future")
        return at
