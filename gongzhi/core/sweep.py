"""The periodic sweep commands' one loop: `--once` or every `--interval` seconds, `--at` for drills, a graceful stop.

A sweep command (`sweep_deadlines`, `post_due_awards`, `expire_points`, `deliver_notifications`) only names its
work::

    class Command(SweepCommand):
        help = "Post published points awards whose publicity period has ended (the periodic sweep)."
        interval = 60
        at_help = "ISO time: post what was due by then (not later than now)"

        def sweep(self, *, at, options):
            result = actions.post_due_awards(at=at)
            return f"… posted {result['posted']}"

SIGTERM or Ctrl-C (SIGINT) while looping lets the pass under way finish (its transactions commit or roll back
whole) and then ends the loop instead of starting another; a second signal interrupts at once.

After each whole pass the command's row `sweep:<name>` in `core.Heartbeat` is written (when, how long), so /metrics
reports each sweep's lag (`gongzhi_sweep_lag_seconds`); a pass that raises writes nothing.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gongzhi.core import clock, heartbeat

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def parse_at(raw: str | None, *, allow_future: bool) -> dt.datetime | None:
    """`--at`'s value as an aware date-time (a naive one is in the deployment's time zone); None when not given.

    `allow_future=False` refuses a time after now: posting awards or expiring points "as of" a later time would act
    before the residents' time is up.
    """
    if raw is None or raw == "":
        return None
    try:
        at = dt.datetime.fromisoformat(raw.strip())
    except (TypeError, ValueError):
        raise CommandError(
            f"--at: not an ISO 8601 date-time: {raw!r} (for example 2025-01-06T09:00 or 2025-01-06T09:00+08:00)"
        ) from None
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if not allow_future and at > clock.now():
        raise CommandError(f"--at may not be in the future: {at.isoformat(timespec='seconds')} is after now")
    return at


class _Stop:
    """Set by SIGTERM/SIGINT; the loop checks it between passes and while it waits."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def __bool__(self) -> bool:
        return self.signal is not None


@contextmanager
def stop_on_signals() -> Iterator[_Stop]:
    """While inside, the first SIGTERM/SIGINT only asks the loop to stop; the handlers before are put back after.

    Signal handlers can only be set from the main thread; elsewhere (a test runner's thread) nothing is installed.
    """
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    # getsignal() is None for a handler not set from Python; the default is the closest we can put back.
    previous = {sig: signal.getsignal(sig) or signal.SIG_DFL for sig in STOP_SIGNALS}

    def ask_to_stop(signum: int, frame: FrameType | None) -> None:
        stop.signal = signum
        signal.signal(signum, previous[signal.Signals(signum)])  # a second signal acts as it did before: stops at once

    for sig in STOP_SIGNALS:
        signal.signal(sig, ask_to_stop)
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class SweepCommand(BaseCommand):
    """Base of the periodic sweep commands. Subclasses set `help`, `interval` and (for `--at`) `at_help`, and
    implement `sweep()`; they may add arguments with `add_arguments()` (calling super) and check them in `prepare()`.
    """

    interval: float = 60
    """Default seconds between passes (`--interval`)."""
    min_interval: float = 1
    """`--interval` below this is raised to it, so a mistyped 0 does not spin."""
    at_help: str | None = None
    """Help of `--at`; None: the command has no `--at`."""
    at_may_be_future: bool = False
    """Whether `--at` may be later than now (a drill of deadlines may; posting or expiring early may not)."""
    once_help = "run one pass and exit (cron, drills); default: loop"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help=self.once_help)
        parser.add_argument("--interval", type=float, default=self.interval, help="seconds between passes when looping")
        if self.at_help is not None:
            parser.add_argument("--at", help=self.at_help)

    def prepare(self, options: dict[str, Any]) -> None:
        """Check the command's own options before the first pass (raise CommandError)."""

    def sweep(self, *, at: dt.datetime | None, options: dict[str, Any]) -> str | None:
        """One pass; returns the line to print, or None to print nothing."""
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        at = parse_at(options.get("at"), allow_future=self.at_may_be_future) if self.at_help is not None else None
        self.prepare(options)
        interval = max(self.min_interval, float(options["interval"]))
        with stop_on_signals() as stop:
            while True:
                started_at, started = clock.now(), time.monotonic()
                line = self.sweep(at=at, options=options)
                heartbeat.sweep_ran(self.command_name(), started_at=started_at, duration=time.monotonic() - started)
                if line:
                    self.stdout.write(line)
                if options["once"] or self._wait(interval, stop):
                    break
        if stop.signal is not None:
            self.stdout.write(f"stopped by {signal.Signals(stop.signal).name} after a whole pass")

    def command_name(self) -> str:
        """The name `manage.py` knows this command by (its module's), as /metrics reports its lag."""
        return type(self).__module__.rsplit(".", 1)[-1]

    @staticmethod
    def _wait(seconds: float, stop: _Stop) -> bool:
        """Sleep `seconds`, waking early when asked to stop; returns whether to stop."""
        deadline = time.monotonic() + seconds
        while not stop and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.2))
        return bool(stop)
