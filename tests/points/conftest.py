"""A points scheme over street 001 (灵山卫) with the default catalogue, and helpers to move awards along."""

import pytest

from gongzhi.points import actions
from tests.conftest import STREET


@pytest.fixture
def scheme(district):
    s = actions.scheme_create(
        actor=district["street_staff"], area=district.areas[STREET], name="德育乡村积分", opening_balance=0
    )
    actions.catalogue_install(actor=district["street_staff"], scheme=s)
    return s


@pytest.fixture
def account_a(scheme, household_a):
    return actions.account_open_for_household(household=household_a)


@pytest.fixture
def account_b(scheme, household_b):
    return actions.account_open_for_household(household=household_b)


def propose(district, household, rule_code="env-cleanup", **kw):
    kw.setdefault("evidence", "参加5月人居环境整治，照片见群")
    return actions.award_propose(actor=district["grid_worker_a"], household=household, rule_code=rule_code, **kw)


def move(district, award, *steps):
    """Run (persona, action[, note]) steps; returns the award after the last one."""
    for step in steps:
        persona, action, *note = step
        award = actions.award_transition(
            actor=district[persona], award_id=award.pk, action=action, note=note[0] if note else ""
        )
    return award
