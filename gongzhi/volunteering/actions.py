"""Every write in volunteering: keyword-only, one transaction, an audit row; bad input changes nothing.

Sign-ups lock the activity row before counting places, so concurrent sign-ups queue on the row and exactly
`capacity` of them are confirmed; the rest are waitlisted in the order they got the lock (the row id).
"""

import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.models import Area
from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.volunteering import codes, selectors
from gongzhi.volunteering.models import (
    ACTIVE_SIGNUP,
    Activity,
    ActivityKind,
    ActivityStatus,
    Attendance,
    Brand,
    Certificate,
    Honour,
    PartyRegistration,
    Project,
    ProjectKind,
    Signup,
    SignupStatus,
    Skill,
    Team,
    TeamMembership,
    Training,
    UsedCode,
    Volunteer,
    VolunteerKind,
)

POINTS_SOURCE_TYPE = "volunteering.activity"
POINTS_RULE_CODE = "public-volunteer"
MAX_CAPACITY = 100_000
HOURS_STEP = Decimal("0.01")


# ---------------------------------------------------------------------------------------------------------------
# Small validators


def _choice(value: str, choices: Iterable[str], *, field: str) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise ValidationFailed(
            _("%(field)s 取值无效，可选：%(allowed)s") % {"field": field, "allowed": ", ".join(allowed)},
            field=field,
        )
    return value


def _aware(value: dt.datetime, *, field: str) -> dt.datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _area(area: Area | None, *, field: str = "area") -> Area:
    if area is None:
        raise ValidationFailed(_("请指定区域"), field=field)
    return area


def _skills(names: Iterable[str]) -> list[Skill]:
    out = []
    for raw in names:
        name = _text(raw, field="skills", max_length=32)
        if not name:
            continue
        code = "s" + hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:12]
        out.append(Skill.objects.get_or_create(name=name, defaults={"code": code})[0])
    return out


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


# ---------------------------------------------------------------------------------------------------------------
# Volunteers


@transaction.atomic
def volunteer_register(
    *,
    actor: Any,
    user: Any,
    name: str,
    kind: str,
    area: Area | None,
    birth_date: dt.date | None = None,
    resident: Any = None,
    party_member: Any = None,
    skills: Iterable[str] = (),
    availability: str = "",
) -> Volunteer:
    """Register a person as a volunteer: themself, or by a community worker. The number is "V<district>-<serial>"."""
    area = _area(area)
    if getattr(actor, "pk", None) != getattr(user, "pk", None):
        rules.require(actor, "volunteering.manage", area.code)
    if Volunteer.objects.filter(user_id=user.pk).exists():
        raise Conflict(_("该账号已注册为志愿者"), field="user")
    kind = _choice(kind, VolunteerKind.values, field="kind")
    name = _text(name or (resident.name if resident is not None else ""), field="name", max_length=64, required=True)
    if resident is not None and birth_date is None:
        birth_date = resident.birth_date
    if birth_date is not None and birth_date > clock.today():
        raise ValidationFailed(_("出生日期不能晚于今天"), field="birth_date")
    volunteer = Volunteer(
        user=user,
        resident=resident,
        party_member=party_member,
        name=name,
        kind=kind,
        birth_date=birth_date,
        availability=_text(availability, field="availability", max_length=200),
        area=area,
        area_code=area.code,
    )
    try:
        with transaction.atomic():
            volunteer.save(force_insert=True)
    except IntegrityError:
        raise Conflict(_("该居民或党员已注册为志愿者"), field="resident") from None
    # Derived from the row id: unique without a counter row that every registration would queue on.
    volunteer.number = f"V{area.code[:6]}-{volunteer.pk:06d}"
    volunteer.save(update_fields=["number"])
    volunteer.skills.set(_skills(skills))
    audit_record(actor=actor, action="volunteering.volunteer.register", target=volunteer, area_code=area.code)
    return volunteer


