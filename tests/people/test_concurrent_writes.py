"""Two staff saving the same thing at the same moment: the database decides, one wins, nothing is doubled."""

import pytest

from gongzhi.core.errors import Conflict
from gongzhi.people.actions import resident_upsert
from gongzhi.people.models import GridAssignment, Resident
from gongzhi.people.org_actions import grid_assignment_add
from tests.concurrency import POSTGRES_ONLY, run_together
from tests.conftest import GRID_A
from tests.factories import UserFactory, make_id_number

pytestmark = POSTGRES_ONLY


@pytest.mark.django_db(transaction=True)
def test_two_owners_for_one_grid_at_once_one_wins(district, areas):
    actor = district["community_worker_a"]
    users = UserFactory.create_batch(4)
    results = run_together(
        *[
            (lambda u=u: grid_assignment_add(actor=actor, user=u, area=areas[GRID_A], kind="full_time", is_owner=True))
            for u in users
        ]
    )
    assert sum(isinstance(r, GridAssignment) for r in results) == 1
    assert all(isinstance(r, (GridAssignment, Conflict)) for r in results), results
    assert GridAssignment.objects.filter(is_owner=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_resident_saved_twice_at_once_is_one_record(district, household_a):
    actor = district["community_worker_a"]
    id_number = make_id_number()
    results = run_together(
        *[
            (lambda: resident_upsert(actor=actor, household=household_a, name="孙八", id_number=id_number))
            for _ in range(4)
        ]
    )
    states = sorted(r[1] if isinstance(r, tuple) else type(r).__name__ for r in results)
    assert Resident.objects.count() == 1
    assert states.count("created") == 1, states
    assert set(states) <= {"created", "unchanged", "Conflict"}, states
