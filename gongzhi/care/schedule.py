"""Visit tasks, computed from the archive (Primero-style) and never stored: due, due within 7 days, overdue.

An archive's next scheduled visit is its last visit (or, never visited, the day it was opened) plus the interval
of its risk level — the community's own interval (VisitSchedule) when it set one, else the level's default. An
event of a trigger list (三必到、六必访) not yet visited makes a visit due by its own date. The task's due date is
the earlier of the two. Everything here reads plain values (no model instances), so a street of 100,000
archives is computed in one query and one pass (bench/care_bench.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.selectors import code_range_q
from gongzhi.care.models import ArchiveStatus, CareArchive, RiskLevel, TriggerEvent, VisitSchedule, VisitTrigger
from gongzhi.core import clock

SOON_DAYS = 7
COMMUNITY_CODE_LENGTH = 12

OVERDUE, DUE, SOON, LATER = "overdue", "due", "soon", "later"
STATUS_LABELS = {OVERDUE: _("已超期"), DUE: _("今日到期"), SOON: _("7天内到期"), LATER: _("未到期")}
_ORDER = {OVERDUE: 0, DUE: 1, SOON: 2, LATER: 3}


@dataclass(frozen=True)
class Task:
    archive_id: int
    area_code: str
    due_on: dt.date
    status: str
    risk_level_id: int
    risk_rank: int
    trigger_event_id: int | None  # the event of a trigger list that made it due, None for the schedule
    trigger_name: str

    @property
    def days_overdue(self) -> int:
        return max(0, (clock.today() - self.due_on).days)

    def urgency(self) -> tuple[int, dt.date, int, int]:
        """Sort key: overdue first, then today, then this week; earlier date, higher risk, then the archive."""
        return (_ORDER[self.status], self.due_on, self.risk_rank, self.archive_id)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


class Rules:
    """The schedule's configuration, read once per computation: levels, community intervals, trigger names."""

    def __init__(self) -> None:
        self.levels = {lvl.pk: lvl for lvl in RiskLevel.objects.all()}
        self.community: dict[tuple[str, int], int] = {
            (code[:COMMUNITY_CODE_LENGTH], level): days
            for code, level, days in VisitSchedule.objects.values_list("area_code", "risk_level_id", "interval_days")
        }
        self.trigger_names = dict(VisitTrigger.objects.values_list("pk", "name"))

    def interval(self, area_code: str, level_id: int) -> int:
        days = self.community.get((area_code[:COMMUNITY_CODE_LENGTH], level_id))
        if days is None:
            days = self.levels[level_id].interval_days
        return days

    def rank(self, level_id: int) -> int:
        return self.levels[level_id].rank


def status_of(due_on: dt.date, today: dt.date) -> str:
    if due_on < today:
        return OVERDUE
    if due_on == today:
        return DUE
    if due_on <= today + dt.timedelta(days=SOON_DAYS):
        return SOON
    return LATER


def _tasks(
    rows: Iterable[tuple[int, str, int, dt.datetime | None, dt.datetime]],
    triggers: dict[int, tuple[dt.date, int, int]],
    today: dt.date,
    config: Rules,
) -> list[Task]:
    tz = timezone.get_current_timezone()
    out = []
    interval = config.interval
    for archive_id, area_code, level_id, last, created in rows:
        base = (last or created).astimezone(tz).date()
        due = base + dt.timedelta(days=interval(area_code, level_id))
        event_id: int | None = None
        name = ""
        trig = triggers.get(archive_id)
        if trig is not None and trig[0] <= due:
            due, event_id = trig[0], trig[1]
            name = config.trigger_names.get(trig[2], "")
        out.append(
            Task(
                archive_id=archive_id,
                area_code=area_code,
                due_on=due,
                status=status_of(due, today),
                risk_level_id=level_id,
                risk_rank=config.rank(level_id),
                trigger_event_id=event_id,
                trigger_name=name,
            )
        )
    return out


def _open_triggers(archive_filter: Q) -> dict[int, tuple[dt.date, int, int]]:
    """The earliest open trigger event of each archive: (due_on, event id, trigger id)."""
    earliest: dict[int, tuple[dt.date, int, int]] = {}
    events = (
        TriggerEvent.objects.filter(visit__isnull=True)
        .filter(archive_filter)
        .values_list("archive_id", "due_on", "pk", "trigger_id")
        .order_by("due_on", "pk")
    )
    for archive_id, due_on, pk, trigger_id in events:
        earliest.setdefault(archive_id, (due_on, pk, trigger_id))
    return earliest


