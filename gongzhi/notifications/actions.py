"""Writing notifications into the outbox, delivering them, and marking inbox messages read."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Field
from django.utils.translation import gettext as _

from gongzhi.core import clock, sqlnames
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.notifications.channels import channel_names

# The worker's side lives in delivery (the tasks call it, and this module enqueues the tasks); named here too.
from gongzhi.notifications.delivery import BATCH_SIZE as BATCH_SIZE
from gongzhi.notifications.delivery import deliver_due as deliver_due
from gongzhi.notifications.delivery import deliver_pending as deliver_pending
from gongzhi.notifications.delivery import retry_delay as retry_delay
from gongzhi.notifications.models import InboxMessage, OutboxMessage, new_delivery_key

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

logger = logging.getLogger("gongzhi.notifications")

# Outbox rows per INSERT statement of a large notify_many.
INSERT_BATCH = 2000
MAX_ID: int = 2**62


def notify(
    *,
    user: User,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    data: dict[str, Any] | None = None,
    channels: Iterable[str] = ("inbox",),
) -> list[OutboxMessage]:
    """Queue a notification to `user` on each channel, inside the caller's transaction.

    Delivery is enqueued only when that transaction commits, so a write that rolls back notifies no one; if the
    enqueue itself is lost (the process dies right after commit), the periodic `deliver_notifications` finds the
    pending rows.
    """
    if user is None or getattr(user, "pk", None) is None:
        raise ValidationFailed(_("请指定接收人"), field="user")
    note = _checked(Note(user_id=user.pk, kind=kind, title=title, body=body, link=link, data=data or {}))
    return _create([note], _checked_channels(channels))


@dataclass(frozen=True)
class Note:
    """One notification to one user, as `notify_many` takes them (a user id is enough: no user rows are read)."""

    user_id: int
    kind: str
    title: str
    body: str = ""
    link: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def _checked_channels(channels: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(channels))
    known = channel_names()
    unknown = [c for c in wanted if c not in known]
    if not wanted or unknown:
        raise ValidationFailed(
            _("未知的通知渠道：%(names)s；可用：%(known)s")
            % {"names": ", ".join(unknown) or "-", "known": ", ".join(sorted(known))},
            field="channels",
        )
    return wanted


def _checked(note: Note) -> Note:
    if not isinstance(note.user_id, int) or isinstance(note.user_id, bool) or note.user_id <= 0:
        raise ValidationFailed(_("请指定接收人"), field="user")
    kind, title = (note.kind or "").strip(), (note.title or "").strip()
    if not kind or len(kind) > 64:
        raise ValidationFailed(_("消息类型不能为空，且不超过64个字符"), field="kind")
    if not title or len(title) > 200:
        raise ValidationFailed(_("消息标题不能为空，且不超过200个字符"), field="title")
    if len(note.link or "") > 500:
        raise ValidationFailed(_("链接不能超过500个字符"), field="link")
    try:
        json.dumps(note.data or {})
    except (TypeError, ValueError):
        raise ValidationFailed(_("附加数据必须可以表示为 JSON"), field="data") from None
    return Note(note.user_id, kind, title, note.body or "", note.link or "", note.data or {})


def notify_many(*, notes: Iterable[Note], channels: Iterable[str] = ("inbox",)) -> int:
    """Queue many notifications in the caller's transaction; returns the number of outbox rows written.

    Everything is validated before anything is written, so one bad note writes nothing. Up to BATCH_SIZE rows are
    enqueued for delivery by id after commit; a larger batch (the deadline sweep) enqueues one "deliver everything
    due" task instead of thousands of small ones. The rows go in by `outbox_insert` (see there).
    """
    wanted = _checked_channels(channels)
    rows = outbox_rows([_checked(n) for n in notes], wanted)
    if not rows:
        return 0
    many = len(rows) > BATCH_SIZE
    ids = outbox_insert(rows, clock.now(), returning=not many)
    _enqueue_with_the_write(_enqueue_due if many else lambda: _enqueue(ids))
    return len(rows)


def _create(notes: list[Note], channels: list[str]) -> list[OutboxMessage]:
    """notify()'s rows through the ORM (it returns the model objects), enqueued by id right after commit."""
    messages = _insert_orm(outbox_rows(notes, channels), clock.now())
    ids = [m.pk for m in messages]
    _enqueue_with_the_write(lambda: _enqueue(ids))
    return messages


# ---------------------------------------------------------------------------------------------------------------
# Writing outbox rows: one rule (outbox_rows + the model's defaults), two writers proven equal on PostgreSQL by
# tests/notifications/test_outbox_fastpath.py (every column of every row).

# What a note and its channel give each row (model field names); created_at and next_attempt_at are the write's
# `now`; every other column but the primary key takes its model default (status pending, no attempts, …).
NOTE_FIELDS = ("user", "channel", "kind", "title", "body", "link", "data", "delivery_key")
NOW_FIELDS = ("created_at", "next_attempt_at")


def outbox_rows(notes: list[Note], channels: list[str]) -> list[dict[str, Any]]:
    """The pending rows of `notes` × `channels`, as {NOTE_FIELDS' attnames: value}, each with its own delivery key."""
    keys = [_field(name).attname for name in NOTE_FIELDS]
    return [
        dict(zip(keys, (n.user_id, c, n.kind, n.title, n.body, n.link, n.data, new_delivery_key()), strict=True))
        for n in notes
        for c in channels
    ]


