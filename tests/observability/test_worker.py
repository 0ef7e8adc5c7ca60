"""`manage.py task_worker`: runs the tasks as db_worker does and beats its heartbeat while it lives; sweep commands
record each whole pass."""

import datetime as dt
import os
import signal
from unittest import mock

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from gongzhi.core import heartbeat
from gongzhi.core.models import Heartbeat, HeartbeatKind
from gongzhi.core.sweep import SweepCommand
from tests.observability import tasks
from tests.observability.helpers import DB_TASKS

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@DB_TASKS
@pytest.mark.django_db(transaction=True)
def test_the_worker_beats_while_it_runs_and_is_marked_stopped_after():
    result = tasks.slow.enqueue(0.6)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    with mock.patch.object(heartbeat, "worker_beat", wraps=heartbeat.worker_beat) as beat:
        call_command(
            "task_worker",
            "--batch",
            "--no-startup-delay",
            "--worker-id",
            "w-test",
            "--heartbeat-interval",
            "0.1",
            verbosity=0,
        )
    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"
    assert beat.call_count >= 2  # beats went on while the task ran
    assert {c.args[0] for c in beat.call_args_list} == {"w-test"}
    assert any(c.kwargs["data"]["running_task"] for c in beat.call_args_list)
    row = Heartbeat.objects.get(name="worker:w-test")
    assert row.kind == HeartbeatKind.WORKER and row.stopped_at is not None and row.beat_at >= row.started_at
    assert row.data["pid"] == os.getpid() and row.data["queues"] == ["default"]
    assert {sig: signal.getsignal(sig) for sig in handlers} == handlers  # the test runner's handlers are back


@DB_TASKS
def test_a_worker_start_clears_rows_of_workers_long_gone(db):
    with time_machine.travel(T0, tick=False):
        heartbeat.worker_started("ancient", data={})
    with time_machine.travel(T0 + dt.timedelta(days=8), tick=False):
        heartbeat.worker_started("fresh", data={})
    assert set(Heartbeat.objects.values_list("name", flat=True)) == {"worker:fresh"}


@DB_TASKS
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--heartbeat-interval", "0"], "--heartbeat-interval must be more than 0 seconds"),
        (["--heartbeat-interval", "-1"], "--heartbeat-interval must be more than 0 seconds"),
        (["--reload"], "does not reload"),
        (["--exclude-queues", "x"], "--exclude-queues can only be used with --queue-name=*"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("task_worker", "--batch", *args, verbosity=0)
    assert not Heartbeat.objects.exists()


def test_the_worker_refuses_a_backend_that_is_not_the_database_one(db):
    with pytest.raises(CommandError, match="not a database backend"):
        call_command("task_worker", "--batch", verbosity=0)


class Command(SweepCommand):
    help = "a test sweep"

    def sweep(self, *, at, options):
        if options.get("fail"):
            raise RuntimeError("sweep failed")
        return None


def test_a_sweep_records_each_whole_pass_under_its_command_name(db):
    with time_machine.travel(T0, tick=False):
        Command().handle(once=True, interval=1)
    row = Heartbeat.objects.get(kind=HeartbeatKind.SWEEP)
    assert row.name == "sweep:test_worker"  # the command's module name
    assert row.beat_at == T0 and row.data["duration_seconds"] >= 0
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        Command().handle(once=True, interval=1)
    row.refresh_from_db()
    assert row.beat_at == T0 + dt.timedelta(minutes=1) and row.started_at == T0


def test_a_pass_that_fails_records_nothing(db):
    with pytest.raises(RuntimeError):
        Command().handle(once=True, interval=1, fail=True)
    assert not Heartbeat.objects.exists()
