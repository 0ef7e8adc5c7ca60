"""On phone-sized browsers (390 px): a resident submits an appeal on the page (suggested category, location from
the phone, a photo) → the grid worker accepts, checks in on site and reports the handling with evidence → the
resident verifies → a grid worker closes → the resident rates 满意; the timeline shows every step. Screenshots go
to artifacts/browser/."""

import os
import re

import pytest
from playwright.sync_api import expect

from gongzhi.appeals.models import Appeal, AppealEvent
from tests import factories
from tests.appeals.pages_helpers import image_file
from tests.browser.conftest import ARTIFACTS
from tests.browser.conftest import sign_in as site_sign_in
from tests.conftest import GRID_A, MICRO_A
from tests.factories import GridAssignmentFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "device_scale_factor": 2, "is_mobile": True}


def sign_in(page, base, username):
    site_sign_in(page, base, username, "pass-1234")


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide"


def test_submit_accept_arrive_handle_verify_close_rate(
    live_server, browser, transactional_db, areas, settings, tmp_path
):
    from gongzhi.appeals.management.commands.seed_categories import categories_seed

    settings.MEDIA_ROOT = tmp_path
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    categories_seed()
    factories.UserFactory(username="res_wang", role="resident", at=areas[MICRO_A], display_name="王居民")
    worker = factories.UserFactory(
        username="mg_li", role="microgrid_worker", at=areas[MICRO_A], display_name="李网格员"
    )
    factories.UserFactory(username="grid_zhou", role="grid_worker", at=areas[GRID_A], display_name="周网格长")
    GridAssignmentFactory(user=worker, area=areas[MICRO_A], kind="microgrid", on_duty=True)
    micro = areas[MICRO_A]
    here = {"latitude": micro.point_lat, "longitude": micro.point_lng}
    photo = tmp_path / "before.jpg"
    photo.write_bytes(image_file().read())
    errors: list[str] = []

    def phone():
        page = browser.new_context(**PHONE, geolocation=here, permissions=["geolocation"]).new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    # The resident submits.
    resident = phone()
    sign_in(resident, base, "res_wang")
    resident.click("#home-appeals >> text=我要反映")
    resident.wait_for_url(f"{base}/appeals/new/")
    resident.fill("textarea[name=description]", "小区门口垃圾桶满了，垃圾清运不及时，好几天没人来收")
    resident.click("#suggestions [data-category='sanitation-garbage']")
    assert resident.input_value("#category") == "sanitation-garbage"
    resident.click("#use-my-location")
    expect(resident.locator("#pin-area")).to_contain_text("微网格")  # not wait_for_function: CSP refuses its eval
    assert resident.input_value("input[name=lat]") != ""
    resident.set_input_files("input[name=photos]", str(photo))
    fits_the_phone(resident)
    resident.screenshot(path=str(ARTIFACTS / "appeal-1-submit.png"), full_page=True)
    resident.click("button:has-text('提交诉求')")
    resident.wait_for_url(f"{base}/appeals/*/")
    appeal = Appeal.objects.get()
    assert appeal.area_code == MICRO_A and appeal.state == "dispatched" and appeal.assignee_id == worker.pk
    assert "诉求已提交" in resident.inner_text(".flash")
    detail_url = f"{base}/appeals/{appeal.pk}/"
    fits_the_phone(resident)

    # The grid worker works the task list.
    mg = phone()
    sign_in(mg, base, "mg_li")
    mg.click("#home-appeals >> text=我的任务")
    mg.wait_for_url(f"{base}/appeals/tasks/")
    task = mg.locator(f"[data-appeal='{appeal.pk}']")
    assert task.locator(".countdown").count() == 1
    # The arrival countdown ticks every second in the server's words (static/js/countdown.js).
    shown = task.locator(".countdown").inner_text()
    assert re.fullmatch(r"剩余 \d+分钟\d+秒", shown), shown
    expect(task.locator(".countdown")).not_to_have_text(shown, timeout=5000)
    fits_the_phone(mg)
    mg.screenshot(path=str(ARTIFACTS / "appeal-2-tasks.png"), full_page=True)
    task.locator("button:has-text('签收')").click()
    mg.wait_for_selector(f"[data-appeal='{appeal.pk}'] button:has-text('到场')")
    task.locator("button:has-text('到场')").click()
    mg.wait_for_selector(f"[data-appeal='{appeal.pk}'] summary:has-text('处置反馈')")
    task.locator("summary:has-text('处置反馈')").click()
    task.locator("textarea[name=note]").fill("已联系环卫清运完毕")
    task.locator("input[name=photos]").set_input_files(str(photo))
    task.locator("button:has-text('提交处置反馈')").click()
    mg.wait_for_selector("text=已完成「处置反馈」")
    arrive = AppealEvent.objects.get(appeal=appeal, action="arrive")
    assert arrive.data["location"]["lat"] == pytest.approx(micro.point_lat, abs=1e-5)

    # The resident verifies; a grid worker closes; the resident rates.
    resident.goto(detail_url)
    resident.click("#moves button:has-text('核查通过')")
    resident.wait_for_selector("text=已完成「核查通过」")
    closer = phone()
    sign_in(closer, base, "grid_zhou")
    closer.goto(detail_url)
    closer.click("#moves button:has-text('结案')")
    closer.wait_for_selector("text=已完成「结案」")
    resident.goto(f"{base}/appeals/mine/")
    assert "待您评价" in resident.inner_text(".appeal-list")
    fits_the_phone(resident)
    resident.click(f"a[href='/appeals/{appeal.pk}/'] >> nth=0")
    resident.check("input[name=rating][value=satisfied]")
    resident.click("button:has-text('提交评价')")
    resident.wait_for_selector("text=已完成「评价」")
    appeal.refresh_from_db()
    assert appeal.state == "rated" and appeal.rating == "satisfied"

    timeline = resident.inner_text("#timeline")
    for step in ("上报", "登记", "派遣", "签收", "到场", "处置反馈", "核查通过", "结案", "评价", "满意", "李网格员"):
        assert step in timeline, step
    assert resident.locator("#timeline img").count() == 2  # the report photo and the evidence
    assert resident.evaluate("document.querySelector('#timeline img').naturalWidth") > 0
    fits_the_phone(resident)
    resident.screenshot(path=str(ARTIFACTS / "appeal-3-rated.png"), full_page=True)

    # The same page in English still fits the phone.
    resident.click(".langswitch button[value=en]")
    resident.wait_for_selector("text=Timeline")
    assert "Accept" in resident.inner_text("#timeline") and "Satisfied" in resident.inner_text("#timeline")
    fits_the_phone(resident)
    resident.goto(f"{base}/appeals/new/")
    fits_the_phone(resident)
    resident.screenshot(path=str(ARTIFACTS / "appeal-4-submit-en.png"), full_page=True)
    assert errors == []
