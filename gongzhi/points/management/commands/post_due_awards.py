"""`manage.py post_due_awards [--once] [--at ISO]`: post awards whose publicity period has ended without objection."""

import datetime as dt
from typing import Any

from gongzhi.core import clock
from gongzhi.core.sweep import SweepCommand
from gongzhi.points.actions.award_sweep import post_due_awards


class Command(SweepCommand):
    help = "Post published points awards whose publicity period has ended (the periodic sweep)."
    interval = 60
    # Not in the future: posting before a publicity period really ends would cut residents' time to object.
    at_help = "ISO time: post what was due by then (not later than now)"

    def sweep(self, *, at: dt.datetime | None, options: dict[str, Any]) -> str:
        result = post_due_awards(at=at)
        return (
            f"{clock.now().isoformat(timespec='seconds')} due {result['due']}, posted {result['posted']}, "
            f"failed {result['failed']}"
        )
