"""Check-in and check-out with the organiser's rotating QR code; hours are the part inside the activity window."""

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.volunteering import codes, selectors
from gongzhi.volunteering.actions._common import lock_activity
from gongzhi.volunteering.models import (
    Activity,
    Attendance,
    Signup,
    SignupStatus,
    UsedCode,
    Volunteer,
)

HOURS_STEP = Decimal("0.01")


def _distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _check_location(activity: Activity, lat: float | None, lng: float | None) -> None:
    if not activity.has_geofence:
        return
    if lat is None or lng is None:
        raise ValidationFailed(_("本活动需在现场签到，请允许获取位置后重试"), field="location")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationFailed(_("位置坐标无效"), field="location")
    distance = _distance_m(activity.geofence_lat, activity.geofence_lng, lat, lng)
    if distance > activity.geofence_radius_m:
        raise ValidationFailed(
            _("您不在活动现场（距离约 %(d)s 米，需在 %(r)s 米内）")
            % {"d": round(distance), "r": activity.geofence_radius_m},
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


def _use_code(activity: Activity, volunteer: Volunteer, parsed: codes.ParsedCode) -> None:
    if UsedCode.objects.filter(
        activity=activity, volunteer=volunteer, purpose=parsed.purpose, step=parsed.step
    ).exists():
        raise Conflict(_("该二维码您已使用过，请扫描最新的二维码"), field="code")
    UsedCode.objects.create(activity=activity, volunteer=volunteer, purpose=parsed.purpose, step=parsed.step)


@transaction.atomic
def checkin(
    *,
    actor: Any,
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
            _use_code(activity, volunteer, parsed)
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


def _attendance_for_update(activity: Activity, volunteer: Volunteer) -> Attendance:
    attendance = Attendance.objects.select_for_update().filter(activity=activity, volunteer=volunteer).first()
    if attendance is None:
        raise ValidationFailed(_("尚未签到，不能签退"), field="person")
    if attendance.checked_out_at is not None:
        raise Conflict(_("已签退，无需重复签退"), field="person")
    return attendance


@transaction.atomic
def checkout(
    *,
    actor: Any,
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
    attendance = _attendance_for_update(activity, volunteer)
    now = clock.now()
    if now > activity.ends_at + dt.timedelta(minutes=activity.window_minutes):
        raise ValidationFailed(_("已过签退时间，请联系组织者统一签退"), field="code")
    _check_location(activity, lat, lng)
    try:
        with transaction.atomic():
            _use_code(activity, volunteer, parsed)
    except IntegrityError:
        raise Conflict(_("该二维码您已使用过，请扫描最新的二维码"), field="code") from None
    attendance.checked_out_at = max(now, attendance.checked_in_at)
    attendance.hours = clipped_hours(activity, attendance.checked_in_at, attendance.checked_out_at)
    attendance.save(update_fields=["checked_out_at", "hours"])
    audit_record(actor=actor, action="volunteering.checkout", target=attendance, area_code=activity.area_code)
    return attendance


@transaction.atomic
def checkout_all(*, actor: Any, activity_id: int) -> list[Attendance]:
    """The organiser checks out everyone still checked in, at now or the activity's end, whichever is earlier."""
    activity = lock_activity(activity_id)
    selectors.require_organiser(actor, activity)
    now = clock.now()
    done = []
    for a in Attendance.objects.select_for_update().filter(activity=activity, checked_out_at__isnull=True):
        a.checked_out_at = max(min(now, activity.ends_at), a.checked_in_at)
        a.checked_out_by_organiser = True
        a.hours = clipped_hours(activity, a.checked_in_at, a.checked_out_at)
        a.save(update_fields=["checked_out_at", "checked_out_by_organiser", "hours"])
        done.append(a)
    audit_record(
        actor=actor,
        action="volunteering.checkout_all",
        target=activity,
        area_code=activity.area_code,
        data={"count": len(done)},
    )
    return done
