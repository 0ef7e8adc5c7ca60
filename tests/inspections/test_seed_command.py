"""seed_inspections: four templates, places in the demo grids with a month of food-safety inspections (some failed,
some rectified, some overdue); the demo `grid` and `microgrid` logins have inspections due today. Runs once."""

import io

import pytest
from django.core.management import CommandError, call_command

from gongzhi.inspections import selectors
from gongzhi.inspections.models import ChecklistTemplate, Inspection, Place, Rectification
from gongzhi.people.demo.logins import DEMO_LOGINS
from tests import factories


@pytest.fixture
def demo_logins(district, at):
    call_command("seed_categories", verbosity=0)
    out = {}
    for login in DEMO_LOGINS:
        if login.username in ("grid", "microgrid"):
            out[login.username] = factories.UserFactory(
                username=login.username, role=login.role, at=district.areas[login.area_code]
            )
    return out


def test_the_seed_fills_the_demo_once(demo_logins):
    out = io.StringIO()
    call_command("seed_inspections", stdout=out)
    assert "templates: 4" in out.getvalue()
    assert set(ChecklistTemplate.objects.values_list("name", flat=True)) == {
        "食品安全",
        "安全生产",
        "消防安全",
        "流动人口摸排",
    }
    counts = (Place.objects.count(), Inspection.objects.count(), Rectification.objects.count())
    assert counts[0] >= 12 and counts[1] >= 6
    states = set(Rectification.objects.values_list("state", flat=True))
    assert "rectified" in states and states & {"open", "overdue"}
    assert Inspection.objects.filter(rectification__isnull=False).exists()  # re-inspections
    for user in demo_logins.values():
        due = selectors.due_list(user=user, places=selectors.places_list(user=user, mine=True))
        assert any(d.status == "today" and d.template.code == "food_safety" for d in due), user.username
    call_command("seed_inspections", stdout=io.StringIO())
    assert (Place.objects.count(), Inspection.objects.count(), Rectification.objects.count()) == counts


def test_needs_the_demo_first(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_inspections", stdout=io.StringIO())
