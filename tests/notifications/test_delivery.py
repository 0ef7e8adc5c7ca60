"""The worker: retries with backoff and records errors; a stopped or crashed worker loses nothing; delivered once."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from gongzhi.core import clock
from gongzhi.notifications.actions import deliver_due, deliver_pending, notify, retry_delay
from gongzhi.notifications.channels import InboxChannel
from gongzhi.notifications.models import InboxMessage, OutboxMessage, OutboxStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_backoff_doubles_and_is_capped(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 3600
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_a_failing_channel_is_retried_with_backoff_and_its_error_recorded(
    flaky, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30
    flaky.failures_left = 2
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            notify(user=UserFactory(username="erin"), kind="k", title="t", channels=("flaky",))
        row = OutboxMessage.objects.get()
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
        assert row.last_error == "ConnectionError: gateway timeout"
        assert row.next_attempt_at == T0 + dt.timedelta(seconds=30)
        # Not due yet: the worker leaves it alone.
        assert deliver_due() == {"delivered": 0, "retrying": 0, "failed": 0}

    with time_machine.travel(T0 + dt.timedelta(seconds=30), tick=False):
        assert deliver_due() == {"delivered": 0, "retrying": 1, "failed": 0}
        row.refresh_from_db()
        assert (row.attempts, row.next_attempt_at) == (2, clock.now() + dt.timedelta(seconds=60))

    with time_machine.travel(T0 + dt.timedelta(seconds=90), tick=False):
        assert deliver_due() == {"delivered": 1, "retrying": 0, "failed": 0}
    row.refresh_from_db()
    assert (row.status, row.attempts, row.delivered_at) == (OutboxStatus.DELIVERED, 3, T0 + dt.timedelta(seconds=90))
    assert row.last_error == "ConnectionError: gateway timeout"  # the history of the earlier attempts stays
    assert flaky.sent == [row.delivery_key]


def test_after_the_last_attempt_the_message_is_marked_failed(flaky, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    flaky.failures_left = 99
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=UserFactory(), kind="k", title="t", channels=("flaky",))
    far = clock.now() + dt.timedelta(days=1)
    assert deliver_due(at=far) == {"delivered": 0, "retrying": 1, "failed": 0}
    assert deliver_due(at=far + dt.timedelta(days=1)) == {"delivered": 0, "retrying": 0, "failed": 1}
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)
    assert deliver_due(at=far + dt.timedelta(days=2))["failed"] == 0
    assert flaky.sent == []


def test_a_stopped_worker_leaves_messages_pending_and_a_later_run_delivers_each_once(
    worker_stopped, django_capture_on_commit_callbacks, capsys
):
    users = [UserFactory(username=f"u{i}") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        for user in users:
            notify(user=user, kind="k", title=f"给{user.username}的消息")
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 3
    assert InboxMessage.objects.count() == 0

    call_command("deliver_notifications", "--once")
    assert "delivered 3" in capsys.readouterr().out
    call_command("deliver_notifications", "--once")
    assert "delivered 0" in capsys.readouterr().out
    assert sorted(InboxMessage.objects.values_list("user__username", flat=True)) == ["u0", "u1", "u2"]
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists()


def test_a_worker_killed_mid_delivery_rolls_back_and_the_next_run_delivers(
    flaky, worker_stopped, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=user, kind="k", title="先", channels=("inbox",))
        notify(user=user, kind="k", title="后", channels=("crash",))
    with pytest.raises(KeyboardInterrupt):
        deliver_due()
    # The batch's transaction never committed: the inbox delivered before the crash is undone too, still pending.
    assert InboxMessage.objects.count() == 0
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING, attempts=0).count() == 2

    OutboxMessage.objects.filter(channel="crash").update(channel="inbox")  # the operator fixes the channel
    assert deliver_due() == {"delivered": 2, "retrying": 0, "failed": 0}
    assert sorted(InboxMessage.objects.values_list("title", flat=True)) == ["先", "后"]


def test_delivering_the_same_message_twice_makes_one_inbox_entry(worker_stopped):
    with transaction.atomic():
        notify(user=UserFactory(), kind="k", title="t")
    message = OutboxMessage.objects.get()
    InboxChannel().send(message)
    InboxChannel().send(message)  # a retry after a crash between the send and the status update
    assert InboxMessage.objects.filter(delivery_key=message.delivery_key).count() == 1


def test_deliver_pending_only_takes_the_ids_it_was_given(worker_stopped):
    a = notify(user=UserFactory(), kind="k", title="a")[0]
    notify(user=UserFactory(), kind="k", title="b")
    assert deliver_pending(ids=[a.pk]) == {"delivered": 1, "retrying": 0, "failed": 0}
    assert list(InboxMessage.objects.values_list("title", flat=True)) == ["a"]
