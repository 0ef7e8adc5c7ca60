"""A closed public appeal's result on its community's notice board.

Appeals decide what of an appeal is public and write it as a notice through the notice board's own API
(`noticeboard.actions.notice_publish_replacing`); the notice board knows nothing of appeals beyond the notice's
`source_appeal` column.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals.models import Appeal, AppealEvent, PhotoKind
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.noticeboard.actions import notice_publish_replacing, scrub
from gongzhi.noticeboard.models import Notice, NoticeKind


def result_notice(appeal: Appeal) -> tuple[str, str, list[str]]:
    """The public text of a closed appeal: what, where (the micro-grid), when, whether on time, how handled.

    Nothing personal: no reporter, no contact, no address, no description in the resident's own words (it may
    name people); the staff's handling note with digit runs blanked; evidence photos as public copies only.
    """
    category = appeal.category.name if appeal.category is not None else _("其他")
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


def publish_result(*, appeal: Appeal) -> Notice:
    """On closing a public appeal: its result goes on its community's board, replacing an earlier one (rework)."""
    title, body, photos = result_notice(appeal)
    return notice_publish_replacing(
        source_appeal=appeal,
        replaced_because=_("诉求重新办结，以新的公示为准"),
        area_code=code_at(appeal.area_code, AreaLevel.COMMUNITY),
        kind=NoticeKind.APPEAL_RESULT,
        title=title,
        body=body,
        photos=photos,
    )
