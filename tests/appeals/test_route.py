"""The micro-grid's on-duty worker: the plain SQL that intake asks (`workflow._on_duty_sql`) picks the worker the
ORM query over the same models would pick, in every case that decides it."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.appeals.models import Appeal, Level
from gongzhi.appeals.workflow import route
from gongzhi.people.models import AssignmentKind, GridAssignment
from tests.factories import GridAssignmentFactory, UserFactory, build_area_tree

pytestmark = pytest.mark.django_db

MICRO = "37021100100100101"
NEXT_DOOR = "37021100100100102"


def orm_on_duty(code: str):
    found = (
        GridAssignment.objects.filter(
            ended_on__isnull=True, user__is_active=True, area_code=code, kind=AssignmentKind.MICROGRID, on_duty=True
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    return found.user if found is not None else None


CASES = {
    "nobody": [],
    "one on duty": [{"on_duty": True}],
    "off duty only": [{"on_duty": False}],
    "ended": [{"on_duty": True, "ended_on": dt.date(2026, 1, 1)}],
    "inactive user": [{"on_duty": True, "user_active": False}],
    "another kind": [{"on_duty": True, "kind": AssignmentKind.FULL_TIME}],
    "two on duty, the first wins": [{"on_duty": True}, {"on_duty": True}],
    "ended first, live second": [{"on_duty": True, "ended_on": dt.date(2026, 1, 1)}, {"on_duty": True}],
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_sql_picks_the_worker_the_orm_picks(case: str) -> None:
    tree = build_area_tree()
    micro = tree[MICRO]
    # On duty next door: never the answer here.
    GridAssignmentFactory(area=tree[NEXT_DOOR], kind=AssignmentKind.MICROGRID, on_duty=True)
    for spec in CASES[case]:
        spec = dict(spec)
        active = spec.pop("user_active", True)
        kind = spec.pop("kind", AssignmentKind.MICROGRID)
        GridAssignmentFactory(area=micro, kind=kind, user=UserFactory(is_active=active), **spec)
    appeal = Appeal(area_code=MICRO, handling_level=Level.MICROGRID)
    # With no on-duty worker route falls through to the grid, which has no owner and nobody on duty here.
    expected = orm_on_duty(MICRO)
    assert route(appeal, Level.MICROGRID) == expected
    assert (expected is not None) == (case in SOMEONE_ON_DUTY)


SOMEONE_ON_DUTY = {"one on duty", "two on duty, the first wins", "ended first, live second"}
