"""Measures of appeals per area and period (SPEC §3): reads only, a handful of aggregate queries per call.

For an area (its whole subtree, as a range on `area_code`) and a period [start, end) of local dates:

- **Received (受理数)**: appeals created in the period, not cancelled. The cohort measures below are about these
  appeals, judged by their state when the measures are read (a past month's closure rate rises as its late cases
  close).
- **Response rate (响应率)** = responded in time ÷ dispatched. Dispatched: received appeals that have been
  dispatched. In time: accepted (签收) no later than the arrival limit: the `arrive_by` set at dispatch for on-site
  categories, else the latest dispatch plus the `arrival_minutes` of the appeal's policy snapshot (7 by default).
  Acceptance is the first step towards arriving, so the 7-minute arrival limit is also the acceptance limit.
- **On-time closure rate (按期结案率)** = 按期结案数 ÷ (应结案数 − 缓办数), as SPEC §3 writes it.
  应结案 (due): appeals whose deadline `due_at` falls in the period and before now (a running period counts only
  what is already due), plus appeals whose deadline an extension approved in the period carried past its end.
  缓办 (deferred): of those, the appeals suspended at the end of the period (suspended now, since before the end)
  and the ones carried past the end by an extension. 按期结案: due appeals closed by their deadline.
- **Closure rate (办结率)** = received appeals now closed ÷ received.
- **Satisfaction rate (满意率)** = (满意 + 基本满意) ÷ ratings given on received appeals. Counted from every rating
  event (kept on the appeal as `ratings_total`/`ratings_satisfied`), since an unsatisfied rating reopens the appeal
  and is cleared from it.
- **Rework rate (返工率)** = received appeals reworked at least once (failed verification or unsatisfied rating) ÷
  received appeals closed or reworked.
- **Summons (吹哨)**: departments summoned in the period; **report-in punctuality (报到及时率)** = reported in by the
  deadline ÷ summons whose deadline has passed or that have reported in.
- **Complaints per 1,000 households (千户投诉率)** = received ÷ households in the subtree (today's register) × 1000,
  and its change against the previous period of the same length.

A ratio with nothing to divide by is None (shown as "—"), never 0.

Speed: the per-appeal facts that would need the event log or a JSON policy (responded in time, ratings, last
extension) are kept on the appeal row by the workflow (measure_facts), and each aggregate is one index range over
the period, so a street's month over a million appeals reads only its own rows (docs/benchmarks.md, issue 3 (d)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.appeals.models import Appeal, AppealEvent, State, Summons
from gongzhi.areas.models import Area
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.people.models import Household

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

VIEW_RULE = "appeals.view"
MAX_PERIOD_DAYS = 366 * 3

COUNT_FIELDS = (
    "received",
    "dispatched",
    "responded",
    "closed",
    "reworked",
    "rework_base",
    "due",
    "closed_on_time",
    "suspended",
    "extended",
    "rated",
    "satisfied",
    "summons",
    "summons_due",
    "summons_on_time",
    "households",
)

# The measures a league table may be sorted by, with their labels; "higher is better" is False for the rates
# where less is better.
MEASURES: dict[str, tuple[Any, bool]] = {
    "response_rate": (gettext_lazy("响应率"), True),
    "on_time_rate": (gettext_lazy("按期结案率"), True),
    "closure_rate": (gettext_lazy("办结率"), True),
    "satisfaction_rate": (gettext_lazy("满意率"), True),
    "rework_rate": (gettext_lazy("返工率"), False),
    "summons_punctuality": (gettext_lazy("报到及时率"), True),
    "complaints_per_1000": (gettext_lazy("千户投诉率"), False),
    "received": (gettext_lazy("受理数"), False),
}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        return Period(self.start - dt.timedelta(days=self.days), self.start)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return _midnight(self.start), _midnight(self.end)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _date(value: Any, *, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(
            _("%(field)s 必须是日期（YYYY-MM-DD）：%(value)s") % {"field": field, "value": value}, field=field
        ) from None


def period_parse(start: Any = None, end: Any = None) -> Period:
    """The period [from, to) from request values; the current month when both are missing."""
    first = _date(start, field="from")
    last = _date(end, field="to")
    if first is None and last is None:
        today = clock.today()
        first = today.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1)
    elif first is None:
        raise ValidationFailed(_("请同时给出开始日期 from"), field="from")
    elif last is None:
        raise ValidationFailed(_("请同时给出结束日期 to"), field="to")
    if last <= first:
        raise ValidationFailed(_("结束日期 to 必须晚于开始日期 from"), field="to")
    if (last - first).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(
            _("统计周期最长 %(days)d 天") % {"days": MAX_PERIOD_DAYS},
            field="to",
        )
    return Period(first, last)


def measures_area(*, user: User, code: str | None) -> Area:
    """The area to measure: the one asked for when the user holds appeals.view over it, else their widest one."""
    if not code:
        tops = rules.scope_codes(user, VIEW_RULE)
        if not tops:
            raise PermissionDenied(_("您没有权限查看诉求考核指标"), field="area")
        if tops[0] == "":
            area = Area.objects.filter(parent__isnull=True).order_by("code").first()
        else:
            area = Area.objects.filter(code=tops[0]).first()
        if area is None:
            raise NotFound(_("还没有任何区域"), field="area")
        return area
    code = str(code).strip()
    if not code.isdigit():
        raise ValidationFailed(_("区域编码只能是数字：%(code)s") % {"code": code}, field="area")
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise NotFound(_("区域编码 %(code)s 不存在") % {"code": code}, field="area")
    if not rules.allows(user, VIEW_RULE, area.code):
        raise PermissionDenied(
            _("您没有权限查看该区域的诉求考核指标"), field="area", details={"rule": VIEW_RULE, "area": area.code}
        )
    return area


# ---------------------------------------------------------------------------------------------------------------
# Aggregates


def _grouped(rows: Iterable[dict[str, Any]], out: dict[str, dict[str, int]], key_length: int) -> None:
    """Add rows grouped by area code into the buckets of their codes cut to `key_length`."""
    for row in rows:
        key = row.pop("area_code")[:key_length]
        bucket = out.setdefault(key, dict.fromkeys(COUNT_FIELDS, 0))
        for name, value in row.items():
            bucket[name] += value or 0


WEEK_FIELDS = ("received", "dispatched", "responded", "closed")


def _cohort_counts() -> dict[str, Any]:
    return {
        "received": Count("created_at"),
        "dispatched": Count("created_at", filter=Q(dispatched_at__isnull=False)),
        "responded": Count("created_at", filter=Q(responded_on_time=True)),
        "closed": Count("created_at", filter=Q(closed_at__isnull=False)),
    }


def _weeks_of(period: Period) -> list[dt.datetime]:
    """The Mondays (local midnight) of the weeks the period touches."""
    monday = period.start - dt.timedelta(days=period.start.weekday())
    return [_midnight(monday + dt.timedelta(days=7 * i)) for i in range((period.end - monday).days // 7 + 1)]


def _union(parts: list[Any]) -> list[dict[str, Any]]:
    """Rows of grouped querysets read in one statement (UNION ALL): one round trip, and PostgreSQL may read the
    ranges in parallel (Parallel Append). Each part tags its rows with `part`."""
    if not parts:
        return []
    if len(parts) == 1:
        return list(parts[0])
    return list(parts[0].union(*parts[1:], all=True))


def counts_by_child(
    *,
    area: Area,
    period: Period,
    key_length: int,
    now: dt.datetime,
    weeks: dict[Any, dict[str, int]] | None = None,
) -> dict[str, dict[str, int]]:
    """Raw counts per subtree bucket (area codes cut to `key_length`) for one period (see counts_by_periods)."""
    return counts_by_periods(area=area, periods=[period], key_length=key_length, now=now, weeks=weeks)[0]


def counts_by_periods(
    *,
    area: Area,
    periods: list[Period],
    key_length: int,
    now: dt.datetime,
    weeks: dict[Any, dict[str, int]] | None = None,
) -> list[dict[str, dict[str, int]]]:
    """Raw counts per subtree bucket (area codes cut to `key_length`) for each period, in four statements.

    With `weeks`, the first period's received cohort is also counted per week (Monday-based, by local date) into it:
    that cohort is read week by week (one index range each, no per-row week arithmetic); the counts add up.

    Each range reads an index made for it (appeal_measures_cohort, _due, _extended; covering on PostgreSQL) and the
    per-appeal facts the workflow keeps on the row (measure_facts), not the event log. Rows are counted by the
    range's own (non-null) column, not the id, and grouped by the area code itself (cut here), so PostgreSQL reads
    the index alone and computes nothing per row. The ranges of one kind go in one statement (_union).
    """
    inside = code_range_q(area.code, "area_code")
    outs: list[dict[str, dict[str, int]]] = [{} for _ in periods]
    live = Appeal.objects.exclude(state=State.CANCELLED)
    bounds = [period.bounds() for period in periods]

    ranges: list[tuple[int, Any, dt.datetime, dt.datetime]] = []  # period index, week, from, to
    for index, (period, (start, end)) in enumerate(zip(periods, bounds, strict=True)):
        if index == 0 and weeks is not None:
            ranges += [(0, m.date(), max(start, m), min(end, m + dt.timedelta(days=7))) for m in _weeks_of(period)]
        else:
            ranges.append((index, None, start, end))
    rows = _union(
        [
            live.filter(inside, created_at__gte=low, created_at__lt=high)
            .values("area_code")
            .annotate(
                **_cohort_counts(),
                reworked=Count("created_at", filter=Q(rework_count__gt=0)),
                rework_base=Count("created_at", filter=Q(closed_at__isnull=False) | Q(rework_count__gt=0)),
                # Every rating given, the unsatisfied ones that reopened the appeal included.
                rated=Sum("ratings_total"),
                satisfied=Sum("ratings_satisfied"),
                part=Value(n),
            )
            .order_by()
            for n, (_index, _week, low, high) in enumerate(ranges)
            if low < high
        ]
    )
    for row in rows:
        index, week = ranges[row.pop("part")][:2]
        if week is not None and weeks is not None:
            totals = weeks.setdefault(week, dict.fromkeys(WEEK_FIELDS, 0))
            for name in WEEK_FIELDS:
                totals[name] += row[name]
        _grouped([row], outs[index], key_length)

    # 应结案 due in the period (and already due), with those of them suspended at its end (缓办).
    parts: list[QuerySet[Any, Any]] = []
    for n, (start, end) in enumerate(bounds):
        due_until = min(end, max(start, now))
        parts.append(
            live.filter(inside, due_at__gte=start, due_at__lt=due_until)
            .values("area_code")
            .annotate(
                due=Count("due_at"),
                closed_on_time=Count("due_at", filter=Q(closed_on_time=True)),
                suspended=Count("due_at", filter=Q(state=State.SUSPENDED, paused_at__lt=end)),
                part=Value(n),
            )
            .order_by()
        )
    _grouped_parts(_union(parts), outs, key_length)
    # 应结案 and 缓办 as well: carried past the end by an extension approved in the period. Such an appeal's last
    # extension came in the period or later, so the event probe runs only for the few extended since its start.
    parts = []
    for n, (start, end) in enumerate(bounds):
        extended_in_period = Exists(
            AppealEvent.objects.filter(
                appeal=OuterRef("pk"), action="extend", occurred_at__gte=start, occurred_at__lt=end
            )
        )
        parts.append(
            live.filter(inside, extended_at__gte=start, due_at__gte=end)
            .filter(extended_in_period)
            .values("area_code")
            .annotate(extended=Count("pk"), part=Value(n))
            .order_by()
        )
    _grouped_parts(_union(parts), outs, key_length)
    parts = [
        Summons.objects.filter(inside, summoned_at__gte=start, summoned_at__lt=end)
        .values("area_code")
        .annotate(
            summons=Count("pk"),
            summons_due=Count("pk", filter=Q(reported_at__isnull=False) | Q(report_by__lte=now)),
            summons_on_time=Count("pk", filter=Q(reported_at__isnull=False, reported_at__lte=F("report_by"))),
            part=Value(n),
        )
        .order_by()
        for n, (start, end) in enumerate(bounds)
    ]
    _grouped_parts(_union(parts), outs, key_length)
    return outs


def _grouped_parts(rows: list[dict[str, Any]], outs: list[dict[str, dict[str, int]]], key_length: int) -> None:
    for row in rows:
        _grouped([row], outs[row.pop("part")], key_length)


def households_by_child(*, area: Area, key_length: int) -> dict[str, int]:
    """Households per bucket, from today's register (the same for both periods)."""
    rows = (
        Household.objects.filter(code_range_q(area.code, "area_code"))
        .values("area_code")
        .annotate(n=Count("area_code"))
        .order_by()
    )
    out: dict[str, int] = {}
    for row in rows:
        key = row["area_code"][:key_length]
        out[key] = out.get(key, 0) + row["n"]
    return out


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def rates(counts: dict[str, int]) -> dict[str, Any]:
    """The measures from raw counts (sums of counts stay exact, so a parent is the sum of its buckets)."""
    c = counts
    due_total = c["due"] + c["extended"]
    deferred = c["suspended"] + c["extended"]
    return {
        **c,
        "due_total": due_total,
        "deferred": deferred,
        "response_rate": _ratio(c["responded"], c["dispatched"]),
        "on_time_rate": _ratio(c["closed_on_time"], due_total - deferred),
        "closure_rate": _ratio(c["closed"], c["received"]),
        "satisfaction_rate": _ratio(c["satisfied"], c["rated"]),
        "rework_rate": _ratio(c["reworked"], c["rework_base"]),
        "summons_punctuality": _ratio(c["summons_on_time"], c["summons_due"]),
        "complaints_per_1000": _ratio(c["received"] * 1000, c["households"]),
    }


