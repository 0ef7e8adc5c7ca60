"""The sweep commands' one loop (core.sweep): `--at` parsing, `--once`, the interval, and a graceful stop."""

import datetime as dt
import io
import os
import signal
import threading
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.core.sweep import SweepCommand, parse_at

NOW = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _database(db):
    """Each whole pass writes the command's row in core.Heartbeat (tests/observability checks what)."""


# ---------------------------------------------------------------------------------------------------- --at


@pytest.mark.parametrize("raw", [None, ""])
def test_no_at_means_now(raw):
    assert parse_at(raw, allow_future=False) is None


def test_an_aware_time_is_kept_and_a_naive_one_is_local_time(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    with time_machine.travel(NOW, tick=False):
        assert parse_at("2025-03-01T08:00+00:00", allow_future=False) == dt.datetime(2025, 3, 1, 8, tzinfo=dt.UTC)
        local = parse_at(" 2025-03-01T08:00 ", allow_future=False)
        assert local == dt.datetime(2025, 3, 1, 8, tzinfo=SHANGHAI)
        assert parse_at("2025-03-01", allow_future=False) == dt.datetime(2025, 3, 1, tzinfo=SHANGHAI)


@pytest.mark.parametrize("raw", ["yesterday", "2025-13-01T00:00", "03/01/2025", "2025-03-01 25:00"])
def test_a_bad_time_is_refused_naming_the_value_and_the_format(raw):
    with pytest.raises(CommandError) as exc:
        parse_at(raw, allow_future=True)
    assert "ISO 8601" in str(exc.value) and repr(raw) in str(exc.value)


def test_the_future_is_refused_unless_allowed():
    with time_machine.travel(NOW, tick=False):
        later = (NOW + dt.timedelta(seconds=1)).isoformat()
        with pytest.raises(CommandError, match="may not be in the future"):
            parse_at(later, allow_future=False)
        assert parse_at(later, allow_future=True) == NOW + dt.timedelta(seconds=1)
        assert parse_at(NOW.isoformat(), allow_future=False) == NOW  # now itself is not the future


# ---------------------------------------------------------------------------------------------------- the loop


class Counting(SweepCommand):
    """A sweep that counts its passes; `on_pass` lets a test act during pass n."""

    help = "test sweep"
    interval = 0.01
    min_interval = 0
    at_help = "as of then"

    def __init__(self, on_pass=None, line=True):
        super().__init__(stdout=io.StringIO(), stderr=io.StringIO())
        self.passes: list[dt.datetime | None] = []
        self.on_pass = on_pass or (lambda n: None)
        self.line = line

    def sweep(self, *, at, options):
        self.passes.append(at)
        self.on_pass(len(self.passes))
        return f"pass {len(self.passes)}" if self.line else None

    def output(self):
        return self.stdout._out.getvalue()


def send_sigterm():
    # Only ever while the loop's handler is in place: SIGTERM's default would end the test run itself.
    assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)
    os.kill(os.getpid(), signal.SIGTERM)


def test_once_runs_one_pass_with_the_parsed_time():
    cmd = Counting()
    call_command(cmd, "--once", "--at", "2025-03-01T08:00+00:00")
    assert cmd.passes == [dt.datetime(2025, 3, 1, 8, tzinfo=dt.UTC)]
    assert cmd.output() == "pass 1\n"


def test_a_bad_at_stops_the_command_before_any_pass():
    cmd = Counting()
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command(cmd, "--once", "--at", "soon")
    assert cmd.passes == []


def test_without_once_it_loops_until_a_signal_then_finishes_the_pass_under_way():
    def on_pass(n):
        if n == 3:
            send_sigterm()
            time.sleep(0.05)  # the pass goes on after the signal …

    cmd = Counting(on_pass)
    call_command(cmd)
    assert len(cmd.passes) == 3  # … is finished, and no fourth starts
    assert cmd.output() == "pass 1\npass 2\npass 3\nstopped by SIGTERM after a whole pass\n"


def test_a_signal_while_waiting_ends_the_wait_at_once():
    cmd = Counting(lambda n: threading.Timer(0.1, send_sigterm).start())
    started = time.monotonic()
    call_command(cmd, interval=60)
    assert time.monotonic() - started < 5
    assert len(cmd.passes) == 1


def test_the_handlers_before_the_loop_are_put_back():
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    call_command(Counting(lambda n: send_sigterm()))
    call_command(Counting(), "--once")
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_the_interval_has_a_floor_so_zero_does_not_spin(monkeypatch):
    waits = []
    monkeypatch.setattr(SweepCommand, "_wait", staticmethod(lambda seconds, stop: waits.append(seconds) or True))

    class Floored(Counting):
        min_interval = 1

    call_command(Floored(), interval=0)
    call_command(Floored(), interval="2.5")
    assert waits == [1, 2.5]


def test_a_pass_that_returns_nothing_prints_nothing():
    cmd = Counting(line=False)
    call_command(cmd, "--once")
    assert cmd.output() == ""


def test_a_command_without_at_help_has_no_at_option():
    class NoAt(Counting):
        at_help = None

    with pytest.raises(CommandError, match="--at"):
        call_command(NoAt(), "--once", "--at", "2025-03-01")
    cmd = NoAt()
    call_command(cmd, "--once")
    assert cmd.passes == [None]


# ---------------------------------------------------------------------------------------------------- the commands


@pytest.mark.parametrize(
    ("name", "has_at"),
    [("sweep_deadlines", True), ("post_due_awards", True), ("expire_points", True), ("deliver_notifications", False)],
)
def test_every_sweep_command_is_built_on_the_one_loop(name, has_at):
    from django.core.management import get_commands, load_command_class

    command = load_command_class(get_commands()[name], name)
    assert isinstance(command, SweepCommand)
    assert (command.at_help is not None) == has_at
    if has_at:
        with pytest.raises(CommandError, match="ISO 8601"):
            call_command(name, "--once", at="soon")
