"""The project list (项目清单): projects with partners and milestones checked off with evidence, the public
timeline, agreements with the yearly claim and the list of partners who have not claimed, monthly joint meetings."""

import datetime as dt
import json

import pytest

from gongzhi.accounts.models import Membership
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.matching import selectors
from gongzhi.matching.actions import projects
from gongzhi.matching.models import (
    CoBuildEvent,
    JointMeeting,
    MeetingAttendance,
    Milestone,
    Project,
    ProjectPartner,
    ProjectState,
)
from gongzhi.people.models import Partner
from tests.conftest import COMMUNITY_A, OTHER_STREET

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners(people):
    made = [
        Partner.objects.create(name=n, kind="social_org")
        for n in ("青岛你我创益服务中心", "青岛市规划师协会", "中航前哨科技园")
    ]
    Membership.objects.filter(user=people["partner"]).update(partner=made[0])
    return made


@pytest.fixture
def agreements(people, partners):
    today = dt.date.today()
    return [
        projects.agreement_create(
            actor=people["community_worker_a"],
            partner_id=p.pk,
            area_code=COMMUNITY_A,
            signed_on=today - dt.timedelta(days=30),
            valid_until=today + dt.timedelta(days=700),
            commitments="阵地共建、资源共融、服务共享、问题共解",
        )
        for p in partners
    ]


@pytest.fixture
def garden(people, partners):
    return projects.project_create(
        actor=people["community_worker_a"], area_code=COMMUNITY_A, title="红色引领、绿沃家园",
        summary="家庭厨余资源化—社区花园共建", partner_ids=[partners[0].pk, partners[1].pk],
        milestones=[{"title": "阳光育苗站建成"}, {"title": "落叶堆肥池启用", "due_on": "2026-10-01"}, "5个社区花园"],
    )  # fmt: skip


def test_a_project_is_created_with_partners_milestones_and_its_event(garden, partners):
    assert garden.state == ProjectState.PLANNED and garden.area_code == COMMUNITY_A
    assert list(garden.milestones.values_list("title", flat=True)) == [
        "阳光育苗站建成",
        "落叶堆肥池启用",
        "5个社区花园",
    ]
    assert set(garden.partner_rows.values_list("partner_id", flat=True)) == {partners[0].pk, partners[1].pk}
    assert CoBuildEvent.objects.get(project=garden).action == "create"


def test_bad_project_input_is_refused_and_nothing_is_written(people, partners):
    staff = people["community_worker_a"]
    cases = [
        ({"area_code": COMMUNITY_A, "title": ""}, ValidationFailed, "title"),
        ({"area_code": COMMUNITY_A, "title": "x", "partner_ids": ["1"]}, ValidationFailed, "partner_ids"),
        ({"area_code": COMMUNITY_A, "title": "x", "partner_ids": [999999]}, NotFound, "partner_ids"),
        ({"area_code": COMMUNITY_A, "title": "x", "milestones": [{"title": ""}]}, ValidationFailed, "milestones"),
        ({"area_code": COMMUNITY_A, "title": "x", "starts_on": "2026-05-01", "ends_on": "2026-04-01"}, ValidationFailed, "ends_on"),
        ({"area_code": COMMUNITY_A, "title": "x", "public": "yes"}, ValidationFailed, "public"),
        ({"area_code": "abc", "title": "x"}, ValidationFailed, "area"),
    ]  # fmt: skip
    for kwargs, error, field in cases:
        with pytest.raises(error) as exc:
            projects.project_create(actor=staff, **kwargs)
        assert exc.value.field == field, kwargs
    with pytest.raises(PermissionDenied):  # a community worker of B may not create a project of A
        projects.project_create(actor=people["community_worker_b"], area_code=COMMUNITY_A, title="x")
    assert not Project.objects.exists() and not CoBuildEvent.objects.exists()


def test_the_same_title_twice_is_a_conflict(people, garden):
    with pytest.raises(Conflict) as exc:
        projects.project_create(actor=people["community_worker_a"], area_code=COMMUNITY_A, title="红色引领、绿沃家园")
    assert exc.value.field == "title" and Project.objects.count() == 1


