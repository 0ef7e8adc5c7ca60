"""The JSON API under /api/v1/appeals."""

import datetime as dt
import io
import json

import pytest
import time_machine
from PIL import Image

from gongzhi.appeals.models import Appeal
from tests.appeals.conftest import T0, point_in
from tests.conftest import MICRO_A, api_client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/appeals"


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def resident(duty):
    return api_client_for(duty["resident_a"])


@pytest.fixture
def body(areas, categories):
    return {
        "description": "楼下垃圾堆积",
        "channel": "resident_web",
        "category": categories["litter"].code,
        **point_in(areas[MICRO_A]),
        "contact_phone": "13812345678",
    }


def test_submit_answers_201_with_number_state_area_and_deadlines(resident, body):
    with time_machine.travel(T0, tick=False):
        response = post(resident, URL, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"].startswith("SQ20260316-") and data["state"] == "dispatched"
    assert data["area_code"] == MICRO_A
    assert dt.datetime.fromisoformat(data["arrive_by"]) == T0 + dt.timedelta(minutes=7)
    assert data["due_at"] is None  # the clock starts when the worker accepts
    assert data["contact_phone"] == "13812345678"  # the reporter sees their own contact
    assert [e["action"] for e in data["events"]] == ["submit", "register", "dispatch"]


def test_the_same_idempotency_key_twice_makes_one_appeal(resident, body):
    first = post(resident, URL, body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(resident, URL, body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Appeal.objects.count() == 1
    other = post(resident, URL, {**body, "description": "另一件事"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409 and Appeal.objects.count() == 1


def test_a_known_external_ticket_answers_200_with_the_existing_appeal(duty):
    staff = api_client_for(duty["community_worker_a"])
    ticket = {"description": "噪音扰民", "channel": "hotline_12345", "area_code": MICRO_A, "external_ref": "A-1"}
    first, again = post(staff, URL, ticket), post(staff, URL, ticket)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]


def test_bad_input_is_422_naming_the_field(resident, body):
    response = post(resident, URL, {**body, "lat": 1.0, "lng": 1.0})
    assert response.status_code == 422 and response.json()["field"] == "lat"
    response = post(resident, URL, {**body, "category": "nope"})
    assert response.status_code == 422 and response.json()["field"] == "category"
    assert Appeal.objects.count() == 0


def test_detail_list_and_transitions(duty, resident, body):
    appeal_id = post(resident, URL, body).json()["id"]
    worker = api_client_for(duty["microgrid_worker_a"])
    outsider = api_client_for(duty["grid_worker_b"])
    assert outsider.get(f"{URL}/{appeal_id}").status_code == 404

    refused = post(worker, f"{URL}/{appeal_id}/transitions", {"action": "close"})
    assert refused.status_code == 422
    assert "accept" in refused.json()["details"]["allowed"]

    accepted = post(worker, f"{URL}/{appeal_id}/transitions", {"action": "accept"})
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert accepted.json()["due_at"] is not None and accepted.json()["remaining_seconds"] > 0
    assert accepted.json()["contact_phone"].startswith("138") and "****" in accepted.json()["contact_phone"]
    assert "arrive" in accepted.json()["allowed_actions"]

    listing = worker.get(URL, {"area": MICRO_A, "state": "accepted", "mine": True}).json()
    assert [a["id"] for a in listing["items"]] == [appeal_id]
    assert worker.get(URL, {"overdue": True}).json()["items"] == []
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=2)):
        assert [a["id"] for a in worker.get(URL, {"overdue": True}).json()["items"]] == [appeal_id]
    assert outsider.get(URL).json()["items"] == []
    assert resident.get(URL).json()["items"][0]["id"] == appeal_id  # the reporter sees their own
    assert worker.get(URL, {"state": "flying"}).status_code == 422


def test_photo_upload_by_multipart(duty, resident, body, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    appeal_id = post(resident, URL, body).json()["id"]
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG")
    out.seek(0)
    out.name = "a.png"
    response = resident.post(f"{URL}/{appeal_id}/photos", {"photo": out, "kind": "report"})
    assert response.status_code == 201, response.content
    bad = io.BytesIO(b"hello")
    bad.name = "a.png"
    response = resident.post(f"{URL}/{appeal_id}/photos", {"photo": bad})
    assert response.status_code == 422 and response.json()["field"] == "photo"
    assert len(resident.get(f"{URL}/{appeal_id}").json()["photos"]) == 1


def test_without_a_token_the_api_answers_401(client):
    assert client.get(URL).status_code == 401


PRODUCTION_BACKENDS = {
    # What gongzhi.settings uses (tests/settings.py swaps in an in-process cache and an immediate task runner): the
    # boundary version is read from the database cache and the delivery task is a row in the database queue.
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gongzhi_cache"}},
    "TASKS": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
}


# Statements of one create on PostgreSQL by what the process still keeps (gongzhi.core.recent, at most a second):
# SAVEPOINT/RELEASE (BEGIN/COMMIT in production), day counter + new id, on-duty worker, appeal + events, outbox
# rows, delivery task = 7; the token's check, the category, the area and the boundary version add one each when
# they are read afresh. SQLite inserts the appeal and its events in two statements (the ORM path): one more.
STATEMENTS = {"kept": 7, "token read again": 8, "nothing kept": 11}


@pytest.mark.parametrize("kept", STATEMENTS.keys())
def test_intake_through_the_api_takes_at_most_ten_statements(resident, body, kept):
    """Every statement of a create counts, the transaction's own included: the test's SAVEPOINT and RELEASE stand
    for the BEGIN and COMMIT of a request in production. A client's calls (its token kept) take 7 on PostgreSQL,
    a client whose token is checked again 8; only the first create of a process, or one after a second with no
    intake at all, reads everything afresh (11)."""
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from gongzhi.accounts import auth
    from gongzhi.core.recent import Recent

    with override_settings(**PRODUCTION_BACKENDS):
        call_command("createcachetable", verbosity=0)
        post(resident, URL, body)  # the token's first use is recorded; token, category, area, version kept
        if kept == "token read again":
            auth.forget_all_tokens()
        elif kept == "nothing kept":
            Recent.forget_everywhere()
        with CaptureQueriesContext(connection) as ctx:
            response = post(resident, URL, body)
    assert response.status_code == 201
    statements = [q["sql"] for q in ctx.captured_queries]
    assert sum("SAVEPOINT" in s for s in statements) == 2, statements  # the request's one transaction
    assert len(statements) <= STATEMENTS[kept] + (connection.vendor == "sqlite"), statements
    if kept != "nothing kept":
        assert len(statements) <= 10
    assert [e["action"] for e in response.json()["events"]] == ["submit", "register", "dispatch"]
