"""吹哨报到: the street summons departments; they report in by the deadline, hand back results and are rated."""

import datetime as dt
import json

import pytest
import time_machine

from gongzhi.accounts.actions import membership_grant
from gongzhi.appeals.actions import appeal_transition
from gongzhi.appeals.summons import summons_create, summons_rate, summons_report_in, summons_result
from gongzhi.core.errors import DomainError, PermissionDenied, ValidationFailed
from tests.appeals.conftest import T0
from tests.conftest import STREET, api_client_for
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def departments(duty, areas):
    housing = DepartmentFactory(code="housing", name="住建局")
    police = DepartmentFactory(code="police", name="派出所")
    officers = {}
    for dept in (housing, police):
        user = UserFactory(username=f"{dept.code}_officer")
        membership_grant(actor=None, user=user, role="department", area=areas[STREET], department=dept)
        officers[dept.code] = user
    return officers


def accepted(submit, duty, category="structure"):
    appeal = submit(category=category)
    return appeal_transition(actor=duty["street_staff"], appeal=appeal.pk, action="accept")


def test_the_street_summons_departments_with_a_30_minute_report_in(submit, duty, departments):
    with time_machine.travel(T0, tick=False) as traveller:
        appeal = accepted(submit, duty)
        housing, police = summons_create(
            actor=duty["street_staff"], appeal_id=appeal.pk, departments=["housing", "police"], reason="楼体开裂"
        )
        assert housing.report_by == T0 + dt.timedelta(minutes=30)
        traveller.shift(dt.timedelta(minutes=20))
        housing = summons_report_in(actor=departments["housing"], summons_id=housing.pk)
        traveller.shift(dt.timedelta(minutes=15))
        police = summons_report_in(actor=departments["police"], summons_id=police.pk)
    assert housing.late is False and police.late is True
    assert list(appeal.events.filter(action="report_in").values_list("data__late", flat=True)) == [False, True]


def test_a_department_stays_on_the_case_until_it_hands_back_its_result(submit, duty, departments):
    appeal = accepted(submit, duty)
    (housing,) = summons_create(actor=duty["street_staff"], appeal_id=appeal.pk, departments=["housing"], reason="鉴定")
    appeal_transition(actor=duty["street_staff"], appeal=appeal.pk, action="handle", note="已加固")
    appeal_transition(actor=duty["street_staff"], appeal=appeal.pk, action="verify")
    with pytest.raises(ValidationFailed) as info:
        appeal_transition(actor=duty["street_staff"], appeal=appeal.pk, action="close")
    assert "住建局" in str(info.value.message)
    summons_report_in(actor=departments["housing"], summons_id=housing.pk)
    summons_result(actor=departments["housing"], summons_id=housing.pk, result="已出具鉴定报告并督促维修")
    assert appeal_transition(actor=duty["street_staff"], appeal=appeal.pk, action="close").state == "closed"
    rated = summons_rate(actor=duty["street_staff"], summons_id=housing.pk, score=5, note="响应迅速")
    assert (rated.state, rated.score) == ("rated", 5)


def test_only_the_summoned_department_reports_in(submit, duty, departments):
    appeal = accepted(submit, duty)
    (housing,) = summons_create(actor=duty["street_staff"], appeal_id=appeal.pk, departments=["housing"], reason="x")
    for who in (departments["police"], duty["department"], duty["grid_worker_a"]):
        with pytest.raises(PermissionDenied):
            summons_report_in(actor=who, summons_id=housing.pk)
    housing.refresh_from_db()
    assert housing.state == "summoned"


@pytest.mark.parametrize(
    ("persona", "kwargs", "status"),
    [
        ("microgrid_worker_a", {}, 403),
        ("community_worker_a", {}, 403),
        ("other_street_staff", {}, 404),
        ("street_staff", {"departments": ["nope"]}, 422),
        ("street_staff", {"reason": " "}, 422),
    ],
)
def test_bad_summons_are_refused(submit, duty, departments, persona, kwargs, status):
    appeal = accepted(submit, duty)
    params = {"departments": ["housing"], "reason": "楼体开裂", **kwargs}
    with pytest.raises(DomainError) as info:
        summons_create(actor=duty[persona], appeal_id=appeal.pk, **params)
    assert info.value.status_code == status
    assert not appeal.summons.exists()


def test_the_summons_api(submit, duty, departments):
    appeal = accepted(submit, duty)
    street = api_client_for(duty["street_staff"])
    response = street.post(
        f"/api/v1/appeals/{appeal.pk}/summons",
        json.dumps({"departments": ["housing"], "reason": "楼体开裂", "report_minutes": 45}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    summons_id = response.json()[0]["id"]
    officer = api_client_for(departments["housing"])
    response = officer.post(
        f"/api/v1/appeals/summons/{summons_id}", json.dumps({"action": "report_in"}), content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == "reported_in"
    detail = street.get(f"/api/v1/appeals/{appeal.pk}").json()
    assert detail["summons"][0]["department"] == "housing"
    assert [e["action"] for e in detail["events"]][-2:] == ["summon", "report_in"]
