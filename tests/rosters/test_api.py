"""The roster API: upload answers 202 with a job, progress can be polled, good rows committed, rosters exported."""

import json

import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.people.models import Household
from gongzhi.rosters.models import ImportJob
from tests.conftest import COMMUNITY_A, MICRO_A, MICRO_B
from tests.rosters.conftest import HOUSEHOLD_HEADERS, read_xlsx, upload, xlsx

MIXED = xlsx(("户", [HOUSEHOLD_HEADERS, ["P-1", MICRO_A, "地址", ""], ["P-2", MICRO_B, "地址", ""]]))


def post_import(client, data, kind="households", mode="all_or_nothing"):
    return client.post("/api/v1/rosters/imports", {"file": upload(data), "kind": kind, "mode": mode})


def test_upload_answers_202_and_the_job_reports_its_outcome(district, as_user, django_capture_on_commit_callbacks):
    client = as_user(district["community_worker_a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(client, MIXED)
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    assert response.json()["status"] == "pending"

    body = client.get(f"/api/v1/rosters/imports/{job_id}").json()
    assert body["status"] == "rejected" and body["error_count"] == 1 and body["total_rows"] == 2
    assert body["errors"] == [{"sheet": "户", "row": 3, "reason": f"无权导入该区域（{MICRO_B}）"}]
    assert body["can_commit_good_rows"] is True
    workbook = client.get(body["error_workbook_url"])
    assert workbook.status_code == 200
    assert read_xlsx(b"".join(workbook.streaming_content))["户"][1][0] == "P-2"
    assert not Household.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        committed = client.post(f"/api/v1/rosters/imports/{job_id}/commit-good-rows")
    assert committed.status_code == 202
    body = client.get(f"/api/v1/rosters/imports/{job_id}").json()
    assert (body["status"], body["created"], body["percent"]) == ("done", 1, 100)
    again = client.post(f"/api/v1/rosters/imports/{job_id}/commit-good-rows")
    assert again.status_code == 409


def test_progress_of_a_running_job(district, as_user):
    client = as_user(district["community_worker_a"])
    job_id = post_import(client, MIXED).json()["id"]
    ImportJob.objects.filter(pk=job_id).update(status="validating", processed_rows=1, total_rows=4)
    body = client.get(f"/api/v1/rosters/imports/{job_id}").json()
    assert (body["status"], body["processed_rows"], body["percent"]) == ("validating", 1, 25)


def test_wrong_headers_answer_422_naming_the_columns(district, as_user):
    response = post_import(as_user(district["community_worker_a"]), xlsx(("户", [["户编号", "地址", "备注"]])))
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "file" and "微网格编码" in body["detail"] and "备注" in body["detail"]
    assert not ImportJob.objects.exists()


def test_a_file_that_is_not_xlsx_answers_422(district, as_user):
    response = post_import(as_user(district["community_worker_a"]), b"hello")
    assert response.status_code == 422 and ".xlsx" in response.json()["detail"]


@pytest.mark.parametrize("persona", ["grid_worker_a", "resident_a"])
def test_personas_without_the_rule_get_403(district, as_user, persona):
    assert post_import(as_user(district[persona]), MIXED).status_code == 403
    assert not ImportJob.objects.exists()


def test_others_cannot_read_a_job(district, as_user):
    job_id = post_import(as_user(district["community_worker_a"]), MIXED).json()["id"]
    assert as_user(district["community_worker_b"]).get(f"/api/v1/rosters/imports/{job_id}").status_code == 403
    assert as_user(district["community_worker_a"]).get("/api/v1/rosters/imports/999999").status_code == 404


def test_export_masked_and_unmasked(district, as_user, resident_in_a):
    client = as_user(district["community_worker_a"])
    masked = client.get("/api/v1/rosters/exports", {"kind": "residents", "area": COMMUNITY_A})
    assert masked.status_code == 200
    assert "*" in read_xlsx(b"".join(masked.streaming_content))["居民"][1][2]
    full = client.get("/api/v1/rosters/exports", {"kind": "residents", "area": COMMUNITY_A, "unmasked": "true"})
    assert read_xlsx(b"".join(full.streaming_content))["居民"][1][2] == resident_in_a.id_number_plain
    assert AuditEvent.objects.filter(action="roster.export_unmasked").count() == 1
    assert client.get("/api/v1/rosters/exports", {"kind": "pets", "area": COMMUNITY_A}).status_code == 422
    assert client.get("/api/v1/rosters/exports", {"kind": "residents", "area": "370211002"}).status_code == 403


def test_the_openapi_schema_documents_the_roster_endpoints(db, client):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    paths = schema["paths"]
    assert "/api/v1/rosters/imports" in paths and "/api/v1/rosters/imports/{job_id}" in paths
    assert "/api/v1/rosters/imports/{job_id}/commit-good-rows" in paths and "/api/v1/rosters/exports" in paths
    upload_body = paths["/api/v1/rosters/imports"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert "file" in json.dumps(upload_body) or "$ref" in json.dumps(upload_body)
    assert "202" in paths["/api/v1/rosters/imports"]["post"]["responses"]
    job_schema = schema["components"]["schemas"]["ImportJobOut"]
    assert set(job_schema["properties"]["status"]["enum"]) >= {"pending", "validating", "importing", "done", "rejected"}
