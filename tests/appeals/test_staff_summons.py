"""The summons page (吹哨) and the department console (报到, progress, result), with the progress action and API."""

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse

from gongzhi.appeals.actions import appeal_transition
from gongzhi.appeals.models import AppealEvent, Summons
from gongzhi.appeals.summons import summons_create, summons_progress, summons_report_in
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from tests.appeals.conftest import T0
from tests.appeals.staff_fixtures import as_, departments  # noqa: F401 - a fixture
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db
CONSOLE = reverse("appeals_staff:department")


def accepted(submit, duty, category="structure"):
    appeal = submit(category=category)
    return appeal_transition(actor=duty["street_staff"], appeal=appeal.pk, action="accept")


def page_url(appeal):
    return reverse("appeals_staff:summons", args=[appeal.pk])


def dept_url(s):
    return reverse("appeals_staff:department_act", args=[s.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("street_staff", 200),
        ("grid_worker_a", 200),
        ("community_worker_a", 403),
        ("microgrid_worker_a", 403),
        ("department", 403),
        ("other_street_staff", 404),
        ("grid_worker_b", 404),
        ("resident_a", 403),  # the reporter sees the appeal, may not summon
        ("resident_b", 404),
    ],
)
def test_who_may_open_the_summons_page(client, submit, duty, departments, persona, status):  # noqa: F811
    appeal = accepted(submit, duty)
    response = as_(client, duty[persona]).get(page_url(appeal))
    assert response.status_code == status
    if status == 200:
        assert "住建局" in response.content.decode() and 'value="30"' in response.content.decode()


def test_the_street_summons_departments_and_sees_their_report_in(client, submit, duty, departments):  # noqa: F811
    with time_machine.travel(T0, tick=False) as traveller:
        appeal = accepted(submit, duty)
        c = as_(client, duty["street_staff"])
        response = c.post(
            page_url(appeal), {"departments": ["housing", "police"], "reason": "楼体开裂", "report_minutes": "20"}
        )
        assert response.status_code == 302
        housing, _police = Summons.objects.order_by("department__code")
        assert housing.report_by == T0 + dt.timedelta(minutes=20)
        traveller.shift(dt.timedelta(minutes=25))
        summons_report_in(actor=departments["housing"], summons_id=housing.pk)
        page = c.get(page_url(appeal)).content.decode()
        assert "迟到" in page and "超时 5分钟" in page  # housing late; police still waiting and past its time
        assert "已召集" in page


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        ({"departments": []}, 422, "召集部门"),
        ({"reason": ""}, 422, "吹哨事由"),
        ({"report_minutes": "0"}, 422, "报到时限"),
        ({"departments": ["nope"]}, 422, "召集部门"),
    ],
)
def test_bad_summons_are_refused_inline(client, submit, duty, departments, data, status, words):  # noqa: F811
    appeal = accepted(submit, duty)
    params = {"departments": ["housing"], "reason": "楼体开裂", "report_minutes": "30", **data}
    response = as_(client, duty["street_staff"]).post(page_url(appeal), params)
    assert response.status_code == status and words in response.content.decode()
    assert not Summons.objects.exists()


def test_summoning_the_same_department_twice_is_a_conflict(client, submit, duty, departments):  # noqa: F811
    appeal = accepted(submit, duty)
    c = as_(client, duty["street_staff"])
    params = {"departments": ["housing"], "reason": "楼体开裂", "report_minutes": "30"}
    assert c.post(page_url(appeal), params).status_code == 302
    again = c.post(page_url(appeal), params)
    assert again.status_code == 409 and "已被召集" in again.content.decode()
    assert Summons.objects.count() == 1


def test_a_community_worker_cannot_summon(client, submit, duty, departments):  # noqa: F811
    appeal = accepted(submit, duty)
    params = {"departments": ["housing"], "reason": "x", "report_minutes": "30"}
    assert as_(client, duty["community_worker_a"]).post(page_url(appeal), params).status_code == 403
    assert not Summons.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("housing", 200), ("department", 200), ("street_staff", 403), ("grid_worker_a", 403), ("resident_a", 403)],
)
def test_who_may_open_the_department_console(client, duty, departments, persona, status):  # noqa: F811
    user = departments[persona] if persona in departments else duty[persona]
    response = as_(client, user).get(CONSOLE)
    assert response.status_code == status
    if persona == "department":
        assert "尚未关联部门" in response.content.decode()


