"""The store: redemption takes points and stock together or neither; cancel refunds by reversal and restocks."""

import datetime as dt

import pytest
import time_machine

from gongzhi.core import ledger
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.points.actions.redemption import redemption_cancel, redemption_fulfil, redemption_place
from gongzhi.points.actions.store import event_create, event_offer, item_create
from gongzhi.points.models import EventItem, RedemptionOrder
from tests import factories
from tests.conftest import COMMUNITY_A, COMMUNITY_B, GRID_A, STREET, api_client_for

START = dt.datetime(2025, 5, 10, 8, 0, tzinfo=dt.UTC)
URL = "/api/v1/points"


@pytest.fixture
def shop(district, scheme, account_a):
    with time_machine.travel(START, tick=False):
        staff = district["street_staff"]
        flour = item_create(actor=staff, scheme=scheme, name="面粉", price=30, stock=10)
        oil = item_create(actor=staff, scheme=scheme, name="食用油", price=50, stock=5)
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
        event_offer(actor=staff, event=event, item=oil, stock=1)
        issuance = ledger.account_by_code(code=scheme.system_code("issuance"))
        ledger.post(kind="points.award", lines=[(issuance, -100), (account_a.ledger_account, 100)], reference="seed")
    return {"flour": flour, "oil": oil, "event": event}


@pytest.fixture
def at_event():
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        yield


def offer_stock(event, item):
    return EventItem.objects.get(event=event, item=item).stock


def test_allotting_stock_to_an_event_takes_it_from_the_store(shop):
    shop["flour"].refresh_from_db()
    assert shop["flour"].stock == 7
    assert offer_stock(shop["event"], shop["flour"]) == 3


def test_a_redemption_takes_points_and_stock(district, shop, account_a, at_event):
    order = redemption_place(
        actor=district["grid_worker_a"], account=account_a, event=shop["event"], item=shop["flour"], quantity=2
    )
    assert order.points == 60 and len(order.pickup_code) == 8
    assert ledger.balance(account=account_a.ledger_account) == 40
    assert offer_stock(shop["event"], shop["flour"]) == 1
    assert ledger.verify_account(account=account_a.ledger_account)


@pytest.mark.parametrize(
    ("item", "quantity", "match"),
    [("flour", 4, "库存只剩 3"), ("oil", 2, "库存只剩 1"), ("flour", 3, None)],
)
def test_beyond_balance_or_stock_is_refused_and_changes_nothing(
    district, shop, account_a, at_event, item, quantity, match
):
    call = lambda: redemption_place(  # noqa: E731
        actor=district["grid_worker_a"], account=account_a, event=shop["event"], item=shop[item], quantity=quantity
    )
    if match is None:  # 3 × 30 = 90 of 100: fine; then a second one is beyond the balance
        call()
        with pytest.raises(ValidationFailed):
            redemption_place(
                actor=district["grid_worker_a"], account=account_a, event=shop["event"], item=shop["oil"], quantity=1
            )
        assert ledger.balance(account=account_a.ledger_account) == 10
        assert offer_stock(shop["event"], shop["oil"]) == 1
        return
    with pytest.raises(ValidationFailed, match=match):
        call()
    assert ledger.balance(account=account_a.ledger_account) == 100
    assert not RedemptionOrder.objects.exists()


def test_cancel_refunds_by_reversal_and_restocks(district, shop, account_a, at_event):
    order = redemption_place(
        actor=district["grid_worker_a"], account=account_a, event=shop["event"], item=shop["oil"], quantity=1
    )
    order = redemption_cancel(actor=district["grid_worker_a"], order_id=order.pk, reason="不要了")
    assert order.state == "cancelled" and order.refund.reverses_id == order.transaction_id
    assert ledger.balance(account=account_a.ledger_account) == 100
    assert offer_stock(shop["event"], shop["oil"]) == 1
    with pytest.raises(ValidationFailed):
        redemption_cancel(actor=district["grid_worker_a"], order_id=order.pk)
    assert ledger.balance(account=account_a.ledger_account) == 100


