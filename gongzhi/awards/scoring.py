"""How a score is reached: the factors of each scheme kind, their defaults, and the computation from the data.

Every factor is a count (or a sum of hours, or a rate) read from the data of the period [starts_on, ends_on):

五星级网格党员 (party_stars), per party member of the street:
- `wishes` 微心愿领办: micro-wishes (matching) the member claimed (领单) in the period and has fulfilled;
- `hours` 志愿服务时长: confirmed volunteer hours (volunteering) of activities the member checked in to;
- `zone` 责任区服务: services done inside the member's responsibility zones (党员责任区): demands they held and that
  closed in the period, plus confirmed volunteer attendances at activities in a zone;
- `appeals` 上报诉求: appeals (appeals) the member reported in the period, not cancelled.

星级网格 (grid_stars), per grid of the street:
- `response` 响应率 (7135): appeals accepted within the arrival limit ÷ appeals accepted, created in the period;
- `on_time` 按期结案率: appeals closed by their deadline ÷ appeals closed, created in the period;
- `satisfaction` 满意率: 满意 + 基本满意 ratings ÷ ratings given, on appeals created in the period;
- `inspections` 巡查合格率: inspections with no failed item ÷ inspections done in the grid in the period;
- `hours` 志愿服务时长: confirmed volunteer hours of activities in the grid.

A count factor reaches its full weight at its target (ratio = min(1, value ÷ target)); a rate factor's ratio is the
rate itself, and a rate with nothing to divide by counts as `NEUTRAL` (said so in the explanation). The score is
100 × Σ(ratio × weight) ÷ Σ weight, and the stars are the most whose threshold the score reaches.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.appeals.models import Appeal
from gongzhi.appeals.models import State as AppealState
from gongzhi.areas.codes import LEVEL_LENGTHS
from gongzhi.areas.models import Area
from gongzhi.areas.selectors import code_range_q
from gongzhi.inspections.models import Inspection
from gongzhi.matching.models import Demand, DemandEvent, DemandKind, DemandState, HolderKind
from gongzhi.people.models import PartyMember, ResponsibilityZone
from gongzhi.volunteering.models import Attendance, AttendanceStatus

NEUTRAL = 0.6
GRID_LENGTH = LEVEL_LENGTHS["grid"]


@dataclass(frozen=True)
class FactorSpec:
    key: str
    label: Any
    kind: str  # "count" (ratio = value / target) or "rate" (ratio = value)
    weight: int
    target: float | None
    source: str


PARTY_FACTORS: tuple[FactorSpec, ...] = (
    FactorSpec("wishes", gettext_lazy("微心愿领办"), "count", 30, 4, "matching.Demand"),
    FactorSpec("hours", gettext_lazy("志愿服务时长"), "count", 30, 40, "volunteering.Attendance"),
    FactorSpec("zone", gettext_lazy("责任区服务"), "count", 20, 6, "matching.Demand + volunteering.Attendance"),
    FactorSpec("appeals", gettext_lazy("上报诉求"), "count", 20, 6, "appeals.Appeal"),
)
GRID_FACTORS: tuple[FactorSpec, ...] = (
    FactorSpec("response", gettext_lazy("诉求响应率（7135）"), "rate", 20, None, "appeals.Appeal"),
    FactorSpec("on_time", gettext_lazy("按期结案率"), "rate", 20, None, "appeals.Appeal"),
    FactorSpec("satisfaction", gettext_lazy("群众满意率"), "rate", 20, None, "appeals.Appeal"),
    FactorSpec("inspections", gettext_lazy("巡查合格率"), "rate", 20, None, "inspections.Inspection"),
    FactorSpec("hours", gettext_lazy("志愿服务时长"), "count", 20, 200, "volunteering.Attendance"),
)
FACTORS = {"party_stars": PARTY_FACTORS, "grid_stars": GRID_FACTORS, "honour": ()}
DEFAULT_STARS = [20, 40, 60, 75, 90]  # the score each of ★ … ★★★★★ needs


def default_config(kind: str) -> dict[str, Any]:
    if kind == "honour":
        return {}
    return {
        "factors": {f.key: {"weight": f.weight, **({"target": f.target} if f.target else {})} for f in FACTORS[kind]},
        "stars": list(DEFAULT_STARS),
    }


def stars_for(score: float, thresholds: list[float]) -> int:
    return sum(1 for t in thresholds if score >= t)


@dataclass
class Raw:
    """One factor's facts for one subject: the value, the rows it came from, and a sentence about them."""

    value: float | None
    count: int
    why: str = ""