def test_milestones_are_checked_off_with_evidence_then_the_project(people, garden):
    staff = people["community_worker_a"]
    first = garden.milestones.first()
    with pytest.raises(Conflict):  # not started yet
        projects.milestone_check_off(actor=staff, milestone_id=first.pk, note="建成")
    projects.project_move(actor=staff, project_id=garden.pk, action="start")
    with pytest.raises(ValidationFailed) as exc:
        projects.milestone_check_off(actor=staff, milestone_id=first.pk, note="  ")
    assert exc.value.field == "note"
    with pytest.raises(ValidationFailed) as exc:
        projects.milestone_check_off(actor=staff, milestone_id=first.pk, note="建成", photos="a.jpg")
    assert exc.value.field == "photos"
    projects.milestone_check_off(actor=staff, milestone_id=first.pk, note="育苗站挂牌", photos=["p/1.jpg"])
    with pytest.raises(Conflict):  # double submit
        projects.milestone_check_off(actor=staff, milestone_id=first.pk, note="再次")
    with pytest.raises(ValidationFailed) as exc:  # two are still open
        projects.project_move(actor=staff, project_id=garden.pk, action="complete")
    assert "落叶堆肥池启用" in str(exc.value.message)
    for m in garden.milestones.filter(done_at__isnull=True):
        projects.milestone_check_off(actor=staff, milestone_id=m.pk, note="完成")
    done = projects.project_move(actor=staff, project_id=garden.pk, action="complete")
    assert done.state == ProjectState.DONE
    assert CoBuildEvent.objects.filter(project=garden, action="check_off").count() == 3
    with pytest.raises(Conflict):
        projects.milestone_add(actor=staff, project_id=garden.pk, title="再加一个")


def test_a_partner_checks_off_only_its_own_projects(people, partners, garden):
    staff = people["community_worker_a"]
    projects.project_move(actor=staff, project_id=garden.pk, action="start")
    other = projects.project_create(actor=staff, area_code=COMMUNITY_A, title="楼道微更新", milestones=["粉刷"])
    projects.project_move(actor=staff, project_id=other.pk, action="start")
    m = garden.milestones.first()
    projects.milestone_check_off(actor=people["partner"], milestone_id=m.pk, note="我单位完成育苗站")
    with pytest.raises(PermissionDenied):
        projects.milestone_check_off(actor=people["partner"], milestone_id=other.milestones.get().pk, note="x")
    with pytest.raises(PermissionDenied):
        projects.milestone_check_off(actor=people["community_worker_b"], milestone_id=other.milestones.get().pk,
                                     note="x")  # fmt: skip
    assert Milestone.objects.filter(done_at__isnull=False).count() == 1


def test_claims_need_a_running_agreement_and_the_unclaimed_list(people, partners, garden):
    staff, year = people["community_worker_a"], dt.date.today().year
    with pytest.raises(ValidationFailed) as exc:  # no agreement yet
        projects.project_claim(actor=people["partner"], project_id=garden.pk)
    assert exc.value.field == "partner_id"
    today = dt.date.today()
    for p in partners:
        projects.agreement_create(actor=staff, partner_id=p.pk, area_code=COMMUNITY_A,
                                  signed_on=today - dt.timedelta(days=1), valid_until=today + dt.timedelta(days=365))  # fmt: skip
    assert {a.partner_id for a in selectors.partners_without_claim(user=staff, year=year)} == {p.pk for p in partners}
    projects.project_claim(actor=people["partner"], project_id=garden.pk)
    with pytest.raises(Conflict):  # double submit
        projects.project_claim(actor=people["partner"], project_id=garden.pk)
    with pytest.raises(PermissionDenied):  # a partner claims for itself only
        projects.project_claim(actor=people["partner"], project_id=garden.pk, partner_id=partners[1].pk)
    projects.project_claim(actor=staff, project_id=garden.pk, partner_id=partners[2].pk)  # staff for a partner
    left = selectors.partners_without_claim(user=staff, year=year)
    assert [a.partner_id for a in left] == [partners[1].pk]
    assert ProjectPartner.objects.filter(project=garden, claimed_at__isnull=False).count() == 2
    assert selectors.partners_without_claim(user=people["community_worker_b"], year=year) == []
    with pytest.raises(Conflict):  # overlapping agreement
        projects.agreement_create(actor=staff, partner_id=partners[0].pk, area_code=COMMUNITY_A,
                                  signed_on=today, valid_until=today + dt.timedelta(days=30))  # fmt: skip
    with pytest.raises(PermissionDenied):
        projects.agreement_create(actor=people["community_worker_b"], partner_id=partners[0].pk, area_code=COMMUNITY_A,
                                  signed_on=today, valid_until=today)  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        projects.agreement_create(
            actor=staff, partner_id="1", area_code=COMMUNITY_A, signed_on=today, valid_until=today
        )
    assert exc.value.field == "partner_id"


