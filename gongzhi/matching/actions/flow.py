"""The seven-order flow ("七单") as one transition table, `DEMAND`, made by `core.fsm.transition()`.

    资源清单亮家底 (resources) → 群众点单 (ordered) → 中心派单 (dispatch → dispatched) → 社区接单 (accept → accepted)
    → 党员领单 (claim) / 志愿抢单 (grab) → taken → fulfil with evidence → fulfilled → 群众评单 (rate) → closed

A micro-wish starts on the wall (accepted): party members claim it there. A holder who gives up (`release`) or
misses the deadline (the sweep's system `release`) puts the demand back in the pool, and the move is recorded.
Someone else may ask the holder to hand it over (`ask_handover`); the holder hands it over or declines. Each move
sets the deadline of the next step from the item's hours (`due_at`), so a demand past it shows as overdue.

Exactly one winner of a grab: `transition()` locks the demand row (`select_for_update`) before it reads the state,
so concurrent grabs queue on the row; the first makes it `taken` and every later one finds it taken and is refused
as a 409 Conflict naming the moves left. A check constraint (taken ⇒ a holder) is the last line.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.core import clock, fsm
from gongzhi.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.matching.models import (
    OPEN_STATES,
    Demand,
    DemandEvent,
    DemandState,
    HolderKind,
    Resource,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

Step = fsm.Step[Demand, "User"]
S = DemandState

# Rules a move names: the named area rules of accounts.rules, and four this lifecycle answers itself.
DISPATCH, ACCEPT, CLAIM, GRAB = "matching.dispatch", "matching.accept", "matching.claim", "matching.grab"
HOLDER = "matching.demand.holder"  # the one who holds it (or office staff of the area, for release)
RATER = "matching.demand.rater"  # the resident who asked (or the staff who entered it for someone without a login)
OWNER = "matching.demand.owner"  # who asked, or office staff of the area
HELPER = "matching.demand.helper"  # anyone who could have claimed or grabbed it, other than the holder

POINTS_SOURCE_TYPE = "matching.demand"
POINTS_RULE_CODE = "public-volunteer"
MAX_PHOTOS = 9
MAX_HOURS = Decimal("24")


def _note(step: Step, *, required: bool = False) -> str:
    return clean_text(step.note, field="note", max_length=1000, required=required)


def _dispatch(step: Step) -> None:
    demand = step.obj
    resource_id = step.data.get("resource_id")
    if resource_id is not None:
        if isinstance(resource_id, bool) or not isinstance(resource_id, int):
            raise ValidationFailed(_("resource_id 须为整数"), field="resource_id")
        resource = Resource.objects.filter(pk=resource_id, active=True).first()
        if resource is None:
            raise NotFound(_("资源不存在或已失效：%(id)s") % {"id": resource_id}, field="resource_id")
        if resource.category_id != demand.item.category_id:
            raise ValidationFailed(_("该资源不提供这一类服务"), field="resource_id")
        demand.resource = resource
        step.event_data["resource_id"] = resource.pk
    demand.dispatched_at = step.now
    step.fields |= {"resource", "dispatched_at"}


def _take(kind: str) -> Any:
    def effect(step: Step) -> None:
        demand = step.obj
        demand.holder = step.actor
        demand.holder_kind = kind
        demand.handover_to = None
        step.fields |= {"holder", "holder_kind", "handover_to"}
        step.event_data["holder_id"] = step.actor.pk if step.actor else None

    return effect


def _release(step: Step) -> None:
    demand = step.obj
    step.event_data["released"] = demand.holder_id
    step.event_data["reason"] = step.data.get("reason") or ("deadline" if step.system else "gave_up")
    released = demand.holder_id
    demand.holder = None
    demand.holder_kind = ""
    demand.handover_to = None
    step.fields |= {"holder", "holder_kind", "handover_to"}
    if step.system and released:
        from gongzhi.notifications.actions import Note, notify_many

        notify_many(notes=[Note(user_id=released, kind="matching.released",
                                title=str(_("您领取的需求已超时，已退回待领：%(t)s") % {"t": demand.title}),
                                link=f"/matching/demands/{demand.pk}/")])  # fmt: skip


def _ask_handover(step: Step) -> None:
    demand = step.obj
    if demand.handover_to_id is not None:
        raise Conflict(_("已有人请求转交，请等待承接人处理"), field="action")
    demand.handover_to = step.actor
    step.fields.add("handover_to")
    step.event_data["asked_by"] = step.actor.pk if step.actor else None
    if demand.holder is not None:
        from gongzhi.notifications.actions import notify

        notify(user=demand.holder, kind="matching.handover",
               title=str(_("有人请求接手您的需求：%(t)s") % {"t": demand.title}),
               body=_note(step), link=f"/matching/demands/{demand.pk}/")  # fmt: skip


def _hand_over(step: Step) -> None:
    demand = step.obj
    if demand.handover_to_id is None:
        raise ValidationFailed(_("没有待处理的转交请求"), field="action")
    new_holder = demand.handover_to
    step.event_data["from"], step.event_data["to"] = demand.holder_id, demand.handover_to_id
    demand.holder = new_holder
    demand.holder_kind = (
        HolderKind.PARTY if new_holder and rules.allows(new_holder, CLAIM, demand.area_code) else HolderKind.VOLUNTEER
    )
    demand.handover_to = None
    step.fields |= {"holder", "holder_kind", "handover_to"}


def _decline_handover(step: Step) -> None:
    demand = step.obj
    if demand.handover_to_id is None:
        raise ValidationFailed(_("没有待处理的转交请求"), field="action")
    step.event_data["declined"] = demand.handover_to_id
    demand.handover_to = None
    step.fields.add("handover_to")


def _hours(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValidationFailed(_("服务时长须为数字（小时）"), field="hours")
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise ValidationFailed(_("服务时长须为数字（小时）"), field="hours") from None
    if not (Decimal("0.1") <= hours <= MAX_HOURS):
        raise ValidationFailed(_("服务时长须在 0.1 到 24 小时之间"), field="hours")
    return hours


def _fulfil(step: Step) -> None:
    demand = step.obj
    photos = step.data.get("photos") or []
    if not isinstance(photos, list) or len(photos) > MAX_PHOTOS or not all(isinstance(p, str) for p in photos):
        raise ValidationFailed(_("照片须为最多 %(n)d 个地址的列表") % {"n": MAX_PHOTOS}, field="photos")
    demand.evidence_note = _note(step, required=True)
    demand.evidence_photos = [clean_text(p, field="photos", max_length=300) for p in photos]
    demand.hours = _hours(step.data.get("hours"))
    step.fields |= {"evidence_note", "evidence_photos", "hours"}
    step.event_data["hours"] = str(demand.hours) if demand.hours is not None else None
    if demand.requester is not None:
        from gongzhi.notifications.actions import notify

        notify(user=demand.requester, kind="matching.fulfilled",
               title=str(_("您的需求已完成，请评价：%(t)s") % {"t": demand.title}),
               link=f"/matching/demands/{demand.pk}/")  # fmt: skip


def _rate(step: Step) -> None:
    demand = step.obj
    score = step.data.get("score")
    if isinstance(score, bool) or not isinstance(score, int) or not (1 <= score <= 5):
        raise ValidationFailed(_("评分须为 1 到 5 的整数"), field="score")
    demand.rating = score
    demand.rating_comment = clean_text(step.data.get("comment", ""), field="comment", max_length=500)
    step.fields |= {"rating", "rating_comment"}
    step.event_data["score"] = score
    if demand.resource_id:
        Resource.objects.filter(pk=demand.resource_id).update(
            rating_sum=F("rating_sum") + score, rating_count=F("rating_count") + 1
        )
    _points_for_hours(step)


def _points_for_hours(step: Step) -> None:
    """Fulfilment time is confirmed by the resident's rating and earns points once per demand and person."""
    from gongzhi.points.actions.awards import award_from_source

    demand = step.obj
    holder = demand.holder
    if holder is None or not demand.hours or demand.points_award_id:
        return
    resident = _resident_of(holder)
    step.fields |= {"points_award_id", "points_note"}
    if resident is None:
        demand.points_note = str(_("承接人未关联居民户，未计积分"))
        return
    try:
        with transaction.atomic():
            award = award_from_source(
                source_type=POINTS_SOURCE_TYPE,
                source_id=f"{demand.pk}:{holder.pk}",
                resident=resident,
                rule_code=POINTS_RULE_CODE,
                actor=step.actor,
            )
    except DomainError as exc:
        demand.points_note = str(exc.message)[:200]
        return
    demand.points_award_id = award.pk
    demand.points_note = ""


