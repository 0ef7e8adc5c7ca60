import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from gongzhi.core.workdays import is_workday


def test_staff_add_2027_holidays_from_the_command_line(db, capsys):
    call_command("calendar_days", "check", "2027")
    assert "Monday–Friday" in capsys.readouterr().out
    call_command("calendar_days", "add", "2027-01-01", "--holiday", "元旦")
    assert is_workday(dt.date(2027, 1, 1)) is False
    call_command("calendar_days", "check", "2027")
    assert "staff entries=1" in capsys.readouterr().out


def test_bad_dates_change_nothing(db):
    from gongzhi.core.models import CalendarDay

    with pytest.raises(CommandError):
        call_command("calendar_days", "add", "2027-01-01", "2027-13-01", "--holiday", "x")
    assert not CalendarDay.objects.exists()
