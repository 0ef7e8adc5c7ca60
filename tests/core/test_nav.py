"""The navigation bar, one rule for every role: what the role may use, in order, at most five tabs on a phone with
"more" (更多) holding the rest — and every tab's label fits a fifth of a 390-px phone, in Chinese and in English."""

import unicodedata

import pytest
from django.test import Client
from django.utils import translation

from gongzhi.core import nav
from gongzhi.core.nav import PHONE_TABS, NavEntry, bar_for
from tests.conftest import PERSONAS
from tests.test_i18n import english_catalogue  # noqa: F401

STAFF_BAR = (
    ["home", "appeals.tasks", "areas", "people.residents"],
    ["volunteering", "deliberation", "inspections", "matching", "awards", "points", "people.party", "command"],
)
# Those who read care archives of an area (care.view) also get 关爱; a grid worker gets it once assigned as a carer.
OFFICE_BAR = (STAFF_BAR[0], ["volunteering", "care", *STAFF_BAR[1][1:]])
# persona → (tabs, under "more")
BARS = {
    "superuser": OFFICE_BAR,
    "admin": OFFICE_BAR,
    "street_staff": OFFICE_BAR,
    # The other street runs no points scheme in these tests: no 积分 tab there.
    "other_street_staff": (OFFICE_BAR[0], [k for k in OFFICE_BAR[1] if k != "points"]),
    "community_worker_a": OFFICE_BAR,
    "community_worker_b": OFFICE_BAR,
    "grid_worker_a": STAFF_BAR,
    "grid_worker_a2": STAFF_BAR,
    "grid_worker_b": STAFF_BAR,
    "microgrid_worker_a": STAFF_BAR,
    "department": (["home", "appeals.report_in", "volunteering", "deliberation", "matching"], []),
    "party_member_a": (["home", "appeals.mine", "volunteering", "deliberation"], ["matching", "people.party"]),
    "volunteer_a": (["home", "appeals.mine", "volunteering", "deliberation", "matching"], []),
    "partner": (["home", "appeals.mine", "volunteering", "deliberation", "matching"], []),
    "resident_a": (["home", "appeals.mine", "volunteering", "deliberation"], ["matching", "awards", "points"]),
    "resident_b": (["home", "appeals.mine", "volunteering", "deliberation"], ["matching", "awards", "points"]),
    "nobody": (["home", "appeals.mine", "volunteering", "matching"], []),
}

PHONE_WIDTH = 390
FONT_PX = 12  # .mainnav .nav-tab { font-size: .75rem }
LABEL_PADDING_PX = 4  # .nav-label { padding: 0 2px }


def label_width(text: str) -> float:
    """A generous estimate of the label's width: a CJK character is one em, any other character 0.62 em (wider than
    the average Latin letter of the fonts the phones and the browser tests use)."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.62 for ch in text) * FONT_PX


def keys(entries):
    return [entry.key for entry in entries]


@pytest.fixture(autouse=True)
def points_scheme(request):
    """The street of the personas runs a points scheme: staff get 积分 only where one runs (gongzhi/points/nav.py)."""
    if "district" not in request.fixturenames and "resident_users" not in request.fixturenames:
        return None
    from gongzhi.points.actions.schemes import scheme_create
    from tests.conftest import STREET

    district = request.getfixturevalue("district")
    return scheme_create(actor=district["street_staff"], area=district.areas[STREET], name="积分", opening_balance=0)


def test_staff_of_a_street_without_a_points_scheme_get_no_points_tab(district):
    assert "points" in [e.key for e in bar_for(district["street_staff"]).tabs + bar_for(district["street_staff"]).more]
    other = bar_for(district["other_street_staff"])
    assert "points" not in [e.key for e in other.tabs + other.more]


@pytest.fixture
def resident_users(district, household_a):
    """Residents sign in with an account bound to their resident record (it opens their points)."""
    from gongzhi.accounts.models import User
    from tests import factories

    for name in ("resident_a", "resident_b"):
        resident = factories.ResidentFactory(household=household_a)
        User.objects.filter(pk=district[name].pk).update(resident=resident)
        district.people[name] = User.objects.get(pk=district[name].pk)
    return district


def test_the_table_names_every_persona():
    assert set(BARS) == set(PERSONAS)


@pytest.mark.parametrize("persona", sorted(BARS))
def test_each_role_gets_its_bar_and_no_more_than_five_tabs(resident_users, persona):
    bar = bar_for(resident_users[persona])
    assert (keys(bar.tabs), keys(bar.more)) == BARS[persona]
    assert bar.slots <= PHONE_TABS


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("persona", sorted(BARS))
def test_every_label_fits_its_tab_on_a_phone(resident_users, english_catalogue, persona, language):  # noqa: F811
    bar = bar_for(resident_users[persona])
    tab_width = PHONE_WIDTH / bar.slots - LABEL_PADDING_PX
    with translation.override(language):
        labels = [str(entry.label) for entry in bar.tabs] + ([str(nav.MORE_LABEL)] if bar.more else [])
        if language == "en":
            assert all(label.isascii() for label in labels), labels  # translated, not the Chinese fallback
        too_wide = [label for label in labels if label_width(label) > tab_width]
    assert too_wide == []


@pytest.fixture
def four_more_apps():
    saved = dict(nav._REGISTRY)
    nav.register(
        *(NavEntry(f"new{i}", f"新应用{i}", "web:home", "○", order=order) for i, order in enumerate((15, 35, 70, 80)))
    )
    yield
    nav._REGISTRY.clear()
    nav._REGISTRY.update(saved)


def test_four_more_apps_still_leave_five_tabs_in_the_registry_order(district, four_more_apps):
    bar = bar_for(district["grid_worker_a"])
    assert keys(bar.tabs) == ["home", "appeals.tasks", "new0", "areas"]
    assert keys(bar.more) == [
        "people.residents",
        "new1",
        "volunteering",
        "deliberation",
        "inspections",
        "matching",
        "awards",
        "points",
        "people.party",
        "command",
        "new2",
        "new3",
    ]
    resident = bar_for(district["volunteer_a"])
    assert keys(resident.tabs) == ["home", "appeals.mine", "new0", "new1"]
    assert keys(resident.more) == ["volunteering", "deliberation", "matching", "new2", "new3"]


def test_the_page_shows_the_tabs_and_the_rest_under_more(district):
    client = Client()
    client.force_login(district["grid_worker_a"])
    html = client.get("/volunteering/").content.decode()
    bar = html.split('class="mainnav"')[1].split("</nav>")[0]
    tabs, more = bar.split('class="nav-more"')
    assert [href in tabs for href in ('href="/"', 'href="/appeals/tasks/"', 'href="/areas/"')] == [True] * 3
    assert 'href="/volunteering/"' in more and 'href="/party/"' in more and "更多" in more
    assert 'class="nav-tab nav-current"' in more  # the page is under "more": the more tab is marked


def test_anonymous_visitors_get_no_bar(db):
    assert 'class="mainnav"' not in Client().get("/login/").content.decode()
