"""Named personas over a small district. Tests say `street_staff`, `grid_worker_a`, `resident_b` …"""

import os
from dataclasses import dataclass

os.environ.setdefault("CACHE_BACKEND", "locmem")
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

import pytest
from django.test import Client

from tests import factories

# Streets 001 and 002; community A = 370211001001, community B = 370211001002 (same street), C in street 002.
STREET = "370211001"
OTHER_STREET = "370211002"
COMMUNITY_A = "370211001001"
COMMUNITY_B = "370211001002"
GRID_A = "370211001001001"
GRID_A2 = "370211001001002"
GRID_B = "370211001002001"
MICRO_A = "37021100100100101"
MICRO_B = "37021100100200101"


@dataclass
class District:
    areas: dict
    people: dict

    def __getitem__(self, key: str):
        return self.people[key]


PERSONAS = {
    # name: (role, area code)
    "admin": ("admin", "370211"),
    "street_staff": ("street_staff", STREET),
    "other_street_staff": ("street_staff", OTHER_STREET),
    "community_worker_a": ("community_worker", COMMUNITY_A),
    "community_worker_b": ("community_worker", COMMUNITY_B),
    "grid_worker_a": ("grid_worker", GRID_A),
    "grid_worker_a2": ("grid_worker", GRID_A2),
    "grid_worker_b": ("grid_worker", GRID_B),
    "microgrid_worker_a": ("microgrid_worker", MICRO_A),
    "department": ("department", STREET),
    "party_member_a": ("party_member", COMMUNITY_A),
    "volunteer_a": ("volunteer", COMMUNITY_A),
    "partner": ("partner", STREET),
    "resident_a": ("resident", MICRO_A),
    "resident_b": ("resident", MICRO_B),
    "nobody": (None, None),
    # The platform admin as `createsuperuser` makes it: a superuser with no membership, reaching every area.
    "superuser": (None, None),
}
SUPERUSERS = frozenset({"superuser"})


@pytest.fixture(autouse=True)
def _fresh_caches():
    from django.core.cache import cache

    import gongzhi.areas.geometry as geometry
    from gongzhi.core.recent import Recent

    cache.clear()
    geometry._cached = None
    Recent.forget_everywhere()  # tokens' checks, categories, the boundary version …
    yield


@pytest.fixture
def areas(db):
    return factories.build_area_tree()


@pytest.fixture
def district(areas) -> District:
    people = {}
    for name, (role, code) in PERSONAS.items():
        superuser = name in SUPERUSERS
        people[name] = factories.UserFactory(
            username=name, role=role, at=areas[code] if code else None, is_superuser=superuser, is_staff=superuser
        )
    return District(areas=areas, people=people)


@pytest.fixture
def household_a(areas):
    return factories.HouseholdFactory(area=areas[MICRO_A], number="HA-0001", address="灵山卫1社区 1号楼1单元101")


@pytest.fixture
def household_b(areas):
    return factories.HouseholdFactory(area=areas[MICRO_B], number="HB-0001", address="灵山卫2社区 3号楼2单元502")


@pytest.fixture
def resident_in_a(household_a):
    return factories.ResidentFactory(household=household_a, name="张三", phone="13812345678", tags=["独居"])


@pytest.fixture
def resident_in_b(household_b):
    return factories.ResidentFactory(household=household_b, name="李四", phone="13987654321")


def _signed_in_fully(original):
    """`Client.force_login` / `Client.login` sign in without the login page, so without its second step either: the
    session they make has passed it, as a session that typed the code would have. Tests of the second step itself
    (tests/otp/) sign in through `/login/` and see it owed."""

    def _login(self, user, backend=None):
        original(self, user, backend)
        from gongzhi.accounts import otp

        session = self.session
        session[otp.SESSION_KEY] = otp.verified_state(session, user, method="test")
        session.save()

    return _login


Client._login = _signed_in_fully(Client._login)


def second_factor_proof(user):
    """What a passed second step gives `api_token_issue` (tests that issue tokens as a signed-in client would)."""
    from gongzhi.accounts.otp import Proof
    from gongzhi.core import clock

    return Proof(user_id=user.pk, method="test", at=clock.now())


def api_client_for(user):
    """A Django test client that sends a fresh bearer token for `user` (issued as after the second step)."""
    from gongzhi.accounts.actions import api_token_issue

    _token, raw = api_token_issue(user=user, proof=second_factor_proof(user))
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def as_user():
    return api_client_for
