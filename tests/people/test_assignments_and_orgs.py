"""Grid assignments ("2+7+N"), departments and partners."""

import pytest

from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.people.models import Compound, GridAssignment
from gongzhi.people.org_actions import (
    compound_deployment,
    department_register,
    grid_assignment_add,
    grid_assignment_end,
    partner_register,
)
from tests.conftest import COMMUNITY_A, GRID_A, MICRO_A, STREET
from tests.factories import UserFactory


@pytest.fixture
def compound(areas):
    return Compound.objects.create(name="长江瑞城", area=areas[GRID_A], area_code=GRID_A)


def test_two_plus_seven_plus_n(district, areas, compound):
    actor = district["community_worker_a"]
    for i in range(2):
        grid_assignment_add(
            actor=actor,
            user=UserFactory(),
            area=areas[GRID_A],
            kind="full_time",
            compound=compound,
            is_owner=i == 0,
        )
    for _ in range(7):
        grid_assignment_add(actor=actor, user=UserFactory(), area=areas[GRID_A], kind="welfare_post", compound=compound)
    grid_assignment_add(actor=actor, user=UserFactory(), area=areas[GRID_A], kind="building_head", compound=compound)
    assert compound_deployment(compound=compound) == {"full_time": 2, "welfare_post": 7, "others": 1}


def test_one_owner_per_grid(district, areas):
    actor = district["community_worker_a"]
    first = grid_assignment_add(actor=actor, user=UserFactory(), area=areas[GRID_A], kind="full_time", is_owner=True)
    with pytest.raises(Conflict):
        grid_assignment_add(actor=actor, user=UserFactory(), area=areas[GRID_A], kind="full_time", is_owner=True)
    grid_assignment_end(actor=actor, assignment=first)
    grid_assignment_add(actor=actor, user=UserFactory(), area=areas[GRID_A], kind="full_time", is_owner=True)
    assert GridAssignment.objects.filter(is_owner=True, ended_on__isnull=True).count() == 1


def test_part_time_rider_assignment_and_bad_cases(district, areas):
    actor = district["community_worker_a"]
    rider = grid_assignment_add(
        actor=actor, user=UserFactory(username="rider"), area=areas[GRID_A], kind="part_time", occupation="外卖骑手"
    )
    assert rider.occupation == "外卖骑手"
    with pytest.raises(ValidationFailed):
        grid_assignment_add(actor=actor, user=UserFactory(), area=areas[GRID_A], kind="microgrid")
    with pytest.raises(ValidationFailed):
        grid_assignment_add(actor=actor, user=UserFactory(), area=areas[COMMUNITY_A], kind="full_time")
    with pytest.raises(ValidationFailed):
        grid_assignment_add(actor=actor, user=UserFactory(), area=areas[MICRO_A], kind="full_time", is_owner=True)
    with pytest.raises(PermissionDenied):
        grid_assignment_add(
            actor=district["community_worker_b"], user=UserFactory(), area=areas[GRID_A], kind="part_time"
        )
    with pytest.raises(Conflict):
        grid_assignment_add(actor=actor, user=rider.user, area=areas[GRID_A], kind="part_time")
    assert GridAssignment.objects.count() == 1


def test_assignments_api_is_scoped(district, areas, as_user):
    grid_assignment_add(
        actor=district["admin"],
        user=UserFactory(username="r"),
        area=areas[GRID_A],
        kind="part_time",
        occupation="外卖骑手",
    )
    body = as_user(district["grid_worker_a"]).get("/api/v1/assignments", {"area": GRID_A}).json()
    assert [a["occupation"] for a in body] == ["外卖骑手"]
    assert as_user(district["grid_worker_a2"]).get("/api/v1/assignments", {"area": GRID_A}).status_code == 403
    superuser = as_user(district["superuser"]).get("/api/v1/assignments", {"area": GRID_A}).json()
    assert [a["occupation"] for a in superuser] == ["外卖骑手"]


def test_departments_and_partners(district, areas, as_user):
    street = areas[STREET]
    department_register(
        actor=district["street_staff"],
        code="chengguan",
        name="城管中队",
        kind="城管",
        areas=[street],
        contact_name="王队",
        contact_phone="13900000000",
    )
    partner_register(actor=district["street_staff"], name="灵山卫中学", kind="school", areas=[street], in_alliance=True)
    with pytest.raises(Conflict):
        department_register(actor=district["street_staff"], code="chengguan", name="x", kind="城管", areas=[street])
    with pytest.raises(ValidationFailed):
        partner_register(actor=district["street_staff"], name="y", kind="bank", areas=[street])
    with pytest.raises(ValidationFailed):
        partner_register(actor=district["street_staff"], name="z", kind="school", areas=[])
    with pytest.raises(PermissionDenied):
        partner_register(actor=district["community_worker_a"], name="w", kind="school", areas=[street])
    depts = as_user(district["grid_worker_a"]).get("/api/v1/departments").json()
    assert [(d["name"], d["phone"]) for d in depts] == [("城管中队", "139****0000")]
    assert as_user(district["other_street_staff"]).get("/api/v1/departments").json() == []
    assert [p["name"] for p in as_user(district["partner"]).get("/api/v1/partners").json()] == ["灵山卫中学"]
    superuser = as_user(district["superuser"])
    assert [d["name"] for d in superuser.get("/api/v1/departments").json()] == ["城管中队"]
    assert [p["name"] for p in superuser.get("/api/v1/partners").json()] == ["灵山卫中学"]
