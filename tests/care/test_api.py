"""The care API: every write idempotent (the same key returns the first result), bad input a clear error on the
field in the user's language that changes nothing, and the same need to know as the pages."""

import pytest

from gongzhi.care.models import CareArchive, CareNeed, Visit
from tests import factories
from tests.conftest import api_client_for
from tests.test_i18n import english_catalogue  # noqa: F401


def test_a_visit_sent_twice_with_one_key_is_stored_once(care):
    client = api_client_for(care["grid_worker_a"])
    url = f"/api/v1/care/archives/{care['elder'].pk}/visits"
    body = {"findings": "老人身体好", "needs": [{"kind": "daily_care", "description": "修水管"}]}
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="visit-1")
    again = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="visit-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Visit.objects.count() == 1 and CareNeed.objects.filter(visit__isnull=False).count() == 1


def test_opening_an_archive_through_the_api(care):
    resident = factories.ResidentFactory(household=care["elder"].resident.household, name="赵六", phone="13700001111")
    client = api_client_for(care["community_worker_a"])
    response = client.post(
        "/api/v1/care/archives",
        {"resident_id": resident.pk, "tags": ["disabled"], "risk_level": "green", "consent": True,
         "carers": [{"user_id": care["grid_worker_a"].pk, "kind": "grid_worker"}]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone_masked"] == "137****1111" and body["risk_level"] == "green"
    assert body["risk_history"][0]["to_level"] == "green" and body["carers"][0]["kind"] == "grid_worker"


@pytest.mark.parametrize(
    ("persona", "body", "status", "field"),
    [
        ("community_worker_a", {"tags": ["rich"], "risk_level": "red"}, 422, "tags"),
        ("community_worker_a", {"tags": ["disabled"], "risk_level": "orange"}, 422, "risk_level"),
        ("community_worker_a", {"tags": ["child-in-difficulty"], "risk_level": "red"}, 403, "tags"),
        ("community_worker_a", {"tags": [], "risk_level": "red"}, 422, "tags"),
        ("community_worker_b", {"tags": ["disabled"], "risk_level": "red"}, 404, "resident_id"),
        ("grid_worker_a", {"tags": ["disabled"], "risk_level": "red"}, 404, "resident_id"),
        ("community_worker_a", {"tags": ["disabled"], "risk_level": "red",
                                "needs": [{"kind": "cash", "description": "x"}]}, 422, "needs.kind"),
    ],
)  # fmt: skip
def test_a_bad_archive_is_refused_on_its_field_and_nothing_is_written(care, persona, body, status, field):
    resident = factories.ResidentFactory(household=care["elder"].resident.household, name="钱七")
    before = CareArchive.objects.count()
    response = api_client_for(care[persona]).post(
        "/api/v1/care/archives", {"resident_id": resident.pk, **body}, content_type="application/json"
    )
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    assert CareArchive.objects.count() == before


def test_a_second_archive_for_the_same_resident_is_a_conflict(care):
    response = api_client_for(care["community_worker_a"]).post(
        "/api/v1/care/archives",
        {"resident_id": care["elder"].resident_id, "tags": ["disabled"], "risk_level": "red"},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["field"] == "resident_id"


def test_errors_are_in_the_users_language(care, english_catalogue):  # noqa: F811
    response = api_client_for(care["grid_worker_a"]).post(
        f"/api/v1/care/archives/{care['elder'].pk}/risk", {"risk_level": "purple", "reason": "x"},
        content_type="application/json", HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 422 and response.json()["field"] == "risk_level"
    assert response.json()["detail"].startswith("Risk level")


def test_a_visit_by_someone_not_assigned_is_refused_through_the_api(care):
    response = api_client_for(care["community_worker_a"]).post(
        f"/api/v1/care/archives/{care['elder'].pk}/visits", {"findings": "x"}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["field"] == "archive_id"
    assert not Visit.objects.exists()


def test_a_childs_record_through_the_api_without_the_role(care):
    response = api_client_for(care["street_staff"]).get(f"/api/v1/care/archives/{care['child'].pk}")
    assert response.status_code == 403 and response.json()["details"] == {"rule": "care.children"}


def test_needs_move_through_the_api_and_refuse_a_move_not_allowed(care):
    need = CareNeed.objects.get(archive=care["elder"])
    client = api_client_for(care["grid_worker_a"])
    met = client.post(f"/api/v1/care/needs/{need.pk}/meet", {}, content_type="application/json")
    assert met.status_code == 200 and met.json()["status"] == "met"
    again = client.post(f"/api/v1/care/needs/{need.pk}/appeal", {}, content_type="application/json")
    assert again.status_code == 422 and again.json()["field"] == "action"


def test_closing_an_archive_needs_a_reason_and_takes_it_out_of_the_tasks(care):
    client = api_client_for(care["community_worker_a"])
    url = f"/api/v1/care/archives/{care['elder'].pk}/moves/close"
    assert client.post(url, {}, content_type="application/json").json()["field"] == "note"
    closed = client.post(url, {"note": "已入住养老院"}, content_type="application/json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["task"] is None
    grid = api_client_for(care["grid_worker_a"]).get("/api/v1/care/tasks").json()
    assert grid == []


def test_configuration_through_the_api(care):
    staff = api_client_for(care["street_staff"])
    saved = staff.post("/api/v1/care/config/risk-levels",
                       {"code": "orange", "name": "橙", "rank": 2, "interval_days": 10}, content_type="application/json")  # fmt: skip
    assert saved.status_code == 200
    assert "orange" in [x["code"] for x in staff.get("/api/v1/care/config").json()["risk_levels"]]
    refused = api_client_for(care["grid_worker_a"]).post(
        "/api/v1/care/config/tags", {"code": "x", "name": "某"}, content_type="application/json"
    )
    assert refused.status_code == 403
    bad = staff.post("/api/v1/care/config/triggers", {"code": "y", "name": "某事", "group": "sometimes"},
                     content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and bad.json()["field"] == "group"
