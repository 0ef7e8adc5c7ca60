"""Reading a user's inbox: only ever their own messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from gongzhi.notifications.models import InboxMessage

if TYPE_CHECKING:
    from gongzhi.accounts.models import User


def inbox_list(
    *, user: User, unread_only: bool = False, before_id: int | None = None, limit: int = 50
) -> list[InboxMessage]:
    rows: QuerySet[InboxMessage] = InboxMessage.objects.filter(user=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    if before_id is not None:
        rows = rows.filter(pk__lt=before_id)
    return list(rows.order_by("-id")[:limit])


def inbox_unread_count(*, user: User) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return InboxMessage.objects.filter(user=user, read_at__isnull=True).count()
