"""The command centre's figures (SPEC §9, issue 14): reads only, over the subtree of one area and a period.

Each card has its figure over the period (or now, for a stock such as "open"), the same figure over the previous
period of equal length, the relative change, and a sparkline series: counts per 7-day bucket from the period's
first day; the appeal rates per calendar week (Monday) of receipt, as the measures page draws its trend. Appeal rates (7135) come from
`gongzhi.appeals.measures`, so the centre and the measures page never disagree. No card carries personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from gongzhi.appeals import measures
from gongzhi.appeals.models import FINISHED_STATES, Appeal, State
from gongzhi.areas.models import Area
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock
from gongzhi.deliberation.models import Meeting, MeetingState, Topic
from gongzhi.inspections.models import OPEN_RECTIFICATION, Inspection, Rectification
from gongzhi.matching.models import OPEN_STATES as DEMAND_OPEN_STATES
from gongzhi.matching.models import Demand, DemandKind, DemandState
from gongzhi.volunteering.models import Volunteer

Period = measures.Period


def _weeks(period: Period) -> list[dt.date]:
    """The first day of each 7-day bucket of the period (the last bucket may be shorter)."""
    return [period.start + dt.timedelta(days=7 * i) for i in range((period.days + 6) // 7)]


def _flow(qs: QuerySet[Any], field: str, area: Area, period: Period) -> dict[str, Any]:
    """Rows whose `field` falls in the period: total, previous period's total and the weekly series.

    One grouped query over both periods (by local date), bucketed here."""
    previous = period.previous()
    lo, _hi = previous.bounds()
    _lo, hi = period.bounds()
    rows = (
        qs.filter(code_range_q(area.code, "area_code"), **{f"{field}__gte": lo, f"{field}__lt": hi})
        .annotate(day=TruncDate(field))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    current_total = previous_total = 0
    weeks = _weeks(period)
    series = [0] * len(weeks)
    for row in rows:
        day = row["day"]
        if day is None:
            continue
        if day >= period.start:
            current_total += row["n"]
            index = min((day - period.start).days // 7, len(series) - 1)
            series[index] += row["n"]
        else:
            previous_total += row["n"]
    return {"value": current_total, "previous": previous_total, "series": series}


def _stock(qs: QuerySet[Any], area: Area) -> dict[str, Any]:
    """A count as it stands now (no previous period: the past state is not kept for stocks)."""
    return {"value": qs.filter(code_range_q(area.code, "area_code")).count(), "previous": None, "series": []}


def _card(
    key: str, label: str, group: str, figure: dict[str, Any], *, unit: str = "", kind: str = "count"
) -> dict[str, Any]:
    value, previous = figure["value"], figure["previous"]
    return {
        "key": key,
        "label": label,
        "group": group,
        "kind": kind,
        "unit": unit,
        "value": value,
        "previous": previous,
        "change": measures.change(value, previous) if previous is not None else None,
        "series": figure["series"],
    }


def _appeal_cards(area: Area, period: Period) -> list[dict[str, Any]]:
    result = measures.measures_for(area=area, period=period, include_trend=True)
    total, before = result["total"], result["previous"]
    trend = result["trend"]
    now = clock.now()
    scope = Appeal.objects.filter(code_range_q(area.code, "area_code")).exclude(state__in=FINISHED_STATES)
    group = _("诉求")
    cards = [
        _card(
            "appeals_received",
            _("受理诉求"),
            group,
            {
                "value": total["received"],
                "previous": before["received"],
                "series": _flow(Appeal.objects.exclude(state=State.CANCELLED), "created_at", area, period)["series"],
            },
        ),
        _card("appeals_open", _("在办诉求"), group, {"value": scope.count(), "previous": None, "series": []}),
        _card(
            "appeals_overdue",
            _("超期诉求"),
            group,
            {"value": scope.filter(due_at__lt=now).count(), "previous": None, "series": []},
        ),
    ]
    for key, label, series_key in (
        ("response_rate", _("响应率"), "response_rate"),
        ("on_time_rate", _("按期结案率"), None),
        ("closure_rate", _("办结率"), "closure_rate"),
        ("satisfaction_rate", _("满意率"), None),
        ("summons_punctuality", _("吹哨报到及时率"), None),
    ):
        series = [w[series_key] for w in trend] if series_key else []
        cards.append(
            _card(key, label, group, {"value": total[key], "previous": before[key], "series": series}, kind="rate")
        )
    cards.append(
        _card(
            "summons",
            _("吹哨次数"),
            group,
            {"value": total["summons"], "previous": before["summons"], "series": []},
        )
    )
    return cards


def _other_cards(area: Area, period: Period) -> list[dict[str, Any]]:
    today = clock.today()
    deliberation, matching, volunteering, inspections = _("议事协商"), _("供需对接"), _("志愿服务"), _("安全巡查")
    demands = Demand.objects.exclude(state__in=(DemandState.CANCELLED, DemandState.MERGED))
    open_demands = Demand.objects.filter(state__in=DEMAND_OPEN_STATES)
    rectifications = Rectification.objects.filter(state__in=OPEN_RECTIFICATION)
    return [
        _card("topics", _("新议题"), deliberation, _flow(Topic.objects.all(), "created_at", area, period)),
        _card(
            "meetings_held",
            _("召开议事会"),
            deliberation,
            _flow(Meeting.objects.filter(state=MeetingState.HELD), "starts_at", area, period),
        ),
        _card(
            "demands",
            _("群众点单"),
            matching,
            _flow(demands.exclude(kind=DemandKind.WISH), "created_at", area, period),
        ),
        _card(
            "wishes",
            _("微心愿"),
            matching,
            _flow(demands.filter(kind=DemandKind.WISH), "created_at", area, period),
        ),
        _card("demands_open", _("待办需求"), matching, _stock(open_demands, area)),
        _card(
            "demands_closed",
            _("已办结需求"),
            matching,
            _flow(Demand.objects.filter(state=DemandState.CLOSED), "updated_at", area, period),
        ),
        _card(
            "volunteers_new",
            _("新注册志愿者"),
            volunteering,
            _flow(Volunteer.objects.all(), "registered_at", area, period),
        ),
        _card("volunteers", _("志愿者总数"), volunteering, _stock(Volunteer.objects.all(), area)),
        _card("inspections", _("完成巡查"), inspections, _flow(Inspection.objects.all(), "done_at", area, period)),
        _card("hazards_open", _("待整改隐患"), inspections, _stock(rectifications, area)),
        _card(
            "hazards_overdue",
            _("逾期整改"),
            inspections,
            _stock(rectifications.filter(deadline__lt=today), area),
        ),
    ]


CARD_BUILDERS: tuple[Callable[[Area, Period], list[dict[str, Any]]], ...] = (_appeal_cards, _other_cards)


def cards(*, area: Area, period: Period) -> dict[str, Any]:
    """Every card of the centre for the area's subtree and the period."""
    out: list[dict[str, Any]] = []
    for build in CARD_BUILDERS:
        out.extend(build(area, period))
    return {
        "area": area,
        "period": period,
        "previous_period": period.previous(),
        "weeks": _weeks(period),
        "cards": out,
        "computed_at": clock.now(),
    }
