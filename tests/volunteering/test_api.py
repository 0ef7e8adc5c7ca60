"""The JSON API end to end: create, sign up, check in/out by code, confirm, read the record; errors by persona."""

import datetime as dt
import json

import pytest

from gongzhi.volunteering.models import Activity, Attendance, Signup
from tests.conftest import COMMUNITY_A, api_client_for
from tests.volunteering.conftest import END, START, code_for, make_activity, make_volunteer


def post(client, url, body=None, **headers):
    return client.post(url, json.dumps(body or {}), content_type="application/json", **headers)


ACTIVITY = {
    "title": "交通疏导·东街早高峰",
    "area": COMMUNITY_A,
    "starts_at": START.isoformat(),
    "ends_at": END.isoformat(),
    "place": "东街路口",
    "capacity": 2,
    "geofence": {"lat": 35.95, "lng": 120.03, "radius_m": 300},
}


class TestCreateAndList:
    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("community_worker_a", 201),
            ("grid_worker_a", 403),  # a grid worker organises in their grid, not the whole community
            ("street_staff", 201),
            ("community_worker_b", 403),
            ("volunteer_a", 403),
            ("resident_a", 403),
            ("party_member_a", 403),
        ],
    )
    def test_who_may_create_an_activity(self, district, at, persona, status):
        r = post(api_client_for(district[persona]), "/api/v1/activities", ACTIVITY)
        assert r.status_code == status, r.content
        assert Activity.objects.count() == (1 if status == 201 else 0)

    def test_bad_input_names_the_field(self, district, at):
        body = {**ACTIVITY, "ends_at": START.isoformat()}
        r = post(api_client_for(district["community_worker_a"]), "/api/v1/activities", body)
        assert r.status_code == 422 and r.json()["field"] == "ends_at"
        assert not Activity.objects.exists()

    def test_anyone_signed_in_sees_open_activities_nobody_else(self, district, activity):
        r = api_client_for(district["resident_b"]).get("/api/v1/activities?upcoming=true")
        assert r.status_code == 200 and [a["id"] for a in r.json()["items"]] == [activity.pk]
        from django.test import Client

        assert Client().get("/api/v1/activities").status_code == 401


def test_sign_up_check_in_out_confirm_and_record(district, at):
    activity = make_activity(district, geofence=(35.95, 120.03, 300))
    v = make_volunteer(district, "王志愿")
    me = api_client_for(v.user)
    organiser = api_client_for(district["community_worker_a"])
    base = f"/api/v1/activities/{activity.pk}"

    r = post(me, f"{base}/signups", HTTP_IDEMPOTENCY_KEY="k1")
    assert r.status_code == 201 and r.json()["status"] == "confirmed"
    # A retried request with the same key gets the first answer, not a "signed up twice" error.
    again = post(me, f"{base}/signups", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 201 and again.json()["id"] == r.json()["id"]
    twice = post(me, f"{base}/signups")
    assert twice.status_code == 409 and twice.json()["field"] == "person"
    assert Signup.objects.count() == 1

    at.move_to(START - dt.timedelta(minutes=10))
    assert me.get(f"{base}/code").status_code == 403  # only the organiser sees the code
    code = organiser.get(f"{base}/code").json()["code"]
    far = post(me, f"{base}/checkins", {"code": code, "location": {"lat": 36.1, "lng": 120.03}})
    assert far.status_code == 422 and far.json()["field"] == "location"
    r = post(me, f"{base}/checkins", {"code": code, "location": {"lat": 35.9505, "lng": 120.03}})
    assert r.status_code == 201, r.content
    replay = post(me, f"{base}/checkins", {"code": code, "location": {"lat": 35.9505, "lng": 120.03}})
    assert replay.status_code == 409

    at.move_to(START + dt.timedelta(hours=1, minutes=30))
    out_code = organiser.get(f"{base}/code?purpose=out").json()["code"]
    r = post(me, f"{base}/checkouts", {"code": out_code, "location": {"lat": 35.95, "lng": 120.03}})
    assert r.status_code == 200 and r.json()["items"][0]["hours"] == "1.50"

    assert post(me, f"{base}/confirm-hours").status_code == 403
    assert post(api_client_for(district["community_worker_b"]), f"{base}/confirm-hours").status_code == 403
    assert not Attendance.objects.filter(confirmed_at__isnull=False).exists()
    r = post(
        organiser, f"{base}/confirm-hours", {"items": [{"attendance_id": Attendance.objects.get().pk, "rating": 5}]}
    )
    assert r.status_code == 200 and r.json()["items"][0]["confirmed_at"]

    record = me.get(f"/api/v1/volunteers/{v.pk}/record").json()
    assert record["total_hours"] == "1.50" and record["services"][0]["title"] == activity.title
    assert record["volunteer"]["number"] == v.number and record["rating_average"] == 5.0

    cert = post(me, f"/api/v1/volunteers/{v.pk}/certificates")
    assert cert.status_code == 201 and cert.json()["total_hours"] == "1.50"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("community_worker_a", 200),
        ("grid_worker_a", 200),  # the volunteer lives in grid A
        ("street_staff", 200),
        ("community_worker_b", 403),
        ("grid_worker_b", 403),
        ("volunteer_a", 403),
        ("resident_a", 403),
        ("department", 403),
    ],
)
def test_who_may_read_a_record(district, at, persona, status):
    v = make_volunteer(district, "记录人", area_code="370211001001001")
    assert api_client_for(district[persona]).get(f"/api/v1/volunteers/{v.pk}/record").status_code == status


def test_bulk_check_out_is_for_the_organiser(district, activity, volunteers, at):
    v = volunteers[0]
    post(api_client_for(v.user), f"/api/v1/activities/{activity.pk}/signups")
    at.move_to(START)
    post(api_client_for(v.user), f"/api/v1/activities/{activity.pk}/checkins", {"code": code_for(activity)})
    url = f"/api/v1/activities/{activity.pk}/checkouts"
    assert post(api_client_for(v.user), url, {"all": True}).status_code == 403
    at.move_to(END + dt.timedelta(hours=1))
    r = post(api_client_for(district["community_worker_a"]), url, {"all": True})
    assert r.status_code == 200 and r.json()["items"][0]["hours"] == "2.00"


def test_not_a_volunteer_yet(district, activity):
    r = post(api_client_for(district["resident_a"]), f"/api/v1/activities/{activity.pk}/signups")
    assert r.status_code == 422 and r.json()["field"] == "person"
    missing = post(api_client_for(district["resident_a"]), "/api/v1/activities/999999/signups", {"person": 1})
    assert missing.status_code == 404


def test_self_registration(district):
    r = post(
        api_client_for(district["resident_a"]),
        "/api/v1/volunteers",
        {"name": "居民甲", "kind": "resident", "area": COMMUNITY_A, "skills": ["理发"]},
    )
    assert r.status_code == 201 and r.json()["number"].startswith("V370211-")
    assert r.json()["skills"] == ["理发"]
    bad = post(
        api_client_for(district["resident_b"]),
        "/api/v1/volunteers",
        {"name": "乙", "kind": "wizard", "area": COMMUNITY_A},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
