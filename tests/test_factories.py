"""The factories write rows as the real code does: derived fields follow, PII is sealed, memberships are granted."""

import pytest

from gongzhi.accounts.models import Membership
from gongzhi.people.models import Resident
from tests.conftest import GRID_A, MICRO_A
from tests.factories import (
    DepartmentFactory,
    GridAssignmentFactory,
    HouseholdFactory,
    ResidentFactory,
    UserFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db


def test_a_user_signs_in_with_the_test_password_and_gets_a_membership_only_with_role_and_area(client, areas):
    plain, worker = UserFactory(), UserFactory(role="grid_worker", at=areas[GRID_A])
    assert plain.username != worker.username and plain.display_name == plain.username
    assert client.login(username=worker.username, password="pass-1234")
    assert not Membership.objects.filter(user=plain).exists()
    membership = Membership.objects.get(user=worker)
    assert (membership.role, membership.area.code) == ("grid_worker", GRID_A)


def test_a_resident_lives_where_the_household_is_with_a_sealed_id_number(areas):
    household = HouseholdFactory(area=areas[MICRO_A])
    assert household.area_code == MICRO_A and household.address.startswith(areas[MICRO_A].name)
    id_number = make_id_number(birth="19520304")
    resident = ResidentFactory(household=household, name="王秀兰", id_number=id_number, phone="13812345678")
    resident.refresh_from_db()
    assert (resident.area_id, resident.area_code) == (household.area_id, MICRO_A)
    assert resident.id_number_plain == id_number and id_number not in resident.id_number_encrypted
    assert resident.birth_date.isoformat() == "1952-03-04" and resident.name_initials == "wxl"
    assert Resident.objects.filter(id_number_hash=resident.id_number_hash).count() == 1
    assert ResidentFactory(household=household).id_number_hash != resident.id_number_hash  # each its own number


def test_tags_and_an_assignment_follow_what_they_name(areas):
    resident = ResidentFactory(household=HouseholdFactory(area=areas[MICRO_A]), tags=["独居", "低保"])
    assert sorted(resident.tags.values_list("name", flat=True)) == ["低保", "独居"]
    duty = GridAssignmentFactory(area=areas[MICRO_A], kind="microgrid", on_duty=True)
    assert duty.area_code == MICRO_A and duty.user.pk
    assert DepartmentFactory().kind == "government"
