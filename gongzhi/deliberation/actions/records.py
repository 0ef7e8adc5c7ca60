"""议 and 做, the records around a meeting and an action: comments on agenda items before the meeting (hidden by
staff with a reason), the minutes after it (a draft with the decisions listed, corrections by attendees, approval,
publication on the notice board), and follow-ups of an action item (an appeal, or a service demand through the
hook of `gongzhi.deliberation.followups`). Each write checks its named rule and writes an audit row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.appeals.actions import appeal_submit, appeals_timeline_note
from gongzhi.appeals.models import Channel
from gongzhi.core import fsm
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.deliberation import followups, selectors
from gongzhi.deliberation.actions._common import choice
from gongzhi.deliberation.lifecycles import COMMENT, CORRECTION, MINUTES, decisions_list
from gongzhi.deliberation.models import (
    ActionFollowUp,
    ActionItem,
    ActionState,
    AgendaComment,
    AgendaItem,
    CommentState,
    FollowUpKind,
    Meeting,
    MeetingState,
    Minutes,
    MinutesCorrection,
    MinutesState,
    SignIn,
    TopicState,
    VoteState,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

COMMENTABLE = (MeetingState.PLANNED, MeetingState.OPEN)
MICROGRID_LENGTH = 17
MAX_COMMENT = 1000


# ---------------------------------------------------------------------------------------------------------------
# Comments


@transaction.atomic
def comment_post(*, actor: User, agenda_item_id: int, body: Any) -> AgendaComment:
    """A comment on an agenda item before the meeting, by someone who takes part in the meeting's area (or was
    invited). The same comment twice from one person is refused (a double submit)."""
    item = AgendaItem.objects.select_related("meeting").filter(pk=agenda_item_id).first()
    if item is None or not (
        selectors.visible_to(actor, item.meeting.area_code) or selectors.is_invited(actor, item.meeting)
    ):
        raise NotFound(_("议程不存在：%(id)s") % {"id": agenda_item_id}, field="agenda_item_id")
    meeting = item.meeting
    if not (selectors.participates(actor, meeting.area_code) or selectors.is_invited(actor, meeting)):
        raise PermissionDenied(
            _("您不在该区域，不能参与这里的议事"),
            field="agenda_item_id",
            details={"rule": selectors.PARTICIPATE, "area": meeting.area_code},
        )
    body = clean_text(body, field="body", max_length=MAX_COMMENT, required=True)
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()  # comments wait for a meeting move
    meeting.refresh_from_db(fields=["state"])
    if meeting.state not in COMMENTABLE:
        raise ValidationFailed(_("会议已开始或已结束，不再收集会前意见"), field="agenda_item_id")
    if AgendaComment.objects.filter(item=item, author=actor, body=body).exists():
        raise Conflict(_("您已经发表过相同的意见"), field="body")
    comment = AgendaComment.objects.create(item=item, area_code=meeting.area_code, author=actor, body=body)
    audit_record(
        actor=actor,
        action="deliberation.comment.post",
        target=comment,
        area_code=meeting.area_code,
        data={"agenda_item": item.pk, "meeting": meeting.pk},
    )
    return comment


def comment_hide(*, actor: User, comment_id: int, reason: Any) -> AgendaComment:
    """Staff of the area hide a comment; the reason is required and the move is audited (the text stays for the
    record and for its author)."""
    if not isinstance(reason, str):
        raise ValidationFailed(_("隐藏意见时请说明理由"), field="note")
    return fsm.transition(COMMENT, comment_id, "hide", actor=actor, note=reason.strip()[:500]).obj


def comments_visible(*, user: Any, item: AgendaItem) -> list[AgendaComment]:
    """The comments of an agenda item as this user sees them: staff of the area see the hidden ones too (marked),
    an author sees their own hidden comment, everyone else only the visible ones."""
    rows = AgendaComment.objects.filter(item=item).select_related("author")
    if selectors.may_manage(user, item.meeting.area_code):
        return list(rows)
    return [c for c in rows if c.state == CommentState.VISIBLE or c.author_id == getattr(user, "pk", None)]


# ---------------------------------------------------------------------------------------------------------------
# Minutes


def default_decisions(meeting: Meeting) -> list[str]:
    """The decisions a draft starts from: each published vote's outcome, and the agenda's topics solved on the spot."""
    out = []
    for vote in meeting.votes.filter(state=VoteState.PUBLISHED).order_by("id"):
        r = vote.result
        out.append(
            _("「%(q)s」%(outcome)s（赞成 %(yes)s，反对 %(no)s，弃权 %(abstain)s，空白 %(blank)s）")
            % {
                "q": vote.question,
                "outcome": vote.get_outcome_display(),
                "yes": r.get("yes", 0),
                "no": r.get("no", 0),
                "abstain": r.get("abstain", 0),
                "blank": r.get("blank", 0),
            }
        )
    for a in meeting.agenda.filter(topic__state=TopicState.SOLVED_ON_SPOT).select_related("topic"):
        if a.topic is not None:
            out.append(_("「%(t)s」现场解决：%(o)s") % {"t": a.topic.title, "o": a.topic.outcome})
    return out


def _photo(upload: Any) -> Any:
    from django.core.files.base import ContentFile

    from gongzhi.appeals import photos

    data = upload.read(photos.MAX_BYTES + 1)
    if len(data) > photos.MAX_BYTES:
        raise ValidationFailed(_("照片不能超过 10 MB"), field="photo")
    fmt, _w, _h = photos.inspect(data, field="photo")
    ext = photos.FORMATS[fmt][1]
    # Minutes are public: only a re-encoded copy without EXIF or GPS is kept.
    return ContentFile(photos.public_copy(data, fmt), name=f"minutes.{ext}")


@transaction.atomic
def minutes_draft(*, actor: User, meeting_id: int, body: Any, decisions: Any = None, photo: Any = None) -> Minutes:
    """Staff draft the minutes of a held meeting; the decisions default to the published votes' outcomes."""
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None or not selectors.visible_to(actor, meeting.area_code):
        raise NotFound(_("会议不存在：%(id)s") % {"id": meeting_id}, field="meeting_id")
    selectors.require_manager(actor, meeting.area_code, field="meeting_id")
    body = clean_text(body, field="body", max_length=20000, required=True)
    listed = default_decisions(meeting) if decisions is None else decisions_list(decisions)
    if meeting.state != MeetingState.HELD:
        raise ValidationFailed(_("会议召开后才能起草纪要"), field="meeting_id")
    if Minutes.objects.filter(meeting=meeting).exists():
        raise Conflict(_("这次会议已有纪要，请修改现有的纪要"), field="meeting_id")
    minutes = Minutes.objects.create(
        meeting=meeting, area_code=meeting.area_code, body=body, decisions=listed, drafted_by=actor
    )
    audit_record(
        actor=actor,
        action="deliberation.minutes.draft",
        target=minutes,
        area_code=meeting.area_code,
        data={"meeting": meeting.pk, "decisions": len(listed)},
    )
    return minutes


