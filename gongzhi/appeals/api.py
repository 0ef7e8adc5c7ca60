"""The appeals API under /api/v1/appeals: intake, reading, lists and transitions (thin: parse, call, respond)."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.responses import NinjaJSONEncoder

from gongzhi.accounts import rules
from gongzhi.accounts.auth import api_auth
from gongzhi.appeals import actions, rows_pg, selectors, summons, worklists
from gongzhi.appeals.classifier import suggest_categories
from gongzhi.appeals.models import OPEN_STATES, Appeal, Category, Channel, PhotoKind, Rating, State, Tier
from gongzhi.appeals.workflow import TRANSITIONS, allowed_actions, label
from gongzhi.core import clock
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.idempotency import idempotent
from gongzhi.core.types import ApiRequest

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

router = Router(tags=["appeals"], auth=api_auth)


def json_response(body: Any, status: int = 200) -> HttpResponse:
    """The body as ninja would render it, for answers already built to their schema.

    Ninja validates a returned dict against the response schema field by field (through its attribute getter);
    for a page of 100 appeals that cost more than the query. The schema stays declared for the OpenAPI document
    and the tests check the answers against it.
    """
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


class EventOut(Schema):
    id: int
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor_id: int | None
    note: str
    data: dict[str, Any]
    occurred_at: dt.datetime


class PhotoOut(Schema):
    id: int
    kind: str
    url: str = Field(..., description="the public copy, without EXIF/GPS metadata")
    content_type: str
    width: int
    height: int
    event_id: int | None


class SummonsOut(Schema):
    id: int
    appeal_id: int
    department: str
    department_name: str
    state: str
    reason: str
    summoned_at: dt.datetime
    report_by: dt.datetime = Field(..., description="report in (报到) by this time")
    reported_at: dt.datetime | None
    late: bool
    result: str
    score: int | None


def summons_out(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "appeal_id": s.appeal_id,
        "department": s.department.code,
        "department_name": s.department.name,
        "state": s.state,
        "reason": s.reason,
        "summoned_at": s.summoned_at,
        "report_by": s.report_by,
        "reported_at": s.reported_at,
        "late": s.late,
        "result": s.result,
        "score": s.score,
    }


class AppealRowOut(Schema):
    """One appeal in a list: what a board shows. Contact data, the policy and the allowed moves are in the detail."""

    id: int
    number: str
    state: str
    state_label: str
    channel: str
    external_ref: str
    description: str
    address: str
    category: str | None
    category_name: str | None
    tier: str
    handling_level: str
    area_code: str
    lat: float | None
    lng: float | None
    reporter_id: int | None
    assignee_id: int | None
    is_public: bool
    created_at: dt.datetime
    dispatched_at: dt.datetime | None
    accepted_at: dt.datetime | None
    arrive_by: dt.datetime | None = Field(None, description="7135: on site within this (on-site categories)")
    arrived_at: dt.datetime | None
    due_at: dt.datetime | None = Field(None, description="7135: closure deadline; the clock starts at acceptance")
    remaining_seconds: int | None = Field(None, description="countdown to due_at; negative when overdue")
    overdue: bool
    paused: bool
    closed_at: dt.datetime | None
    closed_on_time: bool | None
    rework_count: int
    rating: str
    version: int


class AppealOut(AppealRowOut):
    """One appeal with what only its own page shows: contact data, the policy and the moves open to this user."""

    contact_name: str = Field("", description="shown to the reporter and to staff who may unmask")
    contact_phone: str = Field("", description="masked unless the viewer may unmask")
    paused_seconds: int
    policy: dict[str, Any] = Field(..., description="the 7135 policy this appeal is judged by (set at acceptance)")
    allowed_actions: list[str] = Field(..., description="moves this user may make now")


class AppealDetailOut(AppealOut):
    events: list[EventOut]
    photos: list[PhotoOut]
    summons: list[SummonsOut]


def _base(appeal: Appeal, user: User) -> dict[str, Any]:
    now = clock.now()
    may_unmask = appeal.reporter_id == getattr(user, "pk", None) or rules.allows(
        user, "people.unmask", appeal.area_code
    )
    category = appeal.category
    return {
        "id": appeal.pk,
        "number": appeal.number,
        "state": appeal.state,
        "state_label": str(appeal.get_state_display()),
        "channel": appeal.channel,
        "external_ref": appeal.external_ref,
        "description": appeal.description,
        "address": appeal.address,
        "category": category.code if category else None,
        "category_name": str(category) if category else None,
        "tier": appeal.tier,
        "handling_level": appeal.handling_level,
        "area_code": appeal.area_code,
        "lat": appeal.lat,
        "lng": appeal.lng,
        "reporter_id": appeal.reporter_id,
        "assignee_id": appeal.assignee_id,
        "contact_name": appeal.contact_name_plain if may_unmask else "",
        "contact_phone": (appeal.phone_plain if may_unmask else appeal.contact_phone_masked)
        if appeal.phone_encrypted
        else "",
        "is_public": appeal.is_public,
        "created_at": appeal.created_at,
        "dispatched_at": appeal.dispatched_at,
        "accepted_at": appeal.accepted_at,
        "arrive_by": appeal.arrive_by,
        "arrived_at": appeal.arrived_at,
        "due_at": appeal.due_at,
        "remaining_seconds": selectors.remaining_seconds(appeal, at=now),
        "overdue": appeal.state in OPEN_STATES and appeal.due_at is not None and appeal.due_at < now,
        "paused": appeal.paused_at is not None,
        "paused_seconds": appeal.paused_seconds,
        "closed_at": appeal.closed_at,
        "closed_on_time": appeal.closed_on_time,
        "rework_count": appeal.rework_count,
        "rating": appeal.rating,
        "version": appeal.version,
        "policy": appeal.policy_snapshot,
        "allowed_actions": allowed_actions(appeal, user),
    }


def detail(appeal: Appeal, user: User) -> dict[str, Any]:
    body = _base(appeal, user)
    # A just-submitted appeal carries the events it was created with and has no photos or summons yet:
    # answering from memory keeps intake within a handful of queries.
    created_events = getattr(appeal, "created_events", None)
    body["events"] = [
        {
            "id": e.pk,
            "action": e.action,
            "action_label": label(e.action),
            "from_state": e.from_state,
            "to_state": e.to_state,
            "actor_id": e.actor_id,
            "note": e.note,
            "data": e.data,
            "occurred_at": e.occurred_at,
        }
        for e in (created_events if created_events is not None else appeal.events.order_by("occurred_at", "id"))
    ]
    body["photos"] = [
        {
            "id": p.pk,
            "kind": p.kind,
            "url": p.public.url,
            "content_type": p.content_type,
            "width": p.width,
            "height": p.height,
            "event_id": p.event_id,
        }
        for p in ([] if created_events is not None or not _may_have(appeal, "photos") else appeal.photos.order_by("id"))
    ]
    body["summons"] = (
        []
        if created_events is not None or not _may_have(appeal, "summons")
        else [summons_out(s) for s in appeal.summons.select_related("department").order_by("id")]
    )
    return body


def _may_have(appeal: Appeal, related: str) -> bool:
    """False when the appeal was read by selectors.appeal_get_for_detail and has no such rows."""
    return bool(getattr(appeal, f"has_{related}", True))


class AppealIn(Schema):
    description: str = Field(..., min_length=1, max_length=4000)
    channel: str = Field(Channel.API, description="one of: " + ", ".join(Channel.values), max_length=16)
    category: str | None = Field(None, max_length=48, description="a subcategory code; staff may set it later")
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    area_code: str | None = Field(None, max_length=17, description="a micro-grid code, instead of lat/lng")
    address: str = Field("", max_length=200)
    contact_name: str = Field("", max_length=32)
    contact_phone: str = Field("", max_length=32)
    external_ref: str = Field("", max_length=64, description="the 12345 / 诉速办 ticket number; one appeal per ticket")
    is_public: bool = False


@router.post(
    "",
    response={201: AppealDetailOut, 200: AppealDetailOut},
    summary="Submit an appeal (honours the Idempotency-Key header; a known external ticket returns 200)",
)
@idempotent("appeals.create")
def submit_appeal(request: ApiRequest, data: AppealIn) -> HttpResponse:
    user = request.auth
    submitted = actions.appeal_submit(actor=user, **data.model_dump())
    body = AppealDetailOut(**detail(submitted.appeal, user)).model_dump(mode="json")
    return json_response(body, 201 if submitted.created else 200)


class CategoryOut(Schema):
    code: str
    name: str
    parent: str | None
    default_tier: str
    default_level: str
    closure_condition: str
    on_site: bool
    policy_overrides: dict[str, Any]
    is_active: bool


def category_out(c: Category) -> dict[str, Any]:
    return {
        "code": c.code,
        "name": c.name,
        "parent": c.parent.code if c.parent_id and c.parent else None,
        "default_tier": c.default_tier,
        "default_level": c.default_level,
        "closure_condition": c.closure_condition,
        "on_site": c.on_site,
        "policy_overrides": c.policy_overrides,
        "is_active": c.is_active,
    }


@router.get("/categories", response=list[CategoryOut], summary="The category tree (大类 first, then 小类)")
def list_categories(request: HttpRequest) -> list[dict[str, Any]]:
    rows = Category.objects.select_related("parent").filter(is_active=True).order_by("parent_id", "sort_order", "code")
    return [category_out(c) for c in rows]


class SuggestQuery(Schema):
    text: str = Field(..., min_length=1, max_length=4000)
    k: int = Field(3, ge=1, le=10)


class SuggestionOut(Schema):
    code: str
    name: str
    score: float = Field(..., description="the model's probability; staff confirm the category")


@router.get("/categories/suggest", response=list[SuggestionOut], summary="Suggest subcategories from the text")
def suggest(request: HttpRequest, q: Query[SuggestQuery]) -> list[dict[str, Any]]:
    names = {c.code: str(c) for c in Category.objects.select_related("parent").filter(is_active=True)}
    return [
        {"code": code, "name": names[code], "score": score}
        for code, score in suggest_categories(q.text, q.k, allowed=names)
    ]


class CategoryPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=64)
    default_tier: str | None = Field(None, description=", ".join(Tier.values), max_length=8)
    default_level: str | None = Field(None, max_length=16)
    closure_condition: str | None = Field(None, max_length=2000)
    on_site: bool | None = None
    policy_overrides: dict[str, Any] | None = Field(
        None, description='e.g. {"days": {"minor": 2}, "arrival_minutes": 15, "day_unit": "workday"}'
    )
    is_active: bool | None = None


@router.patch("/categories/{code}", response=CategoryOut, summary="Edit a category (street staff)")
def edit_category(request: ApiRequest, code: str, data: CategoryPatch) -> dict[str, Any]:
    category = Category.objects.select_related("parent").filter(code=code).first()
    if category is None:
        raise NotFound(_("未知的诉求分类：%(code)s") % {"code": code}, field="code")
    changes = data.model_dump(exclude_none=True)
    return category_out(actions.category_update(actor=request.auth, category=category, **changes))


class ListQuery(Schema):
    area: str | None = Field(None, max_length=17, pattern=r"^\d+$", description="an area code: its whole subtree")
    state: str | None = Field(None, description="one of: " + ", ".join(State.values), max_length=16)
    overdue: bool | None = None
    mine: bool = Field(False, description="only appeals assigned to me")
    before_id: int | None = Field(None, ge=1, le=2**62, description="keyset paging: ids below this")
    limit: int = Field(50, ge=1, le=200)


class AppealPageOut(Schema):
    items: list[AppealRowOut]
    next_before_id: int | None


ROW_LOOKUPS = (*selectors.ROW_FIELDS, "paused_at", "category__code", "category__name", "category__parent__name")


def iso(value: dt.datetime) -> str:
    """A datetime exactly as ninja's encoder (DjangoJSONEncoder) writes it, without a call back per value."""
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def rows_out(rows: Any, now: dt.datetime, fields: tuple[str, ...] = selectors.ROW_FIELDS) -> list[dict[str, Any]]:
    """Plain rows (from .values()) as list items: labels translated once per request, not once per row."""
    labels = {value: str(name) for value, name in State.choices}
    out = []
    for r in rows:
        item = {f: iso(r[f]) if isinstance(r[f], dt.datetime) else r[f] for f in fields}
        state, due_at, paused_at = r["state"], r["due_at"], r["paused_at"]
        code, name, parent = r["category__code"], r["category__name"], r["category__parent__name"]
        item["state_label"] = labels.get(state, state)
        item["category"] = code
        item["category_name"] = (f"{parent}/{name}" if parent else name) if code else None
        item["remaining_seconds"] = selectors.remaining_seconds_of(state, due_at, paused_at, at=now)
        item["overdue"] = state in OPEN_STATES and due_at is not None and due_at < now
        item["paused"] = paused_at is not None
        out.append(item)
    return out


