"""Awards API: schemes, computing, results with their explanations, confirm / reject / publish, nominations and
votes. The same permissions as the pages (the actions and selectors decide); nominating and voting honour
Idempotency-Key, since a phone may retry them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema, Status
from ninja.params.functions import Path as PathParam

from gongzhi.accounts import rules
from gongzhi.accounts.auth import api_auth
from gongzhi.awards import selectors
from gongzhi.awards.actions.compute import scheme_compute
from gongzhi.awards.actions.honours import nomination_create, vote_cast
from gongzhi.awards.actions.schemes import scheme_configure, scheme_create
from gongzhi.awards.actions.workflow import RESULT, result_move, results_publish
from gongzhi.awards.models import Nomination, Result, Scheme
from gongzhi.core.idempotency import idempotent
from gongzhi.core.types import ApiRequest

router = Router(tags=["awards"], auth=api_auth)

MAX_ID: int = 2**62


class SchemeOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    area_code: str
    area_name: str
    period_kind: str
    period: str
    starts_on: dt.date
    ends_on: dt.date = Field(..., description="exclusive")
    config: dict[str, Any] = Field(..., description="factors {key: {weight, target}} and stars [5 thresholds]")
    votes_open_at: dt.datetime | None
    votes_close_at: dt.datetime | None
    voting_open: bool
    winners_per_community: int
    points_rule: str
    computed_at: dt.datetime | None


def scheme_out(s: Scheme) -> SchemeOut:
    return SchemeOut(
        id=s.pk, kind=s.kind, kind_label=s.get_kind_display(), name=s.name, area_code=s.area_code,
        area_name=s.area.name, period_kind=s.period_kind, period=s.period_label, starts_on=s.starts_on,
        ends_on=s.ends_on, config=s.config, votes_open_at=s.votes_open_at, votes_close_at=s.votes_close_at,
        voting_open=s.voting_open(), winners_per_community=s.winners_per_community, points_rule=s.points_rule,
        computed_at=s.computed_at,
    )  # fmt: skip


class SchemesQuery(Schema):
    kind: str | None = Field(None, max_length=16)


@router.get("/awards/schemes", response=list[SchemeOut], summary="The award schemes the user sees")
def list_schemes(request: ApiRequest, q: Query[SchemesQuery]) -> list[SchemeOut]:
    return [scheme_out(s) for s in selectors.schemes_visible(user=request.auth, kind=q.kind)]


class SchemeIn(Schema):
    kind: str = Field(..., max_length=16, description="party_stars, grid_stars or honour")
    name: str = Field(..., min_length=1, max_length=64)
    area_code: str = Field(..., max_length=17, description="the street")
    period_kind: str = Field(..., max_length=8, description="year or quarter")
    year: int = Field(..., ge=2000, le=2100)
    quarter: int | None = Field(None, ge=1, le=4)
    config: dict[str, Any] = Field(default_factory=dict, description="empty: the default weights and thresholds")
    votes_open_at: dt.datetime | None = None
    votes_close_at: dt.datetime | None = None
    winners_per_community: int = Field(3, ge=1, le=50)
    points_rule: str = Field("", max_length=48, description="a points rule code, e.g. local-honour; blank: none")


@router.post("/awards/schemes", response={201: SchemeOut}, summary="Create a scheme (street staff)")
def create_scheme(request: ApiRequest, data: SchemeIn) -> Status[SchemeOut]:
    scheme = scheme_create(actor=request.auth, **data.model_dump())
    return Status(201, scheme_out(scheme))


@router.get("/awards/schemes/{scheme_id}", response=SchemeOut, summary="One scheme")
def get_scheme(request: ApiRequest, scheme_id: int = PathParam(..., ge=1, le=MAX_ID)) -> SchemeOut:
    return scheme_out(selectors.scheme_get(user=request.auth, scheme_id=scheme_id))


class ConfigIn(Schema):
    config: dict[str, Any]


@router.post("/awards/schemes/{scheme_id}/config", response=SchemeOut, summary="Weights, targets, star thresholds")
def configure_scheme(
    request: ApiRequest, data: ConfigIn, scheme_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> SchemeOut:
    return scheme_out(scheme_configure(actor=request.auth, scheme_id=scheme_id, config=data.config))


class ComputeOut(Schema):
    created: int
    updated: int
    unchanged: int
    kept: int = Field(..., description="results already confirmed, rejected or published: left as they were")


@router.post("/awards/schemes/{scheme_id}/compute", response=ComputeOut, summary="Compute the results from the data")
def compute_scheme(request: ApiRequest, scheme_id: int = PathParam(..., ge=1, le=MAX_ID)) -> dict[str, int]:
    return scheme_compute(actor=request.auth, scheme_id=scheme_id)


class FactorOut(Schema):
    key: str
    label: str
    value: float | None
    target: float | None
    ratio: float | None
    weight: int
    points: float
    source_count: int
    source: str
    why: str


class ResultOut(Schema):
    id: int
    scheme_id: int
    subject_name: str
    area_code: str
    area_name: str
    party_member_id: int | None
    nomination_id: int | None
    score: float
    stars: int
    votes: int
    rank: int | None
    explanation: list[FactorOut]
    state: str
    state_label: str
    version: int
    reject_reason: str
    computed_at: dt.datetime
    confirmed_at: dt.datetime | None
    published_at: dt.datetime | None
    notice_id: int | None
    points_award_id: int | None
    points_note: str
    allowed: list[str] = Field(..., description="the moves the user may make now")


def result_out(r: Result, user: Any) -> ResultOut:
    return ResultOut(
        id=r.pk, scheme_id=r.scheme_id, subject_name=r.subject_name, area_code=r.area_code, area_name=r.area.name,
        party_member_id=r.party_member_id, nomination_id=r.nomination_id, score=float(r.score), stars=r.stars,
        votes=r.votes, rank=r.rank, explanation=[FactorOut(**f) for f in r.explanation], state=r.state,
        state_label=r.get_state_display(), version=r.version, reject_reason=r.reject_reason,
        computed_at=r.computed_at, confirmed_at=r.confirmed_at, published_at=r.published_at, notice_id=r.notice_id,
        points_award_id=r.points_award_id, points_note=r.points_note,
        allowed=RESULT.allowed(r, user) if rules.allows(user, selectors.VIEW, r.area_code) else [],
    )  # fmt: skip


class ResultsQuery(Schema):
    state: str | None = Field(None, max_length=12)
    area_code: str | None = Field(None, pattern=r"^\d{6,17}$")
    limit: int = Field(500, ge=1, le=5000)


@router.get("/awards/schemes/{scheme_id}/results", response=list[ResultOut], summary="Results with explanations")
def list_results(
    request: ApiRequest, q: Query[ResultsQuery], scheme_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> list[ResultOut]:
    scheme = selectors.scheme_get(user=request.auth, scheme_id=scheme_id)
    rows = selectors.results_for(user=request.auth, scheme=scheme, state=q.state, area_code=q.area_code)[: q.limit]
    return [result_out(r, request.auth) for r in rows]


@router.get("/awards/results/{result_id}", response=ResultOut, summary="One result with its explanation")
def get_result(request: ApiRequest, result_id: int = PathParam(..., ge=1, le=MAX_ID)) -> ResultOut:
    return result_out(selectors.result_get(user=request.auth, result_id=result_id), request.auth)


class MoveIn(Schema):
    action: str = Field(..., max_length=16, description="confirm, reject (with a note), reopen, publish")
    note: str = Field("", max_length=500)
    version: int | None = Field(None, ge=1, le=MAX_ID, description="refused with 409 when the result has changed")


@router.post("/awards/results/{result_id}/transitions", response=ResultOut, summary="Confirm, reject or publish")
def move_result(request: ApiRequest, data: MoveIn, result_id: int = PathParam(..., ge=1, le=MAX_ID)) -> ResultOut:
    result = result_move(
        actor=request.auth, result_id=result_id, action=data.action, note=data.note, expected_version=data.version
    )
    return result_out(selectors.result_get(user=request.auth, result_id=result.pk), request.auth)


class PublishOut(Schema):
    published: int
    notices: list[int]


@router.post("/awards/schemes/{scheme_id}/publish", response=PublishOut, summary="Publish every confirmed result")
def publish_scheme(request: ApiRequest, scheme_id: int = PathParam(..., ge=1, le=MAX_ID)) -> PublishOut:
    published = results_publish(actor=request.auth, scheme_id=scheme_id)
    return PublishOut(published=len(published), notices=sorted({r.notice_id for r in published if r.notice_id}))


class NominationOut(Schema):
    id: int
    scheme_id: int
    area_code: str
    nominee_name: str
    reason: str
    votes: int
    created_at: dt.datetime


def nomination_out(n: Nomination, votes: int | None = None) -> NominationOut:
    return NominationOut(
        id=n.pk, scheme_id=n.scheme_id, area_code=n.area_code, nominee_name=n.nominee_name, reason=n.reason,
        votes=votes if votes is not None else int(getattr(n, "n_votes", 0)), created_at=n.created_at,
    )  # fmt: skip


@router.get("/awards/schemes/{scheme_id}/nominations", response=list[NominationOut], summary="Nominations and votes")
def list_nominations(request: ApiRequest, scheme_id: int = PathParam(..., ge=1, le=MAX_ID)) -> list[NominationOut]:
    scheme = selectors.scheme_get(user=request.auth, scheme_id=scheme_id)
    return [nomination_out(n) for n in selectors.nominations_for(user=request.auth, scheme=scheme)]


class NominationIn(Schema):
    nominee_name: str = Field(..., min_length=1, max_length=64)
    reason: str = Field(..., min_length=1, max_length=1000)
    nominee_id: int | None = Field(None, ge=1, le=MAX_ID, description="the nominee's resident record, if known")
    community_code: str | None = Field(None, pattern=r"^\d{12}$", description="only when one votes in several")


@router.post(
    "/awards/schemes/{scheme_id}/nominations",
    response={201: NominationOut},
    summary="Nominate a family or a person of one's community; honours Idempotency-Key",
)
@idempotent("awards.nominations.create")
def nominate(
    request: ApiRequest, data: NominationIn, scheme_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> Status[NominationOut]:
    nomination = nomination_create(actor=request.auth, scheme_id=scheme_id, **data.model_dump())
    return Status(201, nomination_out(nomination, votes=0))


class VoteOut(Schema):
    id: int
    nomination_id: int
    scheme_id: int
    cast_at: dt.datetime
    votes: int = Field(..., description="the nomination's votes after this one")


@router.post(
    "/awards/nominations/{nomination_id}/votes",
    response={201: VoteOut},
    summary="Vote for a nomination (one vote per resident per honour); honours Idempotency-Key",
)
@idempotent("awards.votes.create")
def vote(request: ApiRequest, nomination_id: int = PathParam(..., ge=1, le=MAX_ID)) -> Status[VoteOut]:
    cast = vote_cast(actor=request.auth, nomination_id=nomination_id)
    votes = cast.nomination.votes.count()
    return Status(
        201,
        VoteOut(
            id=cast.pk, nomination_id=cast.nomination_id, scheme_id=cast.scheme_id, cast_at=cast.cast_at, votes=votes
        ),
    )