def _resident_of(user: User) -> Any:
    from gongzhi.people.models import PartyMember, Resident
    from gongzhi.volunteering.models import Volunteer

    if user.resident_id:
        return Resident.objects.select_related("household").filter(pk=user.resident_id).first()
    for model in (Volunteer, PartyMember):
        row = model.objects.select_related("resident", "resident__household").filter(user_id=user.pk).first()
        if row is not None and row.resident is not None:
            return row.resident
    return None


def _cancel(step: Step) -> None:
    step.event_data["reason"] = _note(step)


def _merge(step: Step) -> None:
    demand = step.obj
    into_id = step.data.get("into")
    if isinstance(into_id, bool) or not isinstance(into_id, int) or into_id == demand.pk:
        raise ValidationFailed(_("请选择要合并到的另一条需求"), field="into")
    into = Demand.objects.filter(pk=into_id, state__in=OPEN_STATES).first()
    if into is None:
        raise NotFound(_("要合并到的需求不存在或已结束：%(id)s") % {"id": into_id}, field="into")
    if not rules.allows(step.actor, DISPATCH, into.area_code) or into.item.category_id != demand.item.category_id:
        raise ValidationFailed(_("只能合并到本辖区同一类别的需求"), field="into")
    demand.merged_into = into
    step.fields.add("merged_into")
    step.event_data["into"] = into.pk