def test_the_department_reports_in_posts_progress_and_hands_back_a_result(client, submit, duty, departments):  # noqa: F811
    with time_machine.travel(T0, tick=False) as traveller:
        appeal = accepted(submit, duty)
        housing, police = summons_create(
            actor=duty["street_staff"], appeal_id=appeal.pk, departments=["housing", "police"], reason="楼体开裂"
        )
        c = as_(client, departments["housing"])
        page = c.get(CONSOLE).content.decode()
        assert appeal.number in page and "剩余 30分钟" in page and f"dept-summons-{police.pk}" not in page
        traveller.shift(dt.timedelta(minutes=40))
        assert "已超报到时限" in c.get(CONSOLE).content.decode()
        card = c.post(dept_url(housing), {"action": "report_in"}, HTTP_HX_REQUEST="true")
        assert card.status_code == 200 and "已报到（迟到）" in card.content.decode()
        again = c.post(dept_url(housing), {"action": "report_in"})
        refused = again.content.decode()
        assert again.status_code == 422 and "不能执行「部门报到」" in refused and "部门进展（progress）" in refused
        empty = c.post(dept_url(housing), {"action": "progress", "note": " "})
        assert empty.status_code == 422 and "进展情况" in empty.content.decode()
        progress = c.post(dept_url(housing), {"action": "progress", "note": "已派人到场勘查"})
        assert progress.status_code == 200 and "已派人到场勘查" in progress.content.decode()
        no_result = c.post(dept_url(housing), {"action": "result", "result": ""})
        assert no_result.status_code == 422 and "处理结果" in no_result.content.decode()
        done = c.post(dept_url(housing), {"action": "result", "result": "已出具鉴定报告"})
        assert done.status_code == 200 and "已反馈处理结果" in done.content.decode()
        housing.refresh_from_db()
        assert (housing.state, housing.late, housing.result) == ("result", True, "已出具鉴定报告")
        actions = list(appeal.events.order_by("id").values_list("action", "from_state", "to_state"))
        assert ("summons_progress", "accepted", "accepted") in actions
        page = c.get(CONSOLE).content.decode()
        assert "最近已反馈" in page and "已出具鉴定报告" in page
        street = as_(client, duty["street_staff"])
        page = street.get(page_url(appeal)).content.decode()
        assert "已派人到场勘查" in page and "已出具鉴定报告" in page and 'name="score"' in page
        rate_url = reverse("appeals_staff:summons_rate", args=[appeal.pk, housing.pk])
        bad = street.post(rate_url, {"score": "9"}, follow=True)
        assert "评分" in bad.content.decode()
        assert street.post(rate_url, {"score": "4", "note": "响应及时"}).status_code == 302
        housing.refresh_from_db()
        assert (housing.state, housing.score, housing.rating_note) == ("rated", 4, "响应及时")


def test_another_department_cannot_act_on_a_summons(client, submit, duty, departments):  # noqa: F811
    appeal = accepted(submit, duty)
    (housing,) = summons_create(actor=duty["street_staff"], appeal_id=appeal.pk, departments=["housing"], reason="x")
    response = as_(client, departments["police"]).post(dept_url(housing), {"action": "report_in"})
    assert response.status_code == 404
    assert as_(client, duty["street_staff"]).post(dept_url(housing), {"action": "report_in"}).status_code == 403
    housing.refresh_from_db()
    assert housing.state == "summoned"


def test_progress_needs_a_report_in_first_and_the_right_department(submit, duty, departments):  # noqa: F811
    appeal = accepted(submit, duty)
    (housing,) = summons_create(actor=duty["street_staff"], appeal_id=appeal.pk, departments=["housing"], reason="x")
    with pytest.raises(ValidationFailed):
        summons_progress(actor=departments["housing"], summons_id=housing.pk, note="进行中")
    summons_report_in(actor=departments["housing"], summons_id=housing.pk)
    with pytest.raises(PermissionDenied):
        summons_progress(actor=departments["police"], summons_id=housing.pk, note="进行中")
    summons_progress(actor=departments["housing"], summons_id=housing.pk, note="进行中")
    event = AppealEvent.objects.get(action="summons_progress")
    assert event.data == {"department": "housing", "summons_id": housing.pk} and event.note == "进行中"


def test_the_api_accepts_progress(submit, duty, departments):  # noqa: F811
    appeal = accepted(submit, duty)
    (housing,) = summons_create(actor=duty["street_staff"], appeal_id=appeal.pk, departments=["housing"], reason="x")
    officer = api_client_for(departments["housing"])
    url = f"/api/v1/appeals/summons/{housing.pk}"
    officer.post(url, json.dumps({"action": "report_in"}), content_type="application/json")
    response = officer.post(url, json.dumps({"action": "progress", "note": "已到场"}), content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "reported_in"
    empty = officer.post(url, json.dumps({"action": "progress"}), content_type="application/json")
    assert empty.status_code == 422
    detail = api_client_for(duty["street_staff"]).get(f"/api/v1/appeals/{appeal.pk}").json()
    assert detail["events"][-1]["action"] == "summons_progress"
    assert detail["events"][-1]["action_label"] == "部门进展"
