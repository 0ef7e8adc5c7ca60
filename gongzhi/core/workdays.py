"""Working-day calendar: staff-entered days first, then chinese-calendar, then a weekday fallback.

chinese-calendar ships statutory holidays only for the years it knows and raises for later ones; a deadline
computed in 2027 must still come out, so unknown years fall back to Monday–Friday until staff enter the
State Council's notice in the holiday table.
"""

import datetime as dt
import logging

import chinese_calendar

from gongzhi.core.models import CalendarDay

logger = logging.getLogger(__name__)


def _package_knows(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def day_source(day: dt.date) -> str:
    """Where the answer for this day comes from: 'table', 'package' or 'fallback'."""
    if CalendarDay.objects.filter(date=day).exists():
        return "table"
    return "package" if _package_knows(day) else "fallback"


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday"))


def _is_workday(day: dt.date, overrides: dict[dt.date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        logger.warning("chinese-calendar has no data for %s; treating Monday-Friday as working days", day.year)
        return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    return _is_workday(day, _overrides(day, day))


def add_workdays(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself never counts)."""
    if days < 0:
        raise ValueError("days must not be negative")
    # Look ahead generously: Spring Festival plus weekends never spans more than ~3x the asked working days + 20.
    horizon = start + dt.timedelta(days=days * 3 + 30)
    overrides = _overrides(start, horizon)
    current, counted = start, 0
    while counted < days:
        current += dt.timedelta(days=1)
        if current > horizon:
            horizon = current + dt.timedelta(days=days * 3 + 30)
            overrides |= _overrides(current, horizon)
        if _is_workday(current, overrides):
            counted += 1
    return current


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]."""
    overrides = _overrides(start, end)
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        if _is_workday(current, overrides):
            count += 1
    return count


def workday_map(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    """Every day in [start, end] with whether it is a working day, by the same order of sources as above."""
    overrides = _overrides(start, end)
    out: dict[dt.date, bool] = {}
    current = start
    while current <= end:
        if current in overrides:
            out[current] = overrides[current]
        elif _package_knows(current):
            out[current] = bool(chinese_calendar.is_workday(current))
        else:
            out[current] = current.weekday() < 5
        current += dt.timedelta(days=1)
    return out


def package_knows_year(year: int) -> bool:
    """Whether chinese-calendar has the statutory holidays of ``year`` (it raises for years after its data)."""
    return _package_knows(dt.date(year, 6, 1))
