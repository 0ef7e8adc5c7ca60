"""Working days come from staff's table first, chinese-calendar next, and Monday–Friday for years it lacks."""

import datetime as dt

import pytest

from gongzhi.core.models import CalendarDay
from gongzhi.core.workdays import add_workdays, day_source, is_workday, workdays_between

D = dt.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 10, 1), False),  # National Day
        (D(2026, 10, 9), True),  # Friday after the Golden Week
        (D(2026, 11, 21), False),  # ordinary Saturday
        (D(2026, 11, 23), True),  # ordinary Monday
    ],
)
def test_package_years(db, day, expected):
    assert is_workday(day) is expected
    assert day_source(day) == "package"


def test_a_make_up_workday_counts(db):
    # chinese-calendar 2026: Saturday 2026-09-26? Find one the package reports as a weekend workday.
    import chinese_calendar

    weekend_workdays = [
        d
        for d in (D(2026, 1, 1) + dt.timedelta(n) for n in range(365))
        if d.weekday() >= 5 and chinese_calendar.is_workday(d)
    ]
    assert weekend_workdays, "the package lists make-up workdays for 2026"
    assert is_workday(weekend_workdays[0]) is True


def test_2027_never_crashes_and_falls_back_to_weekdays(db):
    assert day_source(D(2027, 1, 4)) == "fallback"
    assert is_workday(D(2027, 1, 4)) is True  # Monday
    assert is_workday(D(2027, 1, 9)) is False  # Saturday
    assert add_workdays(D(2027, 1, 8), 1) == D(2027, 1, 11)


def test_staff_entries_extend_the_calendar_to_later_years(db):
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
    CalendarDay.objects.create(date=D(2027, 2, 20), is_workday=True, name="春节调休")  # a Saturday
    assert day_source(D(2027, 1, 1)) == "table"
    assert is_workday(D(2027, 1, 1)) is False
    assert is_workday(D(2027, 2, 20)) is True
    # Thursday 31 Dec 2026 + 1 working day skips the new holiday on Friday and the weekend.
    assert add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)


def test_staff_entries_override_the_package(db):
    CalendarDay.objects.create(date=D(2026, 11, 23), is_workday=False, name="local closure")
    assert is_workday(D(2026, 11, 23)) is False


def test_add_workdays_across_the_national_day_week(db):
    # Wednesday 30 Sep 2026 + 3 working days: 1–7 Oct are holidays.
    result = add_workdays(D(2026, 9, 30), 3)
    assert result > D(2026, 10, 7)
    assert workdays_between(D(2026, 9, 30), result) == 3


def test_negative_days_are_refused(db):
    with pytest.raises(ValueError):
        add_workdays(D(2026, 1, 1), -1)
