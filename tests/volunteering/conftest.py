"""An activity in community A, volunteers made from the personas and plain users, and a clock fixed before it."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from gongzhi.volunteering import codes
from gongzhi.volunteering.actions.activities import activity_create
from gongzhi.volunteering.actions.volunteers import volunteer_register
from tests.conftest import COMMUNITY_A
from tests.factories import UserFactory

START = timezone.make_aware(dt.datetime(2026, 7, 4, 9, 0))
END = timezone.make_aware(dt.datetime(2026, 7, 4, 11, 0))
BEFORE = timezone.make_aware(dt.datetime(2026, 7, 1, 10, 0))


@pytest.fixture
def at():
    """The clock, three days before the activity; tests move it with at.move_to(...)."""
    with time_machine.travel(BEFORE, tick=False) as traveller:
        yield traveller


def make_volunteer(district, name, *, kind="resident", birth=dt.date(1990, 5, 1), skills=(), area_code=COMMUNITY_A):
    user = UserFactory(username=name)
    return volunteer_register(
        actor=district["community_worker_a" if area_code.startswith(COMMUNITY_A) else "street_staff"],
        user=user,
        name=name,
        kind=kind,
        area=district.areas[area_code],
        birth_date=birth,
        skills=skills,
    )


def make_activity(district, *, actor="community_worker_a", **overrides):
    values = {
        "title": "助老扶幼·敬老院陪伴",
        "area": district.areas[COMMUNITY_A],
        "starts_at": START,
        "ends_at": END,
        "place": "灵山卫1社区敬老院",
        "capacity": 3,
    }
    values.update(overrides)
    return activity_create(actor=district[actor], **values)


def code_for(activity, purpose="in", step=None):
    return codes.make(activity_id=activity.pk, salt=activity.qr_salt, purpose=purpose, step=step)


@pytest.fixture
def volunteers(district, at):
    return [make_volunteer(district, f"志愿者{i}") for i in range(6)]


@pytest.fixture
def activity(district, at):
    return make_activity(district)
