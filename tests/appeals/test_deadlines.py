"""The 7135 clock: arrival within 7 minutes, 1/3/5 days per tier, working days, suspension and extension."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from gongzhi.appeals.actions import appeal_transition
from gongzhi.appeals.models import Appeal
from gongzhi.core.models import CalendarDay
from tests.appeals.conftest import T0

pytestmark = pytest.mark.django_db


def move(appeal, persona, action, district, **data):
    return appeal_transition(actor=district[persona], appeal=appeal.pk, action=action, **data)


@pytest.mark.parametrize(
    ("category", "tier", "level", "days", "worker"),
    [
        ("litter", "minor", "microgrid", 1, "microgrid_worker_a"),
        ("leak", "major", "grid", 3, "grid_worker_a"),
        ("structure", "hard", "street", 5, "street_staff"),
    ],
)
def test_each_tier_gets_its_days_from_acceptance_at_its_level(submit, duty, category, tier, level, days, worker):
    with time_machine.travel(T0, tick=False) as traveller:
        appeal = submit(category=category)
        assert (appeal.tier, appeal.handling_level) == (tier, level)
        traveller.shift(dt.timedelta(minutes=3))
        appeal = move(appeal, worker, "accept", duty)
    assert appeal.accepted_at == T0 + dt.timedelta(minutes=3)
    # The clock starts at acceptance, not at submission.
    assert appeal.due_at == T0 + dt.timedelta(minutes=3) + dt.timedelta(days=days)
    assert appeal.policy_snapshot["days"][tier] == days
    assert appeal.policy_snapshot["category"] == appeal.category.code


def test_minor_goes_to_the_on_duty_micro_grid_worker_and_major_to_the_grid_owner(submit, duty):
    with time_machine.travel(T0, tick=False):
        assert submit(category="litter").assignee == duty["microgrid_worker_a"]
        assert submit(category="leak").assignee == duty["grid_worker_a"]
        # The street loop has no single worker: the appeal waits on the street's dispatch board.
        assert submit(category="structure").assignee is None


def test_arrival_within_seven_minutes_is_on_time_and_later_is_flagged(submit, duty):
    with time_machine.travel(T0, tick=False) as traveller:
        early, late = submit(), submit()
        assert early.arrive_by == T0 + dt.timedelta(minutes=7)
        for appeal in (early, late):
            move(appeal, "microgrid_worker_a", "accept", duty)
        traveller.shift(dt.timedelta(minutes=6, seconds=59))
        move(early, "microgrid_worker_a", "arrive", duty)
        traveller.shift(dt.timedelta(seconds=2))
        move(late, "microgrid_worker_a", "arrive", duty)
    assert early.events.get(action="arrive").data["late"] is False
    assert late.events.get(action="arrive").data["late"] is True
    assert Appeal.objects.get(pk=late.pk).state == "on_site"


def test_a_category_handled_without_a_visit_has_no_arrival_deadline(submit, duty):
    with time_machine.travel(T0, tick=False):
        assert submit(category="noise").arrive_by is None


def test_category_overrides_win_over_the_deployment_policy(submit, duty, categories):
    categories["litter"].policy_overrides = {"days": {"minor": 2}, "arrival_minutes": 15}
    categories["litter"].save()
    with time_machine.travel(T0, tick=False):
        appeal = submit()
        appeal = move(appeal, "microgrid_worker_a", "accept", duty)
    assert appeal.arrive_by == T0 + dt.timedelta(minutes=15)
    assert appeal.due_at == T0 + dt.timedelta(days=2)


@override_settings(APPEALS_POLICY={"day_unit": "workday", "days": {"major": 3}})
def test_working_days_skip_weekends_and_holidays_and_count_make_up_days(submit, duty):
    friday = T0 + dt.timedelta(days=4)  # 2026-03-20, Friday 09:00
    # Staff enter Monday as a holiday and the following Saturday as a make-up workday.
    CalendarDay.objects.create(date=dt.date(2026, 3, 23), is_workday=False, name="测试假日")
    CalendarDay.objects.create(date=dt.date(2026, 3, 28), is_workday=True, name="测试调休")
    with time_machine.travel(friday, tick=False):
        appeal = submit(category="leak")
        appeal = move(appeal, "grid_worker_a", "accept", duty)
    # Mon 23 is off; Tue 24, Wed 25, Thu 26 are the three working days.
    assert appeal.due_at == friday + dt.timedelta(days=6)
    assert appeal.policy_snapshot["day_unit"] == "workday"


@override_settings(APPEALS_POLICY={"day_unit": "workday"})
def test_a_make_up_saturday_counts_as_a_working_day(submit, duty):
    thursday = T0 + dt.timedelta(days=3)  # 2026-03-19
    CalendarDay.objects.create(date=dt.date(2026, 3, 20), is_workday=False, name="假日")
    CalendarDay.objects.create(date=dt.date(2026, 3, 21), is_workday=True, name="调休上班")
    with time_machine.travel(thursday, tick=False):
        appeal = move(submit(), "microgrid_worker_a", "accept", duty)
    assert appeal.due_at == thursday + dt.timedelta(days=2)


def test_the_snapshot_keeps_an_accepted_appeal_on_the_policy_it_started_with(submit, duty):
    with time_machine.travel(T0, tick=False):
        appeal = move(submit(category="leak"), "grid_worker_a", "accept", duty)
    with (
        override_settings(APPEALS_POLICY={"days": {"major": 10}}),
        time_machine.travel(T0 + dt.timedelta(hours=1), tick=False) as traveller,
    ):
        move(appeal, "grid_worker_a", "suspend", duty, note="等待物业提供图纸")
        traveller.shift(dt.timedelta(hours=1))
        appeal = move(appeal, "grid_worker_a", "resume", duty)
    assert appeal.policy_snapshot["days"]["major"] == 3
    assert appeal.due_at == T0 + dt.timedelta(days=3, hours=1)


def test_suspension_pauses_the_clock_and_resume_returns_to_the_state_before(submit, duty):
    with time_machine.travel(T0, tick=False) as traveller:
        appeal = move(submit(), "microgrid_worker_a", "accept", duty)
        traveller.shift(dt.timedelta(minutes=5))
        move(appeal, "microgrid_worker_a", "arrive", duty)
        traveller.shift(dt.timedelta(hours=2))
        appeal = move(appeal, "community_worker_a", "suspend", duty, note="需等待业主返回")
        assert appeal.state == "suspended"
        traveller.shift(dt.timedelta(hours=30))
        appeal = move(appeal, "community_worker_a", "resume", duty)
    assert appeal.state == "on_site"
    assert appeal.paused_seconds == 30 * 3600
    assert appeal.due_at == T0 + dt.timedelta(days=1, hours=30)


def test_an_approved_extension_moves_the_deadline(submit, duty):
    with time_machine.travel(T0, tick=False):
        appeal = move(submit(), "microgrid_worker_a", "accept", duty)
        appeal = move(appeal, "community_worker_a", "extend", duty, note="需要采购配件", days=2)
        assert appeal.due_at == T0 + dt.timedelta(days=3)
        new_due = T0 + dt.timedelta(days=5)
        appeal = move(appeal, "street_staff", "extend", duty, note="再延", due_at=new_due.isoformat())
    assert appeal.due_at == new_due
    event = appeal.events.filter(action="extend").last()
    assert dt.datetime.fromisoformat(event.data["old_due_at"]) == T0 + dt.timedelta(days=3)


def test_an_extension_must_move_the_deadline_later_and_changes_nothing_otherwise(submit, duty):
    with time_machine.travel(T0, tick=False):
        appeal = move(submit(), "microgrid_worker_a", "accept", duty)
        for bad in ({"due_at": T0.isoformat()}, {}, {"days": 0}):
            with pytest.raises(Exception) as info:
                move(appeal, "community_worker_a", "extend", duty, note="延期", **bad)
            assert info.value.field in ("due_at", "days")
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert fresh.due_at == T0 + dt.timedelta(days=1)
    assert fresh.events.filter(action="extend").count() == 0


def test_a_worker_may_not_approve_their_own_extension(submit, duty):
    from gongzhi.core.errors import PermissionDenied

    with time_machine.travel(T0, tick=False):
        appeal = move(submit(), "microgrid_worker_a", "accept", duty)
        with pytest.raises(PermissionDenied):
            move(appeal, "microgrid_worker_a", "extend", duty, note="想延期", days=1)
