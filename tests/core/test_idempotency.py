"""One wrapper for every API write that honours Idempotency-Key: the same key replays the first answer, whatever the
endpoint returns (a Status with a schema, or an HttpResponse it built itself); the key covers the path too."""

import json

import pytest

from gongzhi.api import api
from gongzhi.core.models import IdempotencyKey
from gongzhi.volunteering.models import Signup
from tests.conftest import api_client_for
from tests.volunteering.conftest import at, make_activity, make_volunteer  # noqa: F401 - the clock fixture


def operations():
    for _prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                yield path, operation


def test_every_endpoint_that_says_it_honours_the_key_wears_the_wrapper():
    said = {p for p, op in operations() if "Idempotency-Key" in f"{op.summary} {op.description or ''}"}
    wrapped = {p for p, op in operations() if getattr(op.view_func, "idempotent_endpoint", None)}
    assert said == wrapped
    # appeals, awards, redemptions, sign-ups, check-ins (5); 33 writes of deliberation; 3 of patrol; matching's
    # demands, moves, resources, donations, ventures, venture moves and spendings (7); 22 writes of care; a care
    # need handed to matching (1, carelink); awards' nominations and votes (2); matching's projects, project moves,
    # claims, check-offs, agreements and joint meetings (6)
    assert len(wrapped) == 79


def post(client, url, body, key):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def two_activities(district, at):  # noqa: F811
    return make_activity(district), make_activity(district, title="第二场")


def test_a_replay_is_the_first_answer_and_the_path_is_part_of_the_request(district, two_activities):
    first_activity, second_activity = two_activities
    volunteer = make_volunteer(district, "甲")
    client = api_client_for(volunteer.user)
    first = post(client, f"/api/v1/activities/{first_activity.pk}/signups", {}, "k-1")
    again = post(client, f"/api/v1/activities/{first_activity.pk}/signups", {}, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Content-Type"] == "application/json; charset=utf-8"
    assert Signup.objects.count() == 1
    elsewhere = post(client, f"/api/v1/activities/{second_activity.pk}/signups", {}, "k-1")
    assert elsewhere.status_code == 409 and elsewhere.json()["field"] == "Idempotency-Key"
    assert Signup.objects.count() == 1
    assert IdempotencyKey.objects.get().endpoint == "volunteering.signups.create"


@pytest.mark.parametrize("key", ["", " ", "x" * 129])
def test_a_bad_key_is_refused_and_nothing_is_written(district, two_activities, key):
    volunteer = make_volunteer(district, "甲")
    response = post(api_client_for(volunteer.user), f"/api/v1/activities/{two_activities[0].pk}/signups", {}, key)
    assert response.status_code == 422 and response.json()["field"] == "Idempotency-Key"
    assert not Signup.objects.exists() and not IdempotencyKey.objects.exists()
