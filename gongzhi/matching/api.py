"""Matching API: the catalogue, the resource and demand lists, the seven-order flow's moves, ranked suggestions,
the micro-wish wall and the grab list. Same permissions as the pages (the actions and selectors decide)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.params.functions import Path as PathParam

from gongzhi.accounts.auth import api_auth
from gongzhi.core.idempotency import idempotent
from gongzhi.core.types import ApiRequest
from gongzhi.matching import selectors
from gongzhi.matching.actions import catalogue as catalogue_actions
from gongzhi.matching.actions import fund, projects
from gongzhi.matching.actions.demands import demand_create, wish_cap_fen, wish_cap_set
from gongzhi.matching.actions.flow import DEMAND, demand_move
from gongzhi.matching.actions.resources import resource_create, resource_review
from gongzhi.matching.models import Demand, DemandKind, DemandState, ProviderKind, Resource

router = Router(tags=["matching"], auth=api_auth)

MAX_ID: int = 2**62
AREA = r"^\d{6,17}$"


# ------------------------------------------------------------------------------------------------ catalogue


class ItemOut(Schema):
    id: int
    category_id: int
    category: str
    name: str
    description: str
    active: bool
    hours: dict[str, int] = Field(..., description="deadline in hours per step: dispatch, accept, claim, fulfil, rate")


def _item_out(i: Any) -> ItemOut:
    return ItemOut(
        id=i.pk,
        category_id=i.category_id,
        category=i.category.name,
        name=i.name,
        description=i.description,
        active=i.active,
        hours={
            "dispatch_hours": i.dispatch_hours,
            "accept_hours": i.accept_hours,
            "claim_hours": i.claim_hours,
            "fulfil_hours": i.fulfil_hours,
            "rate_hours": i.rate_hours,
        },
    )


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    items: list[ItemOut]


@router.get("/matching/catalogue", response=list[CategoryOut], summary="Service categories and items (any user)")
def catalogue(request: HttpRequest) -> list[CategoryOut]:
    out = []
    for c in selectors.categories_with_items():
        items = []
        for i in c.items.all():
            i.category = c
            items.append(_item_out(i))
        out.append(CategoryOut(id=c.pk, code=c.code, name=c.name, items=items))
    return out


class HoursIn(Schema):
    dispatch_hours: int | None = Field(None, ge=1, le=2160)
    accept_hours: int | None = Field(None, ge=1, le=2160)
    claim_hours: int | None = Field(None, ge=1, le=2160)
    fulfil_hours: int | None = Field(None, ge=1, le=2160)
    rate_hours: int | None = Field(None, ge=1, le=2160)


class ItemIn(HoursIn):
    category_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=48)
    description: str = Field("", max_length=200)


class ItemPatch(HoursIn):
    name: str | None = Field(None, min_length=1, max_length=48)
    description: str | None = Field(None, max_length=200)
    active: bool | None = None


@router.post("/matching/catalogue/items", response={201: ItemOut}, summary="Add an item (street staff)")
def create_item(request: ApiRequest, data: ItemIn) -> Status[ItemOut]:
    hours = {k: v for k, v in data.dict().items() if k.endswith("_hours") and v is not None}
    item = catalogue_actions.item_create(
        actor=request.auth, category_id=data.category_id, name=data.name, description=data.description, hours=hours
    )
    return Status(201, _item_out(item))


@router.patch("/matching/catalogue/items/{item_id}", response=ItemOut, summary="Edit an item or its deadlines")
def update_item(request: ApiRequest, data: ItemPatch, item_id: int = PathParam(..., ge=1, le=MAX_ID)) -> ItemOut:
    changes = data.dict(exclude_unset=True)
    item = catalogue_actions.item_update(actor=request.auth, item_id=item_id, changes=changes)
    return _item_out(item)


# ------------------------------------------------------------------------------------------------ resources


class ResourceOut(Schema):
    id: int
    item_id: int
    item: str
    category_id: int
    title: str
    provider_kind: str
    provider_name: str
    owner_id: int
    area_code: str
    served: list[str]
    capacity: int
    schedule: str
    description: str
    valid_from: dt.date
    valid_until: dt.date | None
    active: bool
    reviewed_at: dt.datetime
    needs_review: bool
    rating: float | None


def _resource_out(r: Resource) -> ResourceOut:
    return ResourceOut(
        id=r.pk,
        item_id=r.item_id,
        item=r.item.name,
        category_id=r.category_id,
        title=r.title,
        provider_kind=r.provider_kind,
        provider_name=r.provider_name,
        owner_id=r.owner_id,
        area_code=r.area_code,
        served=[s.area_code for s in r.served.all()],
        capacity=r.capacity,
        schedule=r.schedule,
        description=r.description,
        valid_from=r.valid_from,
        valid_until=r.valid_until,
        active=r.active,
        reviewed_at=r.reviewed_at,
        needs_review=selectors.resource_is_stale(r),
        rating=round(r.rating_sum / r.rating_count, 2) if r.rating_count else None,
    )


class ResourceFilters(Schema):
    category_id: int | None = Field(None, ge=1, le=MAX_ID)
    mine: bool = False
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/matching/resources", response=list[ResourceOut], summary="The resource list in the caller's scope")
def list_resources(request: ApiRequest, f: Query[ResourceFilters]) -> list[ResourceOut]:
    rows = selectors.resources_list(user=request.auth, category_id=f.category_id, mine=f.mine)
    return [_resource_out(r) for r in rows.prefetch_related("served")[f.offset : f.offset + f.limit]]


class ResourceIn(Schema):
    item_id: int = Field(..., ge=1, le=MAX_ID)
    title: str = Field(..., min_length=1, max_length=100)
    provider_kind: str = Field(..., description=", ".join(ProviderKind.values), max_length=16)
    area: str = Field(..., pattern=AREA, description="the area the offer belongs to")
    served: list[str] = Field(..., min_length=1, max_length=20, description="area codes it serves")
    capacity: int = Field(..., ge=1, le=10_000, description="services per month")
    schedule: str = Field("", max_length=100)
    description: str = Field("", max_length=500)
    valid_until: dt.date | None = None
    provider_name: str = Field("", max_length=100, description="a social organisation's name (staff)")
    team_id: int | None = Field(None, ge=1, le=MAX_ID)
    partner_id: int | None = Field(None, ge=1, le=MAX_ID, description="staff listing a partner's offer")


@router.post(
    "/matching/resources", response={201: ResourceOut}, summary="List an offer (亮家底); honours Idempotency-Key"
)
@idempotent("matching.resources.create")
def create_resource(request: ApiRequest, data: ResourceIn) -> Status[ResourceOut]:
    resource = resource_create(
        actor=request.auth,
        item_id=data.item_id,
        title=data.title,
        provider_kind=data.provider_kind,
        area_code=data.area,
        served=data.served,
        capacity=data.capacity,
        schedule=data.schedule,
        description=data.description,
        valid_until=data.valid_until,
        provider_name=data.provider_name,
        team_id=data.team_id,
        partner_id=data.partner_id,
    )
    return Status(201, _resource_out(resource))


class ReviewIn(Schema):
    capacity: int | None = Field(None, ge=1, le=10_000)
    valid_until: dt.date | None = None
    active: bool | None = None


@router.post(
    "/matching/resources/{resource_id}/review", response=ResourceOut, summary="The quarterly review of an offer"
)
def review_resource(
    request: ApiRequest, data: ReviewIn, resource_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> ResourceOut:
    r = resource_review(
        actor=request.auth,
        resource_id=resource_id,
        capacity=data.capacity,
        valid_until=data.valid_until,
        active=data.active,
    )
    return _resource_out(r)


# ------------------------------------------------------------------------------------------------ demands


class DemandOut(Schema):
    id: int
    kind: str
    kind_label: str
    item_id: int
    item: str
    category: str
    title: str
    description: str
    resident_id: int | None
    requester_id: int | None
    area_code: str
    value_yuan: str | None
    state: str
    state_label: str
    version: int
    resource_id: int | None
    holder_id: int | None
    holder_kind: str
    handover_to_id: int | None
    due_at: dt.datetime | None
    overdue: bool
    evidence_note: str
    evidence_photos: list[str]
    hours: str | None
    rating: int | None
    rating_comment: str
    created_at: dt.datetime
    allowed: list[str] = Field(..., description="the moves the caller may make now")


def demand_out(d: Demand, user: Any) -> DemandOut:
    return DemandOut(
        id=d.pk,
        kind=d.kind,
        kind_label=str(d.get_kind_display()),
        item_id=d.item_id,
        item=d.item.name,
        category=d.item.category.name,
        title=d.title,
        description=d.description,
        resident_id=d.resident_id,
        requester_id=d.requester_id,
        area_code=d.area_code,
        value_yuan=f"{d.value_fen / 100:.2f}" if d.value_fen is not None else None,
        state=d.state,
        state_label=str(d.get_state_display()),
        version=d.version,
        resource_id=d.resource_id,
        holder_id=d.holder_id,
        holder_kind=d.holder_kind,
        handover_to_id=d.handover_to_id,
        due_at=d.due_at,
        overdue=d.overdue,
        evidence_note=d.evidence_note,
        evidence_photos=list(d.evidence_photos),
        hours=str(d.hours) if d.hours is not None else None,
        rating=d.rating,
        rating_comment=d.rating_comment,
        created_at=d.created_at,
        allowed=DEMAND.allowed(d, user),
    )


class DemandFilters(Schema):
    kind: str | None = Field(None, description=", ".join(DemandKind.values), max_length=8)
    state: str | None = Field(None, description=", ".join(DemandState.values), max_length=12)
    area: str | None = Field(None, pattern=AREA)
    item_id: int | None = Field(None, ge=1, le=MAX_ID)
    overdue: bool = False
    mine: bool = False
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/matching/demands", response=list[DemandOut], summary="The demand list in the caller's scope")
def list_demands(request: ApiRequest, f: Query[DemandFilters]) -> list[DemandOut]:
    rows = selectors.demands_list(
        user=request.auth,
        kind=f.kind,
        state=f.state,
        area_code=f.area or "",
        item_id=f.item_id,
        overdue=f.overdue,
        mine=f.mine,
    )
    return [demand_out(d, request.auth) for d in rows[f.offset : f.offset + f.limit]]


class DemandIn(Schema):
    kind: str = Field(..., description=", ".join(DemandKind.values), max_length=8)
    item_id: int = Field(..., ge=1, le=MAX_ID)
    title: str = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=1000)
    resident_id: int | None = Field(None, ge=1, le=MAX_ID, description="staff entering it for a resident")
    value: str | None = Field(None, max_length=12, description='a micro-wish\'s value in yuan, e.g. "58.50"')


@router.post(
    "/matching/demands",
    response={201: DemandOut},
    summary="Order a service (点单), post a micro-wish or an errand; honours Idempotency-Key",
)
@idempotent("matching.demands.create")
def create_demand(request: ApiRequest, data: DemandIn) -> Status[DemandOut]:
    demand = demand_create(
        actor=request.auth,
        kind=data.kind,
        item_id=data.item_id,
        title=data.title,
        description=data.description,
        resident_id=data.resident_id,
        value_yuan=data.value,
    )
    return Status(201, demand_out(demand, request.auth))


@router.get("/matching/demands/{demand_id}", response=DemandOut, summary="One demand")
def get_demand(request: ApiRequest, demand_id: int = PathParam(..., ge=1, le=MAX_ID)) -> DemandOut:
    return demand_out(selectors.demand_get(user=request.auth, demand_id=demand_id), request.auth)


class TransitionIn(Schema):
    action: str = Field(..., max_length=24, description="dispatch, accept, claim, grab, release, ask_handover, …")
    data: dict[str, Any] = Field(default_factory=dict)
    note: str = Field("", max_length=1000)
    version: int | None = Field(None, ge=1, le=MAX_ID, description="refused with 409 when the demand has changed")


@router.post(
    "/matching/demands/{demand_id}/transitions",
    response=DemandOut,
    summary="A move of the seven-order flow (派单, 接单, 领单, 抢单, 完成, 评单 …); honours Idempotency-Key",
)
@idempotent("matching.demands.transition")
def transition_demand(
    request: ApiRequest, data: TransitionIn, demand_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> DemandOut:
    demand = demand_move(
        actor=request.auth,
        demand_id=demand_id,
        action=data.action,
        data=data.data,
        note=data.note,
        expected_version=data.version,
    )
    return demand_out(demand, request.auth)


class FactorOut(Schema):
    key: str
    label: str
    value: float
    weight: int
    points: float
    why: str


class SuggestionOut(Schema):
    resource: ResourceOut
    score: float
    factors: list[FactorOut]


class SuggestionFilters(Schema):
    limit: int = Field(10, ge=1, le=50)


@router.get(
    "/matching/demands/{demand_id}/suggestions",
    response=list[SuggestionOut],
    summary="Ranked resources for a demand, each with its score per factor (dispatchers)",
)
def demand_suggestions(
    request: ApiRequest, f: Query[SuggestionFilters], demand_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> list[SuggestionOut]:
    from gongzhi.accounts import rules

    demand = selectors.demand_get(user=request.auth, demand_id=demand_id)
    rules.require(request.auth, "matching.dispatch", demand.area_code)
    return [
        SuggestionOut(
            resource=_resource_out(s.resource),
            score=s.score,
            factors=[FactorOut(**f.__dict__) for f in s.factors],
        )
        for s in selectors.suggestions(demand=demand, limit=f.limit)
    ]


class WishOut(Schema):
    id: int
    title: str
    description: str
    name: str = Field(..., description="the resident's name, masked (张**)")
    value_yuan: str | None
    area_code: str
    item: str
    created_at: dt.datetime


class WallFilters(Schema):
    area: str | None = Field(None, pattern=AREA)
    limit: int = Field(60, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/matching/wishes", response=list[WishOut], summary="The public micro-wish wall (names masked)")
def wish_wall(request: ApiRequest, f: Query[WallFilters]) -> list[WishOut]:
    return [
        WishOut(
            id=d.pk,
            title=d.title,
            description=d.description,
            name=d.masked_name,
            value_yuan=f"{d.value_fen / 100:.2f}" if d.value_fen is not None else None,
            area_code=d.area_code,
            item=d.item.name,
            created_at=d.created_at,
        )
        for d in selectors.wish_wall(area_code=f.area or "", limit=f.limit, offset=f.offset)
    ]


@router.get("/matching/tasks", response=list[DemandOut], summary="What the caller may claim or grab now")
def grab_list(request: ApiRequest) -> list[DemandOut]:
    return [demand_out(d, request.auth) for d in selectors.grab_list(user=request.auth)]


class CapIn(Schema):
    cap: str = Field(..., max_length=12, description='yuan, e.g. "200"')


class CapOut(Schema):
    community: str
    cap_yuan: str


@router.put("/matching/wish-caps/{community}", response=CapOut, summary="Set a community's micro-wish value cap")
def set_wish_cap(request: ApiRequest, data: CapIn, community: str = PathParam(..., pattern=AREA)) -> CapOut:
    wish_cap_set(actor=request.auth, community_code=community, cap_yuan=data.cap)
    return CapOut(community=community, cap_yuan=f"{wish_cap_fen(community) / 100:.2f}")


# ------------------------------------------------------------------------------------------------ fund pool


def _yuan(fen: int | None) -> str | None:
    return f"{fen / 100:.2f}" if fen is not None else None


class PoolIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    area: str = Field(..., pattern=AREA)


class VentureOut(Schema):
    id: int
    title: str
    applicant: str
    state: str
    requested_yuan: str
    budget_yuan: str | None
    spent_yuan: str
    left_yuan: str


class PoolOut(Schema):
    id: int
    name: str
    area_code: str
    donated_yuan: str
    granted_yuan: str
    spent_yuan: str
    balance_yuan: str
    ventures: list[VentureOut]


def _pool_out(pool_id: int) -> PoolOut:
    r = selectors.pool_report(pool_id=pool_id)
    return PoolOut(
        id=r.pool.pk,
        name=r.pool.name,
        area_code=r.pool.area_code,
        donated_yuan=_yuan(r.donated_fen) or "0.00",
        granted_yuan=_yuan(r.granted_fen) or "0.00",
        spent_yuan=_yuan(r.spent_fen) or "0.00",
        balance_yuan=_yuan(r.balance_fen) or "0.00",
        ventures=[
            VentureOut(
                id=v.venture.pk,
                title=v.venture.title,
                applicant=v.venture.applicant,
                state=v.venture.state,
                requested_yuan=_yuan(v.venture.requested_fen) or "0.00",
                budget_yuan=_yuan(v.venture.budget_fen),
                spent_yuan=_yuan(v.spent_fen) or "0.00",
                left_yuan=_yuan(v.left_fen) or "0.00",
            )
            for v in r.ventures
        ],
    )


@router.post("/matching/pools", response={201: PoolOut}, summary="Open a fund pool (基金池)")
def create_pool(request: ApiRequest, data: PoolIn) -> Status[PoolOut]:
    pool = fund.pool_create(actor=request.auth, name=data.name, area_code=data.area)
    return Status(201, _pool_out(pool.pk))


@router.get("/matching/pools/{pool_id}", response=PoolOut, summary="A pool's public ledger: in, out, per project")
def get_pool(request: ApiRequest, pool_id: int = PathParam(..., ge=1, le=MAX_ID)) -> PoolOut:
    return _pool_out(pool_id)


class DonationIn(Schema):
    amount: str = Field(..., max_length=16, description="yuan, at most two decimals")
    donor_name: str = Field("", max_length=100)
    partner_id: int | None = Field(None, ge=1, le=MAX_ID)
    note: str = Field("", max_length=200)


class DonationOut(Schema):
    id: int
    pool_id: int
    donor_name: str
    amount_yuan: str
    transaction_id: int


@router.post(
    "/matching/pools/{pool_id}/donations",
    response={201: DonationOut},
    summary="Record a donation in money (the core ledger, in fen); honours Idempotency-Key",
)
@idempotent("matching.donations.create")
def create_donation(
    request: ApiRequest, data: DonationIn, pool_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> Status[DonationOut]:
    d = fund.donation_record(actor=request.auth, pool_id=pool_id, amount_yuan=data.amount, donor_name=data.donor_name,
                             partner_id=data.partner_id, note=data.note)  # fmt: skip
    return Status(201, DonationOut(id=d.pk, pool_id=d.pool_id, donor_name=d.donor_name,
                                   amount_yuan=_yuan(d.amount_fen) or "0.00", transaction_id=d.transaction_id))  # fmt: skip


class VentureIn(Schema):
    title: str = Field(..., min_length=1, max_length=100)
    requested: str = Field(..., max_length=16, description="yuan")
    applicant: str = Field("", max_length=100, description="the organisation (staff applying for one)")
    summary: str = Field("", max_length=1000)


@router.post(
    "/matching/pools/{pool_id}/ventures",
    response={201: VentureOut},
    summary="Apply for a micro-venture project (微创投); honours Idempotency-Key",
)
@idempotent("matching.ventures.create")
def create_venture(
    request: ApiRequest, data: VentureIn, pool_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> Status[VentureOut]:
    v = fund.venture_apply(actor=request.auth, pool_id=pool_id, title=data.title, requested_yuan=data.requested,
                           applicant=data.applicant, summary=data.summary)  # fmt: skip
    return Status(201, _venture_out(v))


def _venture_out(v: Any) -> VentureOut:
    left = v.account.balance if v.account_id else 0
    spent = (v.budget_fen or 0) - left if v.account_id else 0
    return VentureOut(id=v.pk, title=v.title, applicant=v.applicant, state=v.state,
                      requested_yuan=_yuan(v.requested_fen) or "0.00", budget_yuan=_yuan(v.budget_fen),
                      spent_yuan=_yuan(spent) or "0.00", left_yuan=_yuan(left) or "0.00")  # fmt: skip


class VentureMoveIn(Schema):
    action: str = Field(..., max_length=16, description="approve (data.budget in yuan), reject, close")
    data: dict[str, Any] = Field(default_factory=dict)
    note: str = Field("", max_length=2000)


@router.post(
    "/matching/ventures/{venture_id}/transitions",
    response=VentureOut,
    summary="Review a micro-venture: approve with a budget from the pool, reject, close; honours Idempotency-Key",
)
@idempotent("matching.ventures.transition")
def move_venture(
    request: ApiRequest, data: VentureMoveIn, venture_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> VentureOut:
    v = fund.venture_move(actor=request.auth, venture_id=venture_id, action=data.action, data=data.data, note=data.note)
    v.refresh_from_db()
    return _venture_out(v)


class SpendingIn(Schema):
    amount: str = Field(..., max_length=16, description="yuan, at most two decimals")
    purpose: str = Field(..., min_length=1, max_length=200)
    evidence: list[str] = Field(default_factory=list, max_length=20)


class SpendingOut(Schema):
    id: int
    venture_id: int
    amount_yuan: str
    purpose: str
    left_yuan: str


@router.post(
    "/matching/ventures/{venture_id}/spendings",
    response={201: SpendingOut},
    summary="Record spending of a venture with evidence (never beyond its budget); honours Idempotency-Key",
)
@idempotent("matching.spendings.create")
def create_spending(
    request: ApiRequest, data: SpendingIn, venture_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> Status[SpendingOut]:
    s = fund.spending_record(actor=request.auth, venture_id=venture_id, amount_yuan=data.amount,
                             purpose=data.purpose, evidence=data.evidence)  # fmt: skip
    left = selectors.venture_left_fen(venture_id=s.venture_id)
    return Status(201, SpendingOut(id=s.pk, venture_id=s.venture_id, amount_yuan=_yuan(s.amount_fen) or "0.00",
                                   purpose=s.purpose, left_yuan=_yuan(left) or "0.00"))  # fmt: skip


# ------------------------------------------------------------------------------------------------ project list


class MilestoneIn(Schema):
    title: str = Field(..., min_length=1, max_length=100)
    due_on: dt.date | None = None


class ProjectIn(Schema):
    area: str = Field(..., pattern=AREA)
    title: str = Field(..., min_length=1, max_length=100)
    summary: str = Field("", max_length=1000)
    partner_ids: list[int] = Field(default_factory=list, max_length=50)
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=30)
    public: bool = True
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: dt.date | None
    done_at: dt.datetime | None
    evidence_note: str
    evidence_photos: list[str]


class ProjectPartnerOut(Schema):
    partner_id: int
    name: str
    claimed_at: dt.datetime | None


class ProjectOut(Schema):
    id: int
    title: str
    summary: str
    area_code: str
    state: str
    public: bool
    starts_on: dt.date | None
    ends_on: dt.date | None
    partners: list[ProjectPartnerOut]
    milestones: list[MilestoneOut]
    done: int
    total: int


def _project_out(p: Any) -> ProjectOut:
    milestones = [MilestoneOut(id=m.pk, title=m.title, due_on=m.due_on, done_at=m.done_at,
                               evidence_note=m.evidence_note, evidence_photos=m.evidence_photos)
                  for m in p.milestones.all()]  # fmt: skip
    return ProjectOut(
        id=p.pk, title=p.title, summary=p.summary, area_code=p.area_code, state=p.state, public=p.public,
        starts_on=p.starts_on, ends_on=p.ends_on,
        partners=[ProjectPartnerOut(partner_id=r.partner_id, name=r.partner.name, claimed_at=r.claimed_at)
                  for r in p.partner_rows.all()],
        milestones=milestones, done=sum(1 for m in milestones if m.done_at), total=len(milestones),
    )  # fmt: skip


class ProjectFilters(Schema):
    area: str = Field("", pattern=r"^(\d{6,17})?$")
    state: str = Field("", max_length=10)


@router.get(
    "/matching/projects", response=list[ProjectOut], summary="The project list (项目清单) in the caller's scope"
)
def list_projects(request: ApiRequest, f: Query[ProjectFilters]) -> list[ProjectOut]:
    return [_project_out(p) for p in selectors.projects_list(user=request.auth, area_code=f.area, state=f.state)[:200]]


@router.post(
    "/matching/projects",
    response={201: ProjectOut},
    summary="Create a co-construction project with partners and milestones; honours Idempotency-Key",
)
@idempotent("matching.projects.create")
def create_project(request: ApiRequest, data: ProjectIn) -> Status[ProjectOut]:
    p = projects.project_create(
        actor=request.auth, area_code=data.area, title=data.title, summary=data.summary, partner_ids=data.partner_ids,
        milestones=[m.dict() for m in data.milestones], public=data.public, starts_on=data.starts_on,
        ends_on=data.ends_on,
    )  # fmt: skip
    return Status(201, _project_out(selectors.project_get(user=request.auth, project_id=p.pk)))


@router.get("/matching/projects/{project_id}", response=ProjectOut, summary="One co-construction project")
def get_project(request: ApiRequest, project_id: int = PathParam(..., ge=1, le=MAX_ID)) -> ProjectOut:
    return _project_out(selectors.project_get(user=request.auth, project_id=project_id))


class ProjectMoveIn(Schema):
    action: str = Field(..., max_length=16, description="start, complete (all milestones checked off), cancel (note)")
    note: str = Field("", max_length=1000)


@router.post(
    "/matching/projects/{project_id}/transitions",
    response=ProjectOut,
    summary="Start, check off as a whole (整体销号) or cancel a project; honours Idempotency-Key",
)
@idempotent("matching.projects.transition")
def move_project(
    request: ApiRequest, data: ProjectMoveIn, project_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> ProjectOut:
    projects.project_move(actor=request.auth, project_id=project_id, action=data.action, note=data.note)
    return _project_out(selectors.project_get(user=request.auth, project_id=project_id))


class ClaimIn(Schema):
    partner_id: int | None = Field(None, ge=1, le=MAX_ID, description="staff only: the partner claiming")


@router.post(
    "/matching/projects/{project_id}/claims",
    response={201: ProjectOut},
    summary="A partner claims (认领) a project under its agreement; honours Idempotency-Key",
)
@idempotent("matching.projects.claim")
def claim_project(
    request: ApiRequest, data: ClaimIn, project_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> Status[ProjectOut]:
    projects.project_claim(actor=request.auth, project_id=project_id, partner_id=data.partner_id)
    return Status(201, _project_out(selectors.project_get(user=request.auth, project_id=project_id)))


@router.post("/matching/projects/{project_id}/milestones", response={201: MilestoneOut}, summary="Add a milestone")
def add_milestone(
    request: ApiRequest, data: MilestoneIn, project_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> Status[MilestoneOut]:
    m = projects.milestone_add(actor=request.auth, project_id=project_id, title=data.title, due_on=data.due_on)
    return Status(201, MilestoneOut(id=m.pk, title=m.title, due_on=m.due_on, done_at=m.done_at,
                                    evidence_note=m.evidence_note, evidence_photos=m.evidence_photos))  # fmt: skip


class CheckOffIn(Schema):
    note: str = Field(..., min_length=1, max_length=1000)
    photos: list[str] = Field(default_factory=list, max_length=9)


@router.post(
    "/matching/milestones/{milestone_id}/check-off",
    response=MilestoneOut,
    summary="Check off (销号) a milestone with evidence; honours Idempotency-Key",
)
@idempotent("matching.milestones.check_off")
def check_off(
    request: ApiRequest, data: CheckOffIn, milestone_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> MilestoneOut:
    m = projects.milestone_check_off(actor=request.auth, milestone_id=milestone_id, note=data.note, photos=data.photos)
    return MilestoneOut(id=m.pk, title=m.title, due_on=m.due_on, done_at=m.done_at, evidence_note=m.evidence_note,
                        evidence_photos=m.evidence_photos)  # fmt: skip


class AgreementIn(Schema):
    partner_id: int = Field(..., ge=1, le=MAX_ID)
    area: str = Field(..., pattern=AREA)
    signed_on: dt.date
    valid_until: dt.date
    commitments: str = Field("", max_length=1000)


class AgreementOut(Schema):
    id: int
    partner_id: int
    partner: str
    area_code: str
    signed_on: dt.date
    valid_until: dt.date
    commitments: str


def _agreement_out(a: Any) -> AgreementOut:
    return AgreementOut(id=a.pk, partner_id=a.partner_id, partner=a.partner.name, area_code=a.area_code,
                        signed_on=a.signed_on, valid_until=a.valid_until, commitments=a.commitments)  # fmt: skip


@router.get("/matching/agreements", response=list[AgreementOut], summary="Co-construction agreements (共建协议)")
def list_agreements(request: ApiRequest) -> list[AgreementOut]:
    return [_agreement_out(a) for a in selectors.agreements_list(user=request.auth)[:500]]


@router.post(
    "/matching/agreements",
    response={201: AgreementOut},
    summary="Record a co-construction agreement; honours Idempotency-Key",
)
@idempotent("matching.agreements.create")
def create_agreement(request: ApiRequest, data: AgreementIn) -> Status[AgreementOut]:
    a = projects.agreement_create(actor=request.auth, partner_id=data.partner_id, area_code=data.area,
                                  signed_on=data.signed_on, valid_until=data.valid_until,
                                  commitments=data.commitments)  # fmt: skip
    return Status(201, _agreement_out(a))


class UnclaimedQuery(Schema):
    year: int = Field(..., ge=2000, le=2100)


@router.get(
    "/matching/agreements/unclaimed",
    response=list[AgreementOut],
    summary="Partners with a running agreement that have claimed no project this year (staff)",
)
def unclaimed(request: ApiRequest, q: Query[UnclaimedQuery]) -> list[AgreementOut]:
    return [_agreement_out(a) for a in selectors.partners_without_claim(user=request.auth, year=q.year)]


class DecisionIn(Schema):
    text: str = Field(..., min_length=1, max_length=500)
    project_id: int | None = Field(None, ge=1, le=MAX_ID)


class MeetingIn(Schema):
    area: str = Field(..., pattern=AREA)
    held_on: dt.date
    topic: str = Field(..., min_length=1, max_length=200)
    minutes: str = Field("", max_length=2000)
    present_partner_ids: list[int] = Field(default_factory=list, max_length=50)
    decisions: list[DecisionIn] = Field(default_factory=list, max_length=30)


class AttendanceOut(Schema):
    partner_id: int
    partner: str
    present: bool


class MeetingOut(Schema):
    id: int
    area_code: str
    month: dt.date
    held_on: dt.date
    topic: str
    minutes: str
    attendance: list[AttendanceOut]
    decisions: list[DecisionIn]


def _meeting_out(m: Any) -> MeetingOut:
    return MeetingOut(
        id=m.pk, area_code=m.area_code, month=m.month, held_on=m.held_on, topic=m.topic, minutes=m.minutes,
        attendance=[AttendanceOut(partner_id=a.partner_id, partner=a.partner.name, present=a.present)
                    for a in m.attendance.all()],
        decisions=[DecisionIn(text=d.text, project_id=d.project_id) for d in m.decisions.all()],
    )  # fmt: skip


@router.get("/matching/meetings", response=list[MeetingOut], summary="Monthly joint meetings (联席会)")
def list_meetings(request: ApiRequest) -> list[MeetingOut]:
    return [_meeting_out(m) for m in selectors.meetings_list(user=request.auth)]


@router.post(
    "/matching/meetings",
    response={201: MeetingOut},
    summary="Record the month's joint meeting with attendance and decisions; honours Idempotency-Key",
)
@idempotent("matching.meetings.create")
def create_meeting(request: ApiRequest, data: MeetingIn) -> Status[MeetingOut]:
    m = projects.meeting_record(actor=request.auth, area_code=data.area, held_on=data.held_on, topic=data.topic,
                                minutes=data.minutes, present_partner_ids=data.present_partner_ids,
                                decisions=[d.dict() for d in data.decisions])  # fmt: skip
    return Status(201, _meeting_out(selectors.meetings_list(user=request.auth, area_code=m.area_code, limit=1)[0]))
