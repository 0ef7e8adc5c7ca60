"""Writes of the notice board: publish a notice, replace a source's notice, withdraw a notice.

The board knows no app that publishes on it: appeals write their closed results through notice_publish_replacing
(appeals/board.py), with the notice's source_appeal column as the only link.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.models import Area
from gongzhi.core import clock
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.noticeboard.models import Notice, NoticeKind

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

MAX_ID: int = 2**62
# A phone number, an ID number or any long run of digits (house, plate, account numbers) is not for the board.
_DIGITS = re.compile(r"\d{7,}[\dXx]?")


def scrub(text: str) -> str:
    """Staff notes go on a public board: blank out anything that looks like a phone or ID number."""
    return _DIGITS.sub("***", text or "")


@transaction.atomic
def notice_publish(
    *,
    actor: User | None,
    area_code: str,
    title: str,
    body: str = "",
    kind: str = NoticeKind.ANNOUNCEMENT,
    photos: list[str] | None = None,
    source_appeal: Any = None,
    system: bool = False,
) -> Notice:
    """Put a notice on an area's board. People need `board.manage` over the area; `system=True` is automatic."""
    if kind not in NoticeKind.values:
        raise ValidationFailed(_("公示类型只能是：%(v)s") % {"v": "、".join(NoticeKind.values)}, field="kind")
    title = _text(title, field="title", max_length=200, required=True)
    body = _text(body, field="body", max_length=10000)
    if not isinstance(area_code, str) or not area_code.strip():
        raise ValidationFailed(_("请给出区域编码"), field="area_code")
    area = Area.objects.filter(code=area_code.strip()).first()
    if area is None:
        raise ValidationFailed(_("区域编码 %(code)s 不存在") % {"code": area_code}, field="area_code")
    if not system:
        rules.require(actor, "board.manage", area.code)
    return Notice.objects.create(
        area=area,
        area_code=area.code,
        kind=kind,
        title=title,
        body=body,
        photos=list(photos or []),
        source_appeal=source_appeal,
        published_at=clock.now(),
        published_by=None if system else actor,
    )


@transaction.atomic
def notice_publish_replacing(*, source_appeal: Any, replaced_because: str, **notice: Any) -> Notice:
    """A system notice from a source that has one live notice at a time (a public appeal's result): the live one
    is withdrawn with `replaced_because`, then `notice` (notice_publish's fields) goes up in its place."""
    Notice.objects.filter(source_appeal=source_appeal, withdrawn_at__isnull=True).update(
        withdrawn_at=clock.now(), withdraw_reason=replaced_because
    )
    return notice_publish(actor=None, source_appeal=source_appeal, system=True, **notice)


@transaction.atomic
def notice_withdraw(*, actor: User, notice_id: int, reason: str) -> Notice:
    """Take a notice off the board (kept for the record). Needs `board.manage` over its area and a reason."""
    notice = (
        Notice.objects.select_for_update().filter(pk=notice_id).first()
        if isinstance(notice_id, int) and 0 < notice_id <= MAX_ID
        else None
    )
    if notice is None:
        raise NotFound(_("公示不存在：%(id)s") % {"id": notice_id}, field="notice_id")
    rules.require(actor, "board.manage", notice.area_code)
    reason = _text(reason, field="reason", max_length=500, required=True)
    if notice.withdrawn_at is not None:
        raise ValidationFailed(_("该公示已撤下"), field="notice_id")
    notice.withdrawn_at = clock.now()
    notice.withdrawn_by = actor
    notice.withdraw_reason = reason
    notice.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    return notice
