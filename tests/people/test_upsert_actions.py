"""Registry writes validate every field, respect the area, and repeat without changing anything."""

import pytest

from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.people.actions import household_upsert, resident_upsert
from gongzhi.people.models import Household, Resident, Tag
from tests.conftest import GRID_A, MICRO_A, MICRO_B
from tests.factories import make_id_number


@pytest.fixture
def tags(db):
    return [Tag.objects.create(code="alone", name="独居"), Tag.objects.create(code="empty", name="空巢")]


def test_household_and_resident_upsert_is_idempotent(district, areas, tags):
    actor = district["community_worker_a"]
    household, state = household_upsert(actor=actor, number="H1", area=areas[MICRO_A], address="1号楼101")
    assert state == "created"
    assert household_upsert(actor=actor, number="H1", area=areas[MICRO_A], address="1号楼101")[1] == "unchanged"
    id_number = make_id_number("19500315")
    kwargs = {
        "actor": actor,
        "household": household,
        "name": "王秀英",
        "id_number": id_number,
        "phone": "13600000000",
        "tags": ["独居"],
        "relation": "户主",
    }
    resident, state = resident_upsert(**kwargs)
    assert state == "created"
    assert (resident.name_pinyin, resident.name_initials) == ("wangxiuying", "wxy")
    assert str(resident.birth_date) == "1950-03-15"
    events = AuditEvent.objects.count()
    assert resident_upsert(**kwargs)[1] == "unchanged"
    assert AuditEvent.objects.count() == events
    assert resident_upsert(**(kwargs | {"tags": ["独居", "空巢"]}))[1] == "updated"
    assert Resident.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "370211195003150011"}, "id_number"),
        ({"id_number": "12345"}, "id_number"),
        ({"name": ""}, "name"),
        ({"phone": "999"}, "phone"),
        ({"gender": "女"}, "gender"),  # the ID says male
        ({"birth_date": "1960-01-01"}, "birth_date"),
        ({"birth_date": "not a date"}, "birth_date"),
        ({"tags": ["不存在的标签"]}, "tags"),
    ],
)
def test_bad_fields_are_refused_with_the_field_named(district, household_a, tags, overrides, field):
    kwargs = {
        "actor": district["community_worker_a"],
        "household": household_a,
        "name": "赵六",
        "id_number": "37021119500315001X",
    } | overrides
    # 37021119500315001X: valid checksum, odd sequence digit → male
    with pytest.raises(ValidationFailed) as exc:
        resident_upsert(**kwargs)
    assert exc.value.field == field
    assert Resident.objects.count() == 0


def test_households_belong_to_a_microgrid(district, areas):
    with pytest.raises(ValidationFailed) as exc:
        household_upsert(actor=district["street_staff"], number="H2", area=areas[GRID_A], address="x")
    assert exc.value.field == "area_code"
    assert not Household.objects.exists()


def test_writing_into_another_area_is_forbidden(district, areas, household_b):
    with pytest.raises(PermissionDenied):
        household_upsert(actor=district["community_worker_a"], number="H3", area=areas[MICRO_B], address="x")
    with pytest.raises(PermissionDenied):
        resident_upsert(
            actor=district["community_worker_a"], household=household_b, name="钱七", id_number=make_id_number()
        )
    assert not Resident.objects.exists()