def explain(kind: str, config: dict[str, Any], raws: dict[str, Raw]) -> tuple[Decimal, int, list[dict[str, Any]]]:
    """The score, the stars and the explanation of one subject from its factors' facts and the scheme's config."""
    factors = config["factors"]
    rows: list[dict[str, Any]] = []
    total_weight = 0
    total = 0.0
    for spec in FACTORS[kind]:
        weight = int(factors[spec.key]["weight"])
        raw = raws[spec.key]
        target = float(factors[spec.key]["target"]) if spec.kind == "count" else None
        why = raw.why
        if spec.kind == "count":
            ratio = min(1.0, (raw.value or 0) / target) if target else 0.0
        elif raw.value is None:
            ratio = NEUTRAL
            why = _("无数据，按 %(n)s 计") % {"n": NEUTRAL}
        else:
            ratio = raw.value
        points = ratio * weight
        total += points
        total_weight += weight
        rows.append(
            {
                "key": spec.key,
                "label": str(spec.label),
                "value": None if raw.value is None else round(raw.value, 4),
                "target": target,
                "ratio": round(ratio, 4),
                "weight": weight,
                "points": round(points, 2),
                "source_count": raw.count,
                "source": spec.source,
                "why": why,
            }
        )
    score = 100 * total / total_weight if total_weight else 0.0
    return Decimal(f"{score:.2f}"), stars_for(round(score, 2), [float(t) for t in config["stars"]]), rows


