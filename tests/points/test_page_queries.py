"""How many SQL statements each points page runs, for a resident and for staff, on a scene with a posted award, an
award in publicity, a redemption event with two offers and an open order. The page reads through the selectors
(points/selectors.py, statements.py); these counts may only go down. They include the session and user lookups
that every signed-in page makes."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gongzhi.core import ledger
from gongzhi.points.actions.redemption import redemption_place
from gongzhi.points.actions.store import event_create, event_offer, item_create
from tests import factories
from tests.conftest import COMMUNITY_A
from tests.points.conftest import move, propose

START = dt.datetime(2025, 5, 10, 2, 0, tzinfo=dt.UTC)

# page → (persona, most statements): the figures once the reads moved into selectors (the comments: before, when
# the views queried the models themselves and read the resident's account in two queries and the balance twice).
MOST = {
    "/points/": ("owner", 9),  # 11 before
    "/points/accounts/{account}/": ("street_staff", 8),  # 9 before
    "/points/store/": ("owner", 7),  # 9 before
    "/points/store/#staff": ("grid_worker_a", 5),
    "/points/orders/{order}/": ("owner", 5),
    "/points/board/?area={community}": ("grid_worker_a", 7),
    "/points/rankings/?area={community}": ("grid_worker_a", 11),  # 12 before
    "/points/review/": ("street_staff", 8),
    "/points/manage/": ("street_staff", 10),
    "/points/counter/?code={code}": ("grid_worker_a", 8),
}


@pytest.fixture
def scene(district, scheme, household_a, account_a):
    owner = district["resident_a"]
    owner.resident = factories.ResidentFactory(household=household_a, name="王小明")
    owner.save()
    staff = district["street_staff"]
    issuance = ledger.account_by_code(code=scheme.system_code("issuance"))
    ledger.post(kind="points.award", lines=[(issuance, -100), (account_a.ledger_account, 100)], reference="seed")
    with time_machine.travel(START, tick=False):
        posted = propose(district, household_a)
        move(district, posted, ("street_staff", "review"), ("street_staff", "publish"))
    with time_machine.travel(START + dt.timedelta(days=4), tick=False):
        move(district, posted, ("street_staff", "post"))
        shown = propose(district, household_a, "neighbour-help", points=2)
        move(district, shown, ("street_staff", "review"), ("street_staff", "publish"))
        propose(district, household_a, "neighbour-help", points=1)
        flour = item_create(actor=staff, scheme=scheme, name="面粉", price=30, stock=10)
        oil = item_create(actor=staff, scheme=scheme, name="食用油", price=50, stock=5)
        event = event_create(
            actor=staff,
            scheme=scheme,
            area=district.areas[COMMUNITY_A],
            title="周末兑换",
            place="文化广场",
            starts_at=START + dt.timedelta(days=4),
            ends_at=START + dt.timedelta(days=5),
        )
        event_offer(actor=staff, event=event, item=flour, stock=3)
        event_offer(actor=staff, event=event, item=oil, stock=2)
        order = redemption_place(actor=owner, account=account_a, event=event, item=flour, quantity=1)
    return {"owner": owner, "account": account_a, "order": order}


def _count(user, path: str) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(ctx.captured_queries)


# Since the care app: the navigation bar asks once per page whether a user who reads no care archives is an
# assigned carer (gongzhi/care/nav.py, one EXISTS); the figures above are the points pages' own.
NAV_CARE_CHECK = 1
# Since the demo history: staff get the 积分 tab only where a points scheme runs in their reach (gongzhi/points/nav.py,
# one EXISTS per page for staff; residents none).
NAV_POINTS_CHECK = 1


@pytest.mark.parametrize("page", list(MOST))
def test_each_points_page_runs_no_more_statements_than_before(district, scene, page):
    persona, most = MOST[page]
    user = scene["owner"] if persona == "owner" else district[persona]
    path = page.format(
        account=scene["account"].pk,
        order=scene["order"].pk,
        community=COMMUNITY_A,
        code=scene["order"].pickup_code,
    ).replace("#staff", "")
    with time_machine.travel(START + dt.timedelta(days=4, hours=1), tick=False):
        count = _count(user, path)
    print(f"QUERIES {page} {count}")
    assert count <= most + NAV_CARE_CHECK + NAV_POINTS_CHECK, (page, count)
