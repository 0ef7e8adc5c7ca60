"""The counter on redemption day: whatever the scanner read (a bare code, the QR code's URL, a typed code with
spaces) becomes one pickup code; the order is shown with the holder masked; fulfilled, cancelled, other-event and
other-area orders are refused with the reason, and a second hand-over never happens."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from gongzhi.core import ledger
from gongzhi.core.errors import ValidationFailed
from gongzhi.points.actions.redemption import redemption_cancel, redemption_fulfil, redemption_place
from gongzhi.points.actions.store import event_create, event_offer, item_create
from gongzhi.points.models import RedemptionOrder
from gongzhi.points.pickup import parse_pickup_code
from tests import factories
from tests.conftest import COMMUNITY_A, COMMUNITY_B, STREET

START = dt.datetime(2025, 5, 10, 8, 0, tzinfo=dt.UTC)
DURING = START + dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("scanned", "code"),
    [
        ("ABCD2345", "ABCD2345"),
        ("  abcd2345\n", "ABCD2345"),
        ("ABCD 2345", "ABCD2345"),
        ("abcd-2345", "ABCD2345"),
        ("http://testserver/points/counter/?code=ABCD2345", "ABCD2345"),
        ("https://gz.example.cn/points/counter/?event=3&code=abcd2345#x", "ABCD2345"),
        ("/points/counter/?code=ABCD2345", "ABCD2345"),
        ("https://gz.example.cn/p/ABCD2345", "ABCD2345"),
    ],
)
def test_a_bare_code_or_a_url_gives_the_code(scanned, code):
    assert parse_pickup_code(scanned) == code


@pytest.mark.parametrize(
    ("scanned", "match"),
    [
        ("", "请扫描二维码或输入取货码"),
        ("   ", "请扫描二维码或输入取货码"),
        (None, "请扫描二维码或输入取货码"),
        ("ABCD234", "取货码无效"),  # 7 characters
        ("ABCD23456", "取货码无效"),  # 9
        ("NOPE2345", "取货码无效"),  # O is never in a code
        ("ABCD1234", "取货码无效"),  # nor 1
        ("https://gz.example.cn/points/counter/", "取货码无效"),
        ("https://gz.example.cn/points/counter/?code=", "取货码无效"),
        ("x" * 3000, "扫描内容过长"),
        ("WIFI:S:net;T:WPA;P:secret;;", "取货码无效"),
    ],
)
def test_anything_else_is_refused_with_a_reason_naming_the_field(scanned, match):
    with pytest.raises(ValidationFailed, match=match) as caught:
        parse_pickup_code(scanned)
    assert caught.value.field == "code"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def day(district, scheme, account_a, account_b, household_a):
    """Two events on the same day in community A, one in community B, and an order of household A in the first."""
    staff = district["street_staff"]
    factories.ResidentFactory(household=household_a, name="王小明").save()
    with time_machine.travel(START, tick=False):
        flour = item_create(actor=staff, scheme=scheme, name="面粉", price=30, stock=20)
        events = {}
        for key, area, title in [
            ("a", COMMUNITY_A, "小邓网格积分兑换"),
            ("a2", COMMUNITY_A, "老年协会兑换"),
            ("b", COMMUNITY_B, "二社区兑换日"),
        ]:
            events[key] = event_create(
                actor=staff,
                scheme=scheme,
                area=district.areas[area],
                title=title,
                place="村委会德育超市",
                starts_at=START,
                ends_at=START + dt.timedelta(hours=8),
            )
            event_offer(actor=staff, event=events[key], item=flour, stock=5)
        issuance = ledger.account_by_code(code=scheme.system_code("issuance"))
        for account in (account_a, account_b):
            ledger.post(
                kind="points.award", lines=[(issuance, -100), (account.ledger_account, 100)], reference=f"s{account.pk}"
            )
    with time_machine.travel(DURING, tick=False):
        order = redemption_place(
            actor=district["grid_worker_a"], account=account_a, event=events["a"], item=flour, quantity=2
        )
        other = redemption_place(
            actor=district["grid_worker_b"], account=account_b, event=events["b"], item=flour, quantity=1
        )
    return {"order": order, "other": other, "events": events, "flour": flour}


def test_the_scanned_url_shows_the_order_with_the_holder_masked(district, day):
    order = day["order"]
    url = f"http://testserver/points/counter/?code={order.pickup_code}"
    with time_machine.travel(DURING, tick=False):
        page = client_for(district["grid_worker_a"]).get("/points/counter/", {"code": url})
    body = page.content.decode()
    assert page.context["order"] == order and not page.context["problem"]
    assert "王某某" in body and "王小明" not in body
    assert "确认领取：面粉 ×2" in body and "面粉 ×2" in body and "待领取" in body
    # The events the worker may serve today are offered, community B's is not.
    assert [e.title for e in page.context["events"]] == ["小邓网格积分兑换", "老年协会兑换"]


def test_a_hand_over_by_scanned_url_then_a_second_one_is_refused(district, day):
    order = day["order"]
    worker = client_for(district["grid_worker_a"])
    event = day["events"]["a"].pk
    with time_machine.travel(DURING, tick=False):
        scanned = f"https://gz.example.cn/points/counter/?code={order.pickup_code.lower()}"
        r = worker.post("/points/counter/", {"code": scanned, "event": event})
        assert r.status_code == 302 and r["Location"] == f"/points/counter/?event={event}"
        order.refresh_from_db()
        assert order.state == "fulfilled"
        fulfilled_at = order.fulfilled_at
        r = worker.post("/points/counter/", {"code": order.pickup_code, "event": event}, follow=True)
        assert "不能执行「领取」" in r.content.decode()
        page = worker.get("/points/counter/", {"code": order.pickup_code})
    order.refresh_from_db()
    assert order.fulfilled_at == fulfilled_at
    assert "不能重复领取" in page.context["problem"] and "确认领取：" not in page.content.decode()
    assert [o.pk for o in page.context["recent"]] == [order.pk]


def test_a_cancelled_order_is_refused_at_the_counter(district, day, owner_of_a):
    order = day["order"]
    worker = client_for(district["grid_worker_a"])
    with time_machine.travel(DURING, tick=False):
        redemption_cancel(actor=owner_of_a, order_id=order.pk)
        page = worker.get("/points/counter/", {"code": order.pickup_code})
        assert "已取消" in page.context["problem"] and "确认领取：" not in page.content.decode()
        r = worker.post("/points/counter/", {"code": order.pickup_code}, follow=True)
    assert "不能执行「领取」" in r.content.decode()
    order.refresh_from_db()
    assert order.state == "cancelled" and order.fulfilled_at is None


def test_an_order_of_another_event_is_refused_when_the_counter_serves_one(district, day):
    order = day["order"]
    worker = client_for(district["grid_worker_a"])
    other_event = day["events"]["a2"].pk
    with time_machine.travel(DURING, tick=False):
        page = worker.get("/points/counter/", {"code": order.pickup_code, "event": other_event})
        assert "属于兑换活动「小邓网格积分兑换」" in page.context["problem"]
        r = worker.post("/points/counter/", {"code": order.pickup_code, "event": other_event}, follow=True)
        assert "不在本场领取" in r.content.decode()
        order.refresh_from_db()
        assert order.state == "placed"
        with pytest.raises(ValidationFailed, match="不在本场领取") as caught:
            redemption_fulfil(actor=district["grid_worker_a"], pickup_code=order.pickup_code, event_id=other_event)
        assert caught.value.field == "event"
        # The right event hands it over.
        worker.post("/points/counter/", {"code": order.pickup_code, "event": day["events"]["a"].pk})
    order.refresh_from_db()
    assert order.state == "fulfilled"


def test_another_areas_order_looks_like_an_unknown_code_and_stays_placed(district, day):
    other = day["other"]
    worker = client_for(district["grid_worker_a"])
    with time_machine.travel(DURING, tick=False):
        page = worker.get("/points/counter/", {"code": other.pickup_code})
        assert page.context["order"] is None and "取货码无效" in page.context["problem"]
        r = worker.post("/points/counter/", {"code": other.pickup_code}, follow=True)
        assert r.status_code == 200 and "没有权限" in r.content.decode()
        assert worker.get("/points/counter/", {"event": day["events"]["b"].pk}).status_code == 404
        r = worker.get("/points/counter/", {"code": "not a code at all"})
        assert "取货码无效" in r.context["problem"]
        r = worker.post("/points/counter/", {"code": ""}, follow=True)
        assert "请扫描二维码或输入取货码" in r.content.decode()
        assert worker.get("/points/counter/", {"event": "x"}).status_code == 422
    other.refresh_from_db()
    assert other.state == "placed" and RedemptionOrder.objects.filter(state="fulfilled").count() == 0


def test_the_counter_page_loads_the_scanner_and_its_vendored_decoder(district, day):
    with time_machine.travel(DURING, tick=False):
        body = client_for(district["street_staff"]).get("/points/counter/").content.decode()
    assert "/static/js/qr_scan.js" in body and "/static/vendor/jsqr/jsQR.js" in body
    assert 'maxlength="2048"' in body  # a wedge scanner typing the whole URL is not cut off
    assert "三社区" not in body and "还没有人领取" in body


@pytest.fixture
def owner_of_a(district, household_a):
    user = district["resident_a"]
    user.resident = household_a.residents.first()
    user.save()
    return user


def test_the_street_sees_every_event_of_its_street(district, day):
    with time_machine.travel(DURING, tick=False):
        page = client_for(district["street_staff"]).get("/points/counter/")
    assert {e.title for e in page.context["events"]} == {"小邓网格积分兑换", "老年协会兑换", "二社区兑换日"}
    assert STREET in district.areas
