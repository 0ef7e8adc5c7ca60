"""Fulfilment time, confirmed by the resident's rating, counts as volunteer hours and earns points once per demand
and person through the points bank's own rule (public-volunteer)."""

import pytest

from gongzhi.accounts.models import User
from gongzhi.matching import selectors
from gongzhi.matching.actions.flow import demand_move
from gongzhi.points.actions.schemes import catalogue_install, scheme_create
from gongzhi.points.models import PointsAward
from tests import factories
from tests.conftest import STREET
from tests.matching.test_grab_race import pool_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(people):
    s = scheme_create(actor=people["street_staff"], area=people.areas[STREET], name="德育积分", opening_balance=0)
    catalogue_install(actor=people["street_staff"], scheme=s)
    return s


def test_a_rated_demand_awards_its_holder_once(people, scheme, household_a):
    volunteer = people["volunteer_a"]
    User.objects.filter(pk=volunteer.pk).update(resident=factories.ResidentFactory(household=household_a))
    volunteer.refresh_from_db()
    d = pool_task(people)
    demand_move(actor=volunteer, demand_id=d.pk, action="grab")
    demand_move(actor=volunteer, demand_id=d.pk, action="fulfil", note="送餐到户", data={"hours": "1.5"})
    d = demand_move(actor=people["resident_a"], demand_id=d.pk, action="rate", data={"score": 5})
    award = PointsAward.objects.get()
    assert (award.source_type, award.source_id) == ("matching.demand", f"{d.pk}:{volunteer.pk}")
    assert award.rule.code == "public-volunteer"
    assert d.points_award_id == award.pk
    assert selectors.hours_served(user=volunteer) == 1.5


def test_a_holder_without_a_household_keeps_the_hours_and_the_reason(people, scheme):
    d = pool_task(people)
    demand_move(actor=people["volunteer_a"], demand_id=d.pk, action="grab")
    demand_move(actor=people["volunteer_a"], demand_id=d.pk, action="fulfil", note="好了", data={"hours": 2})
    d = demand_move(actor=people["resident_a"], demand_id=d.pk, action="rate", data={"score": 4})
    assert PointsAward.objects.count() == 0
    assert d.points_note == "承接人未关联居民户，未计积分"
    assert selectors.hours_served(user=people["volunteer_a"]) == 2
