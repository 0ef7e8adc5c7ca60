"""做 and 评: action items from decisions (owner, deadline, sub-items rolling up, progress with photos, reminders),
residents' ratings of finished items (an unsatisfied majority reopens them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core import clock, fsm
from gongzhi.core.errors import Conflict, NotFound, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.deliberation import notify, selectors
from gongzhi.deliberation.actions._common import choice
from gongzhi.deliberation.lifecycles import ACTION, roll_up
from gongzhi.deliberation.models import (
    ActionItem,
    ActionRating,
    ActionState,
    OwnerKind,
    Topic,
    TopicState,
    Vote,
    VoteState,
)

DECIDED_TOPIC = (TopicState.DECIDED, TopicState.SOLVED_ON_SPOT, TopicState.ACCEPTED, TopicState.SCHEDULED)
REMIND_DAYS = 2


@transaction.atomic
def action_create(
    *,
    actor: User,
    title: Any,
    owner_kind: Any,
    owner_name: Any,
    deadline: Any,
    vote_id: int | None = None,
    topic_id: int | None = None,
    parent_id: int | None = None,
    owner_user_id: int | None = None,
) -> ActionItem:
    """An action item of a passed, published vote (or of a topic solved on the spot, or a sub-item of an item)."""
    title = clean_text(title, field="title", max_length=200, required=True)
    owner_kind = choice(owner_kind, OwnerKind.values, field="owner_kind")
    owner_name = clean_text(owner_name, field="owner_name", max_length=100)
    if deadline is None or deadline == "":
        raise ValidationFailed(_("请填写完成期限"), field="deadline")
    if not isinstance(deadline, dt.date) or isinstance(deadline, dt.datetime):
        raise ValidationFailed(_("deadline 必须是日期（YYYY-MM-DD）"), field="deadline")
    owner_user = None
    if owner_user_id is not None:
        owner_user = User.objects.filter(pk=owner_user_id, is_active=True).first()
        if owner_user is None:
            raise ValidationFailed(_("责任人账号不存在：%(id)s") % {"id": owner_user_id}, field="owner_user_id")
        owner_name = owner_name or owner_user.display_name or owner_user.username
    if not owner_name:
        raise ValidationFailed(_("请填写责任方（个人、部门、物业或共建单位）"), field="owner_name")
    vote = topic = parent = None
    if parent_id is not None:
        parent = ActionItem.objects.select_for_update().filter(pk=parent_id).first()
        if parent is None:
            raise ValidationFailed(_("上级事项不存在：%(id)s") % {"id": parent_id}, field="parent_id")
        area_code, vote_id, topic_id = parent.area_code, parent.vote_id, parent.topic_id
        vote, topic = parent.vote, parent.topic
    elif vote_id is not None:
        vote = Vote.objects.filter(pk=vote_id).first()
        if vote is None:
            raise ValidationFailed(_("决议不存在：%(id)s") % {"id": vote_id}, field="vote_id")
        if vote.state != VoteState.PUBLISHED:
            raise ValidationFailed(_("表决结果尚未公布，不能分解落实事项"), field="vote_id")
        if vote.outcome == "no_quorum":
            raise ValidationFailed(_("这次表决未达法定人数，不能据此形成落实事项"), field="vote_id")
        if vote.outcome != "passed":
            raise ValidationFailed(_("表决未通过，不能据此形成落实事项"), field="vote_id")
        area_code, topic = vote.area_code, vote.topic
    elif topic_id is not None:
        topic = Topic.objects.filter(pk=topic_id).first()
        if topic is None:
            raise ValidationFailed(_("议题不存在：%(id)s") % {"id": topic_id}, field="topic_id")
        if topic.state not in DECIDED_TOPIC:
            raise ValidationFailed(_("议题尚未受理或已办结，不能分解落实事项"), field="topic_id")
        area_code = topic.area_code
    else:
        raise ValidationFailed(_("请指定决议（vote_id）、议题（topic_id）或上级事项（parent_id）"), field="vote_id")
    selectors.require_manager(actor, area_code, field="area")
    if deadline < clock.today():
        raise ValidationFailed(_("完成期限不能早于今天"), field="deadline")
    if parent is not None and parent.state == ActionState.DONE:
        raise ValidationFailed(_("上级事项已完成，不能再添加子事项"), field="parent_id")
    return ActionItem.objects.create(
        title=title,
        vote=vote,
        topic=topic,
        parent=parent,
        area_code=area_code,
        owner_kind=owner_kind,
        owner_user=owner_user,
        owner_name=owner_name,
        deadline=deadline,
    )


@transaction.atomic
def action_progress(*, actor: User, action_id: int, percent: Any, note: str = "", photo: Any = None) -> ActionItem:
    data: dict[str, Any] = {"percent": percent}
    if photo is not None:
        data["photo"] = photo
    result = fsm.transition(ACTION, action_id, "progress", actor=actor, data=data, note=note)
    roll_up(result.obj.parent_id)
    return result.obj


def action_move(*, actor: User, action_id: int, action: str, note: str = "") -> ActionItem:
    return fsm.transition(ACTION, action_id, action, actor=actor, note=note).obj


def _round(item: ActionItem) -> int:
    from gongzhi.core.models import AuditEvent

    return AuditEvent.objects.filter(
        target_type="deliberation.actionitem", target_id=str(item.pk), action="deliberation.action.reopen"
    ).count()


@transaction.atomic
def action_rate(*, actor: User, action_id: int, satisfied: Any, comment: Any = "") -> ActionRating:
    """A resident of the item's area rates a finished item, once per round; an unsatisfied majority (the
    community's rule: at least N ratings and more than P % unsatisfied) reopens it."""
    item = ActionItem.objects.select_for_update().filter(pk=action_id).first()
    if item is None or not selectors.visible_to(actor, item.area_code):
        raise NotFound(_("落实事项不存在：%(id)s") % {"id": action_id}, field="action_id")
    selectors.require_participant(actor, item.area_code, field="action_id")
    if not isinstance(satisfied, bool):
        raise ValidationFailed(_("satisfied 必须是 true 或 false"), field="satisfied")
    if item.state != ActionState.DONE:
        raise ValidationFailed(_("事项完成后才能评价"), field="action_id")
    comment = clean_text(comment, field="comment", max_length=500)
    current = _round(item)
    try:
        with transaction.atomic():
            rating = ActionRating.objects.create(
                item=item, user=actor, satisfied=satisfied, comment=comment, round=current
            )
    except IntegrityError:
        raise Conflict(_("您已经评价过这个事项"), field="action_id") from None
    rule = selectors.settings_for(item.area_code)
    ratings = ActionRating.objects.filter(item=item, round=current)
    total = ratings.count()
    unsatisfied = ratings.filter(satisfied=False).count()
    if total >= rule.reopen_min_ratings and unsatisfied * 100 > rule.reopen_unsatisfied_percent * total:
        fsm.transition(
            ACTION,
            item.pk,
            "reopen",
            actor=None,
            system=True,
            note=_("居民评价不满意 %(u)s/%(t)s，重新办理") % {"u": unsatisfied, "t": total},
        )
    return rating


def reminders_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """Owners are reminded two days before the deadline and once it has passed (each reminder once)."""
    today = today or clock.today()
    sent = {"due_soon": 0, "overdue": 0}
    open_items = ActionItem.objects.exclude(state=ActionState.DONE)
    with transaction.atomic():
        for item in open_items.filter(
            reminded_before=False, deadline__gte=today, deadline__lte=today + dt.timedelta(days=REMIND_DAYS)
        ):
            notify.reminder(item, overdue=False)
            ActionItem.objects.filter(pk=item.pk).update(reminded_before=True)
            sent["due_soon"] += 1
        for item in open_items.filter(reminded_after=False, deadline__lt=today):
            notify.reminder(item, overdue=True)
            ActionItem.objects.filter(pk=item.pk).update(reminded_after=True)
            sent["overdue"] += 1
    return sent