def _sum(buckets: Iterable[dict[str, int]]) -> dict[str, int]:
    total = dict.fromkeys(COUNT_FIELDS, 0)
    for bucket in buckets:
        for name in COUNT_FIELDS:
            total[name] += bucket[name]
    return total


def change(current: float | None, previous: float | None) -> float | None:
    """Relative change (−0.61 is "down 61%"); None when there is nothing to compare with."""
    if current is None or not previous:
        return None
    return (current - previous) / previous


def _child_level_length(area: Area) -> int:
    child = Area.objects.filter(parent=area).values_list("code", flat=True).first()
    return len(child) if child else len(area.code)


def trend_rows(weeks: dict[Any, dict[str, int]]) -> list[dict[str, Any]]:
    """Received, closure and response rates of the appeals received in each week of the period, from the weekly
    counts of counts_by_child."""
    out = []
    for week, row in sorted(weeks.items()):
        week_date = timezone.localtime(week).date() if isinstance(week, dt.datetime) else week
        out.append(
            {
                "week": week_date,
                "received": row["received"],
                "closed": row["closed"],
                "closure_rate": _ratio(row["closed"], row["received"]),
                "response_rate": _ratio(row["responded"], row["dispatched"]),
            }
        )
    return out


def measures_for(*, area: Area, period: Period, sort: str = "", include_trend: bool = True) -> dict[str, Any]:
    """The measures of an area, of each child area (the league table) and of the previous period of equal length."""
    now = clock.now()
    key_length = _child_level_length(area)
    previous_period = period.previous()
    weeks: dict[Any, dict[str, int]] | None = {} if include_trend else None
    current, previous = counts_by_periods(
        area=area, periods=[period, previous_period], key_length=key_length, now=now, weeks=weeks
    )
    for key, n in households_by_child(area=area, key_length=key_length).items():
        for buckets in (current, previous):
            buckets.setdefault(key, dict.fromkeys(COUNT_FIELDS, 0))["households"] = n
    empty = dict.fromkeys(COUNT_FIELDS, 0)

    total = rates(_sum(current.values()))
    total_previous = rates(_sum(previous.values()))
    children = []
    if key_length > len(area.code):
        for child in Area.objects.filter(parent=area).order_by("code").only("code", "name", "level"):
            row = rates(current.get(child.code, empty))
            before = rates(previous.get(child.code, empty))
            row.update(
                code=child.code,
                name=child.name,
                level=child.level,
                previous_complaints_per_1000=before["complaints_per_1000"],
                complaints_change=change(row["complaints_per_1000"], before["complaints_per_1000"]),
            )
            children.append(row)
    children = sort_children(children, sort)
    return {
        "area": area,
        "period": period,
        "previous_period": previous_period,
        "total": total,
        "previous": total_previous,
        "changes": {
            name: change(total[name], total_previous[name])
            for name in ("complaints_per_1000", "received", "response_rate", "on_time_rate", "satisfaction_rate")
        },
        "children": children,
        "trend": trend_rows(weeks) if weeks is not None else [],
        "sort": sort if sort in MEASURES else "",
    }


def sort_children(children: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Best first by the chosen measure; areas without a value go last, ties by code."""
    if sort not in MEASURES:
        return children
    _label, higher_better = MEASURES[sort]
    valued = [c for c in children if c[sort] is not None]
    missing = [c for c in children if c[sort] is None]
    valued.sort(key=lambda c: (-c[sort] if higher_better else c[sort], c["code"]))
    return valued + missing


def sort_parse(value: Any) -> str:
    if value in (None, ""):
        return ""
    if value not in MEASURES:
        raise ValidationFailed(
            _("排序指标只能是：%(names)s") % {"names": "、".join(MEASURES)},
            field="sort",
        )
    return str(value)
