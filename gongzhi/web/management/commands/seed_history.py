"""`manage.py seed_history`: twelve months of appeals, volunteering and points in the demo district.

Run after seed_demo and the other seeds (scripts/setup_and_run.sh). Deterministic for a seed, idempotent (a part
already seeded is left alone), and made by the apps' own actions with the clock moved to each move's moment
(gongzhi/web/history/). The size is seed_demo's (read from the district) unless given.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from gongzhi.accounts.models import User
from gongzhi.core import clock
from gongzhi.core.errors import DomainError
from gongzhi.web.history import common

PARTS = ("appeals", "points", "volunteering")


def demo_size() -> str:
    """The size seed_demo built: 长江路街道 has 3, 6 or 12 communities."""
    from gongzhi.areas.models import Area

    communities = Area.objects.filter(parent__code="370211002", level="community").count()
    return "L" if communities >= 12 else "M" if communities >= 6 else "S"


def run_part(part: str, *, size: str, seed: int) -> dict[str, int] | None:
    """One part in one transaction, its marker written last; None when it was seeded before."""
    with transaction.atomic():
        if common.done(part):
            return None
        now = clock.now()
        if part == "appeals":
            from gongzhi.web.history.appeals import seed_appeals

            counts = seed_appeals(size=size, seed=seed, now=now)
        elif part == "volunteering":
            from gongzhi.web.history.volunteering import seed_volunteering

            counts = seed_volunteering(size=size, seed=seed, now=now)
        else:
            from gongzhi.web.history.points import seed_points

            counts = seed_points(size=size, seed=seed, now=now)
        common.mark(part, seed=seed, size=size, counts=counts)
        return counts


class Command(BaseCommand):
    help = "A year of appeals, volunteering and points history for seed_demo's district (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same history")
        parser.add_argument("--size", choices=["S", "M", "L"], help="default: the size seed_demo built")
        parser.add_argument("--only", choices=PARTS, action="append", help="seed only this part (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not User.objects.filter(username="admin").exists():
            raise CommandError("no demo district: run seed_demo first")
        size = options["size"] or demo_size()
        for part in options["only"] or PARTS:
            started = time.monotonic()
            try:
                counts = run_part(part, size=size, seed=options["seed"])
            except DomainError as exc:
                raise CommandError(f"{part}: {exc.message}") from exc
            seconds = time.monotonic() - started
            if counts is None:
                self.stdout.write(f"{part}: already seeded, left as it was")
            else:
                summary = ", ".join(f"{k} {v:,}" for k, v in counts.items())
                self.stdout.write(self.style.SUCCESS(f"{part} ({size}, {seconds:.1f} s): {summary}"))
