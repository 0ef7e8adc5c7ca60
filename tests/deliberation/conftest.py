"""Deliberation fixtures: the clock held on a working Monday, households of community A with resident accounts,
a meeting of community A with everyone invited, and helpers to make votes."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from gongzhi.deliberation.actions import meetings, votes
from tests.appeals.conftest import categories, duty, submit  # noqa: F401  (fixtures used by the cluster tests)
from tests.conftest import COMMUNITY_A, MICRO_A
from tests.factories import HouseholdFactory, ResidentFactory, UserFactory

T0 = timezone.make_aware(dt.datetime(2026, 3, 16, 9, 0))  # a working Monday


@pytest.fixture
def at():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def resident_user(areas, household, name):
    """An account linked to a resident of `household`, with the resident role at the household's micro-grid."""
    resident = ResidentFactory(household=household, name=name)
    user = UserFactory(username=f"u-{name}-{household.number}", role="resident", at=areas[household.area_code])
    user.resident = resident
    user.save(update_fields=["resident"])
    return user


@pytest.fixture
def homes(district, areas):
    """Three households of MICRO_A: 王家 (two adults), 李家 and 赵家 (one each)."""
    wang = HouseholdFactory(area=areas[MICRO_A], number="W-1")
    li = HouseholdFactory(area=areas[MICRO_A], number="L-1")
    zhao = HouseholdFactory(area=areas[MICRO_A], number="Z-1")
    return {
        "wang1": resident_user(areas, wang, "王一"),
        "wang2": resident_user(areas, wang, "王二"),
        "li": resident_user(areas, li, "李一"),
        "zhao": resident_user(areas, zhao, "赵一"),
    }


@pytest.fixture
def meeting(district, at, homes):
    m = meetings.meeting_create(
        actor=district["community_worker_a"],
        kind="compound_council",
        title="议事会",
        area_code=COMMUNITY_A,
        starts_at=T0 + dt.timedelta(hours=1),
        ends_at=T0 + dt.timedelta(hours=3),
        capacity=2,
    )
    meetings.meeting_invite(actor=district["community_worker_a"], meeting_id=m.pk, groups=["resident"])
    return m


def make_vote(district, meeting, **rules):
    rules.setdefault("closes_at", T0 + dt.timedelta(hours=2))
    vote = votes.vote_create(actor=district["community_worker_a"], meeting_id=meeting.pk, question="加装电梯", **rules)
    return votes.vote_move(actor=district["community_worker_a"], vote_id=vote.pk, action="open")
