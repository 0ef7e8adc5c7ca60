"""Street staff keep the working-day calendar on /calendar/: the 2027 notice entered by hand, removals, bad input."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from gongzhi.core.models import AuditEvent, CalendarDay
from gongzhi.core.workdays import add_workdays, is_workday

pytestmark = pytest.mark.django_db
PAGE = "/calendar/"
DEC_2026 = timezone.make_aware(dt.datetime(2026, 12, 4, 10, 0))


def test_a_year_without_package_data_warns_that_monday_to_friday_is_used(client, district):
    client.force_login(district["street_staff"])
    html = client.get(PAGE, {"year": "2027"}).content.decode()
    assert "目前按周一至周五计算工作日" in html


def test_a_year_the_package_knows_lists_its_holidays_and_make_up_days(client, district):
    client.force_login(district["street_staff"])
    html = client.get(PAGE, {"year": "2026"}).content.decode()
    assert "目前按周一至周五" not in html
    assert "2026-10-01" in html  # National Day, a weekday holiday from chinese-calendar


def test_entering_the_spring_festival_of_2027_changes_deadlines(client, district):
    client.force_login(district["street_staff"])
    # Spring Festival 2027 falls on Saturday 6 February; say the notice gives 5–11 Feb off, Sunday 14 Feb at work.
    response = client.post(
        PAGE, {"year": "2027", "start": "2027-02-05", "end": "2027-02-11", "kind": "holiday", "name": "春节"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?year=2027")
    client.post(PAGE, {"year": "2027", "start": "2027-02-14", "kind": "workday", "name": "春节调休上班"})
    assert CalendarDay.objects.filter(is_workday=False).count() == 7
    assert is_workday(dt.date(2027, 2, 8)) is False and is_workday(dt.date(2027, 2, 14)) is True
    # Thursday 4 Feb + 1 working day: Friday is now a holiday, so the next working day is Friday 12 Feb.
    assert add_workdays(dt.date(2027, 2, 4), 1) == dt.date(2027, 2, 12)
    html = client.get(PAGE, {"year": "2027"}).content.decode()
    assert "春节调休上班" in html and "目前按周一至周五" not in html
    assert AuditEvent.objects.filter(action="core.calendar_days_set").count() == 2


def test_removing_an_entry_restores_the_fallback(client, district):
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, name="元旦")
    client.force_login(district["street_staff"])
    client.post(PAGE, {"year": "2027", "what": "remove", "date": "2027-01-01"})
    assert not CalendarDay.objects.exists()
    assert is_workday(dt.date(2027, 1, 1)) is True
    response = client.post(PAGE, {"year": "2027", "what": "remove", "date": "2027-01-01"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": "2027-02-30", "kind": "holiday", "name": "x"}, "YYYY-MM-DD"),
        ({"start": "", "kind": "holiday", "name": "x"}, "YYYY-MM-DD"),
        ({"start": "2027-02-10", "end": "2027-02-01", "kind": "holiday", "name": "x"}, "结束日期不能早于开始日期"),
        ({"start": "2027-01-01", "end": "2027-03-01", "kind": "holiday", "name": "x"}, "一次最多录入"),
        ({"start": "2027-01-01", "kind": "holiday", "name": " "}, "请填写名称"),
        ({"start": "2027-01-01", "kind": "maybe", "name": "x"}, "请选择放假或调休上班"),
        ({"start": "2027-01-01", "kind": "holiday", "name": "x", "year": "1850"}, "年份应在"),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(client, district, data, message):
    client.force_login(district["street_staff"])
    response = client.post(PAGE, {"year": "2027", **data})
    assert response.status_code in (404, 422)
    assert message in response.content.decode()
    assert not CalendarDay.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="core.calendar").exists()


@pytest.mark.parametrize("persona", ["community_worker_a", "grid_worker_a"])
def test_only_street_staff_keep_the_calendar(client, district, persona):
    client.force_login(district[persona])
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"start": "2027-01-01", "kind": "holiday", "name": "元旦"}).status_code == 403
    assert not CalendarDay.objects.exists()


def test_the_default_year_is_this_year(client, district):
    client.force_login(district["street_staff"])
    with time_machine.travel(DEC_2026, tick=False):
        html = client.get(PAGE).content.decode()
    assert "2026" in html