@router.get("", response=AppealPageOut, summary="Appeals in reach (newest first), by area, state and overdue")
def list_appeals(request: ApiRequest, q: Query[ListQuery]) -> HttpResponse:
    user = request.auth
    qs = selectors.appeals_list(
        user=user,
        area=q.area,
        state=q.state,
        overdue=q.overdue,
        assignee=user if q.mine else None,
        before_id=q.before_id,
        limit=q.limit,
    )
    if rows_pg.available():
        items, count, smallest = rows_pg.page_json(qs, now=clock.now())
        next_before_id = json.dumps(smallest if count == q.limit else None)
        return HttpResponse(
            f'{{"items": {items}, "next_before_id": {next_before_id}}}',
            content_type="application/json; charset=utf-8",
        )
    rows = list(qs.values(*ROW_LOOKUPS))
    return json_response(
        {
            "items": rows_out(rows, clock.now()),
            "next_before_id": rows[-1]["id"] if len(rows) == q.limit else None,
        }
    )


class TaskOut(Schema):
    """One row of a worker's task list: what to do, where, and by when (no contact data, no history)."""

    id: int
    number: str
    state: str
    state_label: str
    category: str | None
    category_name: str | None
    tier: str
    description: str
    address: str
    area_code: str
    arrive_by: dt.datetime | None = Field(None, description="on site within this (on-site categories)")
    due_at: dt.datetime | None = Field(None, description="closure deadline")
    remaining_seconds: int | None = Field(None, description="countdown to due_at; negative when overdue")
    overdue: bool
    paused: bool


