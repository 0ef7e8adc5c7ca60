import pytest
from django.test import override_settings

from gongzhi.notifications import channels

STOPPED_WORKER = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def worker_stopped():
    """Tasks are accepted but no worker runs them: only deliver_notifications delivers."""
    with override_settings(TASKS=STOPPED_WORKER):
        yield


class FlakyChannel(channels.BaseChannel):
    """Fails while `failures_left` > 0, then records what it sent."""

    name = "flaky"
    failures_left = 0
    sent: list[str] = []

    def send(self, message):
        if FlakyChannel.failures_left > 0:
            FlakyChannel.failures_left -= 1
            raise ConnectionError("gateway timeout")
        FlakyChannel.sent.append(message.delivery_key)


class CrashingChannel(channels.BaseChannel):
    """The worker process is killed in the middle of a delivery."""

    name = "crash"

    def send(self, message):
        raise KeyboardInterrupt


@pytest.fixture
def flaky():
    FlakyChannel.failures_left = 0
    FlakyChannel.sent = []
    with override_settings(
        NOTIFICATION_CHANNELS={
            "flaky": "tests.notifications.conftest.FlakyChannel",
            "crash": "tests.notifications.conftest.CrashingChannel",
        }
    ):
        yield FlakyChannel
