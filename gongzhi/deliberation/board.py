"""What deliberation puts on the public notice board (公示栏), through the board's generic `notice_publish`:

| when | notice |
|---|---|
| a vote's result is published | the question, the outcome and the counts |
| an action item is done | the item, its owner and its last progress note |
| a meeting's minutes are published | the minutes and the decisions listed |

System notices (the move's own rule, `deliberation.manage` or `deliberation.act`, is the permission; the audit row
of the move names who made it). The row keeps its notice in its `notice` column. Personal numbers are scrubbed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from gongzhi.noticeboard.actions import notice_publish, scrub
from gongzhi.noticeboard.models import Notice, NoticeKind

if TYPE_CHECKING:
    from gongzhi.deliberation.models import ActionItem, Minutes, Vote


def _post(area_code: str, title: str, body: str, photos: list[str] | None = None) -> Notice:
    return notice_publish(
        actor=None,
        area_code=area_code,
        title=title[:200],
        body=scrub(body)[:10000],
        kind=NoticeKind.ANNOUNCEMENT,
        photos=photos or [],
        system=True,
    )


def vote_result(vote: Vote) -> Notice:
    r = vote.result
    body = _(
        "%(outcome)s。赞成 %(yes)s，反对 %(no)s，弃权 %(abstain)s，空白 %(blank)s；应投 %(eligible)s，法定人数 %(quorum)s。"
    ) % {
        "outcome": vote.get_outcome_display(),
        "yes": r.get("yes", 0),
        "no": r.get("no", 0),
        "abstain": r.get("abstain", 0),
        "blank": r.get("blank", 0),
        "eligible": r.get("eligible", 0),
        "quorum": r.get("quorum_needed", 0),
    }
    return _post(vote.area_code, _("表决结果：%(q)s") % {"q": vote.question}, body)


def action_done(item: ActionItem, note: str) -> Notice:
    body = _("责任方：%(owner)s；完成期限 %(deadline)s。%(note)s") % {
        "owner": item.owner_name,
        "deadline": item.deadline.isoformat(),
        "note": note,
    }
    return _post(item.area_code, _("议事事项已完成：%(t)s") % {"t": item.title}, body)


def minutes_published(minutes: Minutes) -> Notice:
    lines = [minutes.body, "", str(_("决定事项："))]
    lines += [f"{i}. {d}" for i, d in enumerate(minutes.decisions, start=1)] or [str(_("（无）"))]
    photos = [minutes.photo.url] if minutes.photo else []
    return _post(
        minutes.area_code, _("会议纪要：%(t)s") % {"t": minutes.meeting.title}, "\n".join(lines), photos=photos
    )