POOL = {S.ACCEPTED}
BEFORE_TAKEN = {S.ORDERED, S.DISPATCHED, S.ACCEPTED}

MOVES: dict[str, fsm.Move[Demand, User]] = {
    "dispatch": fsm.Move(
        {S.ORDERED}, S.DISPATCHED, DISPATCH, _dispatch, accepts=frozenset({"resource_id"}), label=gettext_lazy("派单")
    ),
    "accept": fsm.Move({S.DISPATCHED}, S.ACCEPTED, ACCEPT, label=gettext_lazy("接单")),
    "claim": fsm.Move(POOL, S.TAKEN, CLAIM, _take(HolderKind.PARTY), label=gettext_lazy("领单")),
    "grab": fsm.Move(POOL, S.TAKEN, GRAB, _take(HolderKind.VOLUNTEER), label=gettext_lazy("抢单")),
    "release": fsm.Move(
        {S.TAKEN}, S.ACCEPTED, HOLDER, _release, accepts=frozenset({"reason"}), label=gettext_lazy("退回")
    ),
    "ask_handover": fsm.Move({S.TAKEN}, fsm.STAY, HELPER, _ask_handover, label=gettext_lazy("请求转交")),
    "hand_over": fsm.Move({S.TAKEN}, fsm.STAY, HOLDER, _hand_over, label=gettext_lazy("同意转交")),
    "decline_handover": fsm.Move({S.TAKEN}, fsm.STAY, HOLDER, _decline_handover, label=gettext_lazy("拒绝转交")),
    "fulfil": fsm.Move(
        {S.TAKEN},
        S.FULFILLED,
        HOLDER,
        _fulfil,
        needs=("note",),
        accepts=frozenset({"photos", "hours"}),
        label=gettext_lazy("完成服务"),
    ),
    "rate": fsm.Move(
        {S.FULFILLED},
        S.CLOSED,
        RATER,
        _rate,
        needs=("score",),
        accepts=frozenset({"comment"}),
        label=gettext_lazy("评单"),
    ),
    "cancel": fsm.Move(BEFORE_TAKEN, S.CANCELLED, OWNER, _cancel, label=gettext_lazy("取消")),
    "merge": fsm.Move(BEFORE_TAKEN, S.MERGED, DISPATCH, _merge, needs=("into",), label=gettext_lazy("合并重复")),
}


def is_rater(user: User, demand: Demand) -> bool:
    if demand.requester_id is not None:
        return demand.requester_id == user.pk
    return demand.entered_by_id == user.pk


def _holds(actor: User, rule: str, demand: Demand) -> bool:
    code = demand.area_code
    if rule == HOLDER:
        return demand.holder_id == actor.pk or rules.allows(actor, DISPATCH, code)
    if rule == RATER:
        return is_rater(actor, demand)
    if rule == OWNER:
        return demand.requester_id == actor.pk or rules.allows(actor, DISPATCH, code)
    if rule == HELPER:
        return demand.holder_id != actor.pk and (rules.allows(actor, CLAIM, code) or rules.allows(actor, GRAB, code))
    return rules.allows(actor, rule, code)


def _authorize(actor: User, demand: Demand, name: str, move: fsm.Move[Demand, User]) -> PermissionDenied | None:
    if name in ("hand_over", "decline_handover", "fulfil") and demand.holder_id != actor.pk:
        return PermissionDenied(_("只有承接人可以执行「%(a)s」") % {"a": move.label}, field="action")
    if name == "rate" and not is_rater(actor, demand):
        return PermissionDenied(_("只有点单的居民本人可以评单"), field="action")
    return fsm.rule_check(_holds)(actor, demand, name, move)


