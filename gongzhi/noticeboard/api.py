"""The board API under /api/v1/board: reading is public; withdrawing needs board.manage over the notice's area."""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from gongzhi.accounts.auth import api_auth
from gongzhi.core.types import ApiRequest
from gongzhi.noticeboard import actions, selectors
from gongzhi.noticeboard.models import Notice

router = Router(tags=["noticeboard"])


class NoticeOut(Schema):
    id: int
    area_code: str
    area_name: str
    kind: str
    kind_label: str
    title: str
    body: str
    photos: list[str] = Field(..., description="public copies only (re-encoded without EXIF/GPS)")
    source_appeal_id: int | None
    published_at: dt.datetime
    withdrawn_at: dt.datetime | None = None

    @staticmethod
    def build(n: Notice) -> "NoticeOut":
        return NoticeOut(
            id=n.pk,
            area_code=n.area_code,
            area_name=n.area.name,
            kind=n.kind,
            kind_label=str(n.get_kind_display()),
            title=n.title,
            body=n.body,
            photos=list(n.photos),
            source_appeal_id=n.source_appeal_id,
            published_at=n.published_at,
            withdrawn_at=n.withdrawn_at,
        )


class BoardOut(Schema):
    area_code: str
    area_name: str
    items: list[NoticeOut]
    next_before_id: int | None = Field(None, description="pass as before_id for the next (older) page")


class BoardQuery(Schema):
    area: str = Field(..., min_length=6, max_length=17, pattern=r"^\d+$", description="an area code; its subtree")
    before_id: int | None = Field(None, ge=1, le=2**62, description="keyset paging: ids below this")
    limit: int = Field(50, ge=1, le=200)


class WithdrawIn(Schema):
    reason: str = Field(..., description="why it is withdrawn (required)")


@router.get("", response=BoardOut, auth=None, summary="Live notices of an area's subtree, newest first (public)")
def board(request: HttpRequest, q: Query[BoardQuery]) -> BoardOut:
    area = selectors.board_area(code=q.area)
    rows = selectors.board_notices(area=area, before_id=q.before_id, limit=q.limit)
    return BoardOut(
        area_code=area.code,
        area_name=area.name,
        items=[NoticeOut.build(n) for n in rows],
        next_before_id=rows[-1].pk if len(rows) == q.limit else None,
    )


@router.post("/{notice_id}/withdraw", response=NoticeOut, auth=api_auth, summary="Withdraw a notice (board.manage)")
def withdraw(request: ApiRequest, notice_id: Path[int], body: WithdrawIn) -> NoticeOut:
    notice = actions.notice_withdraw(actor=request.auth, notice_id=notice_id, reason=body.reason)
    return NoticeOut.build(notice)
