"""notify_many: many notifications in a few INSERT statements, validated as a whole, delivered after commit."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from gongzhi.core.errors import ValidationFailed
from gongzhi.notifications import actions
from gongzhi.notifications.actions import Note, deliver_due, notify_many
from gongzhi.notifications.models import InboxMessage, OutboxMessage, OutboxStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    return UserFactory.create_batch(3)


def test_many_notes_on_two_channels_are_one_insert_and_delivered_after_commit(
    users, django_capture_on_commit_callbacks
):
    notes = [Note(user_id=u.pk, kind="test.many", title=f"第{i}条", link="/x/") for i, u in enumerate(users)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with CaptureQueriesContext(connection) as ctx, transaction.atomic():
            assert notify_many(notes=notes, channels=("inbox", "email")) == 6
        inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert len(callbacks) == 1
    assert InboxMessage.objects.filter(kind="test.many").count() == 3
    assert set(InboxMessage.objects.values_list("user_id", flat=True)) == {u.pk for u in users}
    # UserFactory gives no e-mail address: that channel fails at once instead of retrying.
    assert OutboxMessage.objects.filter(channel="email", status=OutboxStatus.FAILED).count() == 3


def test_a_large_batch_is_chunked_and_enqueues_one_delivery_of_everything_due(
    users, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(actions, "INSERT_BATCH", 50)
    notes = [
        Note(user_id=users[i % 3].pk, kind="test.bulk", title="批量", link="/a/", data={"i": i, "名": "值"})
        for i in range(250)
    ]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with CaptureQueriesContext(connection) as ctx, transaction.atomic():
            assert notify_many(notes=notes, channels=("inbox",)) == 250
        inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 5
    assert len(callbacks) == 1
    pending = OutboxMessage.objects.filter(kind="test.bulk")
    assert pending.count() == 250 and len(set(pending.values_list("delivery_key", flat=True))) == 250
    # Written without the ORM, the rows read back like any other: JSON data, times, a pending status.
    row = pending.get(data__i=7)
    assert (row.user_id, row.title, row.link, row.data) == (users[1].pk, "批量", "/a/", {"i": 7, "名": "值"})
    assert row.status == OutboxStatus.PENDING and row.attempts == 0 and row.next_attempt_at == row.created_at
    callbacks[0]()  # after commit: one task delivers everything due
    assert InboxMessage.objects.filter(kind="test.bulk").count() == 250
    assert not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists()


def test_a_rolled_back_batch_leaves_nothing(users, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify_many(notes=[Note(user_id=u.pk, kind="k", title="t") for u in users])
        raise RuntimeError
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    assert deliver_due() == {"delivered": 0, "retrying": 0, "failed": 0}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"user_id": 0}, "user"),
        ({"user_id": None}, "user"),
        ({"kind": " "}, "kind"),
        ({"title": ""}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"link": "/" * 501}, "link"),
        ({"data": {"x": object()}}, "data"),
    ],
)
def test_one_bad_note_refuses_the_whole_batch_naming_the_field(users, bad, field):
    good = Note(user_id=users[0].pk, kind="k", title="t")
    fields = {"user_id": users[1].pk, "kind": "k", "title": "t", **bad}
    with pytest.raises(ValidationFailed) as caught:
        notify_many(notes=[good, Note(**fields)])
    assert caught.value.field == field
    assert OutboxMessage.objects.count() == 0


def test_an_unknown_channel_is_refused(users):
    with pytest.raises(ValidationFailed) as caught:
        notify_many(notes=[Note(user_id=users[0].pk, kind="k", title="t")], channels=("inbox", "pigeon"))
    assert caught.value.field == "channels"
    assert OutboxMessage.objects.count() == 0


def test_no_notes_write_nothing():
    with CaptureQueriesContext(connection) as ctx:
        assert notify_many(notes=[]) == 0
    assert ctx.captured_queries == []