def can_see(user: User, demand: Demand) -> bool:
    """Staff of the area, who asked or entered it, who holds or asked for it, and — while it is in the pool or held —
    the party members and volunteers of the area (the wall and the grab list)."""
    if user.pk in (demand.requester_id, demand.entered_by_id, demand.holder_id, demand.handover_to_id):
        return True
    code = demand.area_code
    if rules.allows(user, "matching.view", code):
        return True
    return demand.state in (S.ACCEPTED, S.TAKEN) and (rules.allows(user, CLAIM, code) or rules.allows(user, GRAB, code))


def _event(step: Step) -> DemandEvent:
    return DemandEvent.objects.create(
        demand=step.obj,
        action=step.name,
        from_state=step.from_state,
        to_state=step.target,
        actor=step.actor,
        note=step.note[:1000],
        data=step.event_data,
        at=step.now,
    )


def next_due(demand: Demand, state: str, now: dt.datetime) -> dt.datetime | None:
    hours = demand.item.hours_for(state)
    return now + dt.timedelta(hours=hours) if hours else None


def _before_save(step: Step) -> None:
    demand = step.obj
    if step.target != step.from_state:
        demand.due_at = next_due(demand, step.target, step.now)
        demand.reminded_at = None
        step.fields |= {"due_at", "reminded_at"}


DEMAND: fsm.Lifecycle[Demand, User, DemandEvent] = fsm.Lifecycle(
    model=Demand,
    moves=MOVES,
    write_event=_event,
    authorize=_authorize,
    visible=can_see,
    refused_as=Conflict,  # "already taken / closed": someone got there first
    noun=gettext_lazy("需求"),
    state_field="state",
    version_field="version",
    updated_field="updated_at",
    locked=lambda: Demand.objects.select_related("item", "item__category"),
    lock_of=("self",),
    before_save=_before_save,
    not_found=gettext_lazy("需求不存在：%(id)s"),
    pk_field="demand_id",
    field_labels={"note": gettext_lazy("服务记录"), "score": gettext_lazy("评分"), "into": gettext_lazy("合并到")},
)


def demand_move(
    *,
    actor: User,
    demand_id: int,
    action: str,
    data: dict[str, Any] | None = None,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Demand:
    """One move of the seven-order flow by a person (the page and the API both call this; `now` dates it)."""
    result = fsm.transition(
        DEMAND, demand_id, action, actor=actor, data=data, note=note, expected_version=expected_version, now=now
    )
    return result.obj


REMIND_BEFORE = dt.timedelta(hours=12)


def demands_sweep(*, now: dt.datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """The periodic sweep: release demands whose holder missed the deadline back to the pool (a recorded system
    move), remind holders 12 hours before their deadline and residents who have not rated in time."""
    from gongzhi.notifications.actions import Note, notify_many

    now = now or clock.now()
    done = {"released": 0, "reminded": 0}
    late = list(
        Demand.objects.filter(state=S.TAKEN, due_at__lt=now).order_by("due_at").values_list("pk", flat=True)[:limit]
    )
    for pk in late:
        try:
            fsm.transition(DEMAND, pk, "release", actor=None, system=True, now=now, data={"reason": "deadline"})
        except Conflict:
            continue  # fulfilled or released meanwhile
        done["released"] += 1
    with transaction.atomic():
        soon = list(
            Demand.objects.select_for_update(skip_locked=True)
            .filter(reminded_at__isnull=True)
            .filter(
                (Q(state=S.TAKEN, due_at__lt=now + REMIND_BEFORE, due_at__gte=now))
                | Q(state=S.FULFILLED, due_at__lt=now)
            )
            .only("pk", "state", "title", "holder_id", "requester_id")[:limit]
        )
        notes = []
        for d in soon:
            user_id = d.holder_id if d.state == S.TAKEN else d.requester_id
            if user_id is None:
                continue
            title = (
                _("需求即将超时，请尽快完成：%(t)s") if d.state == S.TAKEN else _("请为已完成的服务评价：%(t)s")
            ) % {"t": d.title}
            notes.append(Note(user_id=user_id, kind="matching.reminder", title=str(title),
                              link=f"/matching/demands/{d.pk}/"))  # fmt: skip
        if notes:
            notify_many(notes=notes)
        Demand.objects.filter(pk__in=[d.pk for d in soon]).update(reminded_at=now)
        done["reminded"] = len(notes)
    return done
