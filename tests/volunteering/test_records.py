"""A volunteer's record (identity, hours, content, training, awards, evaluation), 双报到, teams and projects,
and certificates with a number anyone can verify."""

import datetime as dt
from decimal import Decimal

import pytest

from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.volunteering import selectors
from gongzhi.volunteering.actions.certificates import certificate_issue
from gongzhi.volunteering.actions.checkin import checkin, checkout
from gongzhi.volunteering.actions.hours import hours_confirm
from gongzhi.volunteering.actions.signups import signup_create
from gongzhi.volunteering.actions.teams import brand_create, honour_add, project_create, team_create, training_record
from gongzhi.volunteering.actions.volunteers import party_registration_upsert, volunteer_register
from gongzhi.volunteering.models import Certificate, PartyRegistration, Project, Team, Volunteer
from tests.conftest import COMMUNITY_A, GRID_A, STREET
from tests.volunteering.conftest import END, START, code_for, make_activity, make_volunteer


def serve(district, at, v, *, hours=2, rating=None, comment="", **activity_kw):
    """v signs up, checks in at the start, out after `hours`, and the organiser confirms."""
    at.move_to(START - dt.timedelta(days=2))
    activity = make_activity(district, **activity_kw)
    signup_create(actor=v.user, activity_id=activity.pk, volunteer=v)
    at.move_to(activity.starts_at)
    checkin(actor=v.user, activity_id=activity.pk, volunteer=v, code=code_for(activity, "in"))
    at.move_to(activity.starts_at + dt.timedelta(hours=hours))
    a = checkout(actor=v.user, activity_id=activity.pk, volunteer=v, code=code_for(activity, "out"))
    hours_confirm(
        actor=district["community_worker_a"],
        activity_id=activity.pk,
        items=[{"attendance_id": a.pk, "rating": rating, "comment": comment}],
    )
    return activity


def test_the_record_holds_identity_hours_content_training_awards_and_evaluation(district, at):
    cw = district["community_worker_a"]
    v = make_volunteer(district, "周红", kind="red_vanguard", skills=["心理疏导"])
    serve(district, at, v, hours=2, rating=5, comment="很用心", title="敬老院陪伴")
    serve(
        district,
        at,
        v,
        hours=1,
        rating=4,
        title="交通疏导",
        starts_at=START + dt.timedelta(days=1),
        ends_at=END + dt.timedelta(days=1),
    )
    project = project_create(
        actor=cw, name="老漂驿站", area=district.areas[COMMUNITY_A], kind="social_worker_led", lead_worker=cw
    )
    training_record(
        actor=cw,
        title="社工陪伴式辅导",
        held_on=dt.date(2026, 7, 1),
        hours=3,
        area=district.areas[COMMUNITY_A],
        attendees=[v],
        project=project,
        trainer="李静茹",
    )
    honour_add(actor=cw, volunteer=v, title="优秀志愿者", issuer="灵山卫街道", awarded_on=dt.date(2026, 7, 1))

    record = selectors.volunteer_record(v)
    assert record.volunteer.number == v.number and record.area_name == "灵山卫1社区"
    assert record.total_hours == Decimal("3.00") and record.hours_by_year == {2026: Decimal("3.00")}
    assert [s["title"] for s in record.services] == ["敬老院陪伴", "交通疏导"]
    assert record.trainings == [
        {"title": "社工陪伴式辅导", "date": dt.date(2026, 7, 1), "hours": Decimal("3.0"), "project": "老漂驿站"}
    ]
    assert record.honours[0]["title"] == "优秀志愿者"
    assert record.rating_average == 4.5 and record.comments == ["很用心"]


