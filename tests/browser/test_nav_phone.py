"""The bottom navigation on a 390-px phone: at most five tabs, none of them cut off, in Chinese and in English, for
the busiest role (a grid worker: seven entries, four tabs and "more") and for a resident (four tabs, no "more");
"more" opens the rest above the bar, inside the screen, and leads to their pages."""

import os

import pytest

from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_points_redeem import PHONE, sign_in
from tests.conftest import GRID_A, MICRO_A
from tests.test_i18n import english_catalogue  # noqa: F401

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser

TABS = ".mainnav > .nav-tab, .mainnav > .nav-more > summary"
# (persona's role, area, tabs on the bar, entries under "more")
ROLES = {
    "grid_worker": ("grid_worker", GRID_A, 5, 4),
    "resident": ("resident", MICRO_A, 5, 0),  # home, appeals, volunteering, matching, points
}
LABELS = {
    "zh-hans": (["首页", "任务", "区域地图", "居民查询", "更多"], ["志愿服务", "服务", "积分", "党组织"]),
    "en": (["Home", "Tasks", "Areas", "Residents", "More"], ["Volunteer", "Services", "Points", "Party"]),
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", sorted(ROLES))
def test_the_bar_fits_the_phone(live_server, browser, transactional_db, areas, english_catalogue, who, language):  # noqa: F811
    role, code, tab_count, more_count = ROLES[who]
    user = factories.UserFactory(username=f"nav_{who}", role=role, at=areas[code])
    if role == "resident":  # bound to their resident record, which opens their points
        user.resident = factories.ResidentFactory(household=factories.HouseholdFactory(area=areas[MICRO_A]))
        user.save(update_fields=["resident"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, f"nav_{who}")
    if language == "en":
        page.click(".langswitch button[value=en]")
        page.wait_for_load_state()

    tabs = page.locator(TABS)
    assert tabs.count() == tab_count <= 5
    for i in range(tabs.count()):
        box = tabs.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 0.5
        assert box["y"] > 700  # the bar sits at the bottom of the phone
    # No label is cut: each is as wide as its text (no ellipsis) and stays inside its own tab.
    cut = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].filter(tab => {
              const label = tab.querySelector('.nav-label');
              return label.scrollWidth > label.clientWidth + 0.5
                  || label.getBoundingClientRect().width > tab.getBoundingClientRect().width + 0.5;
           }).map(tab => tab.textContent.trim())""",
        TABS,
    )
    assert cut == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if who == "grid_worker":
        assert [t.strip() for t in page.locator(f"{TABS.split(', ')[0]} .nav-label").all_inner_texts()] + [
            page.inner_text(".nav-more > summary .nav-label").strip()
        ] == LABELS[language][0]
    page.screenshot(path=str(ARTIFACTS / f"nav-phone-{who}-{language}.png"))

    menu = page.locator(".nav-more-menu a")
    assert menu.count() == more_count
    if more_count:
        assert not menu.first.is_visible()
        page.click(".nav-more > summary")
        assert [t.strip() for t in page.locator(".nav-more-menu .nav-label").all_inner_texts()] == LABELS[language][1]
        for i in range(menu.count()):
            box = menu.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 0.5 and box["y"] >= 0
        page.screenshot(path=str(ARTIFACTS / f"nav-phone-{who}-{language}-more.png"))
        menu.first.click()
        page.wait_for_url(f"{live_server.url}/volunteering/")
        assert "nav-current" in page.get_attribute(".nav-more > summary", "class")  # the page is under "more"
    context.close()
