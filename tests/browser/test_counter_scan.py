"""Redemption day on a phone-sized browser with a camera: Chromium's fake capture device plays a video of the
resident's QR code (generated here, as the order page encodes it); the worker taps 扫码, the page reads the code
through BarcodeDetector or the vendored jsQR, shows the order with the holder masked, and the worker hands it over.
The same QR code still in view afterwards is not sent again. Screenshots in artifacts/browser/."""

import datetime as dt
import io
import os
from pathlib import Path

import pytest
import segno
from django.utils import timezone
from PIL import Image

from gongzhi.core import ledger
from tests import factories
from tests.browser.conftest import ARTIFACTS, ROOT
from tests.browser.test_points_redeem import PHONE, sign_in
from tests.conftest import COMMUNITY_A, GRID_A, MICRO_A, STREET

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 640, 480


def write_y4m(text: str, path: Path, frames: int = 3) -> None:
    """A short YUV 4:2:0 video of `text` as a QR code on white, what Chromium's fake camera loops over."""
    qr = io.BytesIO()
    segno.make(text, error="m").save(qr, kind="png", scale=7, border=4)
    code = Image.open(io.BytesIO(qr.getvalue())).convert("RGB")
    side = min(HEIGHT - 40, code.width)
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    frame.paste(code.resize((side, side), Image.NEAREST), ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    planes = y.tobytes() + cb.resize(half, Image.BILINEAR).tobytes() + cr.resize(half, Image.BILINEAR).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _i in range(frames):
            out.write(b"FRAME\n" + planes)


def test_the_counter_scans_the_residents_qr_code_with_the_camera(
    live_server, launch_chromium, transactional_db, areas, tmp_path
):
    from gongzhi.points.actions.accounts import account_open_for_household
    from gongzhi.points.actions.redemption import redemption_place
    from gongzhi.points.actions.schemes import scheme_create
    from gongzhi.points.actions.store import event_create, event_offer, item_create
    from gongzhi.points.models import RedemptionOrder

    assert (ROOT / "static" / "vendor" / "jsqr" / "jsQR.js").exists(), "run `npm ci && scripts/vendor_assets.py`"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    staff = factories.UserFactory(role="street_staff", at=areas[STREET])
    factories.UserFactory(username="gw_deng", role="grid_worker", at=areas[GRID_A], display_name="邓网格员")
    scheme = scheme_create(actor=staff, area=areas[STREET], name="德育乡村积分")
    household = factories.HouseholdFactory(area=areas[MICRO_A], number="XD-0001", address="小邓网格 12号")
    resident = factories.ResidentFactory(household=household, name="王秀兰")
    account = account_open_for_household(household=household)
    issuance = ledger.account_by_code(code=scheme.system_code("issuance"))
    ledger.post(kind="points.award", lines=[(issuance, -90), (account.ledger_account, 90)], memo="美丽庭院 +10")
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
    order = redemption_place(actor=staff, account=account, event=event, item=flour, quantity=2)
    second = redemption_place(actor=staff, account=account, event=event, item=flour, quantity=1)
    assert resident.name == "王秀兰"

    # The order page's QR code carries the counter URL with the code (gongzhi.points.views.order_detail).
    video = tmp_path / "pickup-qr.y4m"
    write_y4m(f"{base}/points/counter/?code={order.pickup_code}", video)
    chromium = launch_chromium(
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    context = chromium.new_context(**PHONE)
    context.grant_permissions(["camera"], origin=base)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "gw_deng")
    page.goto(f"{base}/points/counter/?event={event.pk}")
    page.click("button[data-scan-start]")
    page.wait_for_selector("#order", timeout=20_000)
    # The camera sent what the QR code holds, the whole URL; the server found the code in it.
    assert f"%3Fcode%3D{order.pickup_code}" in page.url
    assert page.input_value("input[name=code]") == order.pickup_code
    assert page.inner_text("#order-holder").startswith("王某某")
    assert "王秀兰" not in page.inner_text("main")
    assert page.inner_text("#order-state") == "待领取"
    decoder = page.evaluate("sessionStorage.getItem('gongzhi.counter.decoder')")
    assert decoder in {"jsQR", "BarcodeDetector"}
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows the phone
    page.screenshot(path=str(ARTIFACTS / "counter-1-scanned.png"), full_page=True)

    page.click("button:has-text('确认领取')")
    page.wait_for_selector(".flash-success")
    assert "已领取：面粉 ×2" in page.inner_text(".flash")
    order.refresh_from_db()
    assert order.state == "fulfilled"
    # The camera comes back for the next resident; the same QR code still in view is not sent again.
    page.wait_for_selector(".scanner:not([hidden])")
    page.wait_for_timeout(1500)
    assert "code=" not in page.url and page.locator("#order").count() == 0
    page.screenshot(path=str(ARTIFACTS / "counter-2-handed-over.png"), full_page=True)

    # Scanning it again on purpose shows why it cannot be handed out twice.
    page.click("button[data-scan-stop]")
    page.click("button[data-scan-start]")
    page.wait_for_selector("#counter-problem", timeout=20_000)
    assert "不能重复领取" in page.inner_text("#counter-problem")
    assert page.locator("button:has-text('确认领取')").count() == 0
    assert RedemptionOrder.objects.get(pk=order.pk).state == "fulfilled"

    # A USB keyboard-wedge scanner types what the QR code holds into the focused field and presses Enter.
    page.fill("input[name=code]", f"{base}/points/counter/?code={second.pickup_code}")
    page.press("input[name=code]", "Enter")
    page.wait_for_url(f"**code=*{second.pickup_code}*")
    assert page.inner_text("#order-state") == "待领取" and "面粉 ×1" in page.inner_text("#order h2")
    page.click("button:has-text('确认领取')")
    page.wait_for_selector(".flash-success")
    assert RedemptionOrder.objects.get(pk=second.pk).state == "fulfilled"
    assert errors == []
