"""Volunteering API: activities, sign-ups, QR check-in/out, hours confirmation, records and certificates."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.params.functions import Path as PathParam  # the call form; ninja types Path as an annotation

from gongzhi.accounts.auth import api_auth
from gongzhi.areas.models import Area
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.idempotency import idempotent
from gongzhi.core.types import ApiRequest
from gongzhi.volunteering import codes, selectors
from gongzhi.volunteering.actions.activities import MAX_CAPACITY, activity_create, cover_call
from gongzhi.volunteering.actions.certificates import certificate_issue
from gongzhi.volunteering.actions.checkin import checkin, checkout, checkout_all
from gongzhi.volunteering.actions.hours import hours_confirm
from gongzhi.volunteering.actions.signups import signup_cancel, signup_create, signup_decide
from gongzhi.volunteering.actions.volunteers import volunteer_register
from gongzhi.volunteering.models import (
    Activity,
    ActivityKind,
    Attendance,
    Certificate,
    Project,
    Signup,
    Team,
    Volunteer,
    VolunteerKind,
)

router = Router(tags=["volunteering"], auth=api_auth)

MAX_ID: int = 2**62


class ActivityOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    parent_id: int | None
    description: str
    project_id: int | None
    team_id: int | None
    area_code: str
    organiser_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    geofence: dict[str, float] | None = Field(None, description="lat, lng, radius_m when check-in needs to be on site")
    capacity: int
    confirmed: int
    min_age: int | None
    max_age: int | None
    required_skills: list[str]
    allowed_kinds: list[str]
    needs_approval: bool
    waitlist: bool
    signup_deadline: dt.datetime | None
    cancel_deadline: dt.datetime | None
    status: str

    @staticmethod
    def build(a: Activity, confirmed: int | None = None) -> "ActivityOut":
        geofence = None
        lat, lng, radius = a.geofence_lat, a.geofence_lng, a.geofence_radius_m  # set together or not at all
        if lat is not None and lng is not None and radius is not None:
            geofence = {"lat": lat, "lng": lng, "radius_m": float(radius)}
        if confirmed is None:
            confirmed = getattr(a, "confirmed", None)
        return ActivityOut(
            id=a.pk,
            title=a.title,
            kind=a.kind,
            kind_label=str(a.get_kind_display()),
            parent_id=a.parent_id,
            description=a.description,
            project_id=a.project_id,
            team_id=a.team_id,
            area_code=a.area_code,
            organiser_id=a.organiser_id,
            starts_at=a.starts_at,
            ends_at=a.ends_at,
            place=a.place,
            geofence=geofence,
            capacity=a.capacity,
            confirmed=confirmed if confirmed is not None else selectors.confirmed_count(a),
            min_age=a.min_age,
            max_age=a.max_age,
            required_skills=[s.name for s in a.required_skills.all()],
            allowed_kinds=list(a.allowed_kinds),
            needs_approval=a.needs_approval,
            waitlist=a.waitlist,
            signup_deadline=a.signup_deadline,
            cancel_deadline=a.cancel_deadline,
            status=a.status,
        )


class ActivityPage(Schema):
    items: list[ActivityOut]


class ActivityFilters(Schema):
    area: str | None = Field(None, pattern=r"^\d{6,17}$", description="an area code: that area and below")
    upcoming: bool = Field(False, description="only activities that have not ended")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/activities", response=ActivityPage, summary="Open activities (a public call: any signed-in user)")
def list_activities(request: HttpRequest, f: Query[ActivityFilters]) -> ActivityPage:
    rows = selectors.activities_list(area_code=f.area or "", upcoming=f.upcoming, limit=f.limit, offset=f.offset)
    return ActivityPage(items=[ActivityOut.build(a) for a in rows.prefetch_related("required_skills")])


class GeofenceIn(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lng: float = Field(..., ge=-180, le=180)
    radius_m: int = Field(..., ge=10, le=50_000)


class ActivityIn(Schema):
    title: str = Field(..., min_length=1, max_length=100)
    area: str = Field(..., pattern=r"^\d{6,17}$", description="area code")
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = Field(..., min_length=1, max_length=200)
    capacity: int = Field(..., ge=1, le=MAX_CAPACITY)
    kind: str = Field(ActivityKind.SERVICE, description="service, class or camp", max_length=16)
    parent_id: int | None = Field(None, ge=1, le=MAX_ID, description="the camp a class belongs to")
    project_id: int | None = Field(None, ge=1, le=MAX_ID)
    team_id: int | None = Field(None, ge=1, le=MAX_ID)
    organiser_id: int | None = Field(None, ge=1, le=MAX_ID, description="defaults to the caller")
    description: str = Field("", max_length=4000)
    geofence: GeofenceIn | None = None
    window_minutes: int = Field(30, ge=0, le=240)
    min_age: int | None = Field(None, ge=0, le=120)
    max_age: int | None = Field(None, ge=0, le=120)
    required_skills: list[str] = Field(default_factory=list, max_length=20)
    allowed_kinds: list[str] = Field(default_factory=list, max_length=20, description=", ".join(VolunteerKind.values))
    needs_approval: bool = False
    waitlist: bool = True
    signup_deadline: dt.datetime | None = None
    cancel_deadline: dt.datetime | None = None


def _get(model: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("%(field)s 不存在：%(id)s") % {"field": field, "id": pk}, field=field)
    return found


@router.post("/activities", response={201: ActivityOut}, summary="Create an activity, class or camp")
def create_activity(request: ApiRequest, data: ActivityIn) -> Status[ActivityOut]:
    from gongzhi.accounts.models import User

    area = Area.objects.filter(code=data.area).first()
    if area is None:
        raise NotFound(_("区域不存在：%(code)s") % {"code": data.area}, field="area")
    activity = activity_create(
        actor=request.auth,
        title=data.title,
        area=area,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        place=data.place,
        capacity=data.capacity,
        kind=data.kind,
        parent=_get(Activity, data.parent_id, "parent_id"),
        project=_get(Project, data.project_id, "project_id"),
        team=_get(Team, data.team_id, "team_id"),
        organiser=_get(User, data.organiser_id, "organiser_id"),
        description=data.description,
        geofence=(data.geofence.lat, data.geofence.lng, data.geofence.radius_m) if data.geofence else None,
        window_minutes=data.window_minutes,
        min_age=data.min_age,
        max_age=data.max_age,
        required_skills=data.required_skills,
        allowed_kinds=data.allowed_kinds,
        needs_approval=data.needs_approval,
        waitlist=data.waitlist,
        signup_deadline=data.signup_deadline,
        cancel_deadline=data.cancel_deadline,
    )
    return Status(201, ActivityOut.build(activity, confirmed=0))


@router.get("/activities/{activity_id}", response=ActivityOut, summary="One activity")
def get_activity(request: HttpRequest, activity_id: int = PathParam(..., ge=1, le=MAX_ID)) -> ActivityOut:
    return ActivityOut.build(selectors.activity_get(activity_id=activity_id))


class SignupOut(Schema):
    id: int
    activity_id: int
    person: int
    status: str
    status_label: str
    waitlist_position: int | None
    created_at: dt.datetime

    @staticmethod
    def build(s: Signup) -> "SignupOut":
        return SignupOut(
            id=s.pk,
            activity_id=s.activity_id,
            person=s.volunteer_id,
            status=s.status,
            status_label=str(s.get_status_display()),
            waitlist_position=selectors.waitlist_position(s),
            created_at=s.created_at,
        )


class PersonIn(Schema):
    person: int | None = Field(None, ge=1, le=MAX_ID, description="a volunteer id; defaults to the caller")


def _person(request: ApiRequest, person: int | None) -> Volunteer:
    if person is not None:
        return selectors.person_get(volunteer_id=person)
    mine = selectors.volunteer_for_user(request.auth)
    if mine is None:
        raise ValidationFailed(_("您还不是注册志愿者，请先注册"), field="person")
    return mine


@router.post(
    "/activities/{activity_id}/signups",
    response={201: SignupOut},
    summary="Sign up (confirmed, waitlisted or pending approval); honours Idempotency-Key",
)
@idempotent("volunteering.signups.create")
def create_signup(
    request: ApiRequest, data: PersonIn, activity_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> Status[SignupOut]:
    volunteer = _person(request, data.person)
    signup = signup_create(actor=request.auth, activity_id=activity_id, volunteer=volunteer)
    return Status(201, SignupOut.build(signup))


class ReasonIn(Schema):
    reason: str = Field("", max_length=200)


@router.post("/activities/{activity_id}/signups/{signup_id}/cancel", response=SignupOut, summary="Cancel a sign-up")
def cancel_signup(
    request: ApiRequest,
    data: ReasonIn,
    activity_id: int = PathParam(..., ge=1, le=MAX_ID),
    signup_id: int = PathParam(..., ge=1, le=MAX_ID),
) -> SignupOut:
    _signup_of(activity_id, signup_id)
    return SignupOut.build(signup_cancel(actor=request.auth, signup_id=signup_id, reason=data.reason))


class DecideIn(Schema):
    approve: bool
    reason: str = Field("", max_length=200)


@router.post(
    "/activities/{activity_id}/signups/{signup_id}/decide",
    response=SignupOut,
    summary="Approve or reject a pending sign-up (organiser)",
)
def decide_signup(
    request: ApiRequest,
    data: DecideIn,
    activity_id: int = PathParam(..., ge=1, le=MAX_ID),
    signup_id: int = PathParam(..., ge=1, le=MAX_ID),
) -> SignupOut:
    _signup_of(activity_id, signup_id)
    signup = signup_decide(actor=request.auth, signup_id=signup_id, approve=data.approve, reason=data.reason)
    return SignupOut.build(signup)


def _signup_of(activity_id: int, signup_id: int) -> None:
    selectors.signup_get(signup_id=signup_id, activity_id=activity_id)


class AttendanceOut(Schema):
    id: int
    activity_id: int
    person: int
    name: str
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None
    checked_out_by_organiser: bool
    hours: Decimal | None
    confirmed_at: dt.datetime | None
    rating: int | None
    comment: str
    points_award_id: int | None
    points_note: str

    @staticmethod
    def build(a: Attendance) -> "AttendanceOut":
        return AttendanceOut(
            id=a.pk,
            activity_id=a.activity_id,
            person=a.volunteer_id,
            name=a.volunteer.name,
            checked_in_at=a.checked_in_at,
            checked_out_at=a.checked_out_at,
            checked_out_by_organiser=a.checked_out_by_organiser,
            hours=a.hours,
            confirmed_at=a.confirmed_at,
            rating=a.rating,
            comment=a.comment,
            points_award_id=a.points_award_id,
            points_note=a.points_note,
        )


class LocationIn(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lng: float = Field(..., ge=-180, le=180)


class CheckinIn(Schema):
    code: str = Field(..., max_length=100, description="the text of the QR code the organiser shows")
    person: int | None = Field(None, ge=1, le=MAX_ID, description="a volunteer id; defaults to the caller")
    location: LocationIn | None = Field(None, description="required when the activity has a geofence")


@router.post(
    "/activities/{activity_id}/checkins",
    response={201: AttendanceOut},
    summary="Check in with the organiser's current QR code; honours Idempotency-Key",
)
@idempotent("volunteering.checkins.create")
def create_checkin(
    request: ApiRequest, data: CheckinIn, activity_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> Status[AttendanceOut]:
    volunteer = _person(request, data.person)
    attendance = checkin(
        actor=request.auth,
        activity_id=activity_id,
        volunteer=volunteer,
        code=data.code,
        lat=data.location.lat if data.location else None,
        lng=data.location.lng if data.location else None,
    )
    return Status(201, AttendanceOut.build(attendance))


class CheckoutIn(Schema):
    code: str = Field("", max_length=100, description="the check-out QR code; not needed with all=true")
    person: int | None = Field(None, ge=1, le=MAX_ID, description="a volunteer id; defaults to the caller")
    location: LocationIn | None = None
    all: bool = Field(False, description="organiser: check out everyone still checked in")


class AttendanceList(Schema):
    items: list[AttendanceOut]


@router.post(
    "/activities/{activity_id}/checkouts",
    response=AttendanceList,
    summary="Check out with the current check-out code, or (organiser) everyone at once",
)
def create_checkout(
    request: ApiRequest, data: CheckoutIn, activity_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> AttendanceList:
    if data.all:
        done = checkout_all(actor=request.auth, activity_id=activity_id)
        return AttendanceList(items=[AttendanceOut.build(a) for a in done])
    if not data.code:
        raise ValidationFailed(_("请扫描签退码"), field="code")
    attendance = checkout(
        actor=request.auth,
        activity_id=activity_id,
        volunteer=_person(request, data.person),
        code=data.code,
        lat=data.location.lat if data.location else None,
        lng=data.location.lng if data.location else None,
    )
    return AttendanceList(items=[AttendanceOut.build(attendance)])


class ConfirmItem(Schema):
    attendance_id: int = Field(..., ge=1, le=MAX_ID)
    rating: int | None = Field(None, ge=1, le=5)
    comment: str = Field("", max_length=200)


class ConfirmIn(Schema):
    items: list[ConfirmItem] | None = Field(
        None, max_length=5000, description="omit to confirm every checked-out attendance"
    )


@router.post(
    "/activities/{activity_id}/confirm-hours",
    response=AttendanceList,
    summary="Organiser confirms hours (with an optional rating); confirmed hours earn points once",
)
def confirm_hours(
    request: ApiRequest, data: ConfirmIn, activity_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> AttendanceList:
    items = [i.model_dump() for i in data.items] if data.items is not None else None
    done = hours_confirm(actor=request.auth, activity_id=activity_id, items=items)
    return AttendanceList(items=[AttendanceOut.build(a) for a in done])


class AttendanceRowOut(Schema):
    signup: SignupOut
    attendance: AttendanceOut | None


@router.get(
    "/activities/{activity_id}/attendance",
    response=list[AttendanceRowOut],
    summary="Sign-ups with their check-in state (organiser)",
)
def list_attendance(request: ApiRequest, activity_id: int = PathParam(..., ge=1, le=MAX_ID)) -> list[AttendanceRowOut]:
    activity = selectors.activity_get(activity_id=activity_id)
    selectors.require_organiser(request.auth, activity)
    return [
        AttendanceRowOut(
            signup=SignupOut.build(r["signup"]),
            attendance=AttendanceOut.build(r["attendance"]) if r["attendance"] else None,
        )
        for r in selectors.attendance_rows(activity)
    ]


class CodeOut(Schema):
    code: str
    purpose: str
    expires_in: int = Field(..., description="seconds until the next code; the previous one is still accepted")


class CodeFilters(Schema):
    purpose: str = Field("in", pattern=r"^(in|out)$")


@router.get("/activities/{activity_id}/code", response=CodeOut, summary="The current rotating code (organiser)")
def current_code(
    request: ApiRequest, f: Query[CodeFilters], activity_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> CodeOut:
    activity = selectors.activity_get(activity_id=activity_id)
    selectors.require_organiser(request.auth, activity)
    code = codes.make(activity_id=activity.pk, salt=activity.qr_salt, purpose=f.purpose)
    return CodeOut(code=code, purpose=f.purpose, expires_in=codes.seconds_left())


class VolunteerBrief(Schema):
    id: int
    number: str
    name: str
    kind: str


class CoverOut(Schema):
    missing: int
    notified: bool = Field(..., description="false when no notification channel is installed: call them yourself")
    candidates: list[VolunteerBrief]


@router.post(
    "/activities/{activity_id}/cover",
    response=CoverOut,
    summary="Understaffed: list (and notify) matching volunteers who have not signed up",
)
def call_cover(request: ApiRequest, activity_id: int = PathParam(..., ge=1, le=MAX_ID)) -> CoverOut:
    result = cover_call(actor=request.auth, activity_id=activity_id)
    return CoverOut(
        missing=result["missing"],
        notified=result["notified"],
        candidates=[VolunteerBrief(id=v.pk, number=v.number, name=v.name, kind=v.kind) for v in result["candidates"]],
    )


class VolunteerIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    kind: str = Field(..., max_length=20, description=", ".join(VolunteerKind.values))
    area: str = Field(..., pattern=r"^\d{6,17}$")
    birth_date: dt.date | None = None
    skills: list[str] = Field(default_factory=list, max_length=20)
    availability: str = Field("", max_length=200)
    user_id: int | None = Field(None, ge=1, le=MAX_ID, description="register another account (community staff)")


class VolunteerOut(Schema):
    id: int
    number: str
    name: str
    kind: str
    kind_label: str
    area_code: str
    skills: list[str]
    availability: str
    registered_at: dt.datetime

    @staticmethod
    def build(v: Volunteer) -> "VolunteerOut":
        return VolunteerOut(
            id=v.pk,
            number=v.number,
            name=v.name,
            kind=v.kind,
            kind_label=str(v.get_kind_display()),
            area_code=v.area_code,
            skills=[s.name for s in v.skills.all()],
            availability=v.availability,
            registered_at=v.registered_at,
        )


@router.post("/volunteers", response={201: VolunteerOut}, summary="Register as a volunteer (or register someone)")
def register_volunteer(request: ApiRequest, data: VolunteerIn) -> Status[VolunteerOut]:
    from gongzhi.accounts.models import User

    area = Area.objects.filter(code=data.area).first()
    if area is None:
        raise NotFound(_("区域不存在：%(code)s") % {"code": data.area}, field="area")
    user = _get(User, data.user_id, "user_id") if data.user_id is not None else request.auth
    volunteer = volunteer_register(
        actor=request.auth,
        user=user,
        name=data.name,
        kind=data.kind,
        area=area,
        birth_date=data.birth_date,
        skills=data.skills,
        availability=data.availability,
    )
    return Status(201, VolunteerOut.build(volunteer))


class ServiceOut(Schema):
    activity_id: int
    title: str
    date: dt.date
    place: str
    team: str
    project: str
    hours: Decimal


class TrainingOut(Schema):
    title: str
    date: dt.date
    hours: Decimal
    project: str


class HonourOut(Schema):
    title: str
    issuer: str
    date: dt.date


class PartyRegistrationOut(Schema):
    year: int
    community: str
    hours_owed: Decimal
    hours_given: Decimal


class CertificateOut(Schema):
    number: str
    issued_at: dt.datetime
    total_hours: Decimal
    activity_count: int
    verify_url: str
    pdf_url: str

    @staticmethod
    def build(c: Certificate) -> "CertificateOut":
        return CertificateOut(
            number=c.number,
            issued_at=c.issued_at,
            total_hours=c.total_hours,
            activity_count=c.activity_count,
            verify_url=f"/volunteering/certificates/{c.number}/",
            pdf_url=f"/volunteering/certificates/{c.number}.pdf",
        )


class RecordOut(Schema):
    volunteer: VolunteerOut
    area_name: str
    total_hours: Decimal
    hours_by_year: dict[str, Decimal]
    services: list[ServiceOut]
    trainings: list[TrainingOut]
    honours: list[HonourOut]
    rating_average: float | None
    comments: list[str]
    party_registrations: list[PartyRegistrationOut]
    certificates: list[CertificateOut]


@router.get("/volunteers/{volunteer_id}/record", response=RecordOut, summary="A volunteer's service record")
def volunteer_record(request: ApiRequest, volunteer_id: int = PathParam(..., ge=1, le=MAX_ID)) -> RecordOut:
    volunteer = selectors.volunteer_get(user=request.auth, volunteer_id=volunteer_id)
    r = selectors.volunteer_record(volunteer)
    return RecordOut(
        volunteer=VolunteerOut.build(volunteer),
        area_name=r.area_name,
        total_hours=r.total_hours,
        hours_by_year={str(year): hours for year, hours in r.hours_by_year.items()},
        services=[ServiceOut(**s) for s in r.services],
        trainings=[TrainingOut(**t) for t in r.trainings],
        honours=[HonourOut(**h) for h in r.honours],
        rating_average=r.rating_average,
        comments=r.comments,
        party_registrations=[PartyRegistrationOut(**p) for p in r.party_registrations],
        certificates=[CertificateOut.build(c) for c in r.certificates],
    )


@router.post(
    "/volunteers/{volunteer_id}/certificates",
    response={201: CertificateOut},
    summary="Issue a certificate of the confirmed hours to date",
)
def issue_certificate(
    request: ApiRequest, volunteer_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> Status[CertificateOut]:
    volunteer = selectors.volunteer_get(user=request.auth, volunteer_id=volunteer_id)
    return Status(201, CertificateOut.build(certificate_issue(actor=request.auth, volunteer=volunteer)))
