"""notify() writes to the outbox inside the caller's transaction; delivery follows the commit, never a rollback."""

import logging

import pytest
from django.core import mail
from django.db import transaction

from gongzhi.core.errors import ValidationFailed
from gongzhi.notifications.actions import deliver_due, notify
from gongzhi.notifications.models import InboxMessage, OutboxMessage, OutboxStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_a_write_that_rolls_back_sends_nothing(django_capture_on_commit_callbacks):
    user = UserFactory(username="alice")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        notify(user=user, kind="appeal.dispatched", title="新的派单", channels=("inbox", "email"))
        raise Boom
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    assert InboxMessage.objects.count() == 0
    assert mail.outbox == []
    assert deliver_due() == {"delivered": 0, "retrying": 0, "failed": 0}


def test_a_committed_write_is_delivered_after_commit(django_capture_on_commit_callbacks):
    user = UserFactory(username="alice")
    user.email = "alice@example.org"
    user.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            notify(
                user=user,
                kind="appeal.dispatched",
                title="新的派单",
                body="灵山卫1社区 1号楼 楼道堆物",
                link="/appeals/1/",
                data={"appeal_id": 1},
                channels=("inbox", "email"),
            )
        # Committed but the callback not yet run: nothing is delivered before the commit hook.
        assert InboxMessage.objects.count() == 0
        assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.PENDING}
    assert len(callbacks) == 1
    callbacks[0]()  # the immediate task backend delivers in-process

    inbox = InboxMessage.objects.get()
    assert (inbox.user, inbox.title, inbox.link, inbox.data, inbox.read_at) == (
        user,
        "新的派单",
        "/appeals/1/",
        {"appeal_id": 1},
        None,
    )
    assert [m.subject for m in mail.outbox] == ["新的派单"]
    assert mail.outbox[0].to == ["alice@example.org"]
    assert "/appeals/1/" in mail.outbox[0].body
    email_row = OutboxMessage.objects.get(channel="email")
    assert mail.outbox[0].extra_headers["X-Gongzhi-Delivery-Key"] == email_row.delivery_key
    for row in OutboxMessage.objects.all():
        assert (row.status, row.attempts, row.last_error) == (OutboxStatus.DELIVERED, 1, "")
        assert row.delivered_at is not None


def test_email_to_a_user_without_an_address_fails_at_once_without_retrying(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=user, kind="k", title="标题", channels=("email",))
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert "no e-mail address" in row.last_error
    assert mail.outbox == []


def test_sms_and_wechat_adapters_log_with_a_masked_phone(django_capture_on_commit_callbacks, caplog):
    from gongzhi.core import pii

    user = UserFactory()
    user.phone_encrypted = pii.encrypt("13812345678")
    user.save()
    with (
        caplog.at_level(logging.INFO, logger="gongzhi.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify(user=user, kind="k", title="到场提醒", channels=("sms", "wechat"))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}
    assert "13812345678" not in caplog.text
    assert "到场提醒" in caplog.text and "sms to" in caplog.text and "wechat to user" in caplog.text


def test_sms_to_a_user_without_a_phone_is_undeliverable(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=UserFactory(), kind="k", title="t", channels=("sms",))
    assert OutboxMessage.objects.get().status == OutboxStatus.FAILED


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"user": None}, "user"),
        ({"kind": ""}, "kind"),
        ({"kind": "x" * 65}, "kind"),
        ({"title": "  "}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"link": "/" * 501}, "link"),
        ({"channels": ()}, "channels"),
        ({"channels": ("inbox", "pigeon")}, "channels"),
        ({"data": {"when": object()}}, "data"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(kwargs, field):
    args = {"user": UserFactory(), "kind": "k", "title": "标题", **kwargs}
    with pytest.raises(ValidationFailed) as err:
        notify(**args)
    assert err.value.field == field
    assert OutboxMessage.objects.count() == 0


def test_the_same_channel_twice_is_one_message():
    notify(user=UserFactory(), kind="k", title="t", channels=("inbox", "inbox"))
    assert OutboxMessage.objects.count() == 1


DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_with_the_database_queue_the_task_row_rolls_back_with_the_write(settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_QUEUE
    user = UserFactory(username="alice")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        notify(user=user, kind="appeal.dispatched", title="新的派单", channels=("inbox", "email"))
        assert DBTaskResult.objects.count() == 1  # written in the transaction, not after it
        raise Boom
    assert callbacks == []
    assert DBTaskResult.objects.count() == 0 and OutboxMessage.objects.count() == 0


def test_with_the_database_queue_a_committed_write_leaves_one_task_for_its_messages(
    settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_QUEUE
    user = UserFactory(username="alice")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        messages = notify(user=user, kind="appeal.dispatched", title="新的派单", channels=("inbox", "email"))
    assert callbacks == []  # nothing left to do after commit: no second transaction
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("deliver_notifications_task")
    assert sorted(task.args_kwargs["args"][0]) == sorted(m.pk for m in messages)
    assert InboxMessage.objects.count() == 0  # the worker delivers it
