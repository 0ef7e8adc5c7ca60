"""Check-in and check-out with the organiser's rotating QR code; hours are the part inside the activity window.

A check-in creates the attendance (checked in); every later change of it is a move of `ATTENDANCE` made by
`fsm.transition()`: the person checks out (`checkout`), the organiser checks everyone out (`checkout_by_organiser`)
or confirms the hours (`confirm`, in `actions/hours.py`). The row is read with its activity and volunteer but only
the attendance is locked, so a check-out does not queue behind check-ins (which take a key-share lock on the
activity).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import clock, fsm
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.volunteering import codes, selectors
from gongzhi.volunteering.models import (
    Activity,
    Attendance,
    AttendanceStatus,
    Signup,
    SignupStatus,
    UsedCode,
    Volunteer,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

HOURS_STEP = Decimal("0.01")


def _distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _check_location(activity: Activity, lat: float | None, lng: float | None) -> None:
    centre_lat, centre_lng, radius = activity.geofence_lat, activity.geofence_lng, activity.geofence_radius_m
    if centre_lat is None or centre_lng is None or radius is None:  # no geofence (Activity.has_geofence)
        return
    if lat is None or lng is None:
        raise ValidationFailed(_("本活动需在现场签到，请允许获取位置后重试"), field="location")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationFailed(_("位置坐标无效"), field="location")
    distance = _distance_m(centre_lat, centre_lng, lat, lng)
    if distance > radius:
        raise ValidationFailed(
            _("您不在活动现场（距离约 %(d)s 米，需在 %(r)s 米内）") % {"d": round(distance), "r": radius},
            field="location",
        )


def clipped_hours(activity: Activity, checked_in_at: dt.datetime, checked_out_at: dt.datetime) -> Decimal:
    """Hours inside the activity window only: early arrival and late leaving (travel, waiting) do not count."""
    start = max(checked_in_at, activity.starts_at)
    end = min(checked_out_at, activity.ends_at)
    seconds = max(0.0, (end - start).total_seconds())
    return (Decimal(seconds) / Decimal(3600)).quantize(HOURS_STEP, rounding=ROUND_HALF_UP)


def _confirmed_signup(activity: Activity, volunteer: Volunteer) -> Signup:
    signup = Signup.objects.filter(activity=activity, volunteer=volunteer, status=SignupStatus.CONFIRMED).first()
    if signup is None:
        raise ValidationFailed(_("未报名本活动或报名尚未确认，不能签到"), field="person")
    return signup


def _use_code(activity: Activity, volunteer_id: int, parsed: codes.ParsedCode) -> None:
    if UsedCode.objects.filter(
        activity=activity, volunteer_id=volunteer_id, purpose=parsed.purpose, step=parsed.step
    ).exists():
        raise Conflict(_("该二维码您已使用过，请扫描最新的二维码"), field="code")
    UsedCode.objects.create(activity=activity, volunteer_id=volunteer_id, purpose=parsed.purpose, step=parsed.step)


@transaction.atomic
def checkin(
    *,
    actor: User,
    activity_id: int,
    volunteer: Volunteer,
    code: str,
    lat: float | None = None,
    lng: float | None = None,
) -> Attendance:
    """Check in with the organiser's current QR code, inside the time window and (if set) the geofence."""
    activity = selectors.activity_get(activity_id=activity_id)
    if actor.pk != volunteer.user_id and not selectors.is_organiser(actor, activity):
        raise PermissionDenied(_("只能为自己签到"), field="person")
    parsed = codes.verify(code, activity_id=activity.pk, salt=activity.qr_salt, purpose="in")
    now = clock.now()
    if now < activity.starts_at - dt.timedelta(minutes=activity.window_minutes):
        raise ValidationFailed(
            _("签到尚未开始，活动开始前 %(n)s 分钟起可签到") % {"n": activity.window_minutes}, field="code"
        )
    if now > activity.ends_at:
        raise ValidationFailed(_("活动已结束，不能签到"), field="code")
    signup = _confirmed_signup(activity, volunteer)
    _check_location(activity, lat, lng)
    if Attendance.objects.filter(activity=activity, volunteer=volunteer).exists():
        if UsedCode.objects.filter(activity=activity, volunteer=volunteer, purpose="in", step=parsed.step).exists():
            raise Conflict(_("该二维码您已使用过，请扫描最新的二维码"), field="code")
        raise Conflict(_("您已签到，无需重复签到"), field="person")
    try:
        with transaction.atomic():
            _use_code(activity, volunteer.pk, parsed)
            attendance = Attendance.objects.create(
                signup=signup,
                activity=activity,
                volunteer=volunteer,
                checked_in_at=now,
                checkin_lat=lat,
                checkin_lng=lng,
            )
    except IntegrityError:
        raise Conflict(_("您已签到，无需重复签到"), field="person") from None
    audit_record(actor=actor, action="volunteering.checkin", target=attendance, area_code=activity.area_code)
    return attendance


OWN = "volunteering.attendance.own"  # the person who checked in, or the activity's organiser
ORGANISE = "volunteering.organise"

Step = fsm.Step[Attendance, "User"]


def _checkout(step: Step) -> None:
    """The person checks out with the current check-out code, at most `window_minutes` after the end."""
    attendance, activity = step.obj, step.obj.activity
    if step.now > activity.ends_at + dt.timedelta(minutes=activity.window_minutes):
        raise ValidationFailed(_("已过签退时间，请联系组织者统一签退"), field="code")
    _check_location(activity, step.data["lat"], step.data["lng"])
    try:
        with transaction.atomic():
            _use_code(activity, attendance.volunteer_id, step.data["code"])
    except IntegrityError:
        raise Conflict(_("该二维码您已使用过，请扫描最新的二维码"), field="code") from None
    _out_at(step, max(step.now, attendance.checked_in_at))


