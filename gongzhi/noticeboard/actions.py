"""Writes of the notice board: publish a notice, publish a closed public appeal's result, withdraw a notice."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import Area, AreaLevel
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


def _appeal_result(appeal: Any) -> tuple[str, str, list[str]]:
    """The public text of a closed appeal: what, where (the micro-grid), when, whether on time, how handled.

    Nothing personal: no reporter, no contact, no address, no description in the resident's own words (it may
    name people); the staff's handling note with digit runs blanked; evidence photos as public copies only.
    """
    from gongzhi.appeals.models import AppealEvent, PhotoKind

    category = appeal.category.name if appeal.category_id else _("其他")
    handled = (
        AppealEvent.objects.filter(appeal=appeal, action="handle")
        .order_by("-occurred_at", "-id")
        .values_list("note", flat=True)
        .first()
    )
    area = Area.objects.filter(code=appeal.area_code).values_list("name", flat=True).first() or appeal.area_code
    title = _("办结公示：%(category)s（%(area)s）") % {"category": category, "area": area}
    lines = [
        _("诉求编号：%(v)s") % {"v": appeal.number},
        _("类别：%(v)s") % {"v": category},
        _("位置：%(v)s") % {"v": area},
        _("受理时间：%(v)s") % {"v": timezone.localtime(appeal.created_at).strftime("%Y-%m-%d")},
        _("办结时间：%(v)s") % {"v": timezone.localtime(appeal.closed_at).strftime("%Y-%m-%d")},
        _("按期办结：%(v)s") % {"v": _("是") if appeal.closed_on_time else _("否")},
    ]
    if handled:
        lines.append(_("处置结果：%(v)s") % {"v": scrub(handled)})
    photos = [p.public.url for p in appeal.photos.filter(kind=PhotoKind.EVIDENCE).order_by("id") if p.public]
    return title[:200], "\n".join(lines), photos


def publish_appeal_result(*, appeal: Any) -> Notice:
    """On closing a public appeal: its result goes on its community's board, replacing an earlier one (rework)."""
    community = code_at(appeal.area_code, AreaLevel.COMMUNITY)
    now = clock.now()
    Notice.objects.filter(source_appeal=appeal, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdraw_reason=_("诉求重新办结，以新的公示为准")
    )
    title, body, photos = _appeal_result(appeal)
    return notice_publish(
        actor=None,
        area_code=community,
        kind=NoticeKind.APPEAL_RESULT,
        title=title,
        body=body,
        photos=photos,
        source_appeal=appeal,
        system=True,
    )


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