def test_party_members_report_to_their_home_community_and_owe_hours(district, at):
    v = make_volunteer(district, "钱党员", kind="party_member")
    reg = party_registration_upsert(
        actor=district["community_worker_a"],
        volunteer=v,
        community=district.areas[COMMUNITY_A],
        year=2026,
        hours_owed=12,
        workplace="区教体局",
    )
    serve(district, at, v, hours=2)
    row = selectors.volunteer_record(v).party_registrations[0]
    assert (row["year"], row["hours_owed"], row["hours_given"]) == (2026, Decimal("12"), Decimal("2.00"))
    # Updating the same year changes that row, never adds one.
    party_registration_upsert(
        actor=district["community_worker_a"],
        volunteer=v,
        community=district.areas[COMMUNITY_A],
        year=2026,
        hours_owed=8,
    )
    assert PartyRegistration.objects.get(pk=reg.pk).hours_owed == 8 and PartyRegistration.objects.count() == 1
    with pytest.raises(ValidationFailed, match="社区") as err:
        party_registration_upsert(
            actor=district["community_worker_a"], volunteer=v, community=district.areas[GRID_A], year=2026, hours_owed=8
        )
    assert err.value.field == "community"
    with pytest.raises(ValidationFailed) as err:
        party_registration_upsert(
            actor=district["community_worker_a"],
            volunteer=v,
            community=district.areas[COMMUNITY_A],
            year=2026,
            hours_owed=-1,
        )
    assert err.value.field == "hours_owed"
    with pytest.raises(PermissionDenied):
        party_registration_upsert(
            actor=district["community_worker_b"],
            volunteer=v,
            community=district.areas[COMMUNITY_A],
            year=2026,
            hours_owed=8,
        )
    assert PartyRegistration.objects.get().hours_owed == 8


def test_teams_brands_and_projects(district, at):
    cw = district["community_worker_a"]
    leader, member = make_volunteer(district, "队长"), make_volunteer(district, "队员")
    brand = brand_create(actor=cw, name="邻聚力", area=district.areas[COMMUNITY_A], slogan="邻里守望")
    team = team_create(
        actor=cw,
        name="助老扶幼队",
        area=district.areas[COMMUNITY_A],
        focus="助老扶幼",
        brand=brand,
        leaders=[leader],
        members=[member, leader],
    )
    assert sorted((m.volunteer.name, m.is_leader) for m in team.memberships.all()) == [("队员", False), ("队长", True)]
    with pytest.raises(Conflict):
        team_create(actor=cw, name="助老扶幼队", area=district.areas[COMMUNITY_A])
    with pytest.raises(PermissionDenied):
        team_create(actor=district["grid_worker_a"], name="网格队", area=district.areas[GRID_A])
    with pytest.raises(ValidationFailed, match="领办"):
        project_create(actor=cw, name="悦禾读书会", area=district.areas[COMMUNITY_A], kind="social_worker_led")
    assert Team.objects.count() == 1 and not Project.objects.exists()


class TestCertificates:
    def test_issue_verify_and_refuse(self, district, at):
        v = make_volunteer(district, "欧阳娜娜")
        with pytest.raises(ValidationFailed, match="暂无已确认"):
            certificate_issue(actor=v.user, volunteer=v)
        serve(district, at, v, hours=2)
        other = make_volunteer(district, "旁人")
        with pytest.raises(PermissionDenied):
            certificate_issue(actor=other.user, volunteer=v)
        assert not Certificate.objects.exists()
        cert = certificate_issue(actor=v.user, volunteer=v)
        assert cert.total_hours == Decimal("2.00") and cert.activity_count == 1
        assert cert.issuer_name == "灵山卫街道灵山卫1社区"
        assert selectors.certificate_get(number=cert.number.lower()).pk == cert.pk
        assert selectors.mask_name(v.name) == "欧**娜"
        # A staff member of the street may issue one too.
        assert certificate_issue(actor=district["street_staff"], volunteer=v).number != cert.number

    def test_the_certificate_is_a_snapshot(self, district, at):
        v = make_volunteer(district, "吴")
        serve(district, at, v, hours=1)
        cert = certificate_issue(actor=v.user, volunteer=v)
        serve(
            district,
            at,
            v,
            hours=2,
            title="第二次",
            starts_at=START + dt.timedelta(days=1),
            ends_at=END + dt.timedelta(days=1),
        )
        cert.refresh_from_db()
        assert cert.total_hours == Decimal("1.00") and len(cert.content) == 1


def test_register_refuses_a_second_profile_and_bad_input(district, at):
    v = make_volunteer(district, "郑")
    with pytest.raises(Conflict):
        volunteer_register(actor=v.user, user=v.user, name="郑", kind="resident", area=district.areas[COMMUNITY_A])
    from tests.factories import UserFactory

    u = UserFactory()
    with pytest.raises(PermissionDenied):
        volunteer_register(actor=v.user, user=u, name="别人", kind="resident", area=district.areas[COMMUNITY_A])
    with pytest.raises(ValidationFailed) as err:
        volunteer_register(
            actor=u, user=u, name="某", kind="resident", area=district.areas[STREET], birth_date=dt.date(2030, 1, 1)
        )
    assert err.value.field == "birth_date"
    assert not Volunteer.objects.filter(user=u).exists()