def _bounds(starts_on: dt.date, ends_on: dt.date) -> tuple[dt.datetime, dt.datetime]:
    def midnight(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    return midnight(starts_on), midnight(ends_on)


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    user_id: int | None
    area_id: int
    area_code: str
    resident_id: int | None


def party_facts(*, street: str, starts_on: dt.date, ends_on: dt.date) -> list[tuple[Member, dict[str, Raw]]]:
    """Every party member of the street with the facts of the four factors (a handful of grouped queries)."""
    start, end = _bounds(starts_on, ends_on)
    members = [
        Member(*row)
        for row in PartyMember.objects.filter(code_range_q(street, "area_code"))
        .order_by("area_code", "id")
        .values_list("id", "name", "user_id", "area_id", "area_code", "resident_id")
    ]
    by_user = {m.user_id: m.id for m in members if m.user_id}
    ids = [m.id for m in members]
    users = list(by_user)

    claimed = DemandEvent.objects.filter(
        demand=OuterRef("pk"), action="claim", actor=OuterRef("holder_id"), at__gte=start, at__lt=end
    )
    wishes = dict(
        Demand.objects.filter(
            kind=DemandKind.WISH,
            holder_kind=HolderKind.PARTY,
            holder_id__in=users,
            state__in=[DemandState.FULFILLED, DemandState.CLOSED],
        )
        .filter(Exists(claimed))
        .values("holder_id")
        .annotate(n=Count("id"))
        .values_list("holder_id", "n")
    )
    attended = Attendance.objects.filter(
        status=AttendanceStatus.CONFIRMED,
        volunteer__party_member_id__in=ids,
        checked_in_at__gte=start,
        checked_in_at__lt=end,
    )
    hours = {
        r["volunteer__party_member_id"]: (float(r["h"] or 0), r["n"])
        for r in attended.values("volunteer__party_member_id").annotate(h=Sum("hours"), n=Count("id"))
    }
    zones: dict[int, list[str]] = defaultdict(list)
    for member_id, code in ResponsibilityZone.objects.filter(party_member_id__in=ids).values_list(
        "party_member_id", "area__code"
    ):
        zones[member_id].append(code)
    in_zone: dict[int, int] = defaultdict(int)
    closed = DemandEvent.objects.filter(
        to_state=DemandState.CLOSED, at__gte=start, at__lt=end, demand__holder_id__in=users
    ).values_list("demand__holder_id", "demand__area_code")
    for holder_id, code in closed:
        member_id = by_user[holder_id]
        if any(code.startswith(z) for z in zones.get(member_id, ())):
            in_zone[member_id] += 1
    for member_id, code in attended.filter(volunteer__party_member_id__in=list(zones)).values_list(
        "volunteer__party_member_id", "activity__area_code"
    ):
        if any(code.startswith(z) for z in zones[member_id]):
            in_zone[member_id] += 1
    reported = dict(
        Appeal.objects.filter(reporter_id__in=users, created_at__gte=start, created_at__lt=end)
        .exclude(state=AppealState.CANCELLED)
        .values("reporter_id")
        .annotate(n=Count("id"))
        .values_list("reporter_id", "n")
    )
    out = []
    for m in members:
        h, n = hours.get(m.id, (0.0, 0))
        no_login = "" if m.user_id else _("未关联账号，无法关联领单与上报记录")
        w = wishes.get(m.user_id, 0) if m.user_id else 0
        z = in_zone.get(m.id, 0)
        a = reported.get(m.user_id, 0) if m.user_id else 0
        out.append(
            (
                m,
                {
                    "wishes": Raw(w, w, no_login or _("领办并完成 %(n)d 个微心愿") % {"n": w}),
                    "hours": Raw(h, n, _("%(n)d 次活动，确认时长 %(h).1f 小时") % {"n": n, "h": h}),
                    "zone": Raw(
                        z,
                        z,
                        _("%(z)d 个责任区内完成 %(n)d 项服务") % {"z": len(zones.get(m.id, ())), "n": z}
                        if zones.get(m.id)
                        else _("未设责任区"),
                    ),
                    "appeals": Raw(a, a, no_login or _("上报 %(n)d 件诉求") % {"n": a}),
                },
            )
        )
    return out


def _grid(field: str) -> Substr:
    return Substr(field, 1, GRID_LENGTH)


def _rate(num: int, den: int) -> float | None:
    return num / den if den else None


def grid_facts(*, street: str, starts_on: dt.date, ends_on: dt.date) -> list[tuple[Area, dict[str, Raw]]]:
    """Every grid of the street with the facts of the five factors (one grouped query per source)."""
    start, end = _bounds(starts_on, ends_on)
    grids = list(Area.objects.filter(code_range_q(street), level="grid").order_by("code"))
    appeals = {
        r["g"]: r
        for r in Appeal.objects.filter(code_range_q(street, "area_code"), created_at__gte=start, created_at__lt=end)
        .exclude(state=AppealState.CANCELLED)
        .annotate(g=_grid("area_code"))
        .values("g")
        .annotate(
            accepted=Count("id", filter=Q(responded_on_time__isnull=False)),
            responded=Count("id", filter=Q(responded_on_time=True)),
            closed=Count("id", filter=Q(closed_on_time__isnull=False)),
            on_time=Count("id", filter=Q(closed_on_time=True)),
            rated=Sum("ratings_total"),
            satisfied=Sum("ratings_satisfied"),
        )
    }
    inspections = {
        r["g"]: r
        for r in Inspection.objects.filter(code_range_q(street, "area_code"), done_at__gte=start, done_at__lt=end)
        .annotate(g=_grid("area_code"))
        .values("g")
        .annotate(n=Count("id"), passed=Count("id", filter=Q(failed=0)))
    }
    hours = {
        r["g"]: r
        for r in Attendance.objects.filter(
            code_range_q(street, "activity__area_code"),
            status=AttendanceStatus.CONFIRMED,
            checked_in_at__gte=start,
            checked_in_at__lt=end,
        )
        .annotate(g=_grid("activity__area_code"))
        .values("g")
        .annotate(h=Sum("hours"), n=Count("id"))
    }
    out = []
    empty: dict[str, Any] = {}
    for grid in grids:
        a = appeals.get(grid.code, empty)
        i = inspections.get(grid.code, empty)
        v = hours.get(grid.code, empty)
        accepted, responded = a.get("accepted", 0), a.get("responded", 0)
        closed, on_time = a.get("closed", 0), a.get("on_time", 0)
        rated, satisfied = int(a.get("rated") or 0), int(a.get("satisfied") or 0)
        done, passed = i.get("n", 0), i.get("passed", 0)
        h, n = float(v.get("h") or 0), v.get("n", 0)
        out.append(
            (
                grid,
                {
                    "response": Raw(
                        _rate(responded, accepted),
                        accepted,
                        _("按时签收 %(a)d / 已签收 %(b)d") % {"a": responded, "b": accepted},
                    ),
                    "on_time": Raw(
                        _rate(on_time, closed), closed, _("按期结案 %(a)d / 已结案 %(b)d") % {"a": on_time, "b": closed}
                    ),
                    "satisfaction": Raw(
                        _rate(satisfied, rated), rated, _("满意 %(a)d / 评价 %(b)d") % {"a": satisfied, "b": rated}
                    ),
                    "inspections": Raw(
                        _rate(passed, done), done, _("合格 %(a)d / 巡查 %(b)d") % {"a": passed, "b": done}
                    ),
                    "hours": Raw(h, n, _("%(n)d 人次，确认时长 %(h).1f 小时") % {"n": n, "h": h}),
                },
            )
        )
    return out