def _checkout_by_organiser(step: Step) -> None:
    """Checked out at now or the activity's end, whichever is earlier."""
    step.obj.checked_out_by_organiser = True
    step.fields.add("checked_out_by_organiser")
    _out_at(step, max(min(step.now, step.obj.activity.ends_at), step.obj.checked_in_at))


def _out_at(step: Step, at: dt.datetime) -> None:
    attendance = step.obj
    attendance.checked_out_at = at
    attendance.hours = clipped_hours(attendance.activity, attendance.checked_in_at, at)
    step.fields |= {"checked_out_at", "hours"}


def _confirm(step: Step) -> None:
    attendance = step.obj
    attendance.confirmed_at, attendance.confirmed_by = step.now, step.actor
    attendance.rating, attendance.comment = step.data.get("rating"), step.data.get("comment", "")
    step.fields |= {"confirmed_at", "confirmed_by", "rating", "comment"}


ATTENDANCE_MOVES: dict[str, fsm.Move[Attendance, User]] = {
    "checkout": fsm.Move(
        {AttendanceStatus.CHECKED_IN},
        AttendanceStatus.CHECKED_OUT,
        OWN,
        _checkout,
        needs=("code",),
        accepts=frozenset({"lat", "lng"}),
        label=gettext_lazy("签退"),
    ),
    "checkout_by_organiser": fsm.Move(
        {AttendanceStatus.CHECKED_IN},
        AttendanceStatus.CHECKED_OUT,
        ORGANISE,
        _checkout_by_organiser,
        label=gettext_lazy("统一签退"),
    ),
    "confirm": fsm.Move(
        {AttendanceStatus.CHECKED_OUT},
        AttendanceStatus.CONFIRMED,
        ORGANISE,
        _confirm,
        accepts=frozenset({"rating", "comment"}),
        label=gettext_lazy("确认时长"),
    ),
}

_EVENT_ACTIONS = {
    "checkout": "volunteering.checkout",
    "checkout_by_organiser": "volunteering.checkout_all",
    "confirm": "volunteering.hours.confirm",
}


def _attendance_event(step: Step) -> AuditEvent:
    data = {"rating": step.obj.rating} if step.name == "confirm" else {}
    return audit_record(
        actor=step.actor,
        action=_EVENT_ACTIONS[step.name],
        target=step.obj,
        area_code=step.obj.activity.area_code,
        data=data,
    )


def _authorize(
    actor: User, attendance: Attendance, name: str, move: fsm.Move[Attendance, User]
) -> PermissionDenied | None:
    if move.rule == OWN and actor.pk == attendance.volunteer.user_id:
        return None
    try:
        selectors.require_organiser(actor, attendance.activity)
    except PermissionDenied as exc:
        return PermissionDenied(_("只能为自己签退"), field="person") if move.rule == OWN else exc
    return None


ATTENDANCE: fsm.Lifecycle[Attendance, User, AuditEvent] = fsm.Lifecycle(
    model=Attendance,
    moves=ATTENDANCE_MOVES,
    write_event=_attendance_event,
    authorize=_authorize,
    authorize_first=True,
    refused_as=Conflict,  # "already checked out / confirmed": someone got there first, a 409 as before
    noun=gettext_lazy("签到记录"),
    state_field="status",
    locked=lambda: Attendance.objects.select_related("activity", "volunteer"),
    lock_of=("self",),
    not_found=gettext_lazy("签到记录不存在：%(id)s"),
    pk_field="attendance_id",
)


@transaction.atomic
def checkout(
    *,
    actor: User,
    activity_id: int,
    volunteer: Volunteer,
    code: str,
    lat: float | None = None,
    lng: float | None = None,
) -> Attendance:
    """Check out with the organiser's current check-out code; hours are the part inside the activity window."""
    activity = selectors.activity_get(activity_id=activity_id)
    if actor.pk != volunteer.user_id and not selectors.is_organiser(actor, activity):
        raise PermissionDenied(_("只能为自己签退"), field="person")
    parsed = codes.verify(code, activity_id=activity.pk, salt=activity.qr_salt, purpose="out")
    attendance = Attendance.objects.filter(activity=activity, volunteer=volunteer).only("pk").first()
    if attendance is None:
        raise ValidationFailed(_("尚未签到，不能签退"), field="person")
    data = {"code": parsed, "lat": lat, "lng": lng}
    return fsm.transition(ATTENDANCE, attendance.pk, "checkout", actor=actor, data=data, savepoint=False).obj


@transaction.atomic
def checkout_all(*, actor: User, activity_id: int) -> list[Attendance]:
    """The organiser checks out everyone still checked in, at now or the activity's end, whichever is earlier.

    The rows are locked first in one statement that re-reads their status after any wait, so someone checking
    out by themselves at the same moment is skipped rather than refused. The activity row is not locked: a
    person's own check-out holds their attendance and then (recording the used code) a key-share lock on the
    activity, so an organiser holding the activity while waiting for attendance rows would deadlock with them.
    """
    activity = selectors.activity_get(activity_id=activity_id)
    selectors.require_organiser(actor, activity)
    still_in = (
        Attendance.objects.select_for_update(of=("self",))
        .filter(activity=activity, status=AttendanceStatus.CHECKED_IN)
        .order_by("id")
    )
    return [
        fsm.transition(ATTENDANCE, pk, "checkout_by_organiser", actor=actor, savepoint=False).obj
        for pk in list(still_in.values_list("pk", flat=True))
    ]
