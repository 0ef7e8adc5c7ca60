"""The bottom navigation on a 390-px phone: at most five tabs, none of them cut off, in Chinese and in English, for
the busiest role (a grid worker: four tabs and "more" holding the rest) and for a resident (four tabs and "more" too, since matching came);
"more" opens the rest above the bar, inside the screen, and leads to their pages."""

import os

import pytest
from django.urls import reverse
from django.utils import translation

from gongzhi.core import nav
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_points_redeem import PHONE, sign_in
from tests.conftest import GRID_A, MICRO_A
from tests.test_i18n import english_catalogue  # noqa: F401

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser

TABS = ".mainnav > .nav-tab, .mainnav > .nav-more > summary"
# (persona's role, area); what each bar holds is core.nav's rule (tests/core/test_nav.py has it as a table): the
# browser test checks that the page draws that bar, in either language, and that it fits the phone.
ROLES = {
    "grid_worker": ("grid_worker", GRID_A),  # the busiest bar: four tabs and "more"
    "resident": ("resident", MICRO_A),  # home, appeals, volunteering, deliberation; matching and points under "more"
}


def expected_labels(user, language: str) -> tuple[list[str], list[str]]:
    bar = nav.bar_for(user)
    with translation.override(language):
        tabs = [str(entry.label) for entry in bar.tabs] + ([str(nav.MORE_LABEL)] if bar.more else [])
        return tabs, [str(entry.label) for entry in bar.more]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", sorted(ROLES))
def test_the_bar_fits_the_phone(live_server, browser, transactional_db, areas, english_catalogue, who, language):  # noqa: F811
    role, code = ROLES[who]
    user = factories.UserFactory(username=f"nav_{who}", role=role, at=areas[code])
    if role == "resident":  # bound to their resident record, which opens their points
        user.resident = factories.ResidentFactory(household=factories.HouseholdFactory(area=areas[MICRO_A]))
        user.save(update_fields=["resident"])
    tab_labels, more_labels = expected_labels(user, language)
    tab_count, more_count = len(tab_labels), len(more_labels)
    assert tab_count <= 5 and (who != "grid_worker" or more_count >= 3)
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
    shown = [t.strip() for t in page.locator(f"{TABS.split(', ')[0]} .nav-label").all_inner_texts()]
    if more_count:
        shown.append(page.inner_text(".nav-more > summary .nav-label").strip())
    assert shown == tab_labels
    page.screenshot(path=str(ARTIFACTS / f"nav-phone-{who}-{language}.png"))

    menu = page.locator(".nav-more-menu a")
    assert menu.count() == more_count
    if more_count:
        assert not menu.first.is_visible()
        page.click(".nav-more > summary")
        assert [t.strip() for t in page.locator(".nav-more-menu .nav-label").all_inner_texts()] == more_labels
        for i in range(menu.count()):
            box = menu.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 0.5 and box["y"] >= 0
        page.screenshot(path=str(ARTIFACTS / f"nav-phone-{who}-{language}-more.png"))
        first = nav.bar_for(user).more[0]
        menu.first.click()
        page.wait_for_url(f"{live_server.url}{reverse(first.url_name)}")
        assert "nav-current" in page.get_attribute(".nav-more > summary", "class")  # the page is under "more"
    context.close()