def test_a_monthly_joint_meeting_with_attendance_and_decisions_once_a_month(people, partners, agreements, garden):
    staff = people["community_worker_a"]
    day = dt.date.today()
    m = projects.meeting_record(actor=staff, area_code=COMMUNITY_A, held_on=day, topic="社区花园认领",
                                present_partner_ids=[partners[0].pk, partners[2].pk],
                                decisions=[{"text": "5个花园网格挂牌认领", "project_id": garden.pk}, "下月开展堆肥培训"])  # fmt: skip
    att = {a.partner_id: a.present for a in MeetingAttendance.objects.filter(meeting=m)}
    assert att == {partners[0].pk: True, partners[1].pk: False, partners[2].pk: True}
    assert m.decisions.count() == 2
    assert [e.note for e in CoBuildEvent.objects.filter(project=garden, action="decision")] == ["5个花园网格挂牌认领"]
    with pytest.raises(Conflict) as exc:  # the same month again
        projects.meeting_record(actor=staff, area_code=COMMUNITY_A, held_on=day, topic="再开一次")
    assert exc.value.field == "held_on"
    bad = [
        ({"held_on": "tomorrow", "topic": "x"}, "held_on"),
        ({"held_on": day + dt.timedelta(days=40), "topic": "x"}, "held_on"),
        ({"held_on": day, "topic": ""}, "topic"),
        ({"held_on": day, "topic": "x", "present_partner_ids": [999999]}, "present_partner_ids"),
        ({"held_on": day, "topic": "x", "decisions": [{"text": "y", "project_id": 999999}]}, "decisions"),
    ]
    for kwargs, field in bad:
        with pytest.raises((ValidationFailed, NotFound, Conflict)) as exc:
            projects.meeting_record(actor=staff, area_code=COMMUNITY_A, **kwargs)
        assert exc.value.field == field, kwargs
    with pytest.raises(PermissionDenied):
        projects.meeting_record(actor=people["other_street_staff"], area_code=COMMUNITY_A, held_on=day, topic="x")
    assert JointMeeting.objects.count() == 1


