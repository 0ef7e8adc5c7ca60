"""Several workers delivering from one PostgreSQL outbox at once never deliver a message twice."""

import threading
from collections import Counter

import pytest
from django.test import override_settings

from gongzhi.notifications import channels
from gongzhi.notifications.actions import deliver_due, notify
from gongzhi.notifications.models import OutboxMessage, OutboxStatus
from tests.concurrency import POSTGRES_ONLY, run_together
from tests.factories import UserFactory

pytestmark = POSTGRES_ONLY

sent: Counter = Counter()
sent_lock = threading.Lock()


class CountingChannel(channels.BaseChannel):
    def send(self, message):
        with sent_lock:
            sent[message.delivery_key] += 1


@pytest.mark.django_db(transaction=True)
@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
    NOTIFICATION_CHANNELS={"count": "tests.notifications.test_concurrent_delivery.CountingChannel"},
)
def test_four_workers_deliver_two_hundred_messages_exactly_once():
    sent.clear()
    users = UserFactory.create_batch(5)
    for i in range(200):
        notify(user=users[i % 5], kind="k", title=f"m{i}", channels=("count", "inbox"))
    results = run_together(*[lambda: deliver_due(batch_size=25)] * 4)

    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["delivered"] for r in results) == 400
    assert len(sent) == 200 and set(sent.values()) == {1}
    assert OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count() == 400
    from gongzhi.notifications.models import InboxMessage

    assert InboxMessage.objects.count() == 200
    # More than one worker did real work, so the test exercised the locks rather than one worker doing it all.
    assert sum(1 for r in results if r["delivered"]) >= 2
