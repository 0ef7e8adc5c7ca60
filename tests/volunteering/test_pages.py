"""The pages a volunteer and an organiser use on a phone, end to end, and the public certificate check."""

import datetime as dt
import re

import pytest
from django.test import Client

from gongzhi.volunteering.models import Attendance, Certificate, Signup, Volunteer
from tests.conftest import COMMUNITY_A
from tests.volunteering.conftest import START, code_for, make_activity, make_volunteer


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_sign_up_scan_in_and_out_confirm_and_certificate(district, activity, at):
    v = make_volunteer(district, "李志愿")
    me, organiser = client_for(v.user), client_for(district["community_worker_a"])

    page = me.get("/volunteering/")
    assert page.status_code == 200 and activity.title in page.content.decode()
    r = me.post(f"/volunteering/activities/{activity.pk}/signup/", follow=True)
    assert "报名成功" in r.content.decode() and Signup.objects.get().status == "confirmed"

    at.move_to(START - dt.timedelta(minutes=10))
    org_page = organiser.get(f"/volunteering/activities/{activity.pk}/organise/")
    assert org_page.status_code == 200 and "<svg" in org_page.content.decode()
    partial = organiser.get(f"/volunteering/activities/{activity.pk}/organise/qr/?purpose=in")
    assert partial.status_code == 200 and 'hx-trigger="every 10s"' in partial.content.decode()

    scan_url = f"/volunteering/activities/{activity.pk}/scan/"
    code = code_for(activity, "in")
    assert "确认签到" in me.get(scan_url, {"code": code}).content.decode()
    r = me.post(scan_url, {"code": code})
    assert r.status_code == 200 and "签到成功" in r.content.decode()
    replay = me.post(scan_url, {"code": code})
    assert replay.status_code == 409 and "已使用过" in replay.content.decode()

    at.move_to(START + dt.timedelta(hours=2))
    r = me.post(scan_url, {"code": code_for(activity, "out")})
    assert "签退成功" in r.content.decode()

    attendance = Attendance.objects.get()
    r = organiser.post(
        f"/volunteering/activities/{activity.pk}/organise/act/",
        {"op": "confirm", "attendance": [attendance.pk], f"rating_{attendance.pk}": "5"},
        follow=True,
    )
    assert "已确认 1 人" in r.content.decode()

    record = me.get("/volunteering/me/", follow=True)
    assert "2.00" in record.content.decode() and v.number in record.content.decode()
    r = me.post(f"/volunteering/volunteers/{v.pk}/", follow=True)
    number = Certificate.objects.get().number
    assert number in r.content.decode()

    pdf = me.get(f"/volunteering/certificates/{number}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    public = Client().get(f"/volunteering/certificates/{number}/")
    body = public.content.decode()
    assert public.status_code == 200 and "证明真实有效" in body and "李*" in body and "李志愿" not in body
    assert Client().get("/volunteering/certificates/ZY2026-NOTREAL00/").status_code == 404


def test_the_organiser_page_is_for_organisers(district, activity, volunteers):
    for persona in ["volunteer_a", "resident_a", "community_worker_b", "grid_worker_b"]:
        r = client_for(district[persona]).get(f"/volunteering/activities/{activity.pk}/organise/")
        assert r.status_code == 403, persona
        assert (
            client_for(district[persona]).get(f"/volunteering/activities/{activity.pk}/organise/qr/").status_code == 403
        )
    r = client_for(volunteers[0].user).post(
        f"/volunteering/activities/{activity.pk}/organise/act/", {"op": "checkout_all"}
    )
    assert r.status_code == 403
    assert (
        client_for(district["street_staff"]).get(f"/volunteering/activities/{activity.pk}/organise/").status_code == 200
    )


def test_pages_need_a_login_except_verification(activity):
    assert Client().get("/volunteering/").status_code == 302
    assert Client().get(f"/volunteering/activities/{activity.pk}/").status_code == 302


def test_someone_elses_record_and_pdf_are_refused(district, at, activity):
    owner = make_volunteer(district, "甲")
    other = make_volunteer(district, "乙")
    assert client_for(other.user).get(f"/volunteering/volunteers/{owner.pk}/").status_code == 403
    assert client_for(district["community_worker_a"]).get(f"/volunteering/volunteers/{owner.pk}/").status_code == 200
    assert client_for(district["community_worker_b"]).get(f"/volunteering/volunteers/{owner.pk}/").status_code == 403


def test_self_registration_page(district):
    c = client_for(district["resident_a"])
    assert c.get("/volunteering/register/").status_code == 200
    bad = c.post("/volunteering/register/", {"name": "", "kind": "resident", "area": COMMUNITY_A})
    assert bad.status_code == 422 and not Volunteer.objects.exists()
    r = c.post(
        "/volunteering/register/",
        {"name": "王居民", "kind": "resident", "area": COMMUNITY_A, "skills": "理发，缝纫", "birth_date": "1970-02-03"},
        follow=True,
    )
    v = Volunteer.objects.get()
    assert v.number in r.content.decode() and sorted(s.name for s in v.skills.all()) == ["理发", "缝纫"]


def test_signup_page_shows_why_one_may_not_join(district, at):
    activity = make_activity(district, min_age=60)
    v = make_volunteer(district, "年轻人", birth=dt.date(2000, 1, 1))
    page = client_for(v.user).get(f"/volunteering/activities/{activity.pk}/").content.decode()
    assert "至少 60 岁" in page and re.search(r"<button[^>]*disabled", page)


@pytest.mark.parametrize("path", ["/volunteering/teams/"])
def test_teams_and_brands_page(district, path):
    from gongzhi.volunteering.actions.teams import brand_create, team_create

    brand = brand_create(actor=district["community_worker_a"], name="邻聚力", area=district.areas[COMMUNITY_A])
    team_create(
        actor=district["community_worker_a"],
        name="红色律师团",
        area=district.areas[COMMUNITY_A],
        focus="矛盾调解",
        brand=brand,
    )
    body = client_for(district["volunteer_a"]).get(path).content.decode()
    assert "邻聚力" in body and "红色律师团" in body
