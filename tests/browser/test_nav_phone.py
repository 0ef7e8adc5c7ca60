"""The bottom navigation on a 390-px phone holds every tab of the busiest role, in Chinese and in English."""

import os

import pytest

from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_points_redeem import PHONE, sign_in
from tests.conftest import COMMUNITY_A
from tests.test_i18n import english_catalogue  # noqa: F401

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_tab_fits_the_phone(live_server, browser, transactional_db, areas, english_catalogue, language):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    factories.UserFactory(username="sq_zhao", role="community_worker", at=areas[COMMUNITY_A])
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "sq_zhao")
    if language == "en":
        page.click(".langswitch button[value=en]")
        page.wait_for_load_state()
    tabs = page.locator(".mainnav a")
    assert tabs.count() >= 5
    for i in range(tabs.count()):
        box = tabs.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 0.5
    # No tab's label spills into its neighbour: each label is clipped to its own tab.
    spill = page.evaluate(
        """() => [...document.querySelectorAll('.mainnav a')].filter(a => {
              const label = a.querySelector('.nav-label');
              return label.getBoundingClientRect().width > a.getBoundingClientRect().width + 0.5;
           }).map(a => a.textContent.trim())"""
    )
    assert spill == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / f"nav-phone-{language}.png"))
    context.close()
