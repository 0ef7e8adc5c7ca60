"""The inbox API under /api/v1/notifications/: my messages, unread filter, mark read."""

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema
from ninja.params.functions import Path as PathParam  # the call form; ninja types Path as an annotation

from gongzhi.accounts.auth import api_auth
from gongzhi.core.types import ApiRequest
from gongzhi.notifications import actions, selectors
from gongzhi.notifications.models import InboxMessage

router = Router(tags=["notifications"], auth=api_auth)


class InboxMessageOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    data: dict[str, Any]
    created_at: dt.datetime
    read_at: dt.datetime | None
    is_read: bool

    @staticmethod
    def build(m: InboxMessage) -> "InboxMessageOut":
        return InboxMessageOut(
            id=m.pk,
            kind=m.kind,
            title=m.title,
            body=m.body,
            link=m.link,
            data=m.data,
            created_at=m.created_at,
            read_at=m.read_at,
            is_read=m.is_read,
        )


class InboxOut(Schema):
    unread_count: int
    items: list[InboxMessageOut]
    next_before_id: int | None = Field(None, description="pass as before_id for the next (older) page")


class InboxQuery(Schema):
    unread: bool = Field(False, description="only messages not read yet")
    before_id: int | None = Field(None, ge=1, le=2**62, description="keyset paging: ids below this")
    limit: int = Field(50, ge=1, le=200)


class MarkedOut(Schema):
    updated: int


@router.get("/inbox", response=InboxOut, summary="My inbox, newest first (optionally unread only)")
def inbox(request: ApiRequest, q: Query[InboxQuery]) -> InboxOut:
    rows = selectors.inbox_list(user=request.auth, unread_only=q.unread, before_id=q.before_id, limit=q.limit)
    return InboxOut(
        unread_count=selectors.inbox_unread_count(user=request.auth),
        items=[InboxMessageOut.build(m) for m in rows],
        next_before_id=rows[-1].pk if len(rows) == q.limit else None,
    )


@router.post("/inbox/read-all", response=MarkedOut, summary="Mark all my messages read")
def inbox_read_all(request: ApiRequest) -> MarkedOut:
    return MarkedOut(updated=actions.inbox_mark_all_read(user=request.auth))


@router.post("/inbox/{message_id}/read", response=InboxMessageOut, summary="Mark one of my messages read")
def inbox_read(request: ApiRequest, message_id: int = PathParam(..., ge=1, le=2**62)) -> InboxMessageOut:
    return InboxMessageOut.build(actions.inbox_mark_read(user=request.auth, message_id=message_id))
