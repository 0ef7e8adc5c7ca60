"""Care around the personas: an elderly resident's archive in micro-grid A (grid worker A and volunteer A as carers),
a child's archive in micro-grid A (party member A as supporter), a 儿童主任 of community A, and a fixed clock."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from gongzhi.care.actions.archives import archive_create
from tests import factories
from tests.conftest import COMMUNITY_A

NOW = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))  # a Monday


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def care(district, clock, household_a, resident_in_a):
    people = district.people
    people["child_director"] = factories.UserFactory(
        username="child_director", role="child_director", at=district.areas[COMMUNITY_A]
    )
    people["volunteer_b"] = factories.UserFactory(username="volunteer_b", role="volunteer",
                                                  at=district.areas[COMMUNITY_A])  # fmt: skip
    elder = archive_create(
        actor=people["community_worker_a"],
        resident_id=resident_in_a.pk,
        tags=["empty-nest", "living-alone"],
        risk_level_code="yellow",
        situation="独居老人，患高血压，子女在外地",
        consent=True,
        needs=[{"kind": "daily_care", "description": "需要帮忙买药"}],
        carers=[{"user_id": people["grid_worker_a"].pk, "kind": "grid_worker"},
                {"user_id": people["volunteer_a"].pk, "kind": "steward"}],
    )  # fmt: skip
    child_resident = factories.ResidentFactory(
        household=household_a, name="小明", id_number=factories.make_id_number("20150601")
    )
    child = archive_create(
        actor=people["child_director"],
        resident_id=child_resident.pk,
        tags=["child-in-difficulty"],
        risk_level_code="red",
        situation="父母外出务工，由祖母照看",
        consent=True,
        carers=[{"user_id": people["party_member_a"].pk, "kind": "party_member"}],
    )
    district.people["elder"] = elder
    district.people["child"] = child
    return district
