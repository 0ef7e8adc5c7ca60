"""Reading a user's inbox: only ever their own messages."""

from typing import Any

from django.db.models import QuerySet

from gongzhi.notifications.models import InboxMessage


def inbox_list(*, user: Any, unread_only: bool = False, before_id: int | None = None, limit: int = 50) -> list:
    rows: QuerySet[InboxMessage] = InboxMessage.objects.filter(user=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    if before_id is not None:
        rows = rows.filter(pk__lt=before_id)
    return list(rows.order_by("-id")[:limit])


def inbox_unread_count(*, user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return InboxMessage.objects.filter(user=user, read_at__isnull=True).count()