def test_the_public_timeline_shows_progress_without_login(client, people, garden):
    staff = people["community_worker_a"]
    projects.project_move(actor=staff, project_id=garden.pk, action="start")
    projects.milestone_check_off(actor=staff, milestone_id=garden.milestones.first().pk, note="育苗站挂牌")
    page = client.get(f"/matching/public/projects/{garden.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "红色引领、绿沃家园" in text and "育苗站挂牌" in text and "1/3" in text
    assert staff.username not in text
    hidden = projects.project_create(actor=staff, area_code=COMMUNITY_A, title="内部项目", public=False)
    assert client.get(f"/matching/public/projects/{hidden.pk}/").status_code == 404


def test_the_api_lists_creates_and_checks_off_with_idempotency(people, partners, as_user):
    staff = as_user(people["community_worker_a"])
    body = {"area": COMMUNITY_A, "title": "老旧楼院环境治理", "partner_ids": [partners[1].pk],
            "milestones": [{"title": "违章拆除"}, {"title": "花园规划", "due_on": "2026-12-01"}]}  # fmt: skip
    first = staff.post("/api/v1/matching/projects", json.dumps(body), content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="p-1")  # fmt: skip
    again = staff.post("/api/v1/matching/projects", json.dumps(body), content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="p-1")  # fmt: skip
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Project.objects.count() == 1
    out = first.json()
    assert out["total"] == 2 and out["partners"][0]["name"] == "青岛市规划师协会"
    bad = staff.post("/api/v1/matching/projects", json.dumps({"area": COMMUNITY_A, "title": 5}),
                     content_type="application/json")  # fmt: skip
    assert bad.status_code == 422
    missing = staff.post(
        "/api/v1/matching/projects", json.dumps({"area": COMMUNITY_A}), content_type="application/json"
    )
    assert missing.status_code == 422
    other = as_user(people["other_street_staff"]).post("/api/v1/matching/projects", json.dumps({**body, "title": "y"}),
                                                       content_type="application/json")  # fmt: skip
    assert other.status_code == 403 and Project.objects.count() == 1
    pid = out["id"]
    staff.post(f"/api/v1/matching/projects/{pid}/transitions", json.dumps({"action": "start"}),
               content_type="application/json")  # fmt: skip
    mid = out["milestones"][0]["id"]
    url = f"/api/v1/matching/milestones/{mid}/check-off"
    done = staff.post(
        url, json.dumps({"note": "拆除违建3处"}), content_type="application/json", HTTP_IDEMPOTENCY_KEY="c1"
    )
    replay = staff.post(
        url, json.dumps({"note": "拆除违建3处"}), content_type="application/json", HTTP_IDEMPOTENCY_KEY="c1"
    )
    assert done.status_code == replay.status_code == 200 and done.json() == replay.json()
    twice = staff.post(url, json.dumps({"note": "拆除违建3处"}), content_type="application/json")
    assert twice.status_code == 409
    listed = staff.get("/api/v1/matching/projects").json()
    assert [p["done"] for p in listed] == [1]
    assert as_user(people["community_worker_b"]).get("/api/v1/matching/projects").json() == []
    assert as_user(people["community_worker_b"]).get(f"/api/v1/matching/projects/{pid}").status_code == 404
    year = dt.date.today().year
    assert staff.get(f"/api/v1/matching/agreements/unclaimed?year={year}").json() == []
    assert staff.get("/api/v1/matching/agreements/unclaimed?year=abc").status_code == 422


def test_the_api_records_agreements_and_meetings(people, partners, as_user):
    staff = as_user(people["community_worker_a"])
    today = dt.date.today()
    a = staff.post("/api/v1/matching/agreements", json.dumps({"partner_id": partners[0].pk, "area": COMMUNITY_A,
                   "signed_on": str(today), "valid_until": str(today + dt.timedelta(days=365))}),
                   content_type="application/json", HTTP_IDEMPOTENCY_KEY="a-1")  # fmt: skip
    assert a.status_code == 201
    unclaimed = staff.get(f"/api/v1/matching/agreements/unclaimed?year={today.year}").json()
    assert [u["partner"] for u in unclaimed] == ["青岛你我创益服务中心"]
    m = staff.post("/api/v1/matching/meetings", json.dumps({"area": COMMUNITY_A, "held_on": str(today), "topic": "联席会",
                   "present_partner_ids": [partners[0].pk], "decisions": [{"text": "启动花园项目"}]}),
                   content_type="application/json", HTTP_IDEMPOTENCY_KEY="m-1")  # fmt: skip
    assert m.status_code == 201 and m.json()["attendance"] == [
        {"partner_id": partners[0].pk, "partner": "青岛你我创益服务中心", "present": True}
    ]
    wrong = staff.post("/api/v1/matching/meetings", json.dumps({"area": COMMUNITY_A, "held_on": "2026-13-01",
                       "topic": "x"}), content_type="application/json")  # fmt: skip
    assert wrong.status_code == 422
    forbidden = as_user(people["resident_a"]).post("/api/v1/matching/meetings", json.dumps({"area": OTHER_STREET,
                        "held_on": str(today), "topic": "x"}), content_type="application/json")  # fmt: skip
    assert forbidden.status_code == 403
    assert len(staff.get("/api/v1/matching/meetings").json()) == 1


def test_the_staff_page_records_a_project_and_explains_a_bad_one(client, people, partners):
    client.force_login(people["community_worker_a"])
    assert client.get("/matching/projects/").status_code == 200
    ok = client.post("/matching/projects/", {"form": "project", "area": COMMUNITY_A, "title": "楼道微更新",
                                             "partner_ids": [str(partners[0].pk)], "milestones": "粉刷\n装灯",
                                             "public": "on"})  # fmt: skip
    assert ok.status_code == 302
    p = Project.objects.get(title="楼道微更新")
    assert p.milestones.count() == 2 and p.public
    bad = client.post("/matching/projects/", {"form": "project", "area": COMMUNITY_A, "title": ""})
    assert bad.status_code == 422 and "title" in bad.content.decode()
    client.force_login(people["community_worker_b"])
    assert client.post("/matching/projects/", {"form": "project", "area": COMMUNITY_A, "title": "x"}).status_code == 403
    assert client.get(f"/matching/projects/{p.pk}/").status_code == 404
    assert Project.objects.count() == 1