@transaction.atomic
def minutes_photo_set(*, actor: User, minutes_id: int, photo: Any) -> Minutes:
    """The photo of the minutes (a re-encoded copy without EXIF or GPS: minutes are public), while still a draft."""
    minutes = Minutes.objects.select_for_update().filter(pk=minutes_id).first()
    if minutes is None or not selectors.visible_to(actor, minutes.area_code):
        raise NotFound(_("会议纪要不存在：%(id)s") % {"id": minutes_id}, field="minutes_id")
    selectors.require_manager(actor, minutes.area_code, field="minutes_id")
    if photo is None:
        raise ValidationFailed(_("请选择照片"), field="photo")
    content = _photo(photo)
    if minutes.state != MinutesState.DRAFT:
        raise ValidationFailed(_("纪要已审定，不能再更换照片"), field="minutes_id")
    minutes.photo.save(content.name, content, save=True)
    audit_record(
        actor=actor,
        action="deliberation.minutes.photo",
        target=minutes,
        area_code=minutes.area_code,
        data={"photo": minutes.photo.name},
    )
    return minutes


def minutes_move(*, actor: User, minutes_id: int, action: str, data: dict[str, Any] | None = None) -> Minutes:
    return fsm.transition(MINUTES, minutes_id, action, actor=actor, data=data or {}).obj


@transaction.atomic
def correction_propose(*, actor: User, minutes_id: int, text: Any) -> MinutesCorrection:
    """Someone who signed in at the meeting proposes a correction of the draft minutes."""
    minutes = Minutes.objects.select_for_update().select_related("meeting").filter(pk=minutes_id).first()
    if minutes is None or not (
        selectors.visible_to(actor, minutes.area_code) or selectors.is_invited(actor, minutes.meeting)
    ):
        raise NotFound(_("会议纪要不存在：%(id)s") % {"id": minutes_id}, field="minutes_id")
    if not SignIn.objects.filter(meeting_id=minutes.meeting_id, user=actor).exists():
        raise PermissionDenied(_("只有签到参会的人可以提出纪要更正"), field="minutes_id")
    text = clean_text(text, field="text", max_length=2000, required=True)
    if minutes.state != MinutesState.DRAFT:
        raise ValidationFailed(_("纪要已审定，不再接受更正"), field="minutes_id")
    if MinutesCorrection.objects.filter(minutes=minutes, user=actor, text=text).exists():
        raise Conflict(_("您已经提出过相同的更正"), field="text")
    correction = MinutesCorrection.objects.create(minutes=minutes, area_code=minutes.area_code, user=actor, text=text)
    audit_record(
        actor=actor,
        action="deliberation.correction.propose",
        target=correction,
        area_code=minutes.area_code,
        data={"minutes": minutes.pk},
    )
    return correction


