"""The points bank API under /api/v1/points/: propose awards, move them, read accounts and the catalogue."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.params.functions import Query as QueryParam  # the call form; ninja types Query as an annotation

from gongzhi.accounts import rules
from gongzhi.accounts.auth import api_auth
from gongzhi.core import ledger
from gongzhi.core.errors import NotFound
from gongzhi.core.idempotency import idempotent
from gongzhi.core.types import ApiRequest
from gongzhi.points import selectors
from gongzhi.points.actions.award_workflow import AWARD_MOVES, allowed_actions, award_transition
from gongzhi.points.actions.awards import award_propose
from gongzhi.points.actions.redemption import redemption_cancel, redemption_place
from gongzhi.points.models import (
    PointsAccount,
    PointsAward,
    PointsRule,
    RedemptionOrder,
)

router = Router(tags=["points"], auth=api_auth)


class AwardEventOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor_id: int | None
    note: str
    occurred_at: dt.datetime


class AwardOut(Schema):
    id: int
    account_id: int
    household_id: int | None
    resident_id: int | None
    rule_code: str
    rule_name: str
    dimension: str
    points: int
    evidence: str
    source_type: str
    source_id: str
    state: str
    state_label: str
    allowed_actions: list[str]
    area_code: str
    proposed_at: dt.datetime
    published_at: dt.datetime | None
    publicity_ends_at: dt.datetime | None
    posted_at: dt.datetime | None
    transaction_id: int | None
    reversal_id: int | None
    events: list[AwardEventOut]

    @staticmethod
    def build(a: PointsAward) -> "AwardOut":
        return AwardOut(
            id=a.pk,
            account_id=a.account_id,
            household_id=a.account.household_id,
            resident_id=a.account.resident_id,
            rule_code=a.rule.code,
            rule_name=a.rule.name,
            dimension=a.rule.dimension,
            points=a.points,
            evidence=a.evidence,
            source_type=a.source_type,
            source_id=a.source_id,
            state=a.state,
            state_label=str(a.get_state_display()),
            allowed_actions=allowed_actions(a),
            area_code=a.area_code,
            proposed_at=a.proposed_at,
            published_at=a.published_at,
            publicity_ends_at=a.publicity_ends_at,
            posted_at=a.posted_at,
            transaction_id=a.transaction_id,
            reversal_id=a.reversal_id,
            events=[
                AwardEventOut(
                    action=e.action,
                    from_state=e.from_state,
                    to_state=e.to_state,
                    actor_id=e.actor_id,
                    note=e.note,
                    occurred_at=e.occurred_at,
                )
                for e in a.events.order_by("id")
            ],
        )


class AwardIn(Schema):
    account_id: int | None = Field(None, ge=1, le=2**62, description="a points account; or give household_id")
    household_id: int | None = Field(None, ge=1, le=2**62, description="opens the household's account if needed")
    resident_id: int | None = Field(
        None, ge=1, le=2**62, description="a person, in a scheme whose accounts are held by persons"
    )
    rule_code: str = Field(..., min_length=1, max_length=48)
    points: int | None = Field(
        None, ge=-10_000, le=10_000, description="defaults to the rule's points; at most the rule's points"
    )
    evidence: str = Field("", max_length=2000)
    source_type: str = Field("", max_length=48, description='e.g. "volunteering.activity"')
    source_id: str = Field("", max_length=64, description='e.g. "12:person:5"; one source pays once')


@router.post(
    "/awards",
    response={201: AwardOut},
    summary="Propose an award or a deduction (honours the Idempotency-Key header)",
)
@idempotent("points.awards.create")
def propose_award(request: ApiRequest, data: AwardIn) -> Status[AwardOut]:
    account, household, resident = selectors.award_holder(
        account_id=data.account_id, household_id=data.household_id, resident_id=data.resident_id
    )
    award = award_propose(
        actor=request.auth,
        account=account,
        household=household,
        resident=resident,
        rule_code=data.rule_code,
        points=data.points,
        evidence=data.evidence,
        source_type=data.source_type,
        source_id=data.source_id,
    )
    return Status(201, AwardOut.build(award))


@router.get("/awards/{award_id}", response=AwardOut, summary="One award with its history")
def get_award(request: ApiRequest, award_id: int) -> AwardOut:
    return AwardOut.build(selectors.award_get(user=request.auth, award_id=award_id))


class TransitionIn(Schema):
    action: str = Field(..., description="one of: " + ", ".join(AWARD_MOVES), max_length=24)
    note: str = Field("", max_length=2000, description="required for reject, object, appeal, uphold, dismiss")


@router.post("/awards/{award_id}/transitions", response=AwardOut, summary="Move an award (review, publish, post …)")
def transition_award(request: ApiRequest, award_id: int, data: TransitionIn) -> AwardOut:
    award = award_transition(actor=request.auth, award_id=award_id, action=data.action, note=data.note)
    return AwardOut.build(award)


class PostingOut(Schema):
    id: int
    transaction_id: int
    kind: str
    memo: str
    amount: int
    balance_after: int
    occurred_at: dt.datetime


class AccountOut(Schema):
    id: int
    scheme_id: int
    household_id: int | None
    resident_id: int | None
    name: str
    area_code: str
    balance: int
    floor: int
    postings: list[PostingOut]
    next_before_id: int | None = Field(None, description="pass as before_id for the next (older) page")


class StatementQuery(Schema):
    before_id: int | None = Field(None, ge=1, le=2**62)
    limit: int = Field(50, ge=1, le=500)


def _account_out(account: PointsAccount, q: StatementQuery) -> AccountOut:
    rows = selectors.account_statement(account=account, before_id=q.before_id, limit=q.limit)
    la = account.ledger_account
    la.refresh_from_db(fields=["balance", "floor"])
    return AccountOut(
        id=account.pk,
        scheme_id=account.scheme_id,
        household_id=account.household_id,
        resident_id=account.resident_id,
        name=la.name,
        area_code=account.area_code,
        balance=la.balance,
        floor=la.floor,
        postings=[
            PostingOut(
                id=p.pk,
                transaction_id=p.transaction_id,
                kind=p.transaction.kind,
                memo=p.transaction.memo,
                amount=p.amount,
                balance_after=p.balance_after,
                occurred_at=p.transaction.occurred_at,
            )
            for p in rows
        ],
        next_before_id=rows[-1].pk if len(rows) == q.limit else None,
    )


class HolderQuery(StatementQuery):
    household_id: int | None = Field(None, ge=1, le=2**62)
    resident_id: int | None = Field(None, ge=1, le=2**62)


@router.get(
    "/accounts", response=AccountOut, summary="The account of a household or a person (household_id or resident_id)"
)
def get_account_of_holder(request: ApiRequest, q: Query[HolderQuery]) -> AccountOut:
    account = selectors.account_for_holder(user=request.auth, household_id=q.household_id, resident_id=q.resident_id)
    return _account_out(account, q)


@router.get("/accounts/{account_id}", response=AccountOut, summary="Balance and postings (newest first, keyset paged)")
def get_account(request: ApiRequest, account_id: int, q: Query[StatementQuery]) -> AccountOut:
    return _account_out(selectors.account_get(user=request.auth, account_id=account_id), q)


class RuleOut(Schema):
    code: str
    dimension: str
    dimension_label: str
    name: str
    description: str
    points: int
    evidence_required: bool
    cap_per_month: int | None
    needs_review: bool

    @staticmethod
    def build(r: PointsRule) -> "RuleOut":
        return RuleOut(
            code=r.code,
            dimension=r.dimension,
            dimension_label=str(r.get_dimension_display()),
            name=r.name,
            description=r.description,
            points=r.points,
            evidence_required=r.evidence_required,
            cap_per_month=r.cap_per_month,
            needs_review=r.needs_review,
        )


class CatalogueOut(Schema):
    scheme_id: int
    scheme_name: str
    area_code: str
    publicity_days: int
    floor: int
    monthly_cap: int | None
    rules: list[RuleOut]


@router.get("/rules", response=CatalogueOut, summary='The "1+5+N" catalogue of the scheme over an area')
def get_rules(request: ApiRequest, area: str = QueryParam(..., pattern=r"^\d{9,17}$")) -> CatalogueOut:
    rules.require(request.auth, "points.view", area)
    scheme = selectors.scheme_for_area_code(area)
    if scheme is None:
        raise NotFound(_("该区域（%(code)s）尚未实行积分制度") % {"code": area}, field="area")
    return CatalogueOut(
        scheme_id=scheme.pk,
        scheme_name=scheme.name,
        area_code=scheme.area_code,
        publicity_days=scheme.publicity_days,
        floor=scheme.floor,
        monthly_cap=scheme.monthly_cap,
        rules=[RuleOut.build(r) for r in selectors.active_rules(scheme=scheme)],
    )


# ---------------------------------------------------------------------------------------------------------------
# The store (德育超市)


class OfferOut(Schema):
    event_id: int
    event_title: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    item_id: int
    name: str
    kind: str
    price: int
    stock: int
    sponsor: str | None


@router.get("/items", response=list[OfferOut], summary="Items on offer at current and coming redemption events")
def list_items(request: ApiRequest, area: str = QueryParam(..., pattern=r"^\d{9,17}$")) -> list[OfferOut]:
    return [
        OfferOut(
            event_id=o.event_id,
            event_title=o.event.title,
            place=o.event.place,
            starts_at=o.event.starts_at,
            ends_at=o.event.ends_at,
            item_id=o.item_id,
            name=o.item.name,
            kind=o.item.kind,
            price=o.item.price,
            stock=o.stock,
            sponsor=o.item.sponsor.name if o.item.sponsor is not None else None,
        )
        for o in selectors.offers_for(user=request.auth, area_code=area)
    ]


class RedemptionIn(Schema):
    account_id: int | None = Field(None, ge=1, le=2**62, description="or household_id, or resident_id")
    household_id: int | None = Field(None, ge=1, le=2**62)
    resident_id: int | None = Field(None, ge=1, le=2**62)
    event_id: int = Field(..., ge=1, le=2**62)
    item_id: int = Field(..., ge=1, le=2**62)
    quantity: int = Field(1, ge=1, le=100)


class OrderOut(Schema):
    id: int
    account_id: int
    event_id: int
    item_id: int
    item_name: str
    quantity: int
    points: int
    pickup_code: str
    state: str
    balance_after: int
    transaction_id: int
    refund_id: int | None

    @staticmethod
    def build(o: RedemptionOrder) -> "OrderOut":
        return OrderOut(
            id=o.pk,
            account_id=o.account_id,
            event_id=o.offer.event_id,
            item_id=o.offer.item_id,
            item_name=o.offer.item.name,
            quantity=o.quantity,
            points=o.points,
            pickup_code=o.pickup_code,
            state=o.state,
            balance_after=ledger.balance(account=o.account.ledger_account),
            transaction_id=o.transaction_id,
            refund_id=o.refund_id,
        )


@router.post(
    "/redemptions",
    response={201: OrderOut},
    summary="Redeem points for an item at an event (honours the Idempotency-Key header)",
)
@idempotent("points.redemptions.create")
def place_redemption(request: ApiRequest, data: RedemptionIn) -> Status[OrderOut]:
    account = selectors.account_for_holder(
        user=request.auth, account_id=data.account_id, household_id=data.household_id, resident_id=data.resident_id
    )
    event, item = selectors.event_and_item(event_id=data.event_id, item_id=data.item_id)
    order = redemption_place(actor=request.auth, account=account, event=event, item=item, quantity=data.quantity)
    return Status(201, OrderOut.build(order))


class CancelIn(Schema):
    reason: str = Field("", max_length=200)


@router.post("/redemptions/{order_id}/cancel", response=OrderOut, summary="Cancel an order: refund and restock")
def cancel_redemption(request: ApiRequest, order_id: int, data: CancelIn) -> OrderOut:
    return OrderOut.build(redemption_cancel(actor=request.auth, order_id=order_id, reason=data.reason))
