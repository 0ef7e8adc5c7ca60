"""GET /api/v1/command/alerts and /leagues: alerts appear as the clock moves; league tables against direct counts."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.appeals.measures_data import NOW, appeal, at, build_march
from tests.conftest import COMMUNITY_A, COMMUNITY_B, MICRO_A, MICRO_B, STREET, api_client_for

pytestmark = pytest.mark.django_db


def _alerts(user, area, when):
    with time_machine.travel(when, tick=False):
        response = api_client_for(user).get("/api/v1/command/alerts", {"area": area})
    assert response.status_code == 200, response.content
    return {a["key"]: a for a in response.json()["alerts"]}


@pytest.fixture
def late_appeal(district, areas):
    # Dispatched 1 May 09:00 with one day to close: due 2 May 09:00; three times the limit is 4 May 09:00.
    with time_machine.travel(at(5, 1, 9), tick=False):
        return appeal(areas[MICRO_A], at(5, 1, 9), state="dispatched", dispatched_at=at(5, 1, 9), due_at=at(5, 2, 9))


def test_an_appeal_joins_the_alerts_only_past_three_times_its_limit(district, late_appeal):
    street = district["street_staff"]
    assert _alerts(street, STREET, at(5, 3, 9))["appeals_triple_overdue"]["count"] == 0  # overdue, 2× only
    assert _alerts(street, STREET, at(5, 4, 8, 59))["appeals_triple_overdue"]["count"] == 0
    after = _alerts(street, STREET, at(5, 4, 9, 1))["appeals_triple_overdue"]
    assert after["count"] == 1
    assert after["items"][0]["ref"] == late_appeal.number
    assert after["items"][0]["area_code"] == MICRO_A
    # Community B's worker does not see community A's appeal.
    assert _alerts(district["community_worker_b"], COMMUNITY_B, at(5, 5))["appeals_triple_overdue"]["count"] == 0


def test_a_closed_appeal_leaves_the_alerts(district, late_appeal):
    late_appeal.state = "closed"
    late_appeal.save(update_fields=["state"])
    assert _alerts(district["street_staff"], STREET, at(5, 9))["appeals_triple_overdue"]["count"] == 0


def test_reopened_appeals_and_summons_not_reported_in(district, areas):
    with time_machine.travel(NOW, tick=False):
        rows = build_march(areas)
        rows["b1"].state = "dispatched"
        rows["b1"].rework_count = 1
        rows["b1"].save(update_fields=["state", "rework_count"])
    alerts = _alerts(district["street_staff"], STREET, NOW)
    assert alerts["appeals_reopened"]["count"] == 1
    assert alerts["appeals_reopened"]["items"][0]["ref"] == rows["b1"].number
    # b1's second summons never reported in, its deadline 15 March 10:30 has passed.
    assert alerts["summons_not_reported"]["count"] == 1
    assert alerts["summons_not_reported"]["items"][0]["area_code"] == MICRO_B
    # Before its deadline it is no alert yet.
    early = _alerts(district["street_staff"], STREET, timezone.make_aware(dt.datetime(2026, 3, 15, 10, 15)))
    assert early["summons_not_reported"]["count"] == 0
    assert _alerts(district["community_worker_a"], COMMUNITY_A, NOW)["summons_not_reported"]["count"] == 0


def test_alerts_refuse_an_area_out_of_reach(district):
    response = api_client_for(district["community_worker_a"]).get("/api/v1/command/alerts", {"area": COMMUNITY_B})
    assert response.status_code == 403
    assert "权限" in response.json()["detail"]


def test_leagues_of_child_areas_and_departments(district, areas):
    with time_machine.travel(NOW, tick=False):
        build_march(areas)
        response = api_client_for(district["street_staff"]).get(
            "/api/v1/command/leagues", {"area": STREET, "from": "2026-03-01", "to": "2026-04-01", "sort": "received"}
        )
    assert response.status_code == 200, response.content
    body = response.json()
    # "received" ranks fewer complaints first (as the measures page does): B (2) before A (4).
    assert [(c["code"], c["received"]) for c in body["children"]] == [(COMMUNITY_B, 2), (COMMUNITY_A, 4)]
    assert sum(c["received"] for c in body["children"]) == 6
    departments = [(d["name"], d["summons"], d["due"], d["on_time"], d["punctuality"]) for d in body["departments"]]
    assert departments == [("住建", 2, 2, 1, 0.5), ("派出所", 1, 1, 0, 0.0)]


def test_leagues_bad_sort_and_reversed_period(district):
    client = api_client_for(district["street_staff"])
    bad = client.get("/api/v1/command/leagues", {"area": STREET, "sort": "fastest"})
    assert (bad.status_code, bad.json()["field"]) == (422, "sort")
    reversed_ = client.get("/api/v1/command/leagues", {"area": STREET, "from": "2026-04-01", "to": "2026-03-01"})
    assert (reversed_.status_code, reversed_.json()["field"]) == (422, "to")
