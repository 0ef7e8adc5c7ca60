"""Every lifecycle of deliberation as a `core.fsm` table: topics, meetings, registrations, votes, action items,
the weekly topic and surveys. Each move is checked by its named rule over the row's area and writes an audit row.

| lifecycle | moves |
|---|---|
| topic | accept, reject, merge, schedule, solve_on_spot, decide, close |
| meeting | open, start, end, cancel |
| registration | cancel, promote |
| vote | open, close, record, confirm, reject_counts, publish |
| action item | progress (→ done at 100 %), rollup (a parent from its sub-items), reopen |
| weekly topic | resolve |
| survey | open, close |
| agenda comment | hide (with a reason) |
| minutes | revise, approve, publish (on the notice board) |
| minutes correction | accept, decline |

A published vote, a finished action item and published minutes go on the notice board (`board.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Avg, F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.core import fsm
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.deliberation import board, notify, selectors, tally
from gongzhi.deliberation.models import (
    ActionItem,
    ActionState,
    AgendaComment,
    CommentState,
    CorrectionState,
    Meeting,
    MeetingState,
    Minutes,
    MinutesCorrection,
    MinutesState,
    ProgressUpdate,
    Registration,
    RegistrationState,
    Survey,
    SurveyState,
    Topic,
    TopicAppeal,
    TopicState,
    TopicSupport,
    Vote,
    VoteMode,
    VoteState,
    WeeklyState,
    WeeklyTopic,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

MANAGE = "deliberation.manage"
ACT = "deliberation.act"  # or the item's own owner
OWN = "deliberation.own"  # the row's own person, or a manager of its area
SURVEY = "deliberation.survey"


def _holds(actor: User, rule: str, obj: Any) -> bool:
    area_code = obj.area_code if hasattr(obj, "area_code") else obj.meeting.area_code
    if rule == OWN:
        return actor.pk == obj.user_id or selectors.may_manage(actor, area_code)
    if rule == ACT:
        return actor.pk == obj.owner_user_id or rules.allows(actor, ACT, area_code)
    return rules.allows(actor, rule, area_code)


_authorize = fsm.rule_check(_holds)


def _event(noun: str) -> Any:
    def write(step: fsm.Step[Any, User]) -> AuditEvent:
        obj = step.obj
        area_code = obj.area_code if hasattr(obj, "area_code") else obj.meeting.area_code
        data = {"from": step.from_state, "to": step.target, **step.event_data}
        if step.note:
            data["note"] = step.note
        return audit_record(
            actor=step.actor, action=f"deliberation.{noun}.{step.name}", target=obj, area_code=area_code, data=data
        )

    return write


# ---------------------------------------------------------------------------------------------------------------
# Topics

TopicStep = fsm.Step[Topic, "User"]


def _merge(step: TopicStep) -> None:
    source = step.obj
    raw = step.data["into"]
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise ValidationFailed(_("into 必须是议题编号（整数）"), field="into")
    if raw == source.pk:
        raise ValidationFailed(_("不能把议题合并到它自己"), field="into")
    target = Topic.objects.select_for_update().filter(pk=raw).first()
    if target is None or target.community_code != source.community_code:
        raise ValidationFailed(_("要合并到的议题不存在或不在同一社区：%(id)s") % {"id": raw}, field="into")
    if target.state not in (TopicState.PROPOSED, TopicState.ACCEPTED, TopicState.SCHEDULED):
        raise ValidationFailed(_("要合并到的议题已经办结或合并，不能再合并进去"), field="into")
    have = set(TopicSupport.objects.filter(topic=target).values_list("user_id", flat=True))
    moved = [
        TopicSupport(topic=target, user_id=uid, created_at=at)
        for uid, at in TopicSupport.objects.filter(topic=source).values_list("user_id", "created_at")
        if uid not in have and uid != target.raised_by_id
    ]
    TopicSupport.objects.bulk_create(moved)
    TopicAppeal.objects.filter(topic=source).update(topic=target)
    Topic.objects.filter(pk=target.pk).update(support_count=F("support_count") + len(moved))
    source.merged_into = target
    step.fields.add("merged_into")
    step.event_data.update({"into": target.pk, "supports_moved": len(moved)})
    step.extra["target_id"] = target.pk


def _outcome(step: TopicStep) -> None:
    step.obj.outcome = step.note or str(step.data.get("outcome") or "")
    step.fields.add("outcome")


TOPIC_MOVES: dict[str, fsm.Move[Topic, User]] = {
    "accept": fsm.Move({TopicState.PROPOSED}, TopicState.ACCEPTED, MANAGE, label=gettext_lazy("受理")),
    "reject": fsm.Move(
        {TopicState.PROPOSED, TopicState.ACCEPTED},
        TopicState.REJECTED,
        MANAGE,
        _outcome,
        needs=("note",),
        label=gettext_lazy("不予受理"),
    ),
    "merge": fsm.Move(
        {TopicState.PROPOSED, TopicState.ACCEPTED},
        TopicState.MERGED,
        MANAGE,
        _merge,
        needs=("into",),
        label=gettext_lazy("合并重复议题"),
    ),
    "schedule": fsm.Move({TopicState.ACCEPTED}, TopicState.SCHEDULED, MANAGE, label=gettext_lazy("列入议程")),
    "solve_on_spot": fsm.Move(
        {TopicState.PROPOSED, TopicState.ACCEPTED, TopicState.SCHEDULED},
        TopicState.SOLVED_ON_SPOT,
        MANAGE,
        _outcome,
        needs=("note",),
        label=gettext_lazy("现场解决"),
    ),
    "decide": fsm.Move(
        {TopicState.ACCEPTED, TopicState.SCHEDULED},
        TopicState.DECIDED,
        MANAGE,
        _outcome,
        accepts=frozenset({"outcome"}),
        label=gettext_lazy("形成决议"),
    ),
    "close": fsm.Move({TopicState.DECIDED}, TopicState.CLOSED, MANAGE, label=gettext_lazy("办结")),
}

TOPIC: fsm.Lifecycle[Topic, User, AuditEvent] = fsm.Lifecycle(
    model=Topic,
    moves=TOPIC_MOVES,
    write_event=_event("topic"),
    authorize=_authorize,
    visible=lambda actor, topic: selectors.visible_to(actor, topic.area_code),
    noun=gettext_lazy("议题"),
    not_found=gettext_lazy("议题不存在：%(id)s"),
    pk_field="topic_id",
    field_labels={"note": gettext_lazy("说明"), "into": gettext_lazy("要合并到的议题")},
)


# ---------------------------------------------------------------------------------------------------------------
# Meetings and registrations

MEETING_MOVES: dict[str, fsm.Move[Meeting, User]] = {
    "open": fsm.Move({MeetingState.PLANNED}, MeetingState.OPEN, MANAGE, label=gettext_lazy("开放报名")),
    "start": fsm.Move(
        {MeetingState.PLANNED, MeetingState.OPEN}, MeetingState.IN_SESSION, MANAGE, label=gettext_lazy("开始会议")
    ),
    "end": fsm.Move({MeetingState.IN_SESSION}, MeetingState.HELD, MANAGE, label=gettext_lazy("结束会议")),
    "cancel": fsm.Move(
        {MeetingState.PLANNED, MeetingState.OPEN},
        MeetingState.CANCELLED,
        MANAGE,
        needs=("note",),
        label=gettext_lazy("取消会议"),
    ),
}

MEETING: fsm.Lifecycle[Meeting, User, AuditEvent] = fsm.Lifecycle(
    model=Meeting,
    moves=MEETING_MOVES,
    write_event=_event("meeting"),
    authorize=_authorize,
    visible=lambda actor, m: selectors.visible_to(actor, m.area_code) or selectors.is_invited(actor, m),
    noun=gettext_lazy("会议"),
    not_found=gettext_lazy("会议不存在：%(id)s"),
    pk_field="meeting_id",
    field_labels={"note": gettext_lazy("原因")},
)

RegistrationStep = fsm.Step[Registration, "User"]


def _cancel_registration(step: RegistrationStep) -> None:
    if step.from_state != RegistrationState.REGISTERED:
        return
    waiting = (
        Registration.objects.filter(meeting_id=step.obj.meeting_id, state=RegistrationState.WAITLISTED)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
        .first()
    )
    if waiting is not None:
        promoted = fsm.transition(REGISTRATION, waiting, "promote", actor=None, system=True, now=step.now).obj
        notify.promoted(step.obj.meeting, promoted.user_id)
        step.event_data["promoted"] = promoted.pk


REGISTRATION_MOVES: dict[str, fsm.Move[Registration, User]] = {
    "cancel": fsm.Move(
        {RegistrationState.REGISTERED, RegistrationState.WAITLISTED},
        RegistrationState.CANCELLED,
        OWN,
        _cancel_registration,
        label=gettext_lazy("取消报名"),
    ),
    "promote": fsm.Move(
        {RegistrationState.WAITLISTED}, RegistrationState.REGISTERED, MANAGE, label=gettext_lazy("候补转正")
    ),
}

REGISTRATION: fsm.Lifecycle[Registration, User, AuditEvent] = fsm.Lifecycle(
    model=Registration,
    moves=REGISTRATION_MOVES,
    write_event=_event("registration"),
    authorize=_authorize,
    authorize_first=True,
    noun=gettext_lazy("报名"),
    locked=lambda: Registration.objects.select_related("meeting"),
    lock_of=("self",),
    not_found=gettext_lazy("报名不存在：%(id)s"),
    pk_field="registration_id",
)


# ---------------------------------------------------------------------------------------------------------------
# Votes

VoteStep = fsm.Step[Vote, "User"]


def _open_vote(step: VoteStep) -> None:
    if step.obj.closes_at <= step.now:
        raise ValidationFailed(_("截止时间已过，请先修改截止时间再开始投票"), field="closes_at")


def _counts(raw: Any) -> dict[str, int]:
    if not isinstance(raw, dict):
        raise ValidationFailed(_('counts 必须是对象，如 {"yes": 30, "no": 5}'), field="counts")
    unknown = sorted(set(raw) - set(tally.CHOICES))
    if unknown:
        raise ValidationFailed(
            _("counts 只能包含 %(known)s，未知：%(unknown)s")
            % {"known": "、".join(tally.CHOICES), "unknown": "、".join(unknown)},
            field="counts",
        )
    out = {}
    for choice in tally.CHOICES:
        value = raw.get(choice, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > 1_000_000:
            raise ValidationFailed(_("counts.%(c)s 必须是不小于 0 的整数") % {"c": choice}, field=f"counts.{choice}")
        out[choice] = value
    return out


def _record(step: VoteStep) -> None:
    vote = step.obj
    counts = _counts(step.data["counts"])
    eligible = selectors.eligible(vote)
    if sum(counts.values()) > eligible:
        raise ValidationFailed(
            _("录入的票数合计 %(n)s 超过受邀人数 %(e)s") % {"n": sum(counts.values()), "e": eligible}, field="counts"
        )
    vote.recorded_counts, vote.recorded_by = counts, step.actor
    vote.rules_locked = True
    step.fields |= {"recorded_counts", "recorded_by", "rules_locked"}
    step.event_data["counts"] = counts


def _confirm(step: VoteStep) -> None:
    vote = step.obj
    if step.actor is None or step.actor.pk == vote.recorded_by_id:
        raise ValidationFailed(_("计票须由录入人以外的第二人复核"), field="confirmed_by")
    vote.confirmed_by = step.actor
    step.fields.add("confirmed_by")


def _reject_counts(step: VoteStep) -> None:
    vote = step.obj
    vote.recorded_counts, vote.recorded_by = {}, None
    step.fields |= {"recorded_counts", "recorded_by"}


def _publish(step: VoteStep) -> None:
    vote = step.obj
    result = tally.count(
        selectors.counts(vote),
        eligible=selectors.eligible(vote),
        quorum_percent=vote.quorum_percent,
        majority=vote.majority,
        tie_rule=vote.tie_rule,
    )
    vote.result, vote.outcome, vote.published_at = result.as_dict(), result.outcome, step.now
    vote.notice = board.vote_result(vote)
    step.fields |= {"result", "outcome", "published_at", "notice"}
    step.event_data["notice_id"] = vote.notice.pk
    step.event_data["result"] = result.as_dict()
    if vote.topic_id is not None and result.outcome != "no_quorum":
        topic = Topic.objects.filter(pk=vote.topic_id).only("state").first()
        if topic is not None and topic.state in TOPIC_MOVES["decide"].sources:
            text = _("表决「%(q)s」：%(outcome)s（赞成 %(yes)s，反对 %(no)s，弃权 %(abstain)s，空白 %(blank)s）") % {
                "q": vote.question,
                "outcome": vote.get_outcome_display(),
                **result.as_dict(),
            }
            fsm.transition(TOPIC, vote.topic_id, "decide", actor=None, system=True, data={"outcome": text})


VOTE_MOVES: dict[str, fsm.Move[Vote, User]] = {
    "open": fsm.Move({VoteState.DRAFT}, VoteState.OPEN, MANAGE, _open_vote, label=gettext_lazy("开始投票")),
    "close": fsm.Move({VoteState.OPEN}, VoteState.CLOSED, MANAGE, label=gettext_lazy("截止投票")),
    "record": fsm.Move(
        {VoteState.OPEN}, VoteState.RECORDED, MANAGE, _record, needs=("counts",), label=gettext_lazy("录入票数")
    ),
    "confirm": fsm.Move({VoteState.RECORDED}, VoteState.CLOSED, MANAGE, _confirm, label=gettext_lazy("复核票数")),
    "reject_counts": fsm.Move(
        {VoteState.RECORDED},
        VoteState.OPEN,
        MANAGE,
        _reject_counts,
        needs=("note",),
        label=gettext_lazy("退回重新计票"),
    ),
    "publish": fsm.Move({VoteState.CLOSED}, VoteState.PUBLISHED, MANAGE, _publish, label=gettext_lazy("公布结果")),
}


def _vote_available(vote: Vote, name: str) -> bool:
    if name == "close":
        return vote.mode == VoteMode.ONLINE
    if name == "record":
        return vote.mode == VoteMode.RECORDED
    return True


VOTE: fsm.Lifecycle[Vote, User, AuditEvent] = fsm.Lifecycle(
    model=Vote,
    moves=VOTE_MOVES,
    write_event=_event("vote"),
    authorize=_authorize,
    available=_vote_available,
    noun=gettext_lazy("表决"),
    not_found=gettext_lazy("表决不存在：%(id)s"),
    pk_field="vote_id",
    field_labels={"counts": gettext_lazy("票数"), "note": gettext_lazy("原因")},
)


# ---------------------------------------------------------------------------------------------------------------
# Action items

ActionStep = fsm.Step[ActionItem, "User"]


def _percent(raw: Any) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= 100:
        raise ValidationFailed(_("进度必须是 0 到 100 之间的整数"), field="percent")
    return raw


def _set_progress(step: ActionStep, percent: int, photo: Any = None) -> None:
    item = step.obj
    item.progress = percent
    step.fields.add("progress")
    if percent == 100:
        step.target = ActionState.DONE
        item.done_at = step.now
        item.notice = board.action_done(item, step.note)
        step.fields |= {"done_at", "notice"}
        step.event_data["notice_id"] = item.notice.pk
    ProgressUpdate.objects.create(
        item=item, percent=percent, note=step.note, photo=photo or "", by=step.actor, at=step.now
    )
    step.event_data["percent"] = percent
    actor_id = step.actor.pk if step.actor is not None else None
    text = _("进度 %(p)s%%。%(note)s") % {"p": percent, "note": step.note}
    notify.progress(item, actor_id=actor_id, text=text)
    step.extra["rollup"] = item.parent_id


def _progress(step: ActionStep) -> None:
    if ActionItem.objects.filter(parent_id=step.obj.pk).exists():
        raise ValidationFailed(_("该事项有子事项，进度由子事项汇总，请填报子事项的进度"), field="percent")
    _set_progress(step, _percent(step.data["percent"]), step.data.get("photo"))


def _rollup(step: ActionStep) -> None:
    _set_progress(step, _percent(step.data["percent"]))


def _reopen(step: ActionStep) -> None:
    item = step.obj
    item.done_at = None
    step.fields.add("done_at")
    notify.progress(
        item, actor_id=step.actor.pk if step.actor else None, text=_("事项重新办理：%(n)s") % {"n": step.note}
    )


ACTION_MOVES: dict[str, fsm.Move[ActionItem, User]] = {
    "progress": fsm.Move(
        {ActionState.OPEN, ActionState.IN_PROGRESS, ActionState.REOPENED},
        ActionState.IN_PROGRESS,
        ACT,
        _progress,
        needs=("percent",),
        accepts=frozenset({"photo"}),
        label=gettext_lazy("填报进展"),
    ),
    "rollup": fsm.Move(
        {ActionState.OPEN, ActionState.IN_PROGRESS, ActionState.REOPENED, ActionState.DONE},
        ActionState.IN_PROGRESS,
        MANAGE,
        _rollup,
        needs=("percent",),
        label=gettext_lazy("汇总子事项进度"),
    ),
    "reopen": fsm.Move(
        {ActionState.DONE}, ActionState.REOPENED, MANAGE, _reopen, needs=("note",), label=gettext_lazy("重新办理")
    ),
}

ACTION: fsm.Lifecycle[ActionItem, User, AuditEvent] = fsm.Lifecycle(
    model=ActionItem,
    moves=ACTION_MOVES,
    write_event=_event("action"),
    authorize=_authorize,
    visible=lambda actor, item: selectors.visible_to(actor, item.area_code) or actor.pk == item.owner_user_id,
    noun=gettext_lazy("落实事项"),
    not_found=gettext_lazy("落实事项不存在：%(id)s"),
    pk_field="action_id",
    field_labels={"percent": gettext_lazy("进度"), "note": gettext_lazy("原因")},
)


def roll_up(parent_id: int | None) -> None:
    """A parent's progress is the mean of its sub-items'; done when every sub-item is done."""
    while parent_id is not None:
        children = ActionItem.objects.filter(parent_id=parent_id)
        mean = children.aggregate(p=Avg("progress"))["p"] or 0
        all_done = not children.exclude(state=ActionState.DONE).exists()
        percent = 100 if all_done else min(99, round(mean))
        parent = ActionItem.objects.filter(pk=parent_id).only("progress", "state", "parent_id").first()
        if parent is None or (parent.progress == percent and parent.state != ActionState.REOPENED):
            return
        if parent.state == ActionState.DONE and percent == 100:
            return
        result = fsm.transition(ACTION, parent_id, "rollup", actor=None, system=True, data={"percent": percent})
        parent_id = result.obj.parent_id


# ---------------------------------------------------------------------------------------------------------------
# The weekly topic and surveys


def _resolve_weekly(step: fsm.Step[WeeklyTopic, User]) -> None:
    step.obj.resolution, step.obj.resolved_at = step.note, step.now
    step.fields |= {"resolution", "resolved_at"}


WEEKLY: fsm.Lifecycle[WeeklyTopic, User, AuditEvent] = fsm.Lifecycle(
    model=WeeklyTopic,
    moves={
        "resolve": fsm.Move(
            {WeeklyState.CHOSEN},
            WeeklyState.RESOLVED,
            MANAGE,
            _resolve_weekly,
            needs=("note",),
            label=gettext_lazy("已解决"),
        )
    },
    write_event=_event("weekly"),
    authorize=_authorize,
    noun=gettext_lazy("每周一题"),
    pk_field="weekly_id",
    field_labels={"note": gettext_lazy("解决情况")},
)


def _open_survey(step: fsm.Step[Survey, User]) -> None:
    if not step.obj.questions.exists():
        raise ValidationFailed(_("问卷还没有题目"), field="questions")


SURVEY_LIFECYCLE: fsm.Lifecycle[Survey, User, AuditEvent] = fsm.Lifecycle(
    model=Survey,
    moves={
        "open": fsm.Move({SurveyState.DRAFT}, SurveyState.OPEN, SURVEY, _open_survey, label=gettext_lazy("发布问卷")),
        "close": fsm.Move({SurveyState.OPEN}, SurveyState.CLOSED, SURVEY, label=gettext_lazy("结束问卷")),
    },
    write_event=_event("survey"),
    authorize=_authorize,
    noun=gettext_lazy("问卷"),
    pk_field="survey_id",
)


# ---------------------------------------------------------------------------------------------------------------
# Comments on agenda items, minutes and their corrections


def _hide_comment(step: fsm.Step[AgendaComment, User]) -> None:
    step.obj.hidden_reason = step.note[:500]
    step.fields.add("hidden_reason")
    step.event_data["author"] = step.obj.author_id


COMMENT: fsm.Lifecycle[AgendaComment, User, AuditEvent] = fsm.Lifecycle(
    model=AgendaComment,
    moves={
        "hide": fsm.Move(
            {CommentState.VISIBLE},
            CommentState.HIDDEN,
            MANAGE,
            _hide_comment,
            needs=("note",),
            label=gettext_lazy("隐藏"),
        )
    },
    write_event=_event("comment"),
    authorize=_authorize,
    visible=lambda actor, c: selectors.visible_to(actor, c.area_code),
    noun=gettext_lazy("议程意见"),
    not_found=gettext_lazy("意见不存在：%(id)s"),
    pk_field="comment_id",
    field_labels={"note": gettext_lazy("隐藏理由")},
    field_messages={"note": gettext_lazy("隐藏意见时请说明理由")},
)

MinutesStep = fsm.Step[Minutes, "User"]


def _revise(step: MinutesStep) -> None:
    from gongzhi.core.text import clean_text

    minutes = step.obj
    if "body" in step.data:
        minutes.body = clean_text(step.data["body"], field="body", max_length=20000, required=True)
        step.fields.add("body")
    if "decisions" in step.data:
        minutes.decisions = decisions_list(step.data["decisions"])
        step.fields.add("decisions")
    if not step.fields:
        raise ValidationFailed(_("请给出要修改的纪要正文（body）或决定事项（decisions）"), field="body")


def decisions_list(raw: Any) -> list[str]:
    from gongzhi.core.text import clean_text

    if not isinstance(raw, list) or len(raw) > 50:
        raise ValidationFailed(_("decisions 必须是决定事项（文字）的列表，最多 50 条"), field="decisions")
    out = []
    for i, text in enumerate(raw):
        if not isinstance(text, str):
            raise ValidationFailed(_("decisions 的每一条都必须是文字"), field=f"decisions.{i}")
        cleaned = clean_text(text, field=f"decisions.{i}", max_length=500)
        if cleaned:
            out.append(cleaned)
    return out


def _approve(step: MinutesStep) -> None:
    pending = MinutesCorrection.objects.filter(minutes=step.obj, state=CorrectionState.PROPOSED).count()
    if pending:
        raise ValidationFailed(
            _("还有 %(n)s 条更正待处理，请先采纳或说明不采纳的理由") % {"n": pending}, field="corrections"
        )
    step.obj.approved_by = step.actor
    step.fields.add("approved_by")


def _publish_minutes(step: MinutesStep) -> None:
    minutes = step.obj
    minutes.published_at = step.now
    minutes.notice = board.minutes_published(minutes)
    step.fields |= {"published_at", "notice"}
    step.event_data["notice_id"] = minutes.notice.pk


MINUTES: fsm.Lifecycle[Minutes, User, AuditEvent] = fsm.Lifecycle(
    model=Minutes,
    moves={
        "revise": fsm.Move(
            {MinutesState.DRAFT},
            fsm.STAY,
            MANAGE,
            _revise,
            accepts=frozenset({"body", "decisions"}),
            label=gettext_lazy("修改纪要"),
        ),
        "approve": fsm.Move({MinutesState.DRAFT}, MinutesState.APPROVED, MANAGE, _approve, label=gettext_lazy("审定")),
        "publish": fsm.Move(
            {MinutesState.APPROVED}, MinutesState.PUBLISHED, MANAGE, _publish_minutes, label=gettext_lazy("公示")
        ),
    },
    write_event=_event("minutes"),
    authorize=_authorize,
    visible=lambda actor, m: selectors.visible_to(actor, m.area_code),
    locked=lambda: Minutes.objects.select_related("meeting"),
    lock_of=("self",),
    noun=gettext_lazy("会议纪要"),
    not_found=gettext_lazy("会议纪要不存在：%(id)s"),
    pk_field="minutes_id",
)


def _answer(step: fsm.Step[MinutesCorrection, User]) -> None:
    step.obj.answer = step.note[:500]
    step.fields.add("answer")


CORRECTION: fsm.Lifecycle[MinutesCorrection, User, AuditEvent] = fsm.Lifecycle(
    model=MinutesCorrection,
    moves={
        "accept": fsm.Move(
            {CorrectionState.PROPOSED}, CorrectionState.ACCEPTED, MANAGE, _answer, label=gettext_lazy("采纳")
        ),
        "decline": fsm.Move(
            {CorrectionState.PROPOSED},
            CorrectionState.DECLINED,
            MANAGE,
            _answer,
            needs=("note",),
            label=gettext_lazy("不采纳"),
        ),
    },
    write_event=_event("correction"),
    authorize=_authorize,
    visible=lambda actor, c: selectors.visible_to(actor, c.area_code),
    noun=gettext_lazy("纪要更正"),
    not_found=gettext_lazy("更正不存在：%(id)s"),
    pk_field="correction_id",
    field_labels={"note": gettext_lazy("理由")},
)


def denied(message: str, *, field: str) -> PermissionDenied:
    return PermissionDenied(message, field=field)
