"""Reads for volunteering: activities, eligibility, attendance, a volunteer's record (志愿服务记录)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_stubs_ext import WithAnnotations

from gongzhi.accounts import rules
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.volunteering.models import (
    ACTIVE_SIGNUP,
    Activity,
    ActivityStatus,
    Attendance,
    Brand,
    Certificate,
    PartyRegistration,
    Project,
    Signup,
    SignupStatus,
    Team,
    Volunteer,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

COVER_LIMIT = 50


def activity_get(*, activity_id: int) -> Activity:
    found = Activity.objects.select_related("project", "team", "organiser").filter(pk=activity_id).first()
    if found is None:
        raise NotFound(_("活动不存在：%(id)s") % {"id": activity_id}, field="activity_id")
    return found


def is_organiser(user: User, activity: Activity) -> bool:
    """The activity's organiser, or staff who organise activities over its area."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.pk == activity.organiser_id or rules.allows(user, "volunteering.organise", activity.area_code)


def require_organiser(user: User, activity: Activity) -> None:
    if not is_organiser(user, activity):
        raise PermissionDenied(
            _("只有活动「%(title)s」的组织者可以进行此操作") % {"title": activity.title},
            details={"rule": "volunteering.organise", "area": activity.area_code},
        )


class _Confirmed(TypedDict):
    confirmed: int  # confirmed sign-ups


def activities_list(
    *, area_code: str = "", upcoming: bool = False, limit: int = 50, offset: int = 0
) -> QuerySet[WithAnnotations[Activity, _Confirmed]]:  # quoted: WithAnnotations takes 2 only for mypy
    """Activities are a public call for volunteers: every signed-in user sees open ones."""
    qs = Activity.objects.filter(status=ActivityStatus.OPEN).annotate(
        confirmed=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED))
    )
    if area_code:
        qs = qs.filter(code_range_q(area_code, "area_code"))
    if upcoming:
        qs = qs.filter(ends_at__gte=clock.now())
    return qs.select_related("team", "project").order_by("starts_at", "id")[offset : offset + limit]


def confirmed_count(activity: Activity) -> int:
    return Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count()


def volunteer_for_user(user: User) -> Volunteer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Volunteer.objects.filter(user_id=user.pk).first()


def volunteer_get(*, user: User, volunteer_id: int) -> Volunteer:
    """A volunteer the user may see: themself, or anyone in an area where they hold volunteering.view."""
    found = Volunteer.objects.select_related("area", "resident").filter(pk=volunteer_id).first()
    if found is None:
        raise NotFound(_("志愿者不存在：%(id)s") % {"id": volunteer_id}, field="volunteer_id")
    if found.user_id != getattr(user, "pk", None):
        rules.require(user, "volunteering.view", found.area_code)
    return found


def person_get(*, volunteer_id: int) -> Volunteer:
    found = Volunteer.objects.filter(pk=volunteer_id).first()
    if found is None:
        raise NotFound(_("志愿者不存在：%(id)s") % {"id": volunteer_id}, field="person")
    return found


def signup_get(*, signup_id: int, activity_id: int | None = None) -> Signup:
    """One sign-up, of that activity when `activity_id` is given (the API path and the organiser's buttons)."""
    qs = Signup.objects.filter(pk=signup_id)
    if activity_id is not None:
        qs = qs.filter(activity_id=activity_id)
    found = qs.first()
    if found is None:
        raise NotFound(_("报名记录不存在：%(id)s") % {"id": signup_id}, field="signup_id")
    return found


def active_signup(activity: Activity, volunteer: Volunteer) -> Signup | None:
    """The person's pending, confirmed or waitlisted sign-up for the activity (at most one: a unique index)."""
    return Signup.objects.filter(activity=activity, volunteer=volunteer, status__in=ACTIVE_SIGNUP).first()


