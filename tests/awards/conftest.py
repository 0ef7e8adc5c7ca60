"""A street of facts for awards: party members of community A with wishes, hours, zone services and appeals;
grids with appeals, inspections and volunteer hours; an honour with nominations; the clock fixed in 2026."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.appeals.models import Appeal, State
from gongzhi.awards.actions.schemes import scheme_create
from gongzhi.inspections.actions.places import place_create
from gongzhi.inspections.models import ChecklistTemplate, Inspection
from gongzhi.inspections.seeding import seed_templates
from gongzhi.matching.actions.catalogue import catalogue_seed
from gongzhi.matching.models import Demand, DemandEvent, DemandState, HolderKind, ServiceItem
from gongzhi.people.models import PartyMember, PartyOrganization, ResponsibilityZone
from gongzhi.volunteering.models import Activity, Attendance, Signup, Volunteer
from tests import factories
from tests.conftest import COMMUNITY_A, GRID_A, GRID_A2, MICRO_A, STREET

NOW = timezone.make_aware(dt.datetime(2026, 12, 7, 10, 0))
IN_2026 = timezone.make_aware(dt.datetime(2026, 5, 10, 9, 0))
IN_2025 = timezone.make_aware(dt.datetime(2025, 5, 10, 9, 0))


def t(month, day=10, year=2026):
    return timezone.make_aware(dt.datetime(year, month, day, 9, 0))


@pytest.fixture
def at():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def residents(district, household_a, household_b):
    """resident_a and resident_b signed in as their resident records (张三 in community A, 李四 in community B)."""
    out = {}
    for name, household, person in (("resident_a", household_a, "张三"), ("resident_b", household_b, "李四")):
        resident = factories.ResidentFactory(household=household, name=person)
        User.objects.filter(pk=district[name].pk).update(resident=resident)
        district.people[name] = User.objects.get(pk=district[name].pk)
        out[name] = resident
    return out


def make_member(district, name, *, user=None, resident=None, area=COMMUNITY_A, zones=(), shows_identity=True):
    org, _ = PartyOrganization.objects.get_or_create(
        area=district.areas[COMMUNITY_A], name="灵山卫1社区党委",
        defaults={"kind": "committee", "area_code": COMMUNITY_A},
    )  # fmt: skip
    member = PartyMember.objects.create(
        name=name, name_pinyin=name, name_initials="x", kind="self_managed", organization=org,
        area=district.areas[area], area_code=area, user=user, resident=resident, shows_identity=shows_identity,
    )  # fmt: skip
    for code in zones:
        ResponsibilityZone.objects.create(party_member=member, area=district.areas[code], description=f"责任区 {code}")
    return member


def make_demand(district, *, holder, kind="wish", area=MICRO_A, state=DemandState.CLOSED, claimed_at=IN_2026,
                closed_at=None, holder_kind=HolderKind.PARTY):  # fmt: skip
    item = ServiceItem.objects.first()
    demand = Demand.objects.create(
        kind=kind, item=item, title="心愿", entered_by=district["community_worker_a"], requester_name="王五",
        area=district.areas[area], area_code=area, state=state, holder=holder, holder_kind=holder_kind,
    )  # fmt: skip
    DemandEvent.objects.create(demand=demand, action="claim", from_state="accepted", to_state="taken", actor=holder,
                               at=claimed_at)  # fmt: skip
    if state == DemandState.CLOSED:
        DemandEvent.objects.create(demand=demand, action="rate", from_state="fulfilled", to_state="closed",
                                   actor=None, at=closed_at or claimed_at + dt.timedelta(days=2))  # fmt: skip
    return demand


_activities = {}


def attend(district, volunteer, *, hours, when=IN_2026, area=COMMUNITY_A, confirmed=True):
    key = (area, when)
    activity = _activities.get(key)
    if activity is None or not Activity.objects.filter(pk=activity.pk).exists():
        activity = Activity.objects.create(
            title="环境整治", area=district.areas[area], area_code=area, organiser=district["community_worker_a"],
            starts_at=when, ends_at=when + dt.timedelta(hours=4), place="社区广场", capacity=50,
            created_by=district["community_worker_a"],
        )  # fmt: skip
        _activities[key] = activity
    signup = Signup.objects.create(activity=activity, volunteer=volunteer, status="confirmed")
    return Attendance.objects.create(
        signup=signup, activity=activity, volunteer=volunteer, status="confirmed" if confirmed else "checked_out",
        checked_in_at=when, checked_out_at=when + dt.timedelta(hours=3), hours=Decimal(hours),
        confirmed_at=when + dt.timedelta(hours=5) if confirmed else None,
    )  # fmt: skip


def volunteer_for(district, user, member, area=COMMUNITY_A):
    return Volunteer.objects.create(user=user, name=member.name, kind="party_member", area=district.areas[area],
                                    area_code=area, party_member=member)  # fmt: skip


_appeal_seq = [0]


def appeal(district, *, area=MICRO_A, reporter=None, created=IN_2026, state=State.CLOSED, responded=None,
           on_time=None, rated=0, satisfied=0):  # fmt: skip
    _appeal_seq[0] += 1
    return Appeal.objects.create(
        number=f"T{_appeal_seq[0]:08d}", description="楼道灯坏了", channel="web", area=district.areas[area],
        area_code=area, reporter=reporter, state=state, created_at=created, responded_on_time=responded,
        closed_on_time=on_time, ratings_total=rated, ratings_satisfied=satisfied,
    )  # fmt: skip


def inspect(district, place, *, failed=0, when=IN_2026):
    template = ChecklistTemplate.objects.filter(is_current=True).first()
    return Inspection.objects.create(place=place, template=template, inspector=district["grid_worker_a"],
                                     area_code=place.area_code, done_at=when, failed=failed)  # fmt: skip


@pytest.fixture
def facts(district, residents, at):
    """Two party members with known facts for 2026 (and some for 2025 and unconfirmed, which must not count)."""
    catalogue_seed()
    party_user = district["party_member_a"]
    zhao = make_member(district, "赵党员", user=party_user, zones=[GRID_A])
    qian_user = factories.UserFactory(username="qian", role="party_member", at=district.areas[COMMUNITY_A])
    qian = make_member(district, "钱党员", user=qian_user)
    nobody = make_member(district, "孙党员")  # no login, no records: zeros everywhere
    # 赵: 3 wishes claimed and done in 2026 (2 closed in zone A), 1 in 2025, 1 claimed but still open, 1 errand
    for _ in range(2):
        make_demand(district, holder=party_user)
    make_demand(district, holder=party_user, state=DemandState.FULFILLED)
    make_demand(district, holder=party_user, claimed_at=IN_2025)
    make_demand(district, holder=party_user, state=DemandState.TAKEN)
    make_demand(district, holder=party_user, kind="errand", area="37021100100200101")  # outside the zone
    # 钱: 1 wish, by a volunteer grab (not a party claim): does not count
    make_demand(district, holder=qian_user, holder_kind=HolderKind.VOLUNTEER)
    v_zhao = volunteer_for(district, party_user, zhao)
    attend(district, v_zhao, hours="12.5", area=GRID_A)
    attend(district, v_zhao, hours="8", when=t(9), area=COMMUNITY_A)
    attend(district, v_zhao, hours="30", when=IN_2025)
    attend(district, v_zhao, hours="5", when=t(10), confirmed=False)
    v_qian = volunteer_for(district, qian_user, qian)
    attend(district, v_qian, hours="50", when=t(6), area=GRID_A2)
    for _ in range(4):
        appeal(district, reporter=party_user)
    appeal(district, reporter=party_user, state=State.CANCELLED)
    appeal(district, reporter=party_user, created=IN_2025)
    appeal(district, reporter=qian_user)
    return {"zhao": zhao, "qian": qian, "nobody": nobody, "qian_user": qian_user}


@pytest.fixture
def grid_facts(district, at):
    """Grid A: 4 accepted (3 in time), 3 closed (2 on time), 5 ratings (4 satisfied), 2 inspections (1 passed),
    20 h; grid A2: nothing but 2 inspections both passed; grid B nothing at all."""
    from django.core.management import call_command

    call_command("seed_categories", verbosity=0)
    seed_templates()
    for responded, on_time, rated, satisfied in ((True, True, 2, 2), (True, True, 1, 1), (True, False, 2, 1),
                                                  (False, None, 0, 0)):  # fmt: skip
        appeal(district, responded=responded, on_time=on_time, rated=rated, satisfied=satisfied,
               state=State.CLOSED if on_time is not None else State.ACCEPTED)  # fmt: skip
    appeal(district, responded=True, on_time=True, created=IN_2025, rated=3, satisfied=0)
    appeal(district, responded=False, state=State.CANCELLED)
    place_a = place_create(actor=district["street_staff"], area=MICRO_A, name="便民超市", kind="shop")
    place_a2 = place_create(actor=district["street_staff"], area=GRID_A2 + "01", name="早餐店", kind="shop")
    inspect(district, place_a)
    inspect(district, place_a, failed=2)
    inspect(district, place_a, when=IN_2025, failed=3)
    inspect(district, place_a2)
    inspect(district, place_a2)
    volunteer = Volunteer.objects.create(user=factories.UserFactory(username="vv"), name="志愿者甲", kind="resident",
                                         area=district.areas[COMMUNITY_A], area_code=COMMUNITY_A)  # fmt: skip
    attend(district, volunteer, hours="20", area=MICRO_A)
    return {"place_a": place_a}


def party_scheme(district, **kw):
    values = {"kind": "party_stars", "name": "五星级网格党员", "area_code": STREET, "period_kind": "year",
              "year": 2026}  # fmt: skip
    values.update(kw)
    return scheme_create(actor=district["street_staff"], **values)


def honour_scheme(district, *, opens=None, closes=None, **kw):
    values = {"kind": "honour", "name": "最美家庭", "area_code": STREET, "period_kind": "year", "year": 2026,
              "votes_open_at": opens or NOW - dt.timedelta(days=3),
              "votes_close_at": closes or NOW + dt.timedelta(days=7), "winners_per_community": 2}  # fmt: skip
    values.update(kw)
    return scheme_create(actor=district["street_staff"], **values)
