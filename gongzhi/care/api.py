"""Care API: archives under need to know, the carer's task list, visits, needs, risk, triggers, configuration,
paired support and the three tiers of psychological service. Every write takes an `Idempotency-Key`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import FileResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.params.functions import Path as PathParam  # the call form; ninja types Path as an annotation

from gongzhi.accounts.auth import api_auth
from gongzhi.care import access, schedule, selectors
from gongzhi.care.actions import archives as A
from gongzhi.care.actions import config as C
from gongzhi.care.actions import psych as P
from gongzhi.care.actions import support as S
from gongzhi.care.actions.visits import visit_photo_add, visit_record
from gongzhi.care.models import (
    CareArchive,
    CareNeed,
    Carer,
    CareTag,
    PlanSupporter,
    PsychWarning,
    Referral,
    RiskChange,
    RiskLevel,
    SupportPlan,
    TermReview,
    TriggerEvent,
    Visit,
    VisitSchedule,
    VisitTrigger,
)
from gongzhi.core import fsm
from gongzhi.core.idempotency import idempotent
from gongzhi.core.types import ApiRequest

# Said in the schema of every write, as tests/core/test_idempotency.py checks against the wrapper.
HONOURS_KEY = "Honours `Idempotency-Key`: a repeat with the same key returns the first answer."

router = Router(tags=["care"], auth=api_auth)

MAX_ID = 2**62


class TaskOut(Schema):
    archive_id: int
    due_on: dt.date
    status: str = Field(..., description="overdue / due / soon (within 7 days) / later")
    status_label: str
    days_overdue: int
    risk_level_id: int
    trigger_event_id: int | None
    trigger_name: str

    @staticmethod
    def build(t: schedule.Task) -> TaskOut:
        return TaskOut(
            archive_id=t.archive_id, due_on=t.due_on, status=t.status, status_label=t.status_label,
            days_overdue=t.days_overdue, risk_level_id=t.risk_level_id, trigger_event_id=t.trigger_event_id,
            trigger_name=t.trigger_name,
        )  # fmt: skip


class ArchiveRow(Schema):
    id: int
    resident_name: str
    area_code: str
    is_child: bool
    risk_level: str
    status: str
    task: TaskOut | None

    @staticmethod
    def build(a: CareArchive, task: schedule.Task | None) -> ArchiveRow:
        return ArchiveRow(
            id=a.pk, resident_name=a.resident.name, area_code=a.area_code, is_child=a.is_child,
            risk_level=a.risk_level.code, status=a.status, task=TaskOut.build(task) if task else None,
        )  # fmt: skip


class ArchiveList(Schema):
    total: int
    items: list[ArchiveRow]


class CarerOut(Schema):
    id: int
    user_id: int
    name: str
    kind: str
    started_on: dt.date

    @staticmethod
    def build(c: Carer) -> CarerOut:
        return CarerOut(id=c.pk, user_id=c.user_id, name=str(c.user), kind=c.kind, started_on=c.started_on)


class NeedOut(Schema):
    id: int
    kind: str
    description: str
    status: str
    visit_id: int | None
    appeal_number: str | None

    @staticmethod
    def build(n: CareNeed) -> NeedOut:
        return NeedOut(
            id=n.pk, kind=n.kind, description=n.description, status=n.status, visit_id=n.visit_id,
            appeal_number=n.appeal.number if n.appeal_id and n.appeal else None,
        )  # fmt: skip


class RiskChangeOut(Schema):
    from_level: str | None
    to_level: str
    reason: str
    changed_by_id: int
    changed_at: dt.datetime
    visit_id: int | None

    @staticmethod
    def build(r: RiskChange) -> RiskChangeOut:
        return RiskChangeOut(
            from_level=r.from_level.code if r.from_level else None, to_level=r.to_level.code, reason=r.reason,
            changed_by_id=r.changed_by_id, changed_at=r.changed_at, visit_id=r.visit_id,
        )  # fmt: skip


class VisitOut(Schema):
    id: int
    archive_id: int
    visitor_id: int
    visited_at: dt.datetime
    findings: str
    lat: float | None
    lng: float | None
    distance_m: float | None
    near_home: bool | None
    trigger_event_id: int | None
    photo_ids: list[int]

    @staticmethod
    def build(v: Visit) -> VisitOut:
        return VisitOut(
            id=v.pk, archive_id=v.archive_id, visitor_id=v.visitor_id, visited_at=v.visited_at, findings=v.findings,
            lat=v.lat, lng=v.lng, distance_m=v.distance_m, near_home=v.near_home, trigger_event_id=v.trigger_id,
            photo_ids=[p.pk for p in v.photos.all()],
        )  # fmt: skip


class TriggerEventOut(Schema):
    id: int
    trigger: str
    occurred_on: dt.date
    due_on: dt.date
    visit_id: int | None

    @staticmethod
    def build(t: TriggerEvent) -> TriggerEventOut:
        return TriggerEventOut(id=t.pk, trigger=t.trigger.code, occurred_on=t.occurred_on, due_on=t.due_on,
                               visit_id=t.visit_id)  # fmt: skip


class PlanOut(Schema):
    id: int
    material: str
    study: str
    psychological: str
    status: str
    started_on: dt.date
    supporters: list[dict[str, Any]]
    reviews: list[dict[str, Any]]

    @staticmethod
    def build(p: SupportPlan) -> PlanOut:
        return PlanOut(
            id=p.pk, material=p.material, study=p.study, psychological=p.psychological, status=p.status,
            started_on=p.started_on,
            supporters=[{"user_id": s.carer.user_id, "name": str(s.carer.user), "line": s.line}
                        for s in p.supporters.all()],
            reviews=[{"term": r.term, "summary": r.summary, "material": r.material, "study": r.study,
                      "psychological": r.psychological, "reviewed_at": r.reviewed_at} for r in p.reviews.all()],
        )  # fmt: skip


class WarningOut(Schema):
    id: int
    reason: str
    status: str
    note: str
    raised_by_id: int
    raised_at: dt.datetime

    @staticmethod
    def build(w: PsychWarning) -> WarningOut:
        return WarningOut(id=w.pk, reason=w.reason, status=w.status, note=w.note, raised_by_id=w.raised_by_id,
                          raised_at=w.raised_at)  # fmt: skip


class ReferralOut(Schema):
    id: int
    partner_id: int
    partner: str
    reason: str
    consent: bool
    override_reason: str
    status: str
    outcome: str
    warning_id: int | None

    @staticmethod
    def build(r: Referral) -> ReferralOut:
        return ReferralOut(
            id=r.pk, partner_id=r.partner_id, partner=r.partner.name, reason=r.reason, consent=r.consent,
            override_reason=r.override_reason, status=r.status, outcome=r.outcome, warning_id=r.warning_id,
        )  # fmt: skip


class ArchiveOut(Schema):
    id: int
    resident_id: int
    resident_name: str
    phone_masked: str
    address: str
    area_code: str
    is_child: bool
    tags: list[str]
    situation: str
    risk_level: str
    risk_changed_at: dt.datetime
    consent: bool
    consent_note: str
    status: str
    last_visited_at: dt.datetime | None
    assigned: bool = Field(..., description="whether the reader is an assigned carer (otherwise the read is audited)")
    task: TaskOut | None
    carers: list[CarerOut]
    needs: list[NeedOut]
    risk_history: list[RiskChangeOut]
    visits: list[VisitOut]
    trigger_events: list[TriggerEventOut]
    plan: PlanOut | None
    warnings: list[WarningOut]
    referrals: list[ReferralOut]

    @staticmethod
    def build(archive: CareArchive, user: Any) -> ArchiveOut:
        d = selectors.archive_detail(archive)
        r = archive.resident
        return ArchiveOut(
            id=archive.pk, resident_id=r.pk, resident_name=r.name, phone_masked=r.phone_masked,
            address=r.household.address if r.household_id and r.household else "", area_code=archive.area_code,
            is_child=archive.is_child, tags=[t.code for t in d["tags"]], situation=archive.situation,
            risk_level=archive.risk_level.code, risk_changed_at=archive.risk_changed_at, consent=archive.consent,
            consent_note=archive.consent_note, status=archive.status, last_visited_at=archive.last_visited_at,
            assigned=access.is_assigned(user, archive), task=TaskOut.build(d["task"]) if d["task"] else None,
            carers=[CarerOut.build(c) for c in d["carers"]], needs=[NeedOut.build(n) for n in d["needs"]],
            risk_history=[RiskChangeOut.build(x) for x in d["risk_changes"]],
            visits=[VisitOut.build(v) for v in d["visits"]],
            trigger_events=[TriggerEventOut.build(t) for t in d["triggers"]],
            plan=PlanOut.build(d["plan"]) if d["plan"] else None,
            warnings=[WarningOut.build(w) for w in d["warnings"]],
            referrals=[ReferralOut.build(x) for x in d["referrals"]],
        )  # fmt: skip


def _detail(request: ApiRequest, archive_id: int) -> ArchiveOut:
    archive = access.archive_get(user=request.auth, archive_id=archive_id, request=request)
    return ArchiveOut.build(archive, request.auth)


# --- reads ---------------------------------------------------------------------------------------------------


@router.get("/tasks", response=list[TaskOut], summary="My visits: overdue, due today, due within 7 days (by urgency)")
def my_tasks(request: ApiRequest) -> list[TaskOut]:
    return [TaskOut.build(t) for t in schedule.tasks_of_carer(request.auth.pk)]


class ListQuery(Schema):
    area_code: str = Field("", max_length=17, pattern=r"^\d*$")
    tag: str = Field("", max_length=32)
    risk_level: str = Field("", max_length=16)
    due: Literal["", "overdue", "due", "soon", "later"] = ""
    children: bool | None = None
    status: Literal["", "active", "closed"] = "active"
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


@router.get("/archives", response=ArchiveList, summary="Archives I may read (need to know), most urgent first")
def list_archives(request: ApiRequest, q: Query[ListQuery]) -> ArchiveList:
    rows, tasks, total = selectors.archives_list(
        user=request.auth, area_code=q.area_code, tag=q.tag, risk_level=q.risk_level, due=q.due,
        children=q.children, status=q.status, limit=q.limit, offset=q.offset, request=request,
    )  # fmt: skip
    return ArchiveList(total=total, items=[ArchiveRow.build(a, tasks.get(a.pk)) for a in rows])


@router.get(
    "/archives/{archive_id}", response=ArchiveOut, summary="One archive (a read by someone not assigned is audited)"
)
def get_archive(request: ApiRequest, archive_id: int = PathParam(..., ge=1, le=MAX_ID)) -> ArchiveOut:
    return _detail(request, archive_id)


@router.get("/photos/{photo_id}", summary="A visit photo (metadata stripped), under the archive's need to know")
def get_photo(request: ApiRequest, photo_id: int = PathParam(..., ge=1, le=MAX_ID)) -> FileResponse:
    photo = selectors.photo_get(user=request.auth, photo_id=photo_id, request=request)
    return FileResponse(photo.image.open("rb"), content_type=photo.content_type)


class TagOut(Schema):
    code: str
    name: str
    is_child: bool
    order: int
    active: bool


class RiskLevelOut(Schema):
    code: str
    name: str
    color: str
    rank: int
    interval_days: int
    active: bool


class TriggerOut(Schema):
    code: str
    name: str
    group: str
    within_days: int
    order: int
    active: bool


class ScheduleOut(Schema):
    community_code: str
    risk_level: str
    interval_days: int


class ConfigOut(Schema):
    tags: list[TagOut]
    risk_levels: list[RiskLevelOut]
    triggers: list[TriggerOut]
    schedules: list[ScheduleOut]


def _tag(t: CareTag) -> TagOut:
    return TagOut(code=t.code, name=t.name, is_child=t.is_child, order=t.order, active=t.active)


def _level(x: RiskLevel) -> RiskLevelOut:
    return RiskLevelOut(code=x.code, name=x.name, color=x.color, rank=x.rank, interval_days=x.interval_days,
                        active=x.active)  # fmt: skip


def _trigger(t: VisitTrigger) -> TriggerOut:
    return TriggerOut(code=t.code, name=t.name, group=t.group, within_days=t.within_days, order=t.order,
                      active=t.active)  # fmt: skip


def _schedule(s: VisitSchedule) -> ScheduleOut:
    return ScheduleOut(community_code=s.area_code, risk_level=s.risk_level.code, interval_days=s.interval_days)


@router.get("/config", response=ConfigOut, summary="Care tags, risk levels, trigger lists, community schedules")
def get_config(request: ApiRequest) -> ConfigOut:
    c = selectors.config()
    return ConfigOut(
        tags=[_tag(t) for t in c["tags"]], risk_levels=[_level(x) for x in c["risk_levels"]],
        triggers=[_trigger(t) for t in c["triggers"]], schedules=[_schedule(s) for s in c["schedules"]],
    )  # fmt: skip


# --- writes --------------------------------------------------------------------------------------------------


class NeedIn(Schema):
    kind: str = Field(..., description="daily_care / material / study / psychological / medical")
    description: str = Field(..., max_length=500)


class CarerIn(Schema):
    user_id: int = Field(..., ge=1, le=MAX_ID)
    kind: str = Field(..., description="grid_worker / steward / party_member / social_worker / supporter")


class ArchiveIn(Schema):
    resident_id: int = Field(..., ge=1, le=MAX_ID)
    tags: list[str] = Field(..., max_length=20)
    risk_level: str
    risk_reason: str = Field("", max_length=300)
    situation: str = Field("", max_length=5000)
    consent: bool = False
    consent_note: str = Field("", max_length=200)
    needs: list[NeedIn] = Field([], max_length=20)
    carers: list[CarerIn] = Field([], max_length=20)
    home_lat: float | None = None
    home_lng: float | None = None


@router.post("/archives", response={201: ArchiveOut}, summary="Open a care archive", description=HONOURS_KEY)
@idempotent("care.archives.create")
def create_archive(request: ApiRequest, data: ArchiveIn) -> Status[ArchiveOut]:
    archive = A.archive_create(
        actor=request.auth, resident_id=data.resident_id, tags=data.tags, risk_level_code=data.risk_level,
        risk_reason=data.risk_reason, situation=data.situation, consent=data.consent, consent_note=data.consent_note,
        needs=[n.model_dump() for n in data.needs], carers=[c.model_dump() for c in data.carers],
        home_lat=data.home_lat, home_lng=data.home_lng,
    )  # fmt: skip
    return Status(201, _detail(request, archive.pk))


class ArchiveUpdateIn(Schema):
    situation: str | None = Field(None, max_length=5000)
    tags: list[str] | None = Field(None, max_length=20)
    consent: bool | None = None
    consent_note: str | None = Field(None, max_length=200)
    home_lat: float | None = None
    home_lng: float | None = None


@router.post(
    "/archives/{archive_id}/update",
    response=ArchiveOut,
    summary="Change situation, tags, consent, home",
    description=HONOURS_KEY,
)
@idempotent("care.archives.update")
def update_archive(request: ApiRequest, archive_id: int, data: ArchiveUpdateIn) -> ArchiveOut:
    A.archive_update(actor=request.auth, archive_id=archive_id, **data.model_dump())
    return _detail(request, archive_id)


class MoveIn(Schema):
    note: str = Field("", max_length=500)
    category: str | None = Field(None, max_length=32, description="appeal: the appeal category, when known")


@router.post(
    "/archives/{archive_id}/moves/{action}",
    response=ArchiveOut,
    summary="Close or reopen an archive",
    description=HONOURS_KEY,
)
@idempotent("care.archives.move")
def move_archive(request: ApiRequest, archive_id: int, action: Literal["close", "reopen"], data: MoveIn) -> ArchiveOut:
    fsm.transition(A.ARCHIVE, archive_id, action, actor=request.auth, note=data.note)
    return _detail(request, archive_id)


@router.post(
    "/archives/{archive_id}/carers", response={201: CarerOut}, summary="Assign a carer", description=HONOURS_KEY
)
@idempotent("care.carers.assign")
def assign_carer(request: ApiRequest, archive_id: int, data: CarerIn) -> Status[CarerOut]:
    carer = A.carer_assign(actor=request.auth, archive_id=archive_id, user_id=data.user_id, kind=data.kind)
    return Status(201, CarerOut.build(carer))


@router.post("/carers/{carer_id}/end", response=CarerOut, summary="End a carer's assignment", description=HONOURS_KEY)
@idempotent("care.carers.end")
def end_carer(request: ApiRequest, carer_id: int) -> CarerOut:
    return CarerOut.build(A.carer_end(actor=request.auth, carer_id=carer_id))


class RiskIn(Schema):
    risk_level: str
    reason: str = Field(..., max_length=300)


@router.post(
    "/archives/{archive_id}/risk",
    response=ArchiveOut,
    summary="Re-assess the risk level (with a reason)",
    description=HONOURS_KEY,
)
@idempotent("care.archives.risk")
def set_risk(request: ApiRequest, archive_id: int, data: RiskIn) -> ArchiveOut:
    A.risk_set(actor=request.auth, archive_id=archive_id, level_code=data.risk_level, reason=data.reason)
    return _detail(request, archive_id)


@router.post("/archives/{archive_id}/needs", response={201: NeedOut}, summary="Record a need", description=HONOURS_KEY)
@idempotent("care.needs.create")
def add_need(request: ApiRequest, archive_id: int, data: NeedIn) -> Status[NeedOut]:
    need = A.need_add(actor=request.auth, archive_id=archive_id, kind=data.kind, description=data.description)
    return Status(201, NeedOut.build(need))


@router.post(
    "/needs/{need_id}/{action}",
    response=NeedOut,
    summary="A need: turn into an appeal (one tap), met, withdrawn",
    description=HONOURS_KEY,
)
@idempotent("care.needs.move")
def move_need(
    request: ApiRequest, need_id: int, action: Literal["appeal", "meet", "withdraw"], data: MoveIn
) -> NeedOut:
    extra = {"category": data.category} if action == "appeal" and data.category else {}
    result = fsm.transition(A.NEED, need_id, action, actor=request.auth, note=data.note, data=extra)
    need = CareNeed.objects.select_related("appeal").get(pk=result.obj.pk)
    return NeedOut.build(need)


class TriggerIn(Schema):
    trigger: str = Field(..., max_length=32)
    occurred_on: dt.date | None = None
    note: str = Field("", max_length=300)


@router.post(
    "/archives/{archive_id}/triggers",
    response={201: TriggerEventOut},
    summary="An event calling for a visit (三必到、六必访)",
    description=HONOURS_KEY,
)
@idempotent("care.triggers.create")
def report_trigger(request: ApiRequest, archive_id: int, data: TriggerIn) -> Status[TriggerEventOut]:
    row = A.trigger_report(
        actor=request.auth, archive_id=archive_id, trigger_code=data.trigger, occurred_on=data.occurred_on,
        note=data.note,
    )  # fmt: skip
    return Status(201, TriggerEventOut.build(row))


class VisitIn(Schema):
    findings: str = Field(..., max_length=5000)
    visited_at: dt.datetime | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    risk_level: str | None = None
    risk_reason: str = Field("", max_length=300)
    needs: list[NeedIn] = Field([], max_length=20)


@router.post(
    "/archives/{archive_id}/visits",
    response={201: VisitOut},
    summary="Record a visit (assigned carers only)",
    description=HONOURS_KEY,
)
@idempotent("care.visits.create")
def create_visit(request: ApiRequest, archive_id: int, data: VisitIn) -> Status[VisitOut]:
    visit = visit_record(
        actor=request.auth, archive_id=archive_id, findings=data.findings, visited_at=data.visited_at,
        lat=data.lat, lng=data.lng, risk_level_code=data.risk_level, risk_reason=data.risk_reason,
        needs=[n.model_dump() for n in data.needs],
    )  # fmt: skip
    return Status(201, VisitOut.build(visit))


class PhotoOut(Schema):
    id: int
    content_type: str
    width: int
    height: int


@router.post(
    "/visits/{visit_id}/photos", response={201: PhotoOut}, summary="Add a photo to my visit (metadata stripped)"
)
def add_visit_photo(request: ApiRequest, visit_id: int, photo: File[UploadedFile]) -> Status[PhotoOut]:
    p = visit_photo_add(actor=request.auth, visit_id=visit_id, upload=photo)
    return Status(201, PhotoOut(id=p.pk, content_type=p.content_type, width=p.width, height=p.height))


# configuration


class TagIn(Schema):
    code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=32)
    is_child: bool = False
    order: int = Field(0, ge=0, le=999)
    active: bool = True


@router.post("/config/tags", response=TagOut, summary="Create or change a care tag", description=HONOURS_KEY)
@idempotent("care.config.tags")
def save_tag(request: ApiRequest, data: TagIn) -> TagOut:
    return _tag(C.tag_save(actor=request.auth, **data.model_dump()))


class RiskLevelIn(Schema):
    code: str = Field(..., max_length=16)
    name: str = Field(..., max_length=16)
    rank: int
    interval_days: int
    color: str = Field("#999999", max_length=16)
    active: bool = True


@router.post(
    "/config/risk-levels", response=RiskLevelOut, summary="Create or change a risk level", description=HONOURS_KEY
)
@idempotent("care.config.risk_levels")
def save_level(request: ApiRequest, data: RiskLevelIn) -> RiskLevelOut:
    return _level(C.risk_level_save(actor=request.auth, **data.model_dump()))


class TriggerConfigIn(Schema):
    code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=64)
    group: str
    within_days: int = 1
    order: int = Field(0, ge=0, le=999)
    active: bool = True


@router.post(
    "/config/triggers",
    response=TriggerOut,
    summary="Create or change a trigger (三必到、六必访)",
    description=HONOURS_KEY,
)
@idempotent("care.config.triggers")
def save_trigger(request: ApiRequest, data: TriggerConfigIn) -> TriggerOut:
    return _trigger(C.trigger_save(actor=request.auth, **data.model_dump()))


class ScheduleIn(Schema):
    community_code: str = Field(..., max_length=17)
    risk_level: str
    interval_days: int | None = Field(None, description="null removes the community's own interval")


@router.post(
    "/config/schedules",
    response=ScheduleOut | None,
    summary="A community's visit interval for a risk level",
    description=HONOURS_KEY,
)
@idempotent("care.config.schedules")
def save_schedule(request: ApiRequest, data: ScheduleIn) -> ScheduleOut | None:
    row = C.schedule_set(
        actor=request.auth, community_code=data.community_code, level_code=data.risk_level,
        interval_days=data.interval_days,
    )  # fmt: skip
    return _schedule(row) if row is not None else None


# paired support


class PlanIn(Schema):
    material: str = Field("", max_length=2000)
    study: str = Field("", max_length=2000)
    psychological: str = Field("", max_length=2000)


def _plan_out(plan_id: int) -> PlanOut:
    plan = SupportPlan.objects.prefetch_related("supporters__carer__user", "reviews").get(pk=plan_id)
    return PlanOut.build(plan)


@router.post(
    "/archives/{archive_id}/plan",
    response={201: PlanOut},
    summary="A child's paired-support plan",
    description=HONOURS_KEY,
)
@idempotent("care.plans.create")
def create_plan(request: ApiRequest, archive_id: int, data: PlanIn) -> Status[PlanOut]:
    plan = S.plan_create(actor=request.auth, archive_id=archive_id, **data.model_dump())
    return Status(201, _plan_out(plan.pk))


class SupporterIn(Schema):
    user_id: int = Field(..., ge=1, le=MAX_ID)
    line: str = Field(..., description="material / study / psychological")


@router.post(
    "/plans/{plan_id}/supporters", response={201: PlanOut}, summary="Add a supporter on a line", description=HONOURS_KEY
)
@idempotent("care.plans.supporters")
def add_supporter(request: ApiRequest, plan_id: int, data: SupporterIn) -> Status[PlanOut]:
    s: PlanSupporter = S.supporter_add(actor=request.auth, plan_id=plan_id, user_id=data.user_id, line=data.line)
    return Status(201, _plan_out(s.plan_id))


class ReviewIn(Schema):
    term: str = Field(..., max_length=16, description="e.g. 2026春 or 2026秋")
    summary: str = Field(..., max_length=2000)
    material: str = Field("", max_length=2000)
    study: str = Field("", max_length=2000)
    psychological: str = Field("", max_length=2000)


@router.post(
    "/plans/{plan_id}/reviews", response={201: PlanOut}, summary="The term's review of a plan", description=HONOURS_KEY
)
@idempotent("care.plans.reviews")
def add_review(request: ApiRequest, plan_id: int, data: ReviewIn) -> Status[PlanOut]:
    r: TermReview = S.review_add(actor=request.auth, plan_id=plan_id, **data.model_dump())
    return Status(201, _plan_out(r.plan_id))


# psychological service


class FrontIn(Schema):
    activity_id: int = Field(..., ge=1, le=MAX_ID)
    note: str = Field("", max_length=300)


@router.post(
    "/archives/{archive_id}/front-services",
    response={201: dict[str, int]},
    summary="Front end: took part in a talk or class",
    description=HONOURS_KEY,
)
@idempotent("care.psych.front")
def add_front(request: ApiRequest, archive_id: int, data: FrontIn) -> Status[dict[str, int]]:
    row = P.front_service_record(actor=request.auth, archive_id=archive_id, activity_id=data.activity_id,
                                 note=data.note)  # fmt: skip
    return Status(201, {"id": row.pk, "activity_id": row.activity_id})


class WarningIn(Schema):
    reason: str = Field(..., max_length=500)


@router.post(
    "/archives/{archive_id}/warnings",
    response={201: WarningOut},
    summary="Mid end: raise a warning",
    description=HONOURS_KEY,
)
@idempotent("care.psych.warn")
def raise_warning(request: ApiRequest, archive_id: int, data: WarningIn) -> Status[WarningOut]:
    return Status(201, WarningOut.build(P.warning_raise(actor=request.auth, archive_id=archive_id, reason=data.reason)))


@router.post("/warnings/{warning_id}/close", response=WarningOut, summary="Close a warning", description=HONOURS_KEY)
@idempotent("care.psych.warning_close")
def close_warning(request: ApiRequest, warning_id: int, data: MoveIn) -> WarningOut:
    result = fsm.transition(P.WARNING, warning_id, "close", actor=request.auth, note=data.note)
    return WarningOut.build(result.obj)


class ReferralIn(Schema):
    partner_id: int = Field(..., ge=1, le=MAX_ID)
    reason: str = Field(..., max_length=500)
    consent: bool = False
    override_reason: str = Field("", max_length=300)
    warning_id: int | None = Field(None, ge=1, le=MAX_ID)


@router.post(
    "/archives/{archive_id}/referrals",
    response={201: ReferralOut},
    summary="Back end: refer (consent or override)",
    description=HONOURS_KEY,
)
@idempotent("care.psych.refer")
def create_referral(request: ApiRequest, archive_id: int, data: ReferralIn) -> Status[ReferralOut]:
    r = P.referral_create(actor=request.auth, archive_id=archive_id, **data.model_dump())
    return Status(201, ReferralOut.build(r))


@router.post(
    "/referrals/{referral_id}/{action}",
    response=ReferralOut,
    summary="Accepted, rejected, done or revoked",
    description=HONOURS_KEY,
)
@idempotent("care.psych.referral_move")
def move_referral(
    request: ApiRequest, referral_id: int, action: Literal["accept", "reject", "complete", "revoke"], data: MoveIn
) -> ReferralOut:
    result = fsm.transition(P.REFERRAL, referral_id, action, actor=request.auth, note=data.note)
    return ReferralOut.build(Referral.objects.select_related("partner").get(pk=result.obj.pk))
