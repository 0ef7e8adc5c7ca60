"""The arrival check-in through the API keeps the phone's position in the event; a bad position changes nothing."""

import json

import pytest

from gongzhi.appeals.models import AppealEvent
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def move(client, appeal, body):
    return client.post(f"/api/v1/appeals/{appeal.pk}/transitions", json.dumps(body), content_type="application/json")


def test_arrive_with_the_phones_position(submit, duty):
    appeal = submit()
    worker = api_client_for(duty["microgrid_worker_a"])
    assert move(worker, appeal, {"action": "accept"}).status_code == 200
    response = move(worker, appeal, {"action": "arrive", "location": {"lat": 35.9, "lng": 120.1, "accuracy": 12}})
    assert response.status_code == 200 and response.json()["state"] == "on_site"
    event = AppealEvent.objects.get(appeal=appeal, action="arrive")
    assert event.data["location"] == {"lat": 35.9, "lng": 120.1, "accuracy": 12.0}


@pytest.mark.parametrize(
    "location",
    [{"lat": 95, "lng": 120}, {"lat": "north", "lng": 120}, {"lng": 120}, {"lat": 35.9, "lng": 120.1, "accuracy": -1}],
)
def test_a_bad_position_is_refused_and_the_worker_is_not_on_site(submit, duty, location):
    appeal = submit()
    worker = api_client_for(duty["microgrid_worker_a"])
    move(worker, appeal, {"action": "accept"})
    response = move(worker, appeal, {"action": "arrive", "location": location})
    assert response.status_code == 422
    appeal.refresh_from_db()
    assert appeal.state == "accepted"
    assert not AppealEvent.objects.filter(appeal=appeal, action="arrive").exists()


def test_a_position_on_a_move_other_than_arrive_is_refused(submit, duty):
    appeal = submit()
    worker = api_client_for(duty["microgrid_worker_a"])
    response = move(worker, appeal, {"action": "accept", "location": {"lat": 35.9, "lng": 120.1}})
    assert response.status_code == 422
    appeal.refresh_from_db()
    assert appeal.state == "dispatched"
