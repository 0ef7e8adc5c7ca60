"""On a phone-sized browser: a grid worker opens what is due today, inspects a restaurant with the food-safety
checklist (one item failed, with a photo), loses the connection while submitting — the inspection waits in the
browser — and it is sent once when the phone is back online; sending it again stores nothing more."""

import os

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.conftest import sign_in as site_sign_in
from tests.conftest import GRID_A, MICRO_A
from tests.inspections.conftest import jpeg_with_gps

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "device_scale_factor": 2, "is_mobile": True}


def test_a_grid_worker_inspects_on_a_phone_offline_and_it_is_sent_once(live_server, browser, transactional_db, areas):
    from gongzhi.inspections.actions.places import place_create
    from gongzhi.inspections.models import Inspection, Rectification
    from gongzhi.inspections.seeding import seed_templates

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    call_command("seed_categories", verbosity=0)
    seed_templates()
    worker = factories.UserFactory(username="gw_li", role="grid_worker", at=areas[GRID_A], display_name="李网格")
    micro = areas[MICRO_A]
    place = place_create(
        actor=worker,
        area=MICRO_A,
        name="老王家常菜馆",
        kind="restaurant",
        address="商业街3号",
        lat=micro.point_lat,
        lng=micro.point_lng,
        responsible_id=worker.pk,
        contact_phone="13705321001",
    )
    context = browser.new_context(
        **PHONE,
        geolocation={"latitude": micro.point_lat, "longitude": micro.point_lng, "accuracy": 12},
        permissions=["geolocation"],
    )
    errors: list[str] = []
    phone = context.new_page()
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    site_sign_in(phone, base, "gw_li", "pass-1234")

    phone.goto(f"{base}/inspections/")
    assert "老王家常菜馆" in phone.inner_text(".insp") and "今天到期" in phone.inner_text(".insp")
    phone.screenshot(path=str(ARTIFACTS / "inspections-1-due.png"), full_page=True)
    phone.click("a:has-text('开始食品安全巡查')")
    phone.wait_for_selector("#inspection-form")
    # Locator waits, not wait_for_function: Playwright polls a string predicate by eval, which the CSP refuses.
    expect(phone.locator("#location-status")).to_contain_text("已获取")
    # The photo shown only when dates fail is hidden until then.
    assert phone.locator("#item-expired_photo").is_hidden()
    phone.click("#item-storage label:has-text('不合格')")
    phone.fill("input[name=n-storage]", "生熟混放")
    phone.locator("input[name=n-storage]").dispatch_event("change")
    phone.set_input_files(
        "input[name=p-storage]", files=[{"name": "storage.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}]
    )
    phone.wait_for_selector("[data-thumbs=storage] img")
    phone.click("#all-pass")
    assert phone.locator("#item-licence input[value=pass]").is_checked()
    assert phone.locator("#item-storage input[value=fail]").is_checked()
    phone.screenshot(path=str(ARTIFACTS / "inspections-2-form.png"), full_page=True)

    context.set_offline(True)
    phone.click("#submit")
    expect(phone.locator("#form-status")).to_contain_text("已保存在手机上")
    assert phone.evaluate("GZOutbox.pending().length") == 1
    waiting = phone.evaluate("GZOutbox.pending()[0]")
    assert waiting["key"] == waiting["body"]["client_key"] and waiting["body"]["location"]["accuracy"] == 12
    assert Inspection.objects.count() == 0
    phone.screenshot(path=str(ARTIFACTS / "inspections-3-offline.png"), full_page=True)

    context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    expect(phone.locator("#form-status")).to_contain_text("已上传")
    assert phone.evaluate("GZOutbox.pending().length") == 0
    phone.screenshot(path=str(ARTIFACTS / "inspections-4-sent.png"), full_page=True)
    inspection = Inspection.objects.get()
    assert inspection.place_id == place.pk and inspection.failed == 1 and inspection.location_ok is True
    assert Rectification.objects.get().item_key == "storage"
    assert inspection.answers.get(item__key="storage").photos.count() == 1

    # The same inspection sent again (a retry whose answer was lost): still one.
    phone.evaluate("(e) => GZOutbox.add(e)", waiting)
    for _ in range(100):  # polled from here: evaluate is not subject to the page's CSP, wait_for_function is
        if phone.evaluate("GZOutbox.pending().length") == 0:
            break
        phone.wait_for_timeout(100)
    assert phone.evaluate("GZOutbox.pending().length") == 0
    expect(phone.locator("#form-status")).to_contain_text("已上传")
    assert Inspection.objects.count() == 1 and Rectification.objects.count() == 1

    phone.click("#form-status a")
    phone.wait_for_url(f"{base}/inspections/records/{inspection.pk}/")
    assert "生熟混放" in phone.inner_text(".insp")
    assert errors == []