_FIELDS = ("pk", "area_code", "risk_level_id", "last_visited_at", "created_at")


def tasks_for(
    *,
    area_code: str | None = None,
    archive_ids: Iterable[int] | None = None,
    today: dt.date | None = None,
    config: Rules | None = None,
) -> list[Task]:
    """Every active archive of an area's subtree (`area_code`) or of `archive_ids`, with its task, by urgency.

    The open trigger events are read with the same filter on their own table (through the archive for an area),
    never as an IN over a subquery of archives: at 100,000 archives that is one range scan each.
    """
    today = today or clock.today()
    config = config or Rules()
    if (area_code is None) == (archive_ids is None):
        raise TypeError("give area_code or archive_ids")
    if area_code is not None:
        archives = code_range_q(area_code, "area_code")
        events = code_range_q(area_code, "archive__area_code") & Q(archive__status=ArchiveStatus.ACTIVE)
    else:
        ids = list(archive_ids or ())
        if not ids:
            return []
        archives, events = Q(pk__in=ids), Q(archive_id__in=ids)
    rows = CareArchive.objects.filter(archives, status=ArchiveStatus.ACTIVE).values_list(*_FIELDS)
    tasks = _tasks(rows.iterator(chunk_size=5000), _open_triggers(events), today, config)
    tasks.sort(key=Task.urgency)
    return tasks


def tasks_in_area(area_code: str, *, today: dt.date | None = None) -> list[Task]:
    """The due-visit computation of an area (a street, a community …)."""
    return tasks_for(area_code=area_code, today=today)


def summary_in_area(area_code: str, *, today: dt.date | None = None) -> dict[str, int]:
    """The counts of `summary(tasks_in_area(...))` without a row per archive: archives grouped by community, risk
    level and the day of their last visit (or opening) — a few thousand groups for a street of 100,000 archives —
    then the few archives with an open trigger event corrected one by one."""
    from django.db.models import Count
    from django.db.models.functions import Coalesce, Substr, TruncDate

    today = today or clock.today()
    config = Rules()
    active = CareArchive.objects.filter(code_range_q(area_code, "area_code"), status=ArchiveStatus.ACTIVE)
    counts: dict[str, int] = defaultdict(int)
    groups = (
        active.annotate(
            community=Substr("area_code", 1, COMMUNITY_CODE_LENGTH),
            base=TruncDate(Coalesce("last_visited_at", "created_at")),
        )
        .values_list("community", "risk_level_id", "base")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for community, level_id, base, n in groups:
        due = base + dt.timedelta(days=config.interval(community, level_id))
        counts[status_of(due, today)] += n
    triggers = _open_triggers(code_range_q(area_code, "archive__area_code") & Q(archive__status=ArchiveStatus.ACTIVE))
    if triggers:
        rows = active.filter(pk__in=list(triggers)).values_list(*_FIELDS)
        for archive_id, code, level_id, last, created in rows:
            base = timezone.localdate(last or created)
            scheduled = base + dt.timedelta(days=config.interval(code, level_id))
            due = min(scheduled, triggers[archive_id][0])
            counts[status_of(scheduled, today)] -= 1
            counts[status_of(due, today)] += 1
    return {key: counts.get(key, 0) for key in (OVERDUE, DUE, SOON, LATER)}


def summary(tasks: Iterable[Task]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for task in tasks:
        counts[task.status] += 1
    return {key: counts.get(key, 0) for key in (OVERDUE, DUE, SOON, LATER)}


def tasks_of_carer(user_id: int, *, today: dt.date | None = None) -> list[Task]:
    """A carer's phone list: the archives they are assigned to that are due within 7 days or overdue, by urgency."""
    ids = Q(carers__user_id=user_id, carers__ended_on__isnull=True)
    archive_ids = list(CareArchive.objects.filter(ids, status=ArchiveStatus.ACTIVE).values_list("pk", flat=True))
    if not archive_ids:
        return []
    return [t for t in tasks_for(archive_ids=archive_ids, today=today) if t.status != LATER]