@transaction.atomic
def volunteer_update(
    *, actor: Any, volunteer: Volunteer, skills: Iterable[str] | None = None, availability: str | None = None
) -> Volunteer:
    if actor.pk != volunteer.user_id:
        rules.require(actor, "volunteering.manage", volunteer.area_code)
    if availability is not None:
        volunteer.availability = _text(availability, field="availability", max_length=200)
        volunteer.save(update_fields=["availability"])
    if skills is not None:
        volunteer.skills.set(_skills(skills))
    audit_record(actor=actor, action="volunteering.volunteer.update", target=volunteer, area_code=volunteer.area_code)
    return volunteer


@transaction.atomic
def party_registration_upsert(
    *,
    actor: Any,
    volunteer: Volunteer,
    community: Area | None,
    year: int,
    hours_owed: Decimal | float | int,
    workplace: str = "",
) -> PartyRegistration:
    """双报到: an in-service party member reports to their home community and owes service hours for the year."""
    community = _area(community, field="community")
    rules.require(actor, "volunteering.manage", community.code)
    if community.level != "community":
        raise ValidationFailed(_("报到单位须为社区"), field="community")
    if not (2000 <= int(year) <= clock.today().year + 1):
        raise ValidationFailed(_("年度无效"), field="year")
    try:
        owed = Decimal(str(hours_owed))
    except InvalidOperation:
        raise ValidationFailed(_("应服务时长须为数字"), field="hours_owed") from None
    if not (Decimal(0) <= owed <= Decimal(1000)):
        raise ValidationFailed(_("应服务时长须在 0 到 1000 小时之间"), field="hours_owed")
    registration, _created = PartyRegistration.objects.update_or_create(
        volunteer=volunteer,
        year=int(year),
        defaults={
            "community": community,
            "area_code": community.code,
            "hours_owed": owed,
            "workplace": _text(workplace, field="workplace", max_length=100),
        },
    )
    audit_record(actor=actor, action="volunteering.party_registration", target=registration, area_code=community.code)
    return registration


# ---------------------------------------------------------------------------------------------------------------
# Brands, teams, projects, trainings, honours


@transaction.atomic
def brand_create(*, actor: Any, name: str, area: Area | None, slogan: str = "", description: str = "") -> Brand:
    area = _area(area)
    rules.require(actor, "volunteering.manage", area.code)
    name = _text(name, field="name", max_length=64, required=True)
    if Brand.objects.filter(area=area, name=name).exists():
        raise Conflict(_("该社区已有同名品牌：%(name)s") % {"name": name}, field="name")
    brand = Brand.objects.create(
        name=name,
        area=area,
        area_code=area.code,
        slogan=_text(slogan, field="slogan", max_length=100),
        description=_text(description, field="description", max_length=4000),
    )
    audit_record(actor=actor, action="volunteering.brand.create", target=brand, area_code=area.code)
    return brand


@transaction.atomic
def team_create(
    *,
    actor: Any,
    name: str,
    area: Area | None,
    focus: str = "",
    brand: Brand | None = None,
    leaders: Iterable[Volunteer] = (),
    members: Iterable[Volunteer] = (),
    description: str = "",
) -> Team:
    area = _area(area)
    rules.require(actor, "volunteering.manage", area.code)
    name = _text(name, field="name", max_length=64, required=True)
    if Team.objects.filter(area=area, name=name).exists():
        raise Conflict(_("该区域已有同名队伍：%(name)s") % {"name": name}, field="name")
    team = Team.objects.create(
        name=name,
        area=area,
        area_code=area.code,
        focus=_text(focus, field="focus", max_length=32),
        brand=brand,
        description=_text(description, field="description", max_length=4000),
    )
    leader_ids = set()
    for v in leaders:
        TeamMembership.objects.create(team=team, volunteer=v, is_leader=True)
        leader_ids.add(v.pk)
    for v in members:
        if v.pk not in leader_ids:
            TeamMembership.objects.get_or_create(team=team, volunteer=v)
    audit_record(actor=actor, action="volunteering.team.create", target=team, area_code=area.code)
    return team


