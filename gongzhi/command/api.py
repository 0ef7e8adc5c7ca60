"""GET /api/v1/command/…: the command centre's panels, one call per panel (selectors.py has the definitions).

The area is one the caller holds `appeals.view` over (403 otherwise); the period is [from, to) of local dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema

from gongzhi.accounts.auth import api_auth
from gongzhi.appeals import measures
from gongzhi.command import selectors
from gongzhi.core.types import ApiRequest

router = Router(tags=["command"], auth=api_auth)


class PanelQuery(Schema):
    area: str | None = Field(None, description="area code; default the widest area you may view")
    period_from: str | None = Field(None, alias="from", description="YYYY-MM-DD; default the 1st of this month")
    period_to: str | None = Field(None, alias="to", description="YYYY-MM-DD, exclusive; default next month's 1st")


class AreaRef(Schema):
    code: str
    name: str
    level: str


class CardOut(Schema):
    key: str
    label: str
    group: str
    kind: str = Field(..., description="count or rate (0..1)")
    unit: str
    value: float | None = Field(None, description="the figure; null for a rate with nothing to divide by")
    previous: float | None = Field(None, description="the previous period's figure; null for stocks")
    change: float | None = Field(None, description="relative change from the previous period, −0.5 = down 50%")
    series: list[float | None] = Field(..., description="one value per week of the period (sparkline)")


class CardsOut(Schema):
    area: AreaRef
    period_from: dt.date = Field(..., alias="from")
    period_to: dt.date = Field(..., alias="to", description="exclusive")
    previous_from: dt.date
    previous_to: dt.date
    weeks: list[dt.date]
    computed_at: dt.datetime
    cards: list[CardOut]


def _area_ref(area: Any) -> dict[str, str]:
    return {"code": area.code, "name": area.name, "level": area.level}


@router.get(
    "/cards",
    response=CardsOut,
    by_alias=True,
    summary="The centre's cards: each figure, its previous period, change and weekly sparkline (appeals.view)",
)
def cards_get(request: ApiRequest, filters: Query[PanelQuery]) -> Any:
    area = measures.measures_area(user=request.auth, code=filters.area)
    period = measures.period_parse(filters.period_from, filters.period_to)
    result = selectors.cards(area=area, period=period)
    return {
        "area": _area_ref(area),
        "from": period.start,
        "to": period.end,
        "previous_from": result["previous_period"].start,
        "previous_to": result["previous_period"].end,
        "weeks": result["weeks"],
        "computed_at": result["computed_at"],
        "cards": result["cards"],
    }


class AreaQuery(Schema):
    area: str | None = Field(None, description="area code; default the widest area you may view")


class AlertItem(Schema):
    ref: str = Field(..., description="appeal number or rectification order (R + id); never a person")
    area_code: str
    area_name: str
    since: dt.datetime | dt.date = Field(..., description="the deadline passed, or the last change")


class AlertGroup(Schema):
    key: str
    label: str
    count: int
    items: list[AlertItem] = Field(..., description=f"the first {selectors.ALERT_LIMIT}, oldest first")


class AlertsOut(Schema):
    area: AreaRef
    computed_at: dt.datetime
    alerts: list[AlertGroup]


@router.get(
    "/alerts",
    response=AlertsOut,
    summary="Alerts now: appeals past 3× their limit, reopened appeals, summons not reported in, overdue rectifications",
)
def alerts_get(request: ApiRequest, filters: Query[AreaQuery]) -> Any:
    area = measures.measures_area(user=request.auth, code=filters.area)
    result = selectors.alerts(area=area)
    return {"area": _area_ref(area), "computed_at": result["computed_at"], "alerts": result["alerts"]}


class LeagueQuery(PanelQuery):
    sort: str | None = Field(None, description="order the child areas by this measure, best first")


class ChildLeagueRow(Schema):
    code: str
    name: str
    level: str
    received: int
    closure_rate: float | None
    on_time_rate: float | None
    response_rate: float | None
    satisfaction_rate: float | None
    summons_punctuality: float | None
    complaints_per_1000: float | None


class DepartmentRow(Schema):
    id: int
    name: str
    summons: int
    due: int
    on_time: int
    punctuality: float | None = Field(None, description="reported in by the deadline ÷ summons due")


class LeaguesOut(Schema):
    area: AreaRef
    period_from: dt.date = Field(..., alias="from")
    period_to: dt.date = Field(..., alias="to")
    children: list[ChildLeagueRow]
    departments: list[DepartmentRow] = Field(..., description="most punctual first")


@router.get(
    "/leagues",
    response=LeaguesOut,
    by_alias=True,
    summary="League tables: the child areas by the appeal measures and the departments by summons punctuality",
)
def leagues_get(request: ApiRequest, filters: Query[LeagueQuery]) -> Any:
    area = measures.measures_area(user=request.auth, code=filters.area)
    period = measures.period_parse(filters.period_from, filters.period_to)
    sort = measures.sort_parse(filters.sort)
    result = selectors.leagues(area=area, period=period, sort=sort)
    return {
        "area": _area_ref(area),
        "from": period.start,
        "to": period.end,
        "children": result["children"],
        "departments": result["departments"],
    }
