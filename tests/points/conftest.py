"""A points scheme over street 001 (灵山卫) with the default catalogue, and helpers to move awards along."""

import pytest

from gongzhi.points.actions.accounts import account_open_for_household
from gongzhi.points.actions.award_workflow import award_transition
from gongzhi.points.actions.awards import award_propose
from gongzhi.points.actions.schemes import catalogue_install, scheme_create
from tests.conftest import STREET


@pytest.fixture
def scheme(district):
    s = scheme_create(
        actor=district["street_staff"], area=district.areas[STREET], name="德育乡村积分", opening_balance=0
    )
    catalogue_install(actor=district["street_staff"], scheme=s)
    return s


@pytest.fixture
def account_a(scheme, household_a):
    return account_open_for_household(household=household_a)


@pytest.fixture
def account_b(scheme, household_b):
    return account_open_for_household(household=household_b)


def propose(district, household, rule_code="env-cleanup", **kw):
    kw.setdefault("evidence", "参加5月人居环境整治，照片见群")
    return award_propose(actor=district["grid_worker_a"], household=household, rule_code=rule_code, **kw)


def move(district, award, *steps):
    """Run (persona, action[, note]) steps; returns the award after the last one."""
    for step in steps:
        persona, action, *note = step
        award = award_transition(
            actor=district[persona], award_id=award.pk, action=action, note=note[0] if note else ""
        )
    return award