def active_signups_by_activity(volunteer: Volunteer, activities: Iterable[Activity]) -> dict[int, Signup]:
    """The person's active sign-ups among these activities, by activity id: one query for a list page."""
    return {
        s.activity_id: s
        for s in Signup.objects.filter(volunteer=volunteer, activity__in=list(activities), status__in=ACTIVE_SIGNUP)
    }


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def eligibility_problems(activity: Activity, volunteer: Volunteer) -> list[tuple[str, str]]:
    """Why this person may not join (field, message); empty when they may."""
    problems: list[tuple[str, str]] = []
    if not volunteer.is_active:
        problems.append(("person", _("该志愿者已不在册")))
    if activity.allowed_kinds and volunteer.kind not in activity.allowed_kinds:
        problems.append(("kind", _("本活动只招募指定类型的志愿者")))
    if activity.min_age is not None or activity.max_age is not None:
        if volunteer.birth_date is None:
            problems.append(("age", _("本活动有年龄要求，请先登记出生日期")))
        else:
            age = age_on(volunteer.birth_date, timezone.localtime(activity.starts_at).date())
            if activity.min_age is not None and age < activity.min_age:
                problems.append(("age", _("年龄不符：本活动要求至少 %(min)s 岁") % {"min": activity.min_age}))
            if activity.max_age is not None and age > activity.max_age:
                problems.append(("age", _("年龄不符：本活动要求不超过 %(max)s 岁") % {"max": activity.max_age}))
    required = {s.pk: s.name for s in activity.required_skills.all()}
    if required:
        have = set(volunteer.skills.values_list("pk", flat=True))
        missing = [name for pk, name in required.items() if pk not in have]
        if missing:
            problems.append(("skills", _("缺少所需技能：%(skills)s") % {"skills": "、".join(missing)}))
    return problems


def cover_candidates(activity: Activity, *, limit: int = COVER_LIMIT) -> list[Volunteer]:
    """Active volunteers of the activity's community who fit it and have not signed up: the people to call."""
    community = code_at(activity.area_code, AreaLevel.COMMUNITY)
    taken = Signup.objects.filter(activity=activity, status__in=ACTIVE_SIGNUP).values("volunteer_id")
    qs = (
        Volunteer.objects.filter(code_range_q(community, "area_code"), is_active=True)
        .exclude(pk__in=taken)
        .prefetch_related("skills")
        .order_by("id")
    )
    if activity.allowed_kinds:
        qs = qs.filter(kind__in=activity.allowed_kinds)
    for skill in activity.required_skills.all():
        qs = qs.filter(skills=skill)
    out = []
    for v in qs.iterator(chunk_size=200):
        if not eligibility_problems(activity, v):
            out.append(v)
            if len(out) >= limit:
                break
    return out


def attendance_rows(activity: Activity) -> list[dict[str, Any]]:
    """Every confirmed or waitlisted person with their check-in state, for the organiser's page."""
    attendance = {a.signup_id: a for a in Attendance.objects.filter(activity=activity)}
    rows = []
    for s in (
        Signup.objects.filter(activity=activity, status__in=ACTIVE_SIGNUP).select_related("volunteer").order_by("id")
    ):
        rows.append({"signup": s, "volunteer": s.volunteer, "attendance": attendance.get(s.pk)})
    return rows


def waitlist_position(signup: Signup) -> int | None:
    if signup.status != SignupStatus.WAITLISTED:
        return None
    return (
        Signup.objects.filter(activity_id=signup.activity_id, status=SignupStatus.WAITLISTED, id__lt=signup.pk).count()
        + 1
    )


def hours_given(volunteer: Volunteer, year: int | None = None) -> Decimal:
    qs = Attendance.objects.filter(volunteer=volunteer, confirmed_at__isnull=False)
    if year is not None:
        start = timezone.make_aware(dt.datetime(year, 1, 1))  # noqa: DTZ001 (made aware in the project time zone)
        qs = qs.filter(activity__starts_at__gte=start, activity__starts_at__lt=start.replace(year=year + 1))
    return qs.aggregate(total=Sum("hours"))["total"] or Decimal("0")


