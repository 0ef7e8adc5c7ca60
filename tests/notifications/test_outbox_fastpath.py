"""The outbox's PostgreSQL writer (`_insert_pg`, json_to_recordset) writes exactly the rows the ORM writer does.

Both writers are run on the same PostgreSQL database with the same rows (same delivery keys, same `now`) and every
column of every row they write is compared; the ids each returns are the ids of the rows it wrote.
"""

import datetime as dt

import pytest
from django.db import connection

from gongzhi.notifications import actions
from gongzhi.notifications.actions import Note, outbox_rows
from gongzhi.notifications.models import OutboxMessage
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the json_to_recordset writer is PostgreSQL's"),
]
NOW = dt.datetime(2026, 3, 16, 1, 2, 3, 456789, tzinfo=dt.UTC)
COLUMNS = [f.attname for f in OutboxMessage._meta.concrete_fields if not f.primary_key]


def notes(users):
    odd = {"appeal_id": 7, "名": "值", "nested": {"list": [1, 2.5, None, True, "x"]}, "quote": "\"'\\\n\t"}
    return [
        Note(
            user_id=users[0].pk, kind="appeal.escalated", title="诉求已上报：房屋漏水", body="请尽快处理", link="/a/1/"
        ),
        Note(user_id=users[1].pk, kind="k", title="t" * 200, body="", link="", data={}),
        Note(user_id=users[0].pk, kind="k" * 64, title="引号 \" ' 反斜杠 \\ 换行\n", body="多行\n正文", data=odd),
        Note(user_id=users[2].pk, kind="points.award", title="🎉 积分到账", link="/" * 500, data={"n": -1}),
    ]


def written(ids):
    rows = list(OutboxMessage.objects.order_by("delivery_key").values("id", *COLUMNS))
    assert sorted(ids) == sorted(r.pop("id") for r in rows)
    OutboxMessage.objects.all().delete()
    return rows


@pytest.mark.parametrize("batch", [actions.INSERT_BATCH, 3])
def test_both_writers_write_the_same_rows(monkeypatch, batch):
    monkeypatch.setattr(actions, "INSERT_BATCH", batch)
    users = UserFactory.create_batch(3)
    rows = outbox_rows(notes(users), ["inbox", "email", "sms"])
    orm = written([m.pk for m in actions._insert_orm(rows, NOW)])
    pg = written(actions._insert_pg(rows, NOW, returning=True))
    assert len(orm) == len(rows) == 12
    assert pg == orm
    assert orm[0]["status"] == "pending" and orm[0]["created_at"] == orm[0]["next_attempt_at"] == NOW
    assert orm[0]["delivered_at"] is None


def test_without_returning_the_rows_are_the_same_and_no_ids_come_back():
    users = UserFactory.create_batch(3)
    rows = outbox_rows(notes(users), ["inbox"])
    orm = written([m.pk for m in actions._insert_orm(rows, NOW)])
    assert actions._insert_pg(rows, NOW, returning=False) == []
    assert list(OutboxMessage.objects.order_by("delivery_key").values(*COLUMNS)) == orm


def test_notify_many_on_postgresql_takes_the_fast_writer(monkeypatch):
    calls = []
    monkeypatch.setattr(actions, "_insert_orm", lambda *a: calls.append(a))
    users = UserFactory.create_batch(3)
    assert actions.notify_many(notes=notes(users), channels=("inbox", "email")) == 8
    assert calls == [] and OutboxMessage.objects.count() == 8
