"""A hand-computed month of appeals for the measures tests (rows written directly, consistent with the models).

Period: March 2026 [2026-03-01, 2026-04-01), read on 2026-04-10. Street 370211001 has community A (4 households)
and community B (2 households). The expected figures are worked out by hand next to each row.
"""

import datetime as dt
import itertools

from django.utils import timezone

from gongzhi.appeals import measure_facts
from gongzhi.appeals.models import Appeal, AppealEvent, Summons
from tests import factories
from tests.conftest import MICRO_A, MICRO_B
from tests.factories import DepartmentFactory

NOW = timezone.make_aware(dt.datetime(2026, 4, 10, 12, 0))
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 4, 1))
OTHER_MICRO = "37021100200100101"
_numbers = itertools.count(1)


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


def appeal(area, created: dt.datetime, *, state: str = "registered", **fields) -> Appeal:
    fields.setdefault("policy_snapshot", {"arrival_minutes": 7, "days": {"minor": 1}, "day_unit": "natural"})
    return Appeal.objects.create(
        number=f"TM{next(_numbers):06d}",
        description="测试诉求",
        channel="resident_web",
        area=area,
        area_code=area.code,
        state=state,
        created_at=created,
        updated_at=created,
        **fields,
    )


def event(appeal_row: Appeal, action: str, when: dt.datetime, **data) -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal_row, action=action, from_state="", to_state=appeal_row.state, data=data, occurred_at=when
    )


def build_march(areas) -> dict:
    """Rows of the example; returns them by name."""
    a, b, other = areas[MICRO_A], areas[MICRO_B], areas[OTHER_MICRO]
    rows: dict = {}
    for i in range(4):
        factories.HouseholdFactory(area=a, number=f"MA-{i}")
    for i in range(2):
        factories.HouseholdFactory(area=b, number=f"MB-{i}")

    # Community A ------------------------------------------------------------------------------------------------
    # a1: responded in time (09:05 ≤ arrive_by 09:07), due 3-03, closed on time, rated 满意.
    rows["a1"] = appeal(
        a,
        at(3, 2, 9),
        state="rated",
        dispatched_at=at(3, 2, 9),
        arrive_by=at(3, 2, 9, 7),
        accepted_at=at(3, 2, 9, 5),
        due_at=at(3, 3, 9, 5),
        closed_at=at(3, 3, 8),
        closed_on_time=True,
        rating="satisfied",
    )
    event(rows["a1"], "rate", at(3, 3, 10), rating="satisfied")
    # a2: no arrive_by (not on site): limit = dispatch + 7 min = 10:07, accepted 10:20 → late. Rated 不满意 (reopened,
    # rework 1), then closed late on 3-09 and rated 基本满意.
    rows["a2"] = appeal(
        a,
        at(3, 5, 10),
        state="rated",
        dispatched_at=at(3, 5, 10),
        accepted_at=at(3, 5, 10, 20),
        due_at=at(3, 8, 10, 20),
        closed_at=at(3, 9, 10),
        closed_on_time=False,
        rework_count=1,
        rating="basically",
    )
    event(rows["a2"], "rate", at(3, 7, 10), rating="unsatisfied")
    event(rows["a2"], "reopen", at(3, 7, 10))
    event(rows["a2"], "rate", at(3, 10, 10), rating="basically")
    # a3: its category allows 30 minutes: accepted after 20 → in time. Suspended since 3-12 with due 3-13 → 缓办.
    rows["a3"] = appeal(
        a,
        at(3, 10, 8),
        state="suspended",
        suspended_from="accepted",
        policy_snapshot={"arrival_minutes": 30, "days": {"minor": 1}, "day_unit": "natural"},
        dispatched_at=at(3, 10, 8),
        accepted_at=at(3, 10, 8, 20),
        due_at=at(3, 13, 8, 20),
        paused_at=at(3, 12, 8),
    )
    # a4: registered, never dispatched.
    rows["a4"] = appeal(a, at(3, 20, 15), state="registered")
    # a5: cancelled → counts nowhere.
    rows["a5"] = appeal(a, at(3, 3, 11), state="cancelled")
    # a6: received in February; an extension approved on 3-15 moved its deadline to 4-05 → due and 缓办 in March.
    rows["a6"] = appeal(
        a,
        at(2, 20, 9),
        state="accepted",
        dispatched_at=at(2, 20, 9),
        accepted_at=at(2, 20, 9, 3),
        due_at=at(4, 5, 9),
    )
    event(
        rows["a6"], "extend", at(3, 15, 9), old_due_at="2026-03-16T09:00:00+08:00", due_at="2026-04-05T09:00:00+08:00"
    )
    # a7: received in February, due 3-05, closed on time on 3-04.
    rows["a7"] = appeal(
        a,
        at(2, 25, 9),
        state="closed",
        dispatched_at=at(2, 25, 9),
        accepted_at=at(2, 25, 9, 1),
        due_at=at(3, 5, 9),
        closed_at=at(3, 4, 9),
        closed_on_time=True,
    )

    # Community B ------------------------------------------------------------------------------------------------
    # b1: accepted in time, due 3-16, still on site → due, not closed on time.
    rows["b1"] = appeal(
        b,
        at(3, 15, 9),
        state="on_site",
        dispatched_at=at(3, 15, 9),
        arrive_by=at(3, 15, 9, 7),
        accepted_at=at(3, 15, 9, 2),
        arrived_at=at(3, 15, 9, 6),
        due_at=at(3, 16, 9, 2),
    )
    # b2: dispatched, never accepted.
    rows["b2"] = appeal(b, at(3, 16, 9), state="dispatched", dispatched_at=at(3, 16, 9), arrive_by=at(3, 16, 9, 7))
    # Eight appeals in the previous period [01-29, 03-01).
    for day in range(1, 9):
        appeal(b, at(2, day + 1, 9), state="registered")

    # Elsewhere: another street's appeal never counts.
    appeal(other, at(3, 5, 9), state="registered")

    # Summons: a1's department on time; b1's first late, its second never reported (deadline passed).
    dept1 = DepartmentFactory(code="d-housing", name="住建", kind="政府部门")
    dept2 = DepartmentFactory(code="d-police", name="派出所", kind="政府部门")
    Summons.objects.create(
        appeal=rows["a1"],
        department=dept1,
        area_code=a.code,
        summoned_at=at(3, 2, 9, 30),
        report_by=at(3, 2, 10),
        reported_at=at(3, 2, 9, 50),
        state="reported_in",
    )
    Summons.objects.create(
        appeal=rows["b1"],
        department=dept1,
        area_code=b.code,
        summoned_at=at(3, 15, 10),
        report_by=at(3, 15, 10, 30),
        reported_at=at(3, 15, 11),
        late=True,
        state="reported_in",
    )
    Summons.objects.create(
        appeal=rows["b1"], department=dept2, area_code=b.code, summoned_at=at(3, 15, 10), report_by=at(3, 15, 10, 30)
    )
    # The rows were written directly: derive the facts the workflow keeps from them and their events, as the
    # migration that added those facts does.
    measure_facts.backfill(Appeal, AppealEvent)
    for row in rows.values():
        row.refresh_from_db()
    return rows
