"""Statements (passbook on screen and as PDF, rankings, the public board with masked names) and the pages: a
resident redeems and sees a QR pickup code, staff move awards with the buttons the table allows, the counter
fulfils by code, store management; and who may open what."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from gongzhi.core import ledger
from gongzhi.points import statements
from gongzhi.points.actions.awards import award_propose
from gongzhi.points.actions.store import event_create, event_offer, item_create
from gongzhi.points.models import EventItem, PointsAward, RedemptionEvent, RedemptionOrder, StoreItem
from tests import factories
from tests.conftest import COMMUNITY_A, GRID_A, STREET
from tests.points.conftest import move, propose

START = dt.datetime(2025, 5, 10, 8, 0, tzinfo=dt.UTC)


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner(district, household_a):
    user = district["resident_a"]
    user.resident = factories.ResidentFactory(household=household_a, name="王小明")
    user.resident.relation = "户主"
    user.resident.save()
    user.save()
    factories.ResidentFactory(household=household_a, name="李梅")
    return user


def fund(scheme, account, points, ref):
    issuance = ledger.account_by_code(code=scheme.system_code("issuance"))
    return ledger.post(
        kind="points.award",
        lines=[(issuance, -points), (account.ledger_account, points)],
        memo="助人为乐",
        reference=ref,
    )


@pytest.mark.parametrize(
    ("name", "masked"), [("王小明", "王某某"), ("欧阳娜娜", "欧阳某某"), ("", "某户"), ("  李  ", "李某某")]
)
def test_names_are_masked_like_the_village_notice_board(name, masked):
    assert statements.mask_name(name) == masked


def test_the_board_shows_awards_in_publicity_with_masked_names_only(district, scheme, account_a, owner):
    with time_machine.travel(START, tick=False):
        award = propose(district, owner.resident.household)
        move(district, award, ("street_staff", "review"), ("street_staff", "publish"))
        hidden = propose(district, owner.resident.household, "neighbour-help")  # not yet published
        rows = statements.public_board(area_code=COMMUNITY_A)
    assert [(r.award_id, r.holder, r.points) for r in rows] == [(award.pk, "王某某", 5)]
    assert rows[0].area_name == district.areas[account_a.area_code].name
    with time_machine.travel(START + dt.timedelta(days=3, minutes=1), tick=False):
        assert statements.public_board(area_code=COMMUNITY_A) == []  # publicity over
        client = browser_for(district["resident_b"])
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        page = client.get(f"/points/board/?area={COMMUNITY_A}").content.decode()
    assert "王某某" in page and "王小明" not in page and "李梅" not in page
    assert hidden.pk != award.pk


def test_passbook_pages_and_pdf(district, scheme, account_a, owner):
    for i in range(35):
        fund(scheme, account_a, 2, f"f{i}")
    client = browser_for(owner)
    page = client.get("/points/")
    assert page.status_code == 200
    assert page.context["balance"] == 70 and len(page.context["lines"]) == 30
    more = client.get(f"/points/?before={page.context['next_before']}", HTTP_HX_REQUEST="true")
    assert more.content.decode().count("<tr>") == 5
    pdf = client.get(f"/points/accounts/{account_a.pk}/passbook.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000
    lines, truncated = statements.passbook_for_print(account=account_a, limit=20)
    assert not statements.passbook_for_print(account=account_a)[1] and truncated
    assert [x.balance_after for x in lines] == list(range(32, 72, 2))  # the latest 20, oldest first
    # Someone else's passbook: refused; staff of the area: allowed.
    assert browser_for(district["resident_b"]).get(f"/points/accounts/{account_a.pk}/").status_code == 403
    assert browser_for(district["community_worker_b"]).get(f"/points/accounts/{account_a.pk}/").status_code == 403
    assert browser_for(district["grid_worker_a"]).get(f"/points/accounts/{account_a.pk}/").status_code == 200
    assert client.get("/points/?before=x").status_code == 422


def test_rankings_per_grid_and_community(district, scheme, account_a, account_b, owner, areas):
    other = factories.HouseholdFactory(area=areas["37021100100100102"], number="HA-0002")
    factories.ResidentFactory(household=other, name="赵六")
    with time_machine.travel(START, tick=False):
        for household, rule in ((owner.resident.household, "env-cleanup"), (other, "neighbour-filial")):
            a = propose(district, household, rule)
            move(district, a, ("street_staff", "review"), ("street_staff", "publish"))
        b = award_propose(
            actor=district["grid_worker_b"], household=account_b.household, rule_code="env-cleanup", evidence="照片"
        )
    with time_machine.travel(START + dt.timedelta(days=4), tick=False):
        for a in PointsAward.objects.filter(state="published"):
            move(district, a, ("street_staff", "post"))
        rows = statements.ranking_households(area_code=GRID_A)
        assert [(r.rank, r.label, r.points) for r in rows] == [(1, "赵某某", 10), (2, "王某某", 5)]
        grids = statements.ranking_areas(area_code=COMMUNITY_A)
        assert [(r.label, r.points, r.count) for r in grids] == [(district.areas[GRID_A].name, 7, 2)]
        communities = statements.ranking_areas(area_code=STREET)
        assert [r.count for r in communities] == [2]  # household B's award was never posted
        page = browser_for(district["community_worker_a"]).get(f"/points/rankings/?area={GRID_A}")
    assert page.status_code == 200 and "赵某某" in page.content.decode()
    assert b.state == "proposed"


@pytest.fixture
def shop(district, scheme, account_a, owner):
    staff = district["street_staff"]
    flour = item_create(actor=staff, scheme=scheme, name="面粉", price=30, stock=10)
    event = event_create(
        actor=staff,
        scheme=scheme,
        area=district.areas[COMMUNITY_A],
        title="小邓网格积分兑换",
        place="村委会德育超市",
        starts_at=START,
        ends_at=START + dt.timedelta(hours=8),
    )
    event_offer(actor=staff, event=event, item=flour, stock=3)
    fund(scheme, account_a, 100, "seed")
    return {"flour": flour, "event": event}


def test_a_resident_redeems_on_the_store_page_and_the_counter_fulfils(district, shop, owner, account_a):
    client = browser_for(owner)
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        page = client.get("/points/store/")
        assert "面粉" in page.content.decode() and page.context["spendable"] == 100
        data = {"event_id": shop["event"].pk, "item_id": shop["flour"].pk, "quantity": "2"}
        r = client.post("/points/store/redeem/", data)
        order = RedemptionOrder.objects.get()
        assert r.status_code == 302 and r["Location"] == f"/points/orders/{order.pk}/"
        shown = client.get(r["Location"]).content.decode()
        assert order.pickup_code in shown and "<svg" in shown
        assert ledger.balance(account=account_a.ledger_account) == 40
        # Beyond the stock: an error message, nothing changes.
        r = client.post("/points/store/redeem/", {**data, "quantity": "5"}, follow=True)
        assert "库存只剩 1" in r.content.decode() and RedemptionOrder.objects.count() == 1
        # Another resident cannot see the order; the counter of the area can, and fulfils it.
        assert browser_for(district["resident_b"]).get(f"/points/orders/{order.pk}/").status_code == 403
        counter = browser_for(district["grid_worker_a"])
        assert counter.get(f"/points/counter/?code={order.pickup_code}").context["order"] == order
        r = counter.post("/points/counter/", {"code": order.pickup_code.lower()}, follow=True)
        assert "已领取" in r.content.decode()
        order.refresh_from_db()
        assert order.state == "fulfilled"
        r = counter.post("/points/counter/", {"code": "NOPE2345"}, follow=True)
        assert "取货码无效" in r.content.decode()
        assert browser_for(owner).get("/points/counter/").status_code == 403


def test_cancel_on_the_order_page_refunds(district, shop, owner, account_a):
    client = browser_for(owner)
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        data = {"event_id": shop["event"].pk, "item_id": shop["flour"].pk, "quantity": "1"}
        order_url = client.post("/points/store/redeem/", data)["Location"]
        order = RedemptionOrder.objects.get()
        client.post(f"/points/orders/{order.pk}/cancel/", {})
    order.refresh_from_db()
    assert order.state == "cancelled" and ledger.balance(account=account_a.ledger_account) == 100
    assert EventItem.objects.get().stock == 3
    assert "<svg" not in client.get(order_url).content.decode()


def test_the_queue_shows_only_the_moves_the_table_allows_and_makes_them(district, scheme, account_a, owner):
    with time_machine.travel(START, tick=False):
        award = propose(district, owner.resident.household)
        staff = browser_for(district["street_staff"])
        page = staff.get("/points/review/")
        row = next(r for r in page.context["rows"] if r["award"].pk == award.pk)
        assert row["moves"] == ["review", "reject"]
        r = staff.post(f"/points/review/{award.pk}/", {"action": "review"})
        assert r.status_code == 302
        staff.post(f"/points/review/{award.pk}/", {"action": "publish"})
        r = staff.post(f"/points/review/{award.pk}/", {"action": "post"}, follow=True)
        assert "公示期至" in r.content.decode()  # too early: refused with the reason
        award.refresh_from_db()
        assert award.state == "published"
        # A grid worker proposes from the page but gets no review buttons.
        worker = browser_for(district["grid_worker_a"])
        assert all(not r["moves"] for r in worker.get("/points/review/").context["rows"])
        r = worker.post(
            "/points/review/propose/",
            {"household": "HA-0001", "rule_code": "neighbour-help", "points": "3", "evidence": "扶老人过马路"},
        )
        assert PointsAward.objects.filter(rule__code="neighbour-help", points=3).exists()
        r = worker.post(
            "/points/review/propose/", {"household": "HA-0001", "rule_code": "neighbour-help", "points": "9"}
        )
        assert PointsAward.objects.count() == 2  # beyond the rule's 5: refused
        assert browser_for(owner).get("/points/review/").status_code == 403
    with time_machine.travel(START + dt.timedelta(hours=2), tick=False):
        # A neighbour objects on the board.
        r = browser_for(district["resident_a"]).post(f"/points/board/{award.pk}/object/", {"note": "不属实"})
    award.refresh_from_db()
    assert award.state == "objected"


def test_store_management_page(district, scheme):
    client = browser_for(district["street_staff"])
    client.post("/points/manage/", {"what": "item", "name": "大米", "price": "40", "stock": "20", "kind": "goods"})
    item = StoreItem.objects.get(name="大米")
    client.post(
        "/points/manage/",
        {
            "what": "event",
            "title": "李家洼子网格兑换日",
            "area": COMMUNITY_A,
            "place": "网格服务站",
            "starts_at": "2031-05-10T08:00",
            "ends_at": "2031-05-10T12:00",
        },
    )
    event = RedemptionEvent.objects.get()
    client.post("/points/manage/", {"what": "offer", "event_id": event.pk, "item_id": item.pk, "stock": "8"})
    assert EventItem.objects.get().stock == 8
    r = client.post("/points/manage/", {"what": "item", "name": "", "price": "x"}, follow=True)
    assert "必须是整数" in r.content.decode() and StoreItem.objects.count() == 1
    assert client.get("/points/manage/").status_code == 200
    assert browser_for(district["grid_worker_a"]).get("/points/manage/").status_code == 403


def test_the_points_link_is_in_the_navigation_of_residents_and_staff(district, owner, scheme):
    assert 'href="/points/"' in browser_for(owner).get("/").content.decode()
    assert 'href="/points/"' in browser_for(district["grid_worker_a"]).get("/").content.decode()
    assert 'href="/points/"' not in browser_for(district["volunteer_a"]).get("/").content.decode()
