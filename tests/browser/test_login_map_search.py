"""In a real browser (Debian's Chromium through Playwright): sign in → area map → resident search, with screenshots."""

import os

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.conftest import sign_in as site_sign_in
from tests.conftest import COMMUNITY_A, GRID_A, MICRO_A

# Playwright's sync API runs an event loop in this thread; the ORM calls around it are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


@pytest.fixture
def community_a(transactional_db, areas):
    user = factories.UserFactory(
        username="cw_liu", role="community_worker", at=areas[COMMUNITY_A], password="pass-1234", display_name="刘社工"
    )
    household = factories.HouseholdFactory(area=areas[MICRO_A], address="灵山卫1社区 1号楼1单元101")
    for name in ("张三", "李四", "王五"):
        factories.ResidentFactory(household=household, name=name, phone="13812345678" if name == "张三" else "")
    return user


def sign_in(page, base_url):
    site_sign_in(page, base_url, "cw_liu", "pass-1234")


def test_login_map_and_search(live_server, browser, community_a):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    sign_in(page, base)
    assert "刘社工" in page.inner_text(".topbar")

    # The area browser sends a community worker to their community and draws its two grids.
    page.click(".mainnav a[href='/areas/']")
    page.wait_for_url(f"{base}/areas/{COMMUNITY_A}/")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() == 2
    assert page.locator(".leaflet-tile").count() == 0  # no tile server involved
    page.locator("path.leaflet-interactive").first.hover()
    page.wait_for_selector(".leaflet-tooltip.area-label")
    assert "灵山卫1社区1网格" in page.inner_text("#area-map")  # a grid too narrow for its label names itself on hover

    # A point inside micro-grid A resolves through the API and links to it.
    micro = community_a.memberships.first().area.children.get(code=GRID_A).children.get(code=MICRO_A)
    page.fill("input[name=lat]", str(micro.point_lat))
    page.fill("input[name=lng]", str(micro.point_lng))
    page.click("#locate-form button[type=submit]")
    page.wait_for_selector(f"#locate-result a[href='/areas/{MICRO_A}/']")
    assert micro.name in page.inner_text("#locate-result")
    page.screenshot(path=str(ARTIFACTS / "area_map.png"), full_page=True)

    # Clicking a grid's polygon opens that grid.
    page.locator("path.leaflet-interactive").first.click()
    page.wait_for_url(f"{base}/areas/{GRID_A}/")

    # Resident search updates as you type: initials "zs" find 张三.
    page.goto(f"{base}/people/residents/")
    page.fill("input[name=q]", "zs")
    # A locator wait, not wait_for_function: Playwright polls a string predicate by eval, which the page's
    # Content-Security-Policy refuses (no 'unsafe-eval').
    expect(page.locator("#results")).to_contain_text("共 1 条")
    results = page.inner_text("#results")
    assert "张三" in results and "李四" not in results and "王五" not in results
    assert "138****5678" in results and "13812345678" not in results
    assert "q=zs" in page.url  # the search is in the address bar, so it can be shared and reloaded
    page.screenshot(path=str(ARTIFACTS / "login_map_search.png"), full_page=True)
    assert not errors, errors

    # The same pages at a phone's size.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, locale="zh-CN"
    )
    mobile = phone.new_page()
    sign_in(mobile, base)
    mobile.goto(f"{base}/areas/{COMMUNITY_A}/")
    mobile.wait_for_selector("path.leaflet-interactive")
    assert mobile.locator(".mainnav").bounding_box()["y"] > 700  # navigation sits at the bottom on phones
    mobile.screenshot(path=str(ARTIFACTS / "login_map_search_phone_map.png"))
    mobile.goto(f"{base}/people/residents/?q=zs")
    assert "张三" in mobile.inner_text("#results")
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    mobile.screenshot(path=str(ARTIFACTS / "login_map_search_phone.png"))
    phone.close()
    context.close()