def correction_move(*, actor: User, correction_id: int, action: str, note: str = "") -> MinutesCorrection:
    return fsm.transition(CORRECTION, correction_id, action, actor=actor, note=note).obj


def minutes_for(*, user: Any, meeting: Meeting) -> Minutes | None:
    """The meeting's minutes as this user may read them: staff of the area always; others once published."""
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        return None
    if minutes.state == MinutesState.PUBLISHED or selectors.may_manage(user, meeting.area_code):
        return minutes
    if minutes.state == MinutesState.DRAFT and SignIn.objects.filter(meeting=meeting, user_id=user.pk).exists():
        return minutes  # attendees read the draft to correct it
    return None


# ---------------------------------------------------------------------------------------------------------------
# Follow-ups: an action item opens an appeal or a service demand


def _open_appeal(actor: User, item: ActionItem, fields: dict[str, Any]) -> followups.Opened:
    unknown = sorted(set(fields) - {"description", "category", "area_code"})
    if unknown:
        raise ValidationFailed(_("未知字段：%(k)s") % {"k": "、".join(unknown)}, field=unknown[0])
    description = clean_text(fields.get("description"), field="description", max_length=2000, required=True)
    area_code = fields.get("area_code") or (item.area_code if len(item.area_code) == MICROGRID_LENGTH else None)
    if area_code is None:
        raise ValidationFailed(_("请给出诉求所在的微网格（area_code）"), field="area_code")
    if not isinstance(area_code, str) or not area_code.startswith(item.area_code[:12]):
        raise ValidationFailed(_("诉求所在区域须在事项所在社区之内"), field="area_code")
    submitted = appeal_submit(
        actor=actor,
        description=description,
        channel=Channel.GRID_REPORT,
        category=fields.get("category") or None,
        area_code=area_code,
    )
    appeal = submitted.appeal
    appeals_timeline_note(
        appeal_ids=[appeal.pk],
        actor=actor,
        action="deliberation_action",
        note=_("由议事落实事项「%(t)s」发起") % {"t": item.title},
        data={"action_id": item.pk, "action_title": item.title},
    )
    return followups.Opened(target_id=appeal.pk, label=appeal.number, url=f"/appeals/staff/{appeal.pk}/act/")


followups.register(FollowUpKind.APPEAL, _open_appeal)


@transaction.atomic
def action_follow_up(*, actor: User, action_id: int, kind: Any, fields: dict[str, Any]) -> ActionFollowUp:
    """An action item opens an appeal (12345-style ticket into the appeals workflow) or a service demand; the link
    is shown on both sides (the item's page lists it, the appeal's or demand's timeline names the item)."""
    item = ActionItem.objects.select_for_update().filter(pk=action_id).first()
    if item is None or not selectors.visible_to(actor, item.area_code):
        raise NotFound(_("落实事项不存在：%(id)s") % {"id": action_id}, field="action_id")
    selectors.require_manager(actor, item.area_code, field="action_id")
    kind = choice(kind, FollowUpKind.values, field="kind")
    if not isinstance(fields, dict):
        raise ValidationFailed(_("fields 必须是对象"), field="fields")
    if item.state == ActionState.DONE:
        raise ValidationFailed(_("事项已完成，不能再转办"), field="action_id")
    opener = followups.OPENERS.get(kind)
    if opener is None:
        raise ValidationFailed(_("暂不支持转为%(k)s") % {"k": FollowUpKind(kind).label}, field="kind")
    asked = str(fields.get("description") or fields.get("title") or "").strip()[:200]
    if asked and ActionFollowUp.objects.filter(item=item, kind=kind, asked=asked).exists():
        raise Conflict(_("这个事项已经转办过相同的内容"), field="fields")
    opened = opener(actor, item, fields)
    try:
        with transaction.atomic():
            link = ActionFollowUp.objects.create(
                item=item,
                kind=kind,
                appeal_id=opened.target_id if kind == FollowUpKind.APPEAL else None,
                target_id=opened.target_id,
                label=opened.label[:200],
                url=opened.url[:200],
                asked=asked,
                created_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("该诉求或需求已经关联到落实事项"), field="fields") from None
    audit_record(
        actor=actor,
        action="deliberation.action.follow_up",
        target=item,
        area_code=item.area_code,
        data={"kind": kind, "target_id": opened.target_id, "label": opened.label},
    )
    return link
