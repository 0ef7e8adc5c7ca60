"""Inspections API: places, checklist templates, what is due, inspections (idempotent), rectification orders, the
committees' roll-up and the Excel export. Same rules as the pages (`inspections.*` over areas)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.params.functions import Path as PathParam

from gongzhi.accounts import rules
from gongzhi.accounts.auth import api_auth
from gongzhi.areas.selectors import area_get
from gongzhi.core import clock
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.idempotency import idempotent
from gongzhi.core.types import ApiRequest
from gongzhi.inspections import exports, selectors
from gongzhi.inspections.actions.checklists import template_publish
from gongzhi.inspections.actions.inspecting import Submitted, inspection_submit
from gongzhi.inspections.actions.places import place_contact_reveal, place_create, place_get, place_update
from gongzhi.inspections.actions.rectifications import RECTIFICATION, rectification_act
from gongzhi.inspections.models import (
    Answer,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAppeal,
    Place,
    Rectification,
)

router = Router(tags=["inspections"], auth=api_auth)

MAX_ID: int = 2**62
AREA = r"^\d{6,17}$"


class PlaceOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    area_code: str
    address: str
    licence_no: str
    contact_name: str
    contact_phone: str = Field(..., description="masked (138****5678); POST …/reveal for the full number, audited")
    lat: float | None
    lng: float | None
    responsible_id: int | None
    responsible: str
    is_active: bool

    @staticmethod
    def build(p: Place) -> PlaceOut:
        return PlaceOut(
            id=p.pk,
            name=p.name,
            kind=p.kind,
            kind_label=str(p.get_kind_display()),
            area_code=p.area_code,
            address=p.address,
            licence_no=p.licence_no,
            contact_name=p.contact_name,
            contact_phone=p.phone_masked,
            lat=p.lat,
            lng=p.lng,
            responsible_id=p.responsible_id,
            responsible=p.responsible.get_username() if p.responsible else "",
            is_active=p.is_active,
        )


class PlacePage(Schema):
    items: list[PlaceOut]
    total: int


class PlaceFilters(Schema):
    area: str | None = Field(None, pattern=AREA, description="an area code: that area and below")
    kind: str | None = Field(None, max_length=20)
    mine: bool = Field(False, description="only the places the caller is responsible for (包保)")
    q: str | None = Field(None, max_length=50, description="name, address or licence number contains")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/places", response=PlacePage, summary="Places in the caller's reach (contacts masked)")
def list_places(request: ApiRequest, f: Query[PlaceFilters]) -> PlacePage:
    qs = selectors.places_list(user=request.auth, area_code=f.area or "", kind=f.kind or "", mine=f.mine, q=f.q or "")
    return PlacePage(items=[PlaceOut.build(p) for p in qs[f.offset : f.offset + f.limit]], total=qs.count())


class PlaceIn(Schema):
    area: str = Field(..., pattern=r"^\d{17}$", description="the micro-grid's code")
    name: str = Field(..., max_length=100)
    kind: str = Field(..., max_length=20)
    address: str = Field("", max_length=200)
    licence_no: str = Field("", max_length=64)
    contact_name: str = Field("", max_length=32)
    contact_phone: str = Field("", max_length=32)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    responsible_id: int | None = Field(None, ge=1, le=MAX_ID)


@router.post(
    "/places", response={201: PlaceOut}, summary="Register a place (inspections.manage; honours Idempotency-Key)"
)
@idempotent("inspections.places.create")
def create_place(request: ApiRequest, data: PlaceIn) -> Status[PlaceOut]:
    values = data.model_dump()
    place = place_create(actor=request.auth, **values)
    return Status(201, PlaceOut.build(place))


@router.get("/places/{place_id}", response=PlaceOut, summary="One place")
def get_place(request: ApiRequest, place_id: int = PathParam(..., ge=1, le=MAX_ID)) -> PlaceOut:
    return PlaceOut.build(place_get(actor=request.auth, place_id=place_id))


class PlacePatch(Schema):
    name: str | None = Field(None, max_length=100)
    kind: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=200)
    licence_no: str | None = Field(None, max_length=64)
    contact_name: str | None = Field(None, max_length=32)
    contact_phone: str | None = Field(None, max_length=32)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    responsible_id: int | None = Field(None, ge=1, le=MAX_ID)
    is_active: bool | None = None


@router.patch("/places/{place_id}", response=PlaceOut, summary="Change a place (only the fields given)")
def patch_place(request: ApiRequest, data: PlacePatch, place_id: int = PathParam(..., ge=1, le=MAX_ID)) -> PlaceOut:
    values = data.model_dump(exclude_unset=True)
    return PlaceOut.build(place_update(actor=request.auth, place_id=place_id, **values))


class RevealIn(Schema):
    reason: str = Field("", max_length=200)


class RevealOut(Schema):
    contact_phone: str


@router.post(
    "/places/{place_id}/reveal", response=RevealOut, summary="The contact's full phone (people.unmask, audited)"
)
def reveal_place_contact(
    request: ApiRequest, data: RevealIn, place_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> RevealOut:
    phone = place_contact_reveal(actor=request.auth, place_id=place_id, request=request, reason=data.reason)
    return RevealOut(contact_phone=phone)


class ItemOut(Schema):
    key: str
    order: int
    text: str
    kind: str
    required: bool
    choices: list[str]
    condition: dict[str, Any] | None
    severity: int
    appeal_category: str

    @staticmethod
    def build(i: ChecklistItem) -> ItemOut:
        return ItemOut(
            key=i.key,
            order=i.order,
            text=i.text,
            kind=i.kind,
            required=i.required,
            choices=list(i.choices or []),
            condition=i.condition,
            severity=i.severity,
            appeal_category=i.appeal_category,
        )


class TemplateOut(Schema):
    id: int
    code: str
    version: int
    name: str
    committee: str
    place_kinds: list[str]
    frequency_days: int
    severity_threshold: int
    rectify_days: int
    is_current: bool
    items: list[ItemOut]

    @staticmethod
    def build(t: ChecklistTemplate) -> TemplateOut:
        return TemplateOut(
            id=t.pk,
            code=t.code,
            version=t.version,
            name=t.name,
            committee=t.committee,
            place_kinds=list(t.place_kinds),
            frequency_days=t.frequency_days,
            severity_threshold=t.severity_threshold,
            rectify_days=t.rectify_days,
            is_current=t.is_current,
            items=[ItemOut.build(i) for i in t.items.all()],
        )


def _viewer(request: ApiRequest) -> None:
    if not rules.scope_codes(request.auth, "inspections.view"):
        raise PermissionDenied(_("您的角色不能查看巡查"), details={"rule": "inspections.view"})


@router.get("/templates", response=list[TemplateOut], summary="The current version of every checklist template")
def list_templates(request: ApiRequest) -> list[TemplateOut]:
    _viewer(request)
    return [TemplateOut.build(t) for t in selectors.templates_current()]


@router.get("/templates/{template_id}", response=TemplateOut, summary="One template version (current or not)")
def get_template(request: ApiRequest, template_id: int = PathParam(..., ge=1, le=MAX_ID)) -> TemplateOut:
    _viewer(request)
    return TemplateOut.build(selectors.template_get(template_id=template_id))


class TemplateIn(Schema):
    code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=64)
    committee: str = Field(..., max_length=32)
    place_kinds: list[str]
    frequency_days: int
    severity_threshold: int = 2
    rectify_days: int = 7
    items: list[dict[str, Any]]
    base_version: int | None = Field(None, description="the version edited: 409 when another was published since")


@router.post(
    "/templates", response={201: TemplateOut}, summary="Publish the next version of a template (inspections.configure)"
)
def publish_template(request: ApiRequest, data: TemplateIn) -> Status[TemplateOut]:
    template = template_publish(actor=request.auth, **data.model_dump())
    return Status(201, TemplateOut.build(selectors.template_get(template_id=template.pk)))


class DueOut(Schema):
    place_id: int
    place: str
    kind_label: str
    address: str
    area_code: str
    template_id: int
    template: str
    committee: str
    last_done: dt.datetime | None
    due_on: dt.date
    status: str = Field(..., description="overdue, today, soon (within 7 days) or later")


class DueFilters(Schema):
    area: str | None = Field(None, pattern=AREA)
    mine: bool = Field(True, description="only the caller's places (包保); false: every place in reach")
    include_later: bool = False


@router.get("/due", response=list[DueOut], summary="Inspections due: overdue, today, within 7 days")
def list_due(request: ApiRequest, f: Query[DueFilters]) -> list[DueOut]:
    _viewer(request)
    places = selectors.places_list(user=request.auth, area_code=f.area or "", mine=f.mine)
    rows = selectors.due_list(user=request.auth, places=places, include_later=f.include_later)
    return [
        DueOut(
            place_id=d.place.pk,
            place=d.place.name,
            kind_label=str(d.place.get_kind_display()),
            address=d.place.address,
            area_code=d.place.area_code,
            template_id=d.template.pk,
            template=d.template.name,
            committee=d.template.committee,
            last_done=d.last_done,
            due_on=d.due_on,
            status=d.status,
        )
        for d in rows
    ]


class RectificationOut(Schema):
    id: int
    number: str
    place_id: int
    place: str
    inspection_id: int
    item_key: str
    template_code: str
    committee: str
    text: str
    severity: int
    area_code: str
    state: str
    state_label: str
    deadline: dt.date
    overdue: bool
    reinspections_failed: int
    created_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def build(r: Rectification) -> RectificationOut:
        return RectificationOut(
            id=r.pk,
            number=r.number,
            place_id=r.place_id,
            place=r.place.name,
            inspection_id=r.inspection_id,
            item_key=r.item_key,
            template_code=r.template_code,
            committee=r.committee,
            text=r.text,
            severity=r.severity,
            area_code=r.area_code,
            state=r.state,
            state_label=str(r.get_state_display()),
            deadline=r.deadline,
            overdue=selectors.is_overdue(r),
            reinspections_failed=r.reinspections_failed,
            created_at=r.created_at,
            closed_at=r.closed_at,
        )


class AnswerOut(Schema):
    item: str
    text: str
    result: str
    value: Any
    note: str
    photos: list[str] = Field(..., description="addresses of the public copies (metadata stripped)")


class InspectionOut(Schema):
    id: int
    place_id: int
    place: str
    template_id: int
    template_code: str
    template_version: int
    inspector_id: int
    area_code: str
    client_key: str
    done_at: dt.datetime
    received_at: dt.datetime
    location_ok: bool | None
    distance_m: float | None
    failed: int
    note: str
    rectification_id: int | None = Field(..., description="the order this inspection re-inspected")
    answers: list[AnswerOut]
    rectifications: list[RectificationOut] = Field(..., description="orders opened by this inspection's failed items")
    appeals: list[str] = Field(..., description="numbers of the appeals opened by failed items")

    @staticmethod
    def build(i: Inspection, submitted: Submitted | None = None) -> InspectionOut:
        """From the rows just written (`submitted`, no reads) or, for a stored inspection, read in four queries."""
        if submitted is not None and submitted.answers:
            answers = submitted.answers
            photos = submitted.photos
            orders = submitted.rectifications
            appeals = sorted(a.number for a in submitted.appeals)
        else:
            answers = list(
                i.answers.select_related("item", "appeal_link__appeal")
                .prefetch_related("photos")
                .order_by("item__order")
            )
            photos = {a.pk: list(a.photos.all()) for a in answers}
            orders = list(i.rectifications.select_related("place").order_by("id"))
            appeals = sorted(a.appeal_link.appeal.number for a in answers if _has_appeal(a))
        return InspectionOut(
            id=i.pk,
            place_id=i.place_id,
            place=i.place.name,
            template_id=i.template_id,
            template_code=i.template.code,
            template_version=i.template.version,
            inspector_id=i.inspector_id,
            area_code=i.area_code,
            client_key=i.client_key,
            done_at=i.done_at,
            received_at=i.received_at,
            location_ok=i.location_ok,
            distance_m=i.distance_m,
            failed=i.failed,
            note=i.note,
            rectification_id=i.rectification_id,
            answers=[
                AnswerOut(
                    item=a.item.key,
                    text=a.item.text,
                    result=a.result,
                    value=a.value,
                    note=a.note,
                    photos=[p.public.url for p in photos.get(a.pk, [])],
                )
                for a in answers
            ],
            rectifications=[RectificationOut.build(r) for r in orders],
            appeals=appeals,
        )


def _has_appeal(answer: Answer) -> bool:
    try:
        answer.appeal_link  # noqa: B018  # select_related: no query
    except InspectionAppeal.DoesNotExist:
        return False
    return True


class AnswerIn(Schema):
    item: str = Field(..., max_length=32, description="the item's key")
    result: str = Field(..., max_length=4, description="pass, fail or na")
    value: Any = Field(None, description="yes_no: true/false; number: a number; choice: one of the item's choices")
    note: str = Field("", max_length=300)
    photos: list[str] = Field([], description="base64 images (data: URLs accepted); metadata is stripped")


class LocationIn(Schema):
    lat: float
    lng: float
    accuracy: float | None = None


class InspectionIn(Schema):
    place_id: int = Field(..., ge=1, le=MAX_ID)
    template_id: int = Field(..., ge=1, le=MAX_ID, description="the template version the form was filled with")
    answers: list[AnswerIn]
    done_at: dt.datetime | None = Field(None, description="when it was done on the phone (default: now)")
    location: LocationIn | None = None
    client_key: str = Field("", max_length=128, description="the phone's own key for this inspection")
    rectification_id: int | None = Field(None, ge=1, le=MAX_ID, description="the order this re-inspects")
    note: str = Field("", max_length=500)


@router.post(
    "/inspections",
    response={200: InspectionOut, 201: InspectionOut},
    summary="Submit an inspection (once: the same client_key or Idempotency-Key returns the first result)",
)
@idempotent("inspections.inspections.submit")
def submit_inspection(request: ApiRequest, data: InspectionIn) -> Status[InspectionOut]:
    body = data.model_dump(exclude_unset=True)
    answers = [a.model_dump(exclude_unset=True) for a in data.answers]
    location = data.location.model_dump(exclude_none=True) if data.location is not None else None
    submitted = inspection_submit(
        actor=request.auth,
        place_id=data.place_id,
        template_id=data.template_id,
        answers=answers,
        done_at=body.get("done_at"),
        location=location,
        client_key=data.client_key,
        rectification_id=data.rectification_id,
        note=data.note,
    )
    if submitted.created:
        return Status(201, InspectionOut.build(submitted.inspection, submitted))
    found = selectors.inspection_get(user=request.auth, inspection_id=submitted.inspection.pk)
    return Status(200, InspectionOut.build(found))


class InspectionFilters(Schema):
    area: str | None = Field(None, pattern=AREA)
    place_id: int | None = Field(None, ge=1, le=MAX_ID)
    template: str | None = Field(None, max_length=32, description="template code")
    failed: bool = Field(False, description="only inspections with a failed item")
    since: dt.date | None = Field(None, alias="from")
    until: dt.date | None = Field(None, alias="to")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class InspectionRow(Schema):
    id: int
    place_id: int
    place: str
    template: str
    template_version: int
    inspector: str
    area_code: str
    done_at: dt.datetime
    failed: int
    location_ok: bool | None


class InspectionPage(Schema):
    items: list[InspectionRow]
    total: int


@router.get("/inspections", response=InspectionPage, summary="Inspections in the caller's reach")
def list_inspections(request: ApiRequest, f: Query[InspectionFilters]) -> InspectionPage:
    qs = selectors.inspections_list(
        user=request.auth,
        area_code=f.area or "",
        place_id=f.place_id,
        template_code=f.template or "",
        failed_only=f.failed,
        since=f.since,
        until=f.until,
    )
    rows = [
        InspectionRow(
            id=i.pk,
            place_id=i.place_id,
            place=i.place.name,
            template=i.template.name,
            template_version=i.template.version,
            inspector=i.inspector.get_username(),
            area_code=i.area_code,
            done_at=i.done_at,
            failed=i.failed,
            location_ok=i.location_ok,
        )
        for i in qs[f.offset : f.offset + f.limit]
    ]
    return InspectionPage(items=rows, total=qs.count())


@router.get("/inspections/{inspection_id}", response=InspectionOut, summary="One inspection with its answers")
def get_inspection(request: ApiRequest, inspection_id: int = PathParam(..., ge=1, le=MAX_ID)) -> InspectionOut:
    return InspectionOut.build(selectors.inspection_get(user=request.auth, inspection_id=inspection_id))


class RectificationFilters(Schema):
    area: str | None = Field(None, pattern=AREA)
    state: str | None = Field(None, max_length=10)
    overdue: bool = False
    committee: str | None = Field(None, max_length=32)
    mine: bool = Field(False, description="only orders of the caller's places (包保)")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000)


class RectificationPage(Schema):
    items: list[RectificationOut]
    total: int


@router.get("/rectifications", response=RectificationPage, summary="Rectification orders in the caller's reach")
def list_rectifications(request: ApiRequest, f: Query[RectificationFilters]) -> RectificationPage:
    qs = selectors.rectifications_list(
        user=request.auth,
        area_code=f.area or "",
        state=f.state or "",
        overdue=f.overdue,
        committee=f.committee or "",
        mine=f.mine,
    )
    return RectificationPage(
        items=[RectificationOut.build(r) for r in qs[f.offset : f.offset + f.limit]], total=qs.count()
    )


class RectificationDetail(RectificationOut):
    allowed: list[str] = Field(..., description="the moves the caller may make now")


@router.get("/rectifications/{rectification_id}", response=RectificationDetail, summary="One rectification order")
def get_rectification(
    request: ApiRequest, rectification_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> RectificationDetail:
    order = selectors.rectification_get(user=request.auth, rectification_id=rectification_id)
    return RectificationDetail(
        **RectificationOut.build(order).model_dump(), allowed=RECTIFICATION.allowed(order, request.auth)
    )


class RectificationActionIn(Schema):
    action: str = Field(..., max_length=16, description="extend or cancel (re-inspection: POST /inspections)")
    deadline: dt.date | None = None
    note: str = Field("", max_length=500)


@router.post(
    "/rectifications/{rectification_id}/actions",
    response=RectificationOut,
    summary="Extend or cancel an order (honours Idempotency-Key)",
)
@idempotent("inspections.rectifications.act")
def act_on_rectification(
    request: ApiRequest, data: RectificationActionIn, rectification_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> RectificationOut:
    rectification_act(
        actor=request.auth,
        rectification_id=rectification_id,
        action=data.action,
        deadline=data.deadline,
        note=data.note,
    )
    order = selectors.rectification_get(user=request.auth, rectification_id=rectification_id)
    return RectificationOut.build(order)


class RollupQuery(Schema):
    area: str = Field(..., pattern=AREA, description="a street (or any area) code")
    since: dt.date | None = Field(None, alias="from", description="default: the first of this month")
    until: dt.date | None = Field(None, alias="to", description="default: today")


class Figures(Schema):
    expected: int
    done: int
    completion: float | None
    inspections: int
    hazards_found: int
    hazards_fixed: int
    rectifications_open: int
    rectifications_overdue: int


class ChildFigures(Figures):
    code: str
    name: str


class CommitteeOut(Schema):
    committee: str
    total: Figures
    children: list[ChildFigures]


class RollupOut(Schema):
    area_code: str
    area: str
    since: dt.date
    until: dt.date
    committees: list[CommitteeOut]


def period(since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
    today = timezone.localdate(clock.now())
    return since or today.replace(day=1), until or today


@router.get("/rollup", response=RollupOut, summary="Per committee (食安委 …): completion, hazards, overdue orders")
def get_rollup(request: ApiRequest, f: Query[RollupQuery]) -> RollupOut:
    area = area_get(code=f.area)
    since, until = period(f.since, f.until)
    result = selectors.rollup(user=request.auth, area=area, since=since, until=until)
    return RollupOut(area_code=area.code, area=area.name, since=since, until=until, committees=result["committees"])


class ExportQuery(Schema):
    area: str = Field(..., pattern=AREA)
    unmasked: bool = Field(False, description="full contact phones (people.unmask; audited)")


@router.get("/export", summary="Places, inspections and rectification orders as .xlsx (inspections.export, audited)")
def export(request: ApiRequest, q: Query[ExportQuery]) -> FileResponse:
    area = area_get(code=q.area)
    return exports.response(actor=request.auth, area=area, unmasked=q.unmasked, request=request)
