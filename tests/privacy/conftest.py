"""Two residents with logins (张三 in micro-grid A, 李四 in micro-grid B), each with an appeal, points and a
volunteer record of their own, so a copy of one can be checked for anything of the other."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from gongzhi.appeals.actions import appeal_submit
from gongzhi.core import ledger
from gongzhi.points.actions.accounts import account_open_for_household
from gongzhi.points.actions.schemes import scheme_create
from gongzhi.volunteering.actions.activities import activity_create
from gongzhi.volunteering.actions.signups import signup_create
from gongzhi.volunteering.actions.volunteers import volunteer_register
from tests.conftest import COMMUNITY_A, COMMUNITY_B, MICRO_A, MICRO_B, STREET

NOW = timezone.make_aware(dt.datetime(2026, 6, 1, 9, 0))


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _link(user, resident):
    user.resident = resident
    user.save(update_fields=["resident"])
    return user


@pytest.fixture
def residents(district, clock, resident_in_a, resident_in_b):
    a = _link(district["resident_a"], resident_in_a)
    b = _link(district["resident_b"], resident_in_b)
    scheme = scheme_create(actor=district["street_staff"], area=district.areas[STREET], name="积分", opening_balance=0)
    issuance = ledger.account_by_code(code=scheme.system_code("issuance"))
    for user, micro, community, text, points in (
        (a, MICRO_A, COMMUNITY_A, "张三家楼道灯坏了", 30),
        (b, MICRO_B, COMMUNITY_B, "李四家门口井盖松动", 70),
    ):
        appeal_submit(
            actor=user, description=text, channel="resident_web", area_code=micro, contact_phone="13800000000"
        )
        account = account_open_for_household(household=user.resident.household)
        ledger.post(
            kind="points.award",
            lines=[(issuance, -points), (account.ledger_account, points)],
            memo=f"{user.resident.name}助人为乐",
            reference=f"bonus-{user.pk}",
        )
        volunteer = volunteer_register(
            actor=district["street_staff"],
            user=user,
            name=user.resident.name,
            kind="resident",
            area=district.areas[community],
            birth_date=dt.date(1980, 1, 1),
            skills=(),
        )
        activity = activity_create(
            actor=district["street_staff"],
            title=f"{user.resident.name}的社区活动",
            area=district.areas[community],
            starts_at=NOW + dt.timedelta(days=3),
            ends_at=NOW + dt.timedelta(days=3, hours=2),
            place="社区广场",
            capacity=5,
        )
        signup_create(actor=user, activity_id=activity.pk, volunteer=volunteer)
    return a, b