def outbox_insert(rows: list[dict[str, Any]], now: dt.datetime, *, returning: bool = True) -> list[int]:
    """Write outbox rows in the caller's transaction; the new ids when `returning` (else an empty list).

    PostgreSQL: `_insert_pg`, needed for two measured targets (docs/benchmarks.md, issue 10: the sweep's 10,000
    escalations, 20,000 rows, and intake's two rows, where the ORM's per-object and per-value work costs several times
    the database's). SQLite (development and tests; no target there): the ORM.
    """
    if connection.vendor == "postgresql":
        return _insert_pg(rows, now, returning=returning)
    ids = [m.pk for m in _insert_orm(rows, now)]
    return ids if returning else []


def _insert_orm(rows: list[dict[str, Any]], now: dt.datetime) -> list[OutboxMessage]:
    """The reference writer: model objects, bulk_create (at most INSERT_BATCH rows a statement)."""
    objects = [OutboxMessage(**row, **dict.fromkeys(NOW_FIELDS, now)) for row in rows]
    return OutboxMessage.objects.bulk_create(objects, batch_size=INSERT_BATCH)


def _field(name: str) -> Field[Any, Any]:
    return sqlnames.field(OutboxMessage, name)


def _col(f: Field[Any, Any]) -> str:
    return connection.ops.quote_name(f.column or f.name)


@functools.cache
def _pg_statement(returning: bool) -> tuple[str, tuple[Field[Any, Any], ...]]:
    """INSERT … SELECT FROM json_to_recordset(%s::json), with the table, columns and types from the model.

    The note fields come from the JSON rows (keyed by column, typed by the field's own database type); every other
    column but the primary key is a parameter (NOW_FIELDS' `now`, else the field's default), in the order of the
    returned fields.
    """
    meta = OutboxMessage._meta
    from_row = [_field(name) for name in NOTE_FIELDS]
    fixed = tuple(_field(f.name) for f in meta.concrete_fields if not f.primary_key and f.name not in NOTE_FIELDS)
    table = sqlnames.table(OutboxMessage)
    record = ", ".join(f"{_col(f)} {f.db_type(connection)}" for f in from_row)
    sql = (
        f"INSERT INTO {table} ({', '.join(map(_col, (*from_row, *fixed)))}) "  # noqa: S608 - names from the model
        f"SELECT {', '.join('r.' + _col(f) for f in from_row)}, {', '.join(['%s'] * len(fixed))} "
        f"FROM json_to_recordset(%s::json) AS r({record})"
    )
    if returning:
        sql += f" RETURNING {_col(_field(meta.pk.name))}"
    return sql, fixed


def _insert_pg(rows: list[dict[str, Any]], now: dt.datetime, *, returning: bool) -> list[int]:
    """PostgreSQL: INSERT … SELECT FROM json_to_recordset() of INSERT_BATCH rows sent as one JSON text.

    No model objects and no per-value adaptation by the driver (a VALUES list or text arrays cost more than the
    server's work). The fixed values are prepared by their fields, as the ORM prepares them.
    """
    sql, fixed = _pg_statement(returning)
    values = [f.get_db_prep_save(now if f.name in NOW_FIELDS else f.get_default(), connection) for f in fixed]
    column = {f.attname: f.column or f.name for f in map(_field, NOTE_FIELDS)}
    payload = [{column[k]: v for k, v in row.items()} for row in rows]
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(payload), INSERT_BATCH):
            cursor.execute(sql, [*values, json.dumps(payload[start : start + INSERT_BATCH])])
            if returning:
                ids += [row[0] for row in cursor.fetchall()]
    return ids


def _enqueue_with_the_write(enqueue: Any) -> None:
    """Enqueue delivery so that a write that rolls back enqueues nothing.

    With the database task queue on this same database the task row is written inside the caller's transaction:
    it commits or rolls back with the write (a transactional outbox, so no window where the process dies between
    commit and enqueue either) and the request pays one commit instead of two. Any other queue is told after commit.
    """
    if connection.in_atomic_block and _queue_shares_the_transaction():
        enqueue()
    else:
        transaction.on_commit(enqueue, robust=True)


def _queue_shares_the_transaction() -> bool:
    from django.db import DEFAULT_DB_ALIAS, router
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from gongzhi.notifications.tasks import deliver_notifications_task

    backend = deliver_notifications_task.get_backend()
    return isinstance(backend, DatabaseBackend) and router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS


def _enqueue(ids: list[int]) -> None:
    from gongzhi.notifications.tasks import deliver_notifications_task

    deliver_notifications_task.enqueue(ids)


def _enqueue_due() -> None:
    from gongzhi.notifications.tasks import deliver_due_notifications_task

    deliver_due_notifications_task.enqueue()


def inbox_mark_read(*, user: User, message_id: int) -> InboxMessage:
    """Mark one of the user's own inbox messages read; reading it again keeps the first time."""
    with transaction.atomic():
        message = (
            InboxMessage.objects.select_for_update().filter(pk=message_id, user=user).first()
            if 0 < message_id <= MAX_ID
            else None
        )
        if message is None:
            raise NotFound(_("消息不存在：%(id)s") % {"id": message_id}, field="id")
        if message.read_at is None:
            message.read_at = clock.now()
            message.save(update_fields=["read_at"])
    return message


def inbox_mark_all_read(*, user: User) -> int:
    return InboxMessage.objects.filter(user=user, read_at__isnull=True).update(read_at=clock.now())
