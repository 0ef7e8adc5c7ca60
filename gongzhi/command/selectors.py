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

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from gongzhi.appeals import measures
from gongzhi.appeals.models import FINISHED_STATES, Appeal, State, Summons
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


# ---------------------------------------------------------------------------------------------------------------
# Alerts: what needs someone now. Each item is a reference (appeal number, order id) and an area, never a person.

ALERT_LIMIT = 50


def _area_names(codes: set[str]) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


def alerts(*, area: Area) -> dict[str, Any]:
    """Appeals past three times their limit, reworked (reopened) appeals still open, summons not reported in past
    their time, and rectifications past their deadline, over the area's subtree as things stand now."""
    now = clock.now()
    today = clock.today()
    in_area = code_range_q(area.code, "area_code")
    open_appeals = Appeal.objects.filter(in_area, due_at__lt=now).exclude(state__in=FINISHED_STATES)
    triple: list[dict[str, Any]] = []
    for number, code, dispatched, due in open_appeals.values_list(
        "number", "area_code", "dispatched_at", "due_at"
    ).order_by("due_at"):
        start = dispatched or due
        if due is not None and start is not None and now - start > 3 * (due - start) and due > start:
            triple.append({"ref": number, "area_code": code, "since": due})
    reopened = list(
        Appeal.objects.filter(in_area, rework_count__gt=0)
        .exclude(state__in=FINISHED_STATES)
        .order_by("-updated_at")
        .values_list("number", "area_code", "updated_at")[: ALERT_LIMIT + 1]
    )
    reopened_count = Appeal.objects.filter(in_area, rework_count__gt=0).exclude(state__in=FINISHED_STATES).count()
    summons = Summons.objects.filter(in_area, reported_at__isnull=True, report_by__lt=now)
    summons_rows = list(
        summons.order_by("report_by").values_list("appeal__number", "area_code", "report_by")[:ALERT_LIMIT]
    )
    late = Rectification.objects.filter(in_area, state__in=OPEN_RECTIFICATION, deadline__lt=today)
    late_rows = list(late.order_by("deadline").values_list("pk", "area_code", "deadline")[:ALERT_LIMIT])
    groups = [
        ("appeals_triple_overdue", _("诉求超过时限三倍"), len(triple), triple[:ALERT_LIMIT]),
        (
            "appeals_reopened",
            _("返工诉求未办结"),
            reopened_count,
            [{"ref": n, "area_code": c, "since": t} for n, c, t in reopened[:ALERT_LIMIT]],
        ),
        (
            "summons_not_reported",
            _("吹哨未按时报到"),
            summons.count(),
            [{"ref": n, "area_code": c, "since": t} for n, c, t in summons_rows],
        ),
        (
            "rectifications_overdue",
            _("整改逾期"),
            late.count(),
            [{"ref": f"R{pk}", "area_code": c, "since": d} for pk, c, d in late_rows],
        ),
    ]
    names = _area_names({item["area_code"] for *_rest, items in groups for item in items})
    out = []
    for key, label, count, items in groups:
        for item in items:
            item["area_name"] = names.get(item["area_code"], "")
        out.append({"key": key, "label": label, "count": count, "items": items})
    return {"area": area, "alerts": out, "computed_at": now}


# ---------------------------------------------------------------------------------------------------------------
# League tables: the child areas by the appeal measures, and the departments by summons punctuality.

LEAGUE_COLUMNS = (
    "received",
    "closure_rate",
    "on_time_rate",
    "response_rate",
    "satisfaction_rate",
    "summons_punctuality",
    "complaints_per_1000",
)


def leagues(*, area: Area, period: Period, sort: str = "") -> dict[str, Any]:
    result = measures.measures_for(area=area, period=period, sort=sort, include_trend=False)
    children = [
        {"code": c["code"], "name": c["name"], "level": c["level"], **{k: c[k] for k in LEAGUE_COLUMNS}}
        for c in result["children"]
    ]
    start, end = period.bounds()
    now = clock.now()
    rows = (
        Summons.objects.filter(code_range_q(area.code, "area_code"), summoned_at__gte=start, summoned_at__lt=end)
        .values("department_id", "department__name")
        .annotate(
            summons=Count("pk"),
            due=Count("pk", filter=Q(report_by__lte=now) | Q(reported_at__isnull=False)),
            on_time=Count("pk", filter=Q(reported_at__isnull=False, reported_at__lte=F("report_by"))),
        )
        .order_by("department__name")
    )
    departments = [
        {
            "id": r["department_id"],
            "name": r["department__name"],
            "summons": r["summons"],
            "due": r["due"],
            "on_time": r["on_time"],
            "punctuality": r["on_time"] / r["due"] if r["due"] else None,
        }
        for r in rows
    ]
    departments.sort(key=lambda d: (d["punctuality"] is None, -(d["punctuality"] or 0), d["name"]))
    return {"area": area, "period": period, "children": children, "departments": departments}
