"""Who reads an appeal of micro-grid A (reported by resident_a), persona by persona: the API's list and detail and
the pages' detail. The superuser (the platform admin) reads every appeal, not only those it reported."""

import pytest

from gongzhi.appeals import selectors
from tests.appeals.pages_helpers import client_for
from tests.conftest import PERSONAS, api_client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/appeals"

READERS = {
    "superuser",
    "admin",
    "street_staff",
    "community_worker_a",
    "grid_worker_a",
    "microgrid_worker_a",
    "department",
    "resident_a",
}


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_list_and_detail_by_persona(submit, duty, persona):
    appeal = submit()
    user = duty[persona]
    sees = persona in READERS
    assert [a.pk for a in selectors.appeals_list(user=user)] == ([appeal.pk] if sees else [])
    api = api_client_for(user)
    assert [a["id"] for a in api.get(URL).json()["items"]] == ([appeal.pk] if sees else [])
    assert api.get(f"{URL}/{appeal.pk}").status_code == (200 if sees else 404)
    page = client_for(user).get(f"/appeals/{appeal.pk}/")
    assert page.status_code == (200 if sees else 404), persona


def test_the_superuser_reads_its_own_and_everyone_elses(submit, duty):
    """Its own appeal and resident_a's: the everything-scope ORed with "or the reporter" stays everything."""
    theirs = submit()
    own = submit(actor="superuser")
    listed = api_client_for(duty["superuser"]).get(URL).json()["items"]
    assert [a["id"] for a in listed] == [own.pk, theirs.pk]


def test_the_superuser_works_the_staff_pages_over_every_area(submit, duty):
    appeal = submit()
    page = client_for(duty["superuser"])
    board = page.get("/appeals/staff/")
    assert board.status_code == 200 and [r["appeal"].pk for r in board.context["rows"]] == [appeal.pk]
    assert page.get(f"/appeals/staff/{appeal.pk}/act/").status_code == 200
    assert page.get(f"/appeals/staff/{appeal.pk}/summons/").status_code == 200
    for path in ("/appeals/staff/intake/", "/appeals/measures/", "/appeals/categories/"):
        assert page.get(path).status_code == 200, path


def test_the_superuser_moves_an_appeal_it_did_not_report(submit, duty):
    """Through the API: a move on resident_a's appeal is taken (not a 404), and the timeline names the admin."""
    appeal = submit()
    api = api_client_for(duty["superuser"])
    before = api.get(f"{URL}/{appeal.pk}").json()
    assert before["state"] == "dispatched"
    moved = api.post(
        f"{URL}/{appeal.pk}/transitions",
        {"action": "escalate", "note": "平台管理员上报"},
        content_type="application/json",
    )
    assert moved.status_code == 200, moved.content
    appeal.refresh_from_db()
    assert appeal.handling_level == "grid"
    assert appeal.events.order_by("-id").first().actor_id == duty["superuser"].pk
