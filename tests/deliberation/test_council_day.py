"""The council day: the 15th, or the next working day by the core calendar (holidays, weekends, make-up days);
2027 comes from the stored holiday table (chinese-calendar has no 2027 data)."""

import datetime as dt

import pytest

from gongzhi.core import fsm
from gongzhi.core.calendar_actions import calendar_days_set
from gongzhi.core.errors import Conflict, PermissionDenied
from gongzhi.deliberation.actions.meetings import council_day_create
from gongzhi.deliberation.actions.topics import topic_raise
from gongzhi.deliberation.lifecycles import TOPIC
from gongzhi.deliberation.models import TopicState
from gongzhi.deliberation.selectors import council_date
from tests.conftest import COMMUNITY_A, MICRO_A


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2026, 4, dt.date(2026, 4, 15)),  # a Wednesday
        (2026, 3, dt.date(2026, 3, 16)),  # Sunday the 15th → Monday
        (2026, 8, dt.date(2026, 8, 17)),  # Saturday → Monday
        (2026, 2, dt.date(2026, 2, 24)),  # Spring Festival holiday 15–23 February → Tuesday the 24th
    ],
)
def test_the_fifteenth_or_the_next_working_day_in_2026(db, year, month, expected):
    assert council_date(year, month) == expected


def test_2027_comes_from_the_stored_holiday_table(db):
    # Monday 2027-02-15 falls in the Spring Festival break once the State Council notice is entered.
    assert council_date(2027, 2) == dt.date(2027, 2, 15)  # without the table: Monday–Friday
    calendar_days_set(actor=None, days=[dt.date(2027, 2, d) for d in range(15, 18)], is_workday=False, name="春节")
    assert council_date(2027, 2) == dt.date(2027, 2, 18)


def test_a_make_up_workday_on_a_weekend_keeps_the_fifteenth(db):
    assert council_date(2027, 5) == dt.date(2027, 5, 17)  # Saturday 15 May 2027 → Monday
    calendar_days_set(actor=None, days=[dt.date(2027, 5, 15)], is_workday=True, name="调休上班")
    assert council_date(2027, 5) == dt.date(2027, 5, 15)


def test_a_community_may_set_another_day(db):
    assert council_date(2026, 4, 10) == dt.date(2026, 4, 10)  # a Friday
    assert council_date(2026, 4, 11) == dt.date(2026, 4, 13)  # Saturday → Monday


def test_the_council_day_creates_the_meeting_and_proposes_its_agenda(district, areas):
    worker = district["community_worker_a"]
    raised = [topic_raise(actor=district["resident_a"], title=f"议题{i}", area_code=MICRO_A) for i in range(3)]
    for t in raised[:2]:
        fsm.transition(TOPIC, t.pk, "accept", actor=worker)
    meeting = council_day_create(actor=worker, community_code=COMMUNITY_A, year=2026, month=3)
    assert meeting.council_date == dt.date(2026, 3, 16) and meeting.kind == "compound_council"
    agenda = list(meeting.agenda.order_by("position"))
    assert [a.topic_id for a in agenda] == [raised[0].pk, raised[1].pk]
    assert all(a.duration_minutes == 15 for a in agenda)
    raised[0].refresh_from_db()
    assert raised[0].state == TopicState.SCHEDULED
    with pytest.raises(Conflict):
        council_day_create(actor=worker, community_code=COMMUNITY_A, year=2026, month=3)


def test_only_the_community_staff_create_its_council_day(district):
    with pytest.raises(PermissionDenied):
        council_day_create(actor=district["community_worker_b"], community_code=COMMUNITY_A, year=2026, month=3)