@dataclass
class VolunteerRecord:
    volunteer: Volunteer
    area_name: str
    total_hours: Decimal
    hours_by_year: dict[int, Decimal]
    services: list[dict[str, Any]]
    trainings: list[dict[str, Any]]
    honours: list[dict[str, Any]]
    rating_average: float | None
    comments: list[str]
    party_registrations: list[dict[str, Any]] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)


def volunteer_record(volunteer: Volunteer) -> VolunteerRecord:
    """The record the national rules ask for: identity, hours, content, training, awards, evaluation."""
    services = []
    by_year: dict[int, Decimal] = {}
    ratings = []
    comments = []
    confirmed = (
        Attendance.objects.filter(volunteer=volunteer, confirmed_at__isnull=False)
        .select_related("activity", "activity__team", "activity__project")
        .order_by("activity__starts_at", "id")
    )
    for a in confirmed:
        hours = a.hours or Decimal("0")
        start = timezone.localtime(a.activity.starts_at)
        by_year[start.year] = by_year.get(start.year, Decimal("0")) + hours
        services.append(
            {
                "activity_id": a.activity_id,
                "title": a.activity.title,
                "date": start.date(),
                "place": a.activity.place,
                "team": a.activity.team.name if a.activity.team is not None else "",
                "project": a.activity.project.name if a.activity.project is not None else "",
                "hours": hours,
            }
        )
        if a.rating:
            ratings.append(a.rating)
        if a.comment:
            comments.append(a.comment)
    trainings = [
        {
            "title": t.title,
            "date": t.held_on,
            "hours": t.hours,
            "project": t.project.name if t.project is not None else "",
        }
        for t in volunteer.trainings.select_related("project").order_by("held_on", "id")
    ]
    honours = [{"title": h.title, "issuer": h.issuer, "date": h.awarded_on} for h in volunteer.honours.all()]
    registrations = [
        {
            "year": r.year,
            "community": r.community.name,
            "hours_owed": r.hours_owed,
            "hours_given": by_year.get(r.year, Decimal("0")),
        }
        for r in PartyRegistration.objects.filter(volunteer=volunteer).select_related("community")
    ]
    area = Area.objects.filter(code=volunteer.area_code).only("name").first()
    return VolunteerRecord(
        volunteer=volunteer,
        area_name=area.name if area else volunteer.area_code,
        total_hours=sum(by_year.values(), Decimal("0")),
        hours_by_year=dict(sorted(by_year.items())),
        services=services,
        trainings=trainings,
        honours=honours,
        rating_average=round(sum(ratings) / len(ratings), 2) if ratings else None,
        comments=comments,
        party_registrations=registrations,
        certificates=list(volunteer.certificates.filter(revoked_at__isnull=True)),
    )


def certificate_get(*, number: str) -> Certificate:
    found = Certificate.objects.select_related("volunteer").filter(number=number.strip().upper()).first()
    if found is None:
        raise NotFound(_("证明编号不存在：%(number)s") % {"number": number}, field="number")
    return found


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧**娜: enough to match a certificate in hand, not enough to find a person."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@dataclass
class TeamsOverview:
    brands: QuerySet[Brand]
    loose_teams: QuerySet[Team]
    loose_projects: QuerySet[Project]


def teams_overview() -> TeamsOverview:
    """Brands (一社区一品牌) with their teams and projects, then the teams and projects without a brand."""
    return TeamsOverview(
        brands=Brand.objects.prefetch_related("teams", "projects").order_by("area_code", "id"),
        loose_teams=Team.objects.filter(brand__isnull=True).prefetch_related("memberships__volunteer"),
        loose_projects=Project.objects.filter(brand__isnull=True).select_related("lead_partner", "lead_worker"),
    )
