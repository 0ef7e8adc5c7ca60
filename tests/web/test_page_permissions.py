"""Every page, for every persona: who gets it (200) and who is refused (403), as one table."""

import pytest

from tests.conftest import COMMUNITY_A, GRID_A, PERSONAS

STAFF = {
    "superuser",
    "admin",
    "street_staff",
    "other_street_staff",
    "community_worker_a",
    "community_worker_b",
    "grid_worker_a",
    "grid_worker_a2",
    "grid_worker_b",
    "microgrid_worker_a",
}
# Reach of community A's micro-grid 01 of grid 01 (where household A lives).
REACH_MICRO_A = {"superuser", "admin", "street_staff", "community_worker_a", "grid_worker_a", "microgrid_worker_a"}

# page → the personas that may open it; everyone else gets 403.
ALLOWED = {
    "home": set(PERSONAS),
    "area_community_a": {"superuser", "admin", "street_staff", "community_worker_a"},
    "area_grid_a": {"superuser", "admin", "street_staff", "community_worker_a", "grid_worker_a"},
    "residents": STAFF,
    "resident_a": REACH_MICRO_A,
    "household_a": REACH_MICRO_A,
    "party": STAFF | {"party_member_a"},
    "party_org_a": {"superuser", "admin", "street_staff", "community_worker_a", "party_member_a"},
    "registrations": {
        "superuser",
        "admin",
        "street_staff",
        "other_street_staff",
        "community_worker_a",
        "community_worker_b",
    },
}


def url_of(page, resident, org):
    return {
        "home": "/",
        "area_community_a": f"/areas/{COMMUNITY_A}/",
        "area_grid_a": f"/areas/{GRID_A}/",
        "residents": "/people/residents/",
        "resident_a": f"/people/residents/{resident.pk}/",
        "household_a": f"/people/households/{resident.household_id}/",
        "party": "/party/",
        "party_org_a": f"/party/{org.pk}/",
        "registrations": "/people/registrations/",
    }[page]


@pytest.mark.parametrize("persona", sorted(PERSONAS))
@pytest.mark.parametrize("page", sorted(ALLOWED))
def test_page_access_by_persona(page, persona, district, resident_in_a, party_org_a, client_for):
    expected = 200 if persona in ALLOWED[page] else 403
    response = client_for(district[persona]).get(url_of(page, resident_in_a, party_org_a))
    assert response.status_code == expected, (page, persona)
    if expected == 403:
        assert "没有权限" in response.content.decode()


@pytest.mark.parametrize("page", sorted(ALLOWED))
def test_anonymous_visitors_are_sent_to_login(page, district, resident_in_a, party_org_a, client_for):
    response = client_for(None).get(url_of(page, resident_in_a, party_org_a))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_unknown_area_is_404_and_unknown_resident_is_404(district, client_for):
    client = client_for(district["street_staff"])
    assert client.get("/areas/370211009/").status_code == 404
    assert client.get("/people/residents/999999/").status_code == 404
    assert client.get("/people/households/999999/").status_code == 404
    assert client.get("/party/999999/").status_code == 404


def test_area_index_sends_a_single_scope_to_its_area(district, client_for):
    response = client_for(district["grid_worker_a"]).get("/areas/")
    assert response.status_code == 302
    assert response["Location"] == f"/areas/{GRID_A}/"


def test_refusal_page_speaks_english_when_english_is_chosen(district, client_for):
    client = client_for(district["community_worker_b"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get(f"/areas/{COMMUNITY_A}/")
    assert response.status_code == 403
    assert '<html lang="en">' in response.content.decode()