class TasksQuery(Schema):
    limit: int = Field(100, ge=1, le=200)


TASK_FIELDS = ("id", "number", "state", "tier", "description", "address", "area_code", "arrive_by", "due_at")


@router.get("/tasks", response=list[TaskOut], summary="My open tasks (assigned to me), the most urgent first")
def my_tasks(request: ApiRequest, q: Query[TasksQuery]) -> HttpResponse:
    tasks = worklists.worker_tasks(user=request.auth, limit=q.limit)
    rows = tasks.values(*TASK_FIELDS, "paused_at", "category__code", "category__name", "category__parent__name")
    return json_response(rows_out(rows, clock.now(), TASK_FIELDS))


@router.get("/{appeal_id}", response=AppealDetailOut, summary="One appeal with its events and photos")
def get_appeal(request: ApiRequest, appeal_id: int) -> dict[str, Any]:
    user = request.auth
    return detail(selectors.appeal_get_for_detail(user=user, appeal_id=appeal_id), user)


class CheckinLocationIn(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lng: float = Field(..., ge=-180, le=180)
    accuracy: float | None = Field(None, ge=0, le=100_000, description="metres, as the phone reports it")


class TransitionIn(Schema):
    action: str = Field(..., description="one of: " + ", ".join(TRANSITIONS), max_length=24)
    note: str = Field("", max_length=2000, description="the reason for cancel, return, suspend, extend, reopen …")
    assignee_id: int | None = Field(None, ge=1, le=2**62, description="dispatch: a worker; empty = automatic")
    category: str | None = Field(None, max_length=48, description="register/dispatch: the subcategory")
    tier: str | None = Field(None, description="register/dispatch: " + ", ".join(Tier.values), max_length=8)
    is_public: bool | None = None
    rating: str | None = Field(None, description="rate: " + ", ".join(Rating.values), max_length=16)
    due_at: dt.datetime | None = Field(None, description="extend: the new deadline")
    days: int | None = Field(None, ge=1, le=90, description="extend: days added (in the policy's day unit)")
    photo_ids: list[int] | None = Field(None, max_length=30, description="handle/arrive: uploaded evidence photos")
    location: CheckinLocationIn | None = Field(None, description="arrive: the phone's position at the check-in")
    expected_version: int | None = Field(None, ge=0, le=2**31, description="refuse if the appeal changed since")


@router.post("/{appeal_id}/transitions", response=AppealDetailOut, summary="Move an appeal (accept, handle, rate …)")
def transition_appeal(request: ApiRequest, appeal_id: int, data: TransitionIn) -> dict[str, Any]:
    user = request.auth
    extra = data.model_dump(exclude={"action", "note", "expected_version"}, exclude_none=True)
    actions.appeal_transition(
        actor=user,
        appeal=appeal_id,
        action=data.action,
        note=data.note,
        expected_version=data.expected_version,
        **extra,
    )
    return detail(selectors.appeal_get_for_detail(user=user, appeal_id=appeal_id), user)


@router.post("/{appeal_id}/photos", response={201: PhotoOut}, summary="Upload a photo (JPEG/PNG/WebP ≤ 10 MB)")
def upload_photo(
    request: ApiRequest,
    appeal_id: int,
    photo: File[UploadedFile],
    kind: Form[str] = PhotoKind.REPORT,
) -> Status[dict[str, Any]]:
    user = request.auth
    appeal = selectors.appeal_get(user=user, appeal_id=appeal_id)
    p = actions.appeal_photo_add(actor=user, appeal=appeal, upload=photo, kind=kind)
    return Status(
        201,
        {
            "id": p.pk,
            "kind": p.kind,
            "url": p.public.url,
            "content_type": p.content_type,
            "width": p.width,
            "height": p.height,
            "event_id": p.event_id,
        },
    )


class SummonsIn(Schema):
    departments: list[str] = Field(..., min_length=1, max_length=20, description="department codes")
    reason: str = Field(..., min_length=1, max_length=2000)
    report_minutes: int | None = Field(None, ge=1, le=1440, description="report-in deadline; default 30 minutes")


@router.post("/{appeal_id}/summons", response={201: list[SummonsOut]}, summary="Summon departments (吹哨)")
def create_summons(request: ApiRequest, appeal_id: int, data: SummonsIn) -> Status[list[dict[str, Any]]]:
    created = summons.summons_create(
        actor=request.auth,
        appeal_id=appeal_id,
        departments=data.departments,
        reason=data.reason,
        report_minutes=data.report_minutes,
    )
    return Status(201, [summons_out(s) for s in created])


class SummonsActionIn(Schema):
    action: str = Field(..., description="report_in, progress, result (department); rate (street)", max_length=16)
    note: str = Field("", max_length=2000)
    result: str | None = Field(None, max_length=4000, description="result: what the department did")
    score: int | None = Field(None, ge=1, le=5, description="rate: 1–5")


@router.post("/summons/{summons_id}", response=SummonsOut, summary="Report in, hand back a result, or rate a summons")
def act_on_summons(request: ApiRequest, summons_id: int, data: SummonsActionIn) -> dict[str, Any]:
    user = request.auth
    if data.action == "report_in":
        s = summons.summons_report_in(actor=user, summons_id=summons_id, note=data.note)
    elif data.action == "progress":
        s = summons.summons_progress(actor=user, summons_id=summons_id, note=data.note)
    elif data.action == "result":
        s = summons.summons_result(actor=user, summons_id=summons_id, result=data.result or "")
    elif data.action == "rate":
        if data.score is None:
            raise ValidationFailed(_("请给出评分（1 到 5）"), field="score")
        s = summons.summons_rate(actor=user, summons_id=summons_id, score=data.score, note=data.note)
    else:
        raise ValidationFailed(_("操作只能是：report_in、progress、result、rate"), field="action")
    return summons_out(s)
