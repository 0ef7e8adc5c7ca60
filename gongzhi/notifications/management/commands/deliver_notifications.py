"""`manage.py deliver_notifications [--once] [--interval N]`: deliver pending notifications and retry failed ones.

The task queued after each commit delivers at once; this loop is the safety net for retries and for anything whose
enqueue was lost, so no notification stays undelivered after a crash.
"""

import datetime as dt
from typing import Any

from django.core.management.base import CommandParser

from gongzhi.core import clock
from gongzhi.core.sweep import SweepCommand
from gongzhi.notifications import actions


class Command(SweepCommand):
    help = "Deliver pending notifications from the outbox (retries with backoff); loops unless --once."
    interval = 10
    once_help = "deliver what is due and exit (for cron)"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--batch", type=int, default=actions.BATCH_SIZE, help="messages per transaction")

    def sweep(self, *, at: dt.datetime | None, options: dict[str, Any]) -> str | None:
        result = actions.deliver_due(batch_size=max(1, options["batch"]))
        if not (options["once"] or any(result.values())):
            return None  # a quiet loop: only passes that delivered, retried or failed something are printed
        return (
            f"{clock.now().isoformat(timespec='seconds')} delivered {result['delivered']}, "
            f"retrying {result['retrying']}, failed {result['failed']}"
        )