@transaction.atomic
def team_member_add(*, actor: Any, team: Team, volunteer: Volunteer, is_leader: bool = False) -> TeamMembership:
    rules.require(actor, "volunteering.manage", team.area_code)
    membership, created = TeamMembership.objects.get_or_create(
        team=team, volunteer=volunteer, defaults={"is_leader": is_leader}
    )
    if not created and membership.is_leader != is_leader:
        membership.is_leader = is_leader
        membership.save(update_fields=["is_leader"])
    audit_record(
        actor=actor,
        action="volunteering.team.member",
        target=team,
        area_code=team.area_code,
        data={"volunteer": volunteer.pk, "leader": is_leader},
    )
    return membership


@transaction.atomic
def project_create(
    *,
    actor: Any,
    name: str,
    area: Area | None,
    kind: str = ProjectKind.REGULAR,
    brand: Brand | None = None,
    team: Team | None = None,
    lead_worker: Any = None,
    lead_partner: Any = None,
    description: str = "",
) -> Project:
    area = _area(area)
    rules.require(actor, "volunteering.manage", area.code)
    kind = _choice(kind, ProjectKind.values, field="kind")
    name = _text(name, field="name", max_length=64, required=True)
    if kind == ProjectKind.SOCIAL_WORKER_LED and lead_worker is None and lead_partner is None:
        raise ValidationFailed(_("社工领办项目须指定领办社工或社会组织"), field="lead_worker")
    if Project.objects.filter(area=area, name=name).exists():
        raise Conflict(_("该区域已有同名项目：%(name)s") % {"name": name}, field="name")
    project = Project.objects.create(
        name=name,
        kind=kind,
        area=area,
        area_code=area.code,
        brand=brand,
        team=team,
        lead_worker=lead_worker,
        lead_partner=lead_partner,
        description=_text(description, field="description", max_length=4000),
    )
    audit_record(actor=actor, action="volunteering.project.create", target=project, area_code=area.code)
    return project


@transaction.atomic
def training_record(
    *,
    actor: Any,
    title: str,
    held_on: dt.date,
    hours: Decimal | float | int,
    area: Area | None,
    attendees: Iterable[Volunteer],
    project: Project | None = None,
    trainer: str = "",
) -> Training:
    area = _area(area)
    rules.require(actor, "volunteering.manage", area.code)
    if held_on > clock.today():
        raise ValidationFailed(_("培训日期不能晚于今天"), field="held_on")
    hours_d = Decimal(str(hours))
    if not (Decimal(0) < hours_d <= Decimal(200)):
        raise ValidationFailed(_("培训学时须在 0 到 200 之间"), field="hours")
    training = Training.objects.create(
        title=_text(title, field="title", max_length=100, required=True),
        project=project,
        held_on=held_on,
        hours=hours_d,
        trainer=_text(trainer, field="trainer", max_length=64),
        area_code=area.code,
    )
    training.attendees.set(list(attendees))
    audit_record(actor=actor, action="volunteering.training", target=training, area_code=area.code)
    return training


@transaction.atomic
def honour_add(*, actor: Any, volunteer: Volunteer, title: str, issuer: str, awarded_on: dt.date) -> Honour:
    rules.require(actor, "volunteering.manage", volunteer.area_code)
    if awarded_on > clock.today():
        raise ValidationFailed(_("授予日期不能晚于今天"), field="awarded_on")
    honour = Honour.objects.create(
        volunteer=volunteer,
        title=_text(title, field="title", max_length=100, required=True),
        issuer=_text(issuer, field="issuer", max_length=100, required=True),
        awarded_on=awarded_on,
    )
    audit_record(actor=actor, action="volunteering.honour", target=honour, area_code=volunteer.area_code)
    return honour


# ---------------------------------------------------------------------------------------------------------------
# Activities