def test_fulfilled_orders_cannot_be_cancelled(district, shop, account_a, at_event):
    order = redemption_place(
        actor=district["grid_worker_a"], account=account_a, event=shop["event"], item=shop["oil"], quantity=1
    )
    redemption_fulfil(actor=district["grid_worker_a"], pickup_code=order.pickup_code.lower())
    with pytest.raises(ValidationFailed):
        redemption_cancel(actor=district["grid_worker_a"], order_id=order.pk)
    assert ledger.balance(account=account_a.ledger_account) == 50


def test_who_may_redeem(district, shop, account_a, household_a, at_event):
    for persona in ("resident_a", "community_worker_b", "grid_worker_a2"):
        with pytest.raises(PermissionDenied):
            redemption_place(
                actor=district[persona], account=account_a, event=shop["event"], item=shop["oil"], quantity=1
            )
    owner = district["resident_a"]
    owner.resident = factories.ResidentFactory(household=household_a, name="王五")
    owner.save()
    assert (
        redemption_place(actor=owner, account=account_a, event=shop["event"], item=shop["oil"], quantity=1).points == 50
    )


def test_only_office_staff_manage_the_store(district, scheme):
    with pytest.raises(PermissionDenied):
        item_create(actor=district["grid_worker_a"], scheme=scheme, name="大米", price=40)
    with pytest.raises(PermissionDenied):
        item_create(actor=district["other_street_staff"], scheme=scheme, name="大米", price=40)


def test_the_api_redeems_lists_and_cancels(district, shop, account_a, household_a, at_event):
    owner = district["resident_a"]
    owner.resident = factories.ResidentFactory(household=household_a, name="王五")
    owner.save()
    client = api_client_for(owner)
    offers = client.get(f"{URL}/items?area={STREET}").json()
    assert {(o["name"], o["stock"]) for o in offers} == {("面粉", 3), ("食用油", 1)}
    data = {"account_id": account_a.pk, "event_id": shop["event"].pk, "item_id": shop["oil"].pk, "quantity": 1}
    r1 = client.post(f"{URL}/redemptions", data, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-1")
    r2 = client.post(f"{URL}/redemptions", data, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert r1.status_code == 201 and r1.json() == r2.json()
    assert r1.json()["balance_after"] == 50
    assert RedemptionOrder.objects.count() == 1
    r = client.post(f"{URL}/redemptions", data, content_type="application/json")
    assert r.status_code == 422 and r.json()["field"] == "quantity"
    r = client.post(f"{URL}/redemptions/{r1.json()['id']}/cancel", {"reason": "改天"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "cancelled" and r.json()["balance_after"] == 100
    assert api_client_for(district["resident_b"]).get(f"{URL}/items?area={COMMUNITY_A}").status_code == 403


def test_the_store_page_and_the_api_show_the_same_offers_to_the_same_people(district, shop, household_a, at_event):
    """Both read selectors.offers_for: a resident sees the events around their home, a counter worker those of their
    area, and neither sees another community's (the page used to show any area to a resident with an account)."""
    from django.test import Client

    owner = district["resident_a"]
    owner.resident = factories.ResidentFactory(household=household_a, name="王五")
    owner.save()
    for persona, area, seen in [
        (owner, COMMUNITY_A, True),
        (owner, STREET, True),
        (district["grid_worker_a"], GRID_A, True),
        (owner, COMMUNITY_B, False),
        (district["grid_worker_a"], COMMUNITY_B, False),
    ]:
        api = api_client_for(persona).get(f"{URL}/items?area={area}")
        page = Client()
        page.force_login(persona)
        shown = page.get(f"/points/store/?area={area}")
        if seen:
            names = {o["name"] for o in api.json()}
            offered = {o.item.name for e in shown.context["events"] for o in e["offers"]}
            assert api.status_code == shown.status_code == 200 and names == offered == {"面粉", "食用油"}, area
        else:
            assert api.status_code == shown.status_code == 403, (persona, area)
