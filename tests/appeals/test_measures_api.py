"""GET /api/v1/appeals/measures: figures, defaults, bad input and permission per persona."""

import pytest
import time_machine

from tests.appeals.measures_data import NOW, build_march
from tests.conftest import COMMUNITY_A, COMMUNITY_B, OTHER_STREET, STREET, api_client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/appeals/measures"


@pytest.fixture
def march(district, areas):
    with time_machine.travel(NOW, tick=False):
        build_march(areas)
        yield district


def test_the_street_with_its_league_table_and_previous_period(march):
    client = api_client_for(march["street_staff"])
    with time_machine.travel(NOW, tick=False):
        response = client.get(URL, {"area": STREET, "from": "2026-03-01", "to": "2026-04-01", "sort": "closure_rate"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["area"]["code"] == STREET
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-04-01")
    assert (body["previous_from"], body["previous_to"]) == ("2026-01-29", "2026-03-01")
    total = body["total"]
    assert (total["received"], total["response_rate"], total["on_time_rate"]) == (6, 0.6, 0.5)
    assert total["satisfaction_rate"] == pytest.approx(2 / 3)
    assert body["previous"]["received"] == 10
    assert body["changes"]["complaints_per_1000"] == pytest.approx(-0.4)
    assert [c["code"] for c in body["children"]] == [COMMUNITY_A, COMMUNITY_B]
    assert body["children"][1]["satisfaction_rate"] is None
    assert sum(w["received"] for w in body["trend"]) == 6


def test_defaults_to_the_current_month_of_the_widest_area(march):
    with time_machine.travel(NOW, tick=False):
        body = api_client_for(march["street_staff"]).get(URL).json()
    assert (body["area"]["code"], body["from"], body["to"]) == (STREET, "2026-04-01", "2026-05-01")
    assert body["total"]["received"] == 0
    assert body["total"]["closure_rate"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-04-01", "to": "2026-03-01"}, "to"),
        ({"from": "yesterday", "to": "2026-03-01"}, "from"),
        ({"from": "2026-03-01"}, "to"),
        ({"area": "37x"}, "area"),
        ({"sort": "fastest"}, "sort"),
    ],
)
def test_bad_input_is_422_naming_the_field(march, params, field):
    response = api_client_for(march["street_staff"]).get(URL, {"area": STREET, **params})
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_an_unknown_area_is_404(march):
    response = api_client_for(march["street_staff"]).get(URL, {"area": "370211009"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("persona", "area", "status"),
    [
        ("superuser", STREET, 200),
        ("superuser", OTHER_STREET, 200),
        ("admin", STREET, 200),
        ("street_staff", STREET, 200),
        ("department", STREET, 200),
        ("community_worker_a", COMMUNITY_A, 200),
        ("community_worker_a", STREET, 403),
        ("community_worker_b", COMMUNITY_A, 403),
        ("grid_worker_a", COMMUNITY_A, 403),
        ("other_street_staff", STREET, 403),
        ("party_member_a", COMMUNITY_A, 403),
        ("volunteer_a", COMMUNITY_A, 403),
        ("partner", STREET, 403),
        ("resident_a", STREET, 403),
        ("nobody", STREET, 403),
    ],
)
def test_permission_per_persona(march, persona, area, status):
    response = api_client_for(march[persona]).get(URL, {"area": area})
    assert response.status_code == status, response.content


def test_without_a_token_it_is_401(client, district):
    assert client.get(URL, {"area": STREET}).status_code == 401
