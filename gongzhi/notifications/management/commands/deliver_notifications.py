"""`manage.py deliver_notifications [--once] [--interval N]`: deliver pending notifications and retry failed ones.

The task queued after each commit delivers at once; this loop is the safety net for retries and for anything whose
enqueue was lost, so no notification stays undelivered after a crash.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.core import clock
from gongzhi.notifications import actions


class Command(BaseCommand):
    help = "Deliver pending notifications from the outbox (retries with backoff); loops unless --once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="deliver what is due and exit (for cron)")
        parser.add_argument("--interval", type=int, default=10, help="seconds between passes when looping")
        parser.add_argument("--batch", type=int, default=actions.BATCH_SIZE, help="messages per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            result = actions.deliver_due(batch_size=max(1, options["batch"]))
            if options["once"] or any(result.values()):
                self.stdout.write(
                    f"{clock.now().isoformat(timespec='seconds')} delivered {result['delivered']}, "
                    f"retrying {result['retrying']}, failed {result['failed']}"
                )
            if options["once"]:
                return
            time.sleep(max(1, options["interval"]))
