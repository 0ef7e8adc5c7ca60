"""Ranked suggestions for the dispatcher: each factor shown with its share, and the order they make."""

import datetime as dt

import pytest

from gongzhi.matching import selectors
from gongzhi.matching.models import Resource, ResourceArea, ServiceItem
from gongzhi.people.models import PartyMember, PartyOrganization, ResponsibilityZone
from tests.conftest import COMMUNITY_A, GRID_A, MICRO_A, OTHER_STREET, STREET
from tests.matching.conftest import order

pytestmark = pytest.mark.django_db


def offer(people, title, item, served, *, capacity=4, rating=(0, 0), member=None, valid_until=None):
    item = ServiceItem.objects.get(name=item)
    r = Resource.objects.create(
        item=item, category_id=item.category_id, title=title, provider_kind="volunteer", provider_name=title,
        owner=people["street_staff"], area=people.areas[STREET], area_code=STREET, capacity=capacity,
        rating_sum=rating[0], rating_count=rating[1], party_member=member, valid_until=valid_until,
    )  # fmt: skip
    ResourceArea.objects.bulk_create([ResourceArea(resource=r, area_code=c, category_id=r.category_id) for c in served])
    return r


def scores(demand):
    return {s.resource.title: s for s in selectors.suggestions(demand=demand)}


def test_each_factor_is_shown_and_the_nearest_exact_offer_ranks_first(people):
    d = order(people, item="上门探访")  # the resident lives in MICRO_A
    offer(people, "street-wide", "上门探访", [STREET])
    offer(people, "own microgrid", "上门探访", [MICRO_A])
    offer(people, "same category", "精神慰藉", [MICRO_A])
    offer(people, "wrong category", "水电维修", [MICRO_A])
    offer(people, "elsewhere", "上门探访", [OTHER_STREET])
    offer(people, "expired", "上门探访", [MICRO_A], valid_until=dt.date(2000, 1, 1))
    ranked = selectors.suggestions(demand=d)
    assert [s.resource.title for s in ranked] == ["own microgrid", "same category", "street-wide"]
    top = ranked[0]
    assert [f.key for f in top.factors] == ["category", "distance", "capacity", "rating", "zone"]
    assert top.score == pytest.approx(sum(f.points for f in top.factors), abs=0.2)
    by = {f.key: f for f in top.factors}
    assert (by["category"].value, by["distance"].value, by["capacity"].value) == (1.0, 1.0, 1.0)
    assert by["rating"].value == 0.6 and "尚无评价" in by["rating"].why
    street = {f.key: f for f in ranked[2].factors}
    assert street["distance"].value == 0.25  # the street is three levels above the microgrid


def test_capacity_used_this_month_and_ratings_move_the_order(people):
    from gongzhi.matching.actions.flow import demand_move

    busy = offer(people, "busy", "上门探访", [COMMUNITY_A], capacity=1, rating=(25, 5))
    offer(people, "free", "上门探访", [COMMUNITY_A], capacity=1, rating=(15, 5))
    first = order(people)
    assert [s.resource.title for s in selectors.suggestions(demand=first)] == ["busy", "free"]  # rated higher
    demand_move(actor=people["street_staff"], demand_id=first.pk, action="dispatch", data={"resource_id": busy.pk})
    second = order(people)
    ranked = scores(second)
    assert {f.key: f.value for f in ranked["busy"].factors}["capacity"] == 0
    assert [s.resource.title for s in selectors.suggestions(demand=second)] == ["free", "busy"]


def test_a_party_member_whose_responsibility_zone_holds_the_demand_ranks_higher(people):
    branch = PartyOrganization.objects.create(name="第一党支部", kind="branch", area=people.areas[COMMUNITY_A],
                                              area_code=COMMUNITY_A)  # fmt: skip
    member = PartyMember.objects.create(name="王党员", kind="in_service", area=people.areas[COMMUNITY_A],
                                        area_code=COMMUNITY_A, organization=branch)  # fmt: skip
    ResponsibilityZone.objects.create(party_member=member, area=people.areas[GRID_A], description="1号楼")
    offer(people, "zone member", "上门探访", [COMMUNITY_A], member=member)
    offer(people, "no zone", "上门探访", [COMMUNITY_A])
    ranked = selectors.suggestions(demand=order(people))
    assert [s.resource.title for s in ranked] == ["zone member", "no zone"]
    assert {f.key: f.value for f in ranked[0].factors}["zone"] == 1.0


def test_only_dispatchers_of_the_area_read_suggestions(people, as_user):
    d = order(people)
    offer(people, "x", "上门探访", [COMMUNITY_A])
    url = f"/api/v1/matching/demands/{d.pk}/suggestions"
    ok = as_user(people["street_staff"]).get(url)
    assert ok.status_code == 200 and ok.json()[0]["factors"][0]["key"] == "category"
    assert as_user(people["grid_worker_a"]).get(url).status_code == 403
    assert as_user(people["resident_a"]).get(url).status_code == 403
    assert as_user(people["other_street_staff"]).get(url).status_code == 404
