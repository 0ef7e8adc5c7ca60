"""Matching personas on the shared district: the catalogue seeded, residents bound to their records."""

import pytest

from gongzhi.accounts.models import User
from gongzhi.matching.actions.catalogue import catalogue_seed
from gongzhi.matching.models import ServiceItem
from tests import factories


@pytest.fixture
def catalogue(db):
    catalogue_seed()
    return {i.name: i for i in ServiceItem.objects.select_related("category")}


@pytest.fixture
def people(district, household_a, household_b, catalogue):
    """The district with resident_a/resident_b signed in as their own resident records."""
    for name, household, person in (("resident_a", household_a, "张三"), ("resident_b", household_b, "李四")):
        resident = factories.ResidentFactory(household=household, name=person)
        User.objects.filter(pk=district[name].pk).update(resident=resident)
        district.people[name] = User.objects.get(pk=district[name].pk)
    return district


def order(people, *, kind="order", item="上门探访", who="resident_a", **extra):
    from gongzhi.matching.actions.demands import demand_create
    from gongzhi.matching.models import ServiceItem

    item_id = ServiceItem.objects.get(name=item).pk
    return demand_create(actor=people[who], kind=kind, item_id=item_id, title=extra.pop("title", "需要帮忙"), **extra)
