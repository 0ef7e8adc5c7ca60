"""GET /api/v1/appeals/measures: the measures of an area, its child areas (league table) and the previous period.

Mounted before the appeals router so "/measures" is never read as an appeal id. Definitions: measures.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema

from gongzhi.accounts.auth import api_auth
from gongzhi.appeals import measures
from gongzhi.core.types import ApiRequest

router = Router(tags=["appeals"], auth=api_auth)


class MeasureRow(Schema):
    received: int = Field(..., description="appeals created in the period, not cancelled (受理数)")
    dispatched: int
    responded: int = Field(..., description="dispatched appeals accepted (签收) within the arrival limit")
    response_rate: float | None = Field(None, description="responded ÷ dispatched; null when nothing was dispatched")
    closed: int
    closure_rate: float | None = Field(None, description="closed ÷ received")
    due_total: int = Field(..., description="应结案数: due in the period (up to now) or extended past its end")
    deferred: int = Field(..., description="缓办数: suspended at the end of the period or extended past it")
    closed_on_time: int = Field(..., description="按期结案数")
    on_time_rate: float | None = Field(None, description="按期结案数 ÷ (应结案数 − 缓办数)")
    rated: int
    satisfied: int = Field(..., description="满意 + 基本满意 ratings")
    satisfaction_rate: float | None = None
    reworked: int
    rework_base: int = Field(..., description="received appeals closed or reworked")
    rework_rate: float | None = None
    summons: int = Field(..., description="departments summoned (吹哨) in the period")
    summons_due: int
    summons_on_time: int
    summons_punctuality: float | None = Field(None, description="reported in by the deadline ÷ summons due")
    households: int
    complaints_per_1000: float | None = Field(None, description="received ÷ households × 1000")


class ChildRow(MeasureRow):
    code: str
    name: str
    level: str
    previous_complaints_per_1000: float | None
    complaints_change: float | None = Field(None, description="relative change, −0.61 = down 61%")


class TrendRow(Schema):
    week: dt.date = Field(..., description="the Monday of the week")
    received: int
    closed: int
    closure_rate: float | None
    response_rate: float | None


class AreaRef(Schema):
    code: str
    name: str
    level: str


class MeasuresOut(Schema):
    area: AreaRef
    period_from: dt.date = Field(..., alias="from")
    period_to: dt.date = Field(..., alias="to", description="exclusive")
    previous_from: dt.date
    previous_to: dt.date
    total: MeasureRow
    previous: MeasureRow
    changes: dict[str, float | None] = Field(
        ..., description="relative change of each measure from the previous period"
    )
    children: list[ChildRow] = Field(..., description="the league table of the child areas")
    trend: list[TrendRow] = Field(..., description="by week of receipt")


class MeasuresQuery(Schema):
    area: str | None = Field(None, description="area code; default the widest area you may view")
    period_from: str | None = Field(None, alias="from", description="YYYY-MM-DD; default the 1st of this month")
    period_to: str | None = Field(None, alias="to", description="YYYY-MM-DD, exclusive; default next month's 1st")
    sort: str | None = Field(None, description="order the league table by this measure, best first")


def serialise(result: dict[str, Any]) -> dict[str, Any]:
    area = result["area"]
    return {
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "from": result["period"].start,
        "to": result["period"].end,
        "previous_from": result["previous_period"].start,
        "previous_to": result["previous_period"].end,
        "total": result["total"],
        "previous": result["previous"],
        "changes": result["changes"],
        "children": result["children"],
        "trend": result["trend"],
    }


@router.get(
    "",
    response=MeasuresOut,
    by_alias=True,
    summary="Measures of an area and period: rates, its child areas and the previous period (appeals.view)",
)
def measures_get(request: ApiRequest, filters: Query[MeasuresQuery]) -> Any:
    area = measures.measures_area(user=request.auth, code=filters.area)
    period = measures.period_parse(filters.period_from, filters.period_to)
    sort = measures.sort_parse(filters.sort)
    return serialise(measures.measures_for(area=area, period=period, sort=sort))
