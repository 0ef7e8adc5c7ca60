"""Care ↔ matching API (mounted under /api/v1/care): a need becomes a micro-wish or an errand; each side reads the
link under its own rules (carelink/selectors.py). Writes take an `Idempotency-Key`."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from gongzhi.accounts.auth import api_auth
from gongzhi.care import access
from gongzhi.care.models import CareNeed
from gongzhi.carelink import selectors
from gongzhi.carelink.actions import need_to_demand
from gongzhi.carelink.models import NeedDemand
from gongzhi.core.errors import NotFound
from gongzhi.core.idempotency import idempotent
from gongzhi.core.types import ApiRequest
from gongzhi.matching import selectors as matching_selectors

HONOURS_KEY = "Honours `Idempotency-Key`: a repeat with the same key returns the first answer."
MAX_ID = 2**62

router = Router(tags=["care"], auth=api_auth)


class NeedDemandIn(Schema):
    kind: str = Field(..., max_length=8, description="wish (微心愿) or errand (帮办代办)")
    item_id: int = Field(..., ge=1, le=MAX_ID, description="a service item of the matching catalogue")
    title: str | None = Field(None, max_length=100, description="default: the need's kind, e.g. 生活照料帮办")
    description: str = Field("", max_length=1000, description="what the matching side may read; no care text")
    value: str | None = Field(None, max_length=12, description='a micro-wish\'s value in yuan, e.g. "58.50"')


class NeedDemandOut(Schema):
    need_id: int
    need_status: str
    visit_id: int | None
    demand_id: int
    demand_kind: str
    demand_state: str
    demand_title: str
    created_at: dt.datetime

    @staticmethod
    def build(link: NeedDemand) -> NeedDemandOut:
        need, demand = link.need, link.demand
        need.refresh_from_db(fields=["status"])
        return NeedDemandOut(
            need_id=need.pk, need_status=need.status, visit_id=need.visit_id, demand_id=demand.pk,
            demand_kind=demand.kind, demand_state=demand.state, demand_title=demand.title, created_at=link.created_at,
        )  # fmt: skip


class OriginOut(Schema):
    from_care_visit: bool = Field(..., description="the demand came from a need found on a care visit")
    archive_id: int | None = Field(default=None, description="only for a reader with need to know of the archive")
    need_id: int | None = None
    need_kind: str = ""
    visited_on: dt.date | None = None


@router.post(
    "/need-demands/{need_id}",
    response={201: NeedDemandOut},
    summary="Turn a care need into a micro-wish or an errand of matching (rule care.to_demand)",
    description=HONOURS_KEY,
)
@idempotent("care.needs.to_demand")
def create_need_demand(request: ApiRequest, need_id: int, data: NeedDemandIn) -> Status[NeedDemandOut]:
    link = need_to_demand(
        actor=request.auth, need_id=need_id, kind=data.kind, item_id=data.item_id, title=data.title,
        description=data.description, value_yuan=data.value,
    )  # fmt: skip
    return Status(201, NeedDemandOut.build(link))


@router.get("/need-demands/{need_id}", response=NeedDemandOut, summary="The demand a care need became")
def read_need_demand(request: ApiRequest, need_id: int) -> NeedDemandOut:
    need = CareNeed.objects.filter(pk=need_id).only("archive_id").first()
    if need is None:
        raise NotFound(_("关爱需求不存在：%(id)s") % {"id": need_id}, field="need_id")
    access.archive_get(user=request.auth, archive_id=need.archive_id, request=request, why="need_demand")
    link = NeedDemand.objects.select_related("need", "demand").filter(need_id=need_id).first()
    if link is None:
        raise NotFound(_("关爱需求不存在：%(id)s") % {"id": need_id}, field="need_id")
    return NeedDemandOut.build(link)


@router.get(
    "/demand-origins/{demand_id}",
    response=OriginOut,
    summary="Where a demand came from: a care visit (details only with need to know of the archive)",
)
def read_origin(request: ApiRequest, demand_id: int) -> OriginOut:
    demand = matching_selectors.demand_get(user=request.auth, demand_id=demand_id)
    found = selectors.origin(request.auth, demand, request=request)
    if found is None:
        return OriginOut(from_care_visit=False)
    return OriginOut(
        from_care_visit=True, archive_id=found.archive_id, need_id=found.need_id, need_kind=found.need_kind,
        visited_on=found.visited_on,
    )  # fmt: skip
