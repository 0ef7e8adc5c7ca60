"""On a phone-sized browser: a resident with points opens the store (德育超市), redeems a bag of flour, sees the pickup
code with its QR code; the grid worker at the counter opens the code the QR carries and hands the goods over.
Screenshots in artifacts/browser/."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from gongzhi.core import ledger
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.conftest import sign_in as site_sign_in
from tests.conftest import COMMUNITY_A, GRID_A, MICRO_A, STREET

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "device_scale_factor": 2, "is_mobile": True}


def sign_in(page, base, username):
    site_sign_in(page, base, username, "pass-1234")


def test_a_resident_redeems_and_the_counter_hands_over(live_server, browser, transactional_db, areas):
    from gongzhi.points.actions.accounts import account_open_for_household
    from gongzhi.points.actions.schemes import scheme_create
    from gongzhi.points.actions.store import event_create, event_offer, item_create
    from gongzhi.points.models import RedemptionOrder

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    staff = factories.UserFactory(role="street_staff", at=areas[STREET])
    factories.UserFactory(username="gw_deng", role="grid_worker", at=areas[GRID_A], display_name="邓网格员")
    scheme = scheme_create(actor=staff, area=areas[STREET], name="德育乡村积分")
    household = factories.HouseholdFactory(area=areas[MICRO_A], number="XD-0001", address="小邓网格 12号")
    user = factories.UserFactory(username="res_wang", role="resident", at=areas[MICRO_A], display_name="王大娘")
    user.resident = factories.ResidentFactory(household=household, name="王秀兰")
    user.save()
    account = account_open_for_household(household=household)
    issuance = ledger.account_by_code(code=scheme.system_code("issuance"))
    ledger.post(kind="points.award", lines=[(issuance, -80), (account.ledger_account, 80)], memo="美丽庭院 +10")
    flour = item_create(actor=staff, scheme=scheme, name="面粉", price=30, stock=20)
    now = timezone.now()
    event = event_create(
        actor=staff,
        scheme=scheme,
        area=areas[COMMUNITY_A],
        title="小邓网格积分兑换",
        place="村委会德育超市",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=6),
    )
    event_offer(actor=staff, event=event, item=flour, stock=10)

    errors: list[str] = []
    phone = browser.new_context(**PHONE).new_page()
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(phone, base, "res_wang")
    phone.goto(f"{base}/points/")
    assert phone.inner_text("#balance") == "80"
    phone.click("text=去德育超市兑换")
    assert "面粉" in phone.inner_text("main")
    phone.screenshot(path=str(ARTIFACTS / "points-1-store.png"), full_page=True)
    phone.click(".offer button:has-text('兑换')")
    phone.wait_for_selector("#pickup-code")
    order = RedemptionOrder.objects.get()
    assert phone.inner_text("#pickup-code") == order.pickup_code
    assert phone.locator(".qr svg").count() == 1
    assert "兑换成功" in phone.inner_text(".flash")
    phone.screenshot(path=str(ARTIFACTS / "points-2-pickup-code.png"), full_page=True)
    assert ledger.balance(account=account.ledger_account) == 50

    # What the counter's camera reads from the QR code: the counter page with the code.
    counter = browser.new_context(**PHONE).new_page()
    counter.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(counter, base, "gw_deng")
    counter.goto(f"{base}/points/counter/?code={order.pickup_code}")
    counter.click("button:has-text('确认领取')")
    assert "已领取" in counter.inner_text(".flash")
    counter.screenshot(path=str(ARTIFACTS / "points-3-counter.png"), full_page=True)
    order.refresh_from_db()
    assert order.state == "fulfilled"
    assert errors == []
