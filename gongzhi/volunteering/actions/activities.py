"""Activities, classes and camps: creating them, cancelling and reopening them, calling for cover.

An activity is created open; cancelling (no more sign-ups) and reopening are the moves of `ACTIVITY`, made by
`fsm.transition()`, which locks the activity row: the same lock a sign-up takes, so no sign-up slips in after a
cancellation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.areas.models import Area
from gongzhi.core import fsm
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.text import clean_text as _text
from gongzhi.volunteering import selectors
from gongzhi.volunteering.actions._common import _area, _aware, _choice, _skills
from gongzhi.volunteering.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Project,
    Team,
    Volunteer,
    VolunteerKind,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

MAX_CAPACITY = 100_000


@transaction.atomic
def activity_create(
    *,
    actor: User,
    title: str,
    area: Area | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str,
    capacity: int,
    organiser: User | None = None,
    kind: str = ActivityKind.SERVICE,
    parent: Activity | None = None,
    project: Project | None = None,
    team: Team | None = None,
    description: str = "",
    geofence: tuple[float, float, int] | None = None,
    window_minutes: int = 30,
    min_age: int | None = None,
    max_age: int | None = None,
    required_skills: Iterable[str] = (),
    allowed_kinds: Iterable[str] = (),
    needs_approval: bool = False,
    waitlist: bool = True,
    signup_deadline: dt.datetime | None = None,
    cancel_deadline: dt.datetime | None = None,
) -> Activity:
    area = _area(area)
    rules.require(actor, "volunteering.organise", area.code)
    title = _text(title, field="title", max_length=100, required=True)
    kind = _choice(kind, ActivityKind.values, field="kind")
    starts_at, ends_at = _aware(starts_at, field="starts_at"), _aware(ends_at, field="ends_at")
    if ends_at <= starts_at:
        raise ValidationFailed(_("结束时间须晚于开始时间"), field="ends_at")
    if ends_at - starts_at > dt.timedelta(days=31):
        raise ValidationFailed(_("活动时长不能超过 31 天，较长的营地请分班次发布"), field="ends_at")
    if not (1 <= int(capacity) <= MAX_CAPACITY):
        raise ValidationFailed(_("招募人数须在 1 到 %(n)s 之间") % {"n": MAX_CAPACITY}, field="capacity")
    if min_age is not None and max_age is not None and min_age > max_age:
        raise ValidationFailed(_("最小年龄不能大于最大年龄"), field="min_age")
    for value, name in ((min_age, "min_age"), (max_age, "max_age")):
        if value is not None and not (0 <= value <= 120):
            raise ValidationFailed(_("年龄须在 0 到 120 之间"), field=name)
    if not (0 <= int(window_minutes) <= 240):
        raise ValidationFailed(_("签到窗口须在 0 到 240 分钟之间"), field="window_minutes")
    kinds = [_choice(k, VolunteerKind.values, field="allowed_kinds") for k in dict.fromkeys(allowed_kinds)]
    if signup_deadline is not None:
        signup_deadline = _aware(signup_deadline, field="signup_deadline")
        if signup_deadline > starts_at:
            raise ValidationFailed(_("报名截止时间不能晚于活动开始"), field="signup_deadline")
    if cancel_deadline is not None:
        cancel_deadline = _aware(cancel_deadline, field="cancel_deadline")
        if cancel_deadline > starts_at:
            raise ValidationFailed(_("取消报名截止时间不能晚于活动开始"), field="cancel_deadline")
    geo: tuple[float | None, float | None, int | None] = (None, None, None)
    if geofence is not None:
        lat, lng, radius = geofence
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValidationFailed(_("签到中心坐标无效"), field="geofence")
        if not (10 <= int(radius) <= 50_000):
            raise ValidationFailed(_("签到半径须在 10 到 50000 米之间"), field="geofence")
        geo = (lat, lng, int(radius))
    if parent is not None and not area.code.startswith(parent.area_code):
        raise ValidationFailed(_("班次须与所属营地在同一区域"), field="parent")
    for obj, name in ((project, "project"), (team, "team")):
        if obj is not None and not area.code.startswith(obj.area_code) and not obj.area_code.startswith(area.code):
            raise ValidationFailed(_("项目或队伍不在该区域"), field=name)
    activity = Activity.objects.create(
        title=title,
        kind=kind,
        parent=parent,
        description=_text(description, field="description", max_length=4000),
        project=project,
        team=team,
        area=area,
        area_code=area.code,
        organiser=organiser or actor,
        starts_at=starts_at,
        ends_at=ends_at,
        place=_text(place, field="place", max_length=200, required=True),
        geofence_lat=geo[0],
        geofence_lng=geo[1],
        geofence_radius_m=geo[2],
        window_minutes=int(window_minutes),
        capacity=int(capacity),
        min_age=min_age,
        max_age=max_age,
        allowed_kinds=kinds,
        needs_approval=needs_approval,
        waitlist=waitlist,
        signup_deadline=signup_deadline,
        cancel_deadline=cancel_deadline,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    activity.required_skills.set(_skills(required_skills))
    audit_record(actor=actor, action="volunteering.activity.create", target=activity, area_code=area.code)
    return activity


def _activity_event(step: fsm.Step[Activity, User]) -> AuditEvent:
    return audit_record(
        actor=step.actor,
        action=f"volunteering.activity.{step.name}",
        target=step.obj,
        area_code=step.obj.area_code,
        data={"reason": step.note} if step.note else {},
    )


def _organiser(actor: User, activity: Activity, name: str, move: fsm.Move[Activity, User]) -> PermissionDenied | None:
    try:
        selectors.require_organiser(actor, activity)
    except PermissionDenied as exc:
        return exc
    return None


ACTIVITY: fsm.Lifecycle[Activity, User, AuditEvent] = fsm.Lifecycle(
    model=Activity,
    moves={
        "cancel": fsm.Move(
            {ActivityStatus.OPEN}, ActivityStatus.CANCELLED, "volunteering.organise", label=gettext_lazy("取消活动")
        ),
        "reopen": fsm.Move(
            {ActivityStatus.CANCELLED}, ActivityStatus.OPEN, "volunteering.organise", label=gettext_lazy("恢复招募")
        ),
    },
    write_event=_activity_event,
    authorize=_organiser,
    authorize_first=True,
    refused_as=Conflict,
    noun=gettext_lazy("活动"),
    state_field="status",
    not_found=gettext_lazy("活动不存在：%(id)s"),
    pk_field="activity_id",
)


@transaction.atomic
def activity_cancel(*, actor: User, activity_id: int, reason: str = "") -> Activity:
    """The organiser cancels an activity: it leaves the list and takes no more sign-ups; those made stay."""
    note = _text(reason, field="reason", max_length=200)
    return fsm.transition(ACTIVITY, activity_id, "cancel", actor=actor, note=note, savepoint=False).obj


@transaction.atomic
def activity_reopen(*, actor: User, activity_id: int) -> Activity:
    """A cancelled activity is open for sign-ups again."""
    return fsm.transition(ACTIVITY, activity_id, "reopen", actor=actor, savepoint=False).obj


@transaction.atomic
def cover_call(*, actor: User, activity_id: int) -> dict[str, Any]:
    """Understaffed: list the volunteers who fit and could still join, and notify them where notifications exist."""
    activity = selectors.activity_get(activity_id=activity_id)
    selectors.require_organiser(actor, activity)
    missing = activity.capacity - selectors.confirmed_count(activity)
    if missing <= 0:
        raise ValidationFailed(_("活动人员已满，无需补位"), field="activity_id")
    candidates = selectors.cover_candidates(activity)
    notified = _notify_cover(activity, candidates)
    audit_record(
        actor=actor,
        action="volunteering.activity.cover",
        target=activity,
        area_code=activity.area_code,
        data={"missing": missing, "candidates": len(candidates), "notified": notified},
    )
    return {"missing": missing, "candidates": candidates, "notified": notified}


def _notify_cover(activity: Activity, candidates: list[Volunteer]) -> bool:
    """Queues the call through gongzhi.notifications when that app is installed; False when it is not.

    notify() sends after our transaction commits, so a rolled-back call notifies no one.
    """
    if not candidates or not apps.is_installed("gongzhi.notifications"):
        return False
    from gongzhi.notifications.actions import notify

    title = _("「%(title)s」缺人，欢迎报名补位") % {"title": activity.title}
    when = f"{timezone.localtime(activity.starts_at):%m-%d %H:%M}"
    for v in candidates:
        notify(
            user=v.user,
            kind="volunteering.cover",
            title=title,
            body=f"{when} {activity.place}",
            link=f"/volunteering/activities/{activity.pk}/",
            data={"activity_id": activity.pk},
        )
    return True