@transaction.atomic
def activity_create(
    *,
    actor: Any,
    title: str,
    area: Area | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str,
    capacity: int,
    organiser: Any = None,
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


def _lock_activity(activity_id: int) -> Activity:
    # The row lock serialises everyone counting places or moving the waitlist of this activity.
    activity = Activity.objects.select_for_update().filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(_("活动不存在：%(id)s") % {"id": activity_id}, field="activity_id")
    return activity


def _promote_waitlist(activity: Activity, actor: Any) -> list[Signup]:
    """Fill free places from the waitlist, first come first served. The caller holds the activity lock."""
    free = activity.capacity - Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count()
    promoted = []
    if free <= 0:
        return promoted
    for s in Signup.objects.filter(activity=activity, status=SignupStatus.WAITLISTED).order_by("id")[:free]:
        s.status = SignupStatus.CONFIRMED
        s.updated_at = clock.now()
        s.save(update_fields=["status", "updated_at"])
        promoted.append(s)
        audit_record(actor=actor, action="volunteering.signup.promote", target=s, area_code=activity.area_code, data={})
    return promoted


@transaction.atomic
def signup_create(*, actor: Any, activity_id: int, volunteer: Volunteer) -> Signup:
    """Sign a person up: confirmed while places last, then waitlisted (if the activity keeps a waitlist)."""
    activity = _lock_activity(activity_id)
    if actor.pk != volunteer.user_id and not selectors.is_organiser(actor, activity):
        raise PermissionDenied(_("只能为自己报名；为他人报名须是活动组织者"), field="person")
    if activity.status != ActivityStatus.OPEN:
        raise ValidationFailed(_("活动已取消，不能报名"), field="activity_id")
    now = clock.now()
    deadline = activity.signup_deadline or activity.starts_at
    if now >= deadline:
        raise ValidationFailed(
            _("报名已截止（%(t)s）") % {"t": f"{timezone.localtime(deadline):%Y-%m-%d %H:%M}"}, field="activity_id"
        )
    if Signup.objects.filter(activity=activity, volunteer=volunteer, status__in=ACTIVE_SIGNUP).exists():
        raise Conflict(_("您已报名本活动，不能重复报名"), field="person")
    problems = selectors.eligibility_problems(activity, volunteer)
    if problems:
        field, message = problems[0]
        raise ValidationFailed(message, field=field, details={"problems": [m for _f, m in problems]})
    if activity.needs_approval:
        status = SignupStatus.PENDING
    elif selectors.confirmed_count(activity) < activity.capacity:
        status = SignupStatus.CONFIRMED
    elif activity.waitlist:
        status = SignupStatus.WAITLISTED
    else:
        raise Conflict(_("名额已满，本活动不设候补"), field="activity_id")
    try:
        with transaction.atomic():
            signup = Signup.objects.create(activity=activity, volunteer=volunteer, status=status, created_at=now)
    except IntegrityError:
        raise Conflict(_("您已报名本活动，不能重复报名"), field="person") from None
    audit_record(
        actor=actor,
        action="volunteering.signup.create",
        target=signup,
        area_code=activity.area_code,
        data={"status": status},
    )
    return signup


def _signup_locked(signup_id: int) -> tuple[Signup, Activity]:
    signup = Signup.objects.filter(pk=signup_id).first()
    if signup is None:
        raise NotFound(_("报名记录不存在：%(id)s") % {"id": signup_id}, field="signup_id")
    activity = _lock_activity(signup.activity_id)
    signup.refresh_from_db()
    return signup, activity


@transaction.atomic
def signup_cancel(*, actor: Any, signup_id: int, reason: str = "") -> Signup:
    """Cancel a sign-up; a freed place goes to the first person on the waitlist."""
    signup, activity = _signup_locked(signup_id)
    organiser = selectors.is_organiser(actor, activity)
    if actor.pk != signup.volunteer.user_id and not organiser:
        raise PermissionDenied(_("只能取消自己的报名"), field="signup_id")
    if signup.status not in ACTIVE_SIGNUP:
        raise Conflict(_("该报名已取消或未通过"), field="signup_id")
    if Attendance.objects.filter(signup=signup).exists():
        raise Conflict(_("已签到，不能取消报名"), field="signup_id")
    deadline = activity.cancel_deadline or activity.starts_at
    if not organiser and clock.now() >= deadline:
        raise ValidationFailed(
            _("已过取消截止时间（%(t)s），请联系组织者") % {"t": f"{timezone.localtime(deadline):%Y-%m-%d %H:%M}"},
            field="signup_id",
        )
    was_confirmed = signup.status == SignupStatus.CONFIRMED
    signup.status = SignupStatus.CANCELLED
    signup.note = _text(reason, field="reason", max_length=200)
    signup.updated_at = clock.now()
    signup.save(update_fields=["status", "note", "updated_at"])
    audit_record(actor=actor, action="volunteering.signup.cancel", target=signup, area_code=activity.area_code)
    if was_confirmed:
        _promote_waitlist(activity, actor)
    return signup


@transaction.atomic
def signup_decide(*, actor: Any, signup_id: int, approve: bool, reason: str = "") -> Signup:
    """The organiser approves (a place, or the waitlist when full) or rejects a pending sign-up."""
    signup, activity = _signup_locked(signup_id)
    selectors.require_organiser(actor, activity)
    if signup.status != SignupStatus.PENDING:
        raise Conflict(_("只有待审核的报名可以审核"), field="signup_id")
    if not approve:
        signup.status = SignupStatus.REJECTED
    elif selectors.confirmed_count(activity) < activity.capacity:
        signup.status = SignupStatus.CONFIRMED
    elif activity.waitlist:
        signup.status = SignupStatus.WAITLISTED
    else:
        raise Conflict(_("名额已满，本活动不设候补"), field="signup_id")
    signup.note = _text(reason, field="reason", max_length=200)
    signup.updated_at = clock.now()
    signup.save(update_fields=["status", "note", "updated_at"])
    audit_record(
        actor=actor,
        action="volunteering.signup.decide",
        target=signup,
        area_code=activity.area_code,
        data={"status": signup.status},
    )
    return signup


@transaction.atomic
def cover_call(*, actor: Any, activity_id: int) -> dict[str, Any]:
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


# ---------------------------------------------------------------------------------------------------------------
# Check-in, check-out, hours


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
    activity = _lock_activity(activity_id)
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


@transaction.atomic
def hours_confirm(
    *,
    actor: Any,
    activity_id: int,
    items: list[dict[str, Any]] | None = None,
) -> list[Attendance]:
    """The organiser confirms hours (optionally with a 1–5 rating and a comment each); only then do they count.

    `items` is a list of {"attendance_id", "rating"?, "comment"?}; None confirms every checked-out attendance.
    Each confirmed person with hours earns points once for this activity through the points bank.
    """
    activity = _lock_activity(activity_id)
    selectors.require_organiser(actor, activity)
    open_rows = {
        a.pk: a
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins to resident and household.
        for a in Attendance.objects.select_for_update(of=("self",))
        .select_related("volunteer", "volunteer__resident", "volunteer__resident__household")
        .filter(activity=activity, confirmed_at__isnull=True)
    }
    if items is None:
        items = [{"attendance_id": pk} for pk, a in open_rows.items() if a.checked_out_at is not None]
        if not items:
            raise ValidationFailed(_("没有待确认的签退记录"), field="items")
    chosen = []
    seen = set()
    for item in items:
        pk = item.get("attendance_id")
        if pk in seen:
            raise ValidationFailed(_("签到记录重复：%(id)s") % {"id": pk}, field="items")
        seen.add(pk)
        a = open_rows.get(pk)
        if a is None:
            if Attendance.objects.filter(pk=pk, activity=activity).exists():
                raise Conflict(_("签到记录 %(id)s 的时长已确认") % {"id": pk}, field="items")
            raise ValidationFailed(_("签到记录 %(id)s 不属于本活动") % {"id": pk}, field="items")
        if a.checked_out_at is None:
            raise ValidationFailed(
                _("%(name)s 尚未签退，请先签退再确认时长") % {"name": a.volunteer.name}, field="items"
            )
        rating = item.get("rating")
        if rating is not None and not (1 <= int(rating) <= 5):
            raise ValidationFailed(_("评价须为 1 到 5 分"), field="items")
        chosen.append((a, rating, _text(item.get("comment", ""), field="comment", max_length=200)))
    now = clock.now()
    for a, rating, comment in chosen:
        a.confirmed_at, a.confirmed_by, a.rating, a.comment = now, actor, rating, comment
        a.save(update_fields=["confirmed_at", "confirmed_by", "rating", "comment"])
        points_for_confirmed_hours(attendance=a, actor=actor)
    audit_record(
        actor=actor,
        action="volunteering.hours.confirm",
        target=activity,
        area_code=activity.area_code,
        data={"attendances": [a.pk for a, _r, _c in chosen]},
    )
    return [a for a, _r, _c in chosen]


def points_for_confirmed_hours(*, attendance: Attendance, actor: Any) -> None:
    """The one place volunteering calls the points bank: once per person and activity (the source id says which).

    Points are a by-product of confirmed hours: when they cannot be awarded (no household, no scheme in the
    area, the monthly cap reached) the hours still count and the reason is kept on the attendance.
    """
    from gongzhi.points.actions.awards import award_from_source

    if not attendance.hours or attendance.points_award_id:
        return
    resident = attendance.volunteer.resident
    if resident is None:
        attendance.points_note = str(_("未关联居民户，未计积分"))
        attendance.save(update_fields=["points_note"])
        return
    try:
        with transaction.atomic():
            award = award_from_source(
                source_type=POINTS_SOURCE_TYPE,
                source_id=f"{attendance.activity_id}:{attendance.volunteer_id}",
                # The scheme decides who is credited: the person, or (by default) the person's household.
                resident=resident,
                rule_code=POINTS_RULE_CODE,
                actor=actor,
            )
    except DomainError as exc:
        attendance.points_note = str(exc.message)[:200]
        attendance.save(update_fields=["points_note"])
        return
    attendance.points_award_id = award.pk
    attendance.points_note = ""
    attendance.save(update_fields=["points_award_id", "points_note"])


# ---------------------------------------------------------------------------------------------------------------
# Certificates


def _issuer_name(volunteer: Volunteer) -> str:
    community = Area.objects.filter(code=volunteer.area_code[:12]).first() or volunteer.area
    street = Area.objects.filter(code=volunteer.area_code[:9]).first()
    names = [a.name for a in (street, community) if a is not None]
    return "".join(dict.fromkeys(names)) or volunteer.area.name


@transaction.atomic
def certificate_issue(*, actor: Any, volunteer: Volunteer) -> Certificate:
    """A certificate (志愿服务证明) with a number anyone can verify: a snapshot of confirmed hours to date."""
    if actor.pk != volunteer.user_id:
        rules.require(actor, "volunteering.manage", volunteer.area_code)
    record = selectors.volunteer_record(volunteer)
    if not record.services:
        raise ValidationFailed(_("暂无已确认的志愿服务时长，不能出具证明"), field="volunteer_id")
    today = clock.today()
    content = [{"date": s["date"].isoformat(), "title": s["title"], "hours": str(s["hours"])} for s in record.services]
    for _attempt in range(5):
        number = f"ZY{today:%Y}-{secrets.token_hex(5).upper()}"
        if not Certificate.objects.filter(number=number).exists():
            break
    certificate = Certificate.objects.create(
        number=number,
        volunteer=volunteer,
        issuer_name=_issuer_name(volunteer),
        period_from=record.services[0]["date"],
        period_to=today,
        total_hours=record.total_hours,
        activity_count=len(record.services),
        content=content,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor, action="volunteering.certificate.issue", target=certificate, area_code=volunteer.area_code
    )
    return certificate
