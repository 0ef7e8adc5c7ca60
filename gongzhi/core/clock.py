"""The one source of "now". Code asks here so tests can move time (time-machine patches these calls).

`clock.travel(at)` moves "now" to `at` for the code inside it (this thread / task only), without patching
anything: the demo's history seeds (`seed_history`) make each move of a year of appeals, activities and
redemptions at the moment it happened, through the ordinary actions.
"""

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_travelled: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("gongzhi_clock_now", default=None)


# Migrations reference this by name (the default of every created_at …): do not rename, move or remove it
# (tests/test_migrations_frozen.py lists what migrations may import).
def now() -> dt.datetime:
    at = _travelled.get()
    return at if at is not None else timezone.now()


# Migrations reference this by name (date field defaults): do not rename, move or remove it
# (tests/test_migrations_frozen.py lists what migrations may import).
def today() -> dt.date:
    return timezone.localdate(now())


@contextlib.contextmanager
def travel(at: dt.datetime) -> Iterator[dt.datetime]:
    """Inside the block `now()` is `at` (an aware instant); nested blocks stack, leaving restores the outer one."""
    if timezone.is_naive(at):
        raise ValueError("clock.travel needs an aware datetime")
    token = _travelled.set(at)
    try:
        yield at
    finally:
        _travelled.reset(token)
