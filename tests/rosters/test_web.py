"""The roster page: upload, the job page with its polled progress, the good-rows button, downloads."""

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.people.models import Household
from gongzhi.rosters.models import ImportJob, ImportStatus
from tests.conftest import COMMUNITY_A, MICRO_A, MICRO_B
from tests.rosters.conftest import HOUSEHOLD_HEADERS, read_xlsx, upload, xlsx


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_file(client, data, kind="households", mode="all_or_nothing", **extra):
    return client.post(reverse("rosters:index"), {"kind": kind, "mode": mode, "file": upload(data)}, **extra)


def test_the_page_offers_upload_templates_and_export(district):
    response = client_for(district["community_worker_a"]).get(reverse("rosters:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert reverse("rosters:template", args=["residents"]) in html
    assert reverse("rosters:export") in html


@pytest.mark.parametrize(("persona", "within"), [("superuser", "370211"), ("community_worker_a", COMMUNITY_A)])
def test_the_export_offers_the_areas_in_reach(district, persona, within):
    areas = client_for(district[persona]).get(reverse("rosters:index")).context["export_areas"]
    expected = [a for a in sorted(district.areas.values(), key=lambda a: a.code) if a.code.startswith(within)]
    assert [a.code for a in areas] == [a.code for a in expected if a.level != "microgrid"]


def test_login_is_required(district):
    response = Client().get(reverse("rosters:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["grid_worker_a", "resident_a", "party_member_a", "department"])
def test_personas_without_the_import_rule_are_refused(district, persona):
    client = client_for(district[persona])
    assert client.get(reverse("rosters:index")).status_code == 403
    response = post_file(client, xlsx(("户", [HOUSEHOLD_HEADERS, ["W-1", MICRO_A, "地址", ""]])))
    assert response.status_code == 403
    assert not ImportJob.objects.exists() and not Household.objects.exists()


def test_an_upload_runs_in_the_background_and_the_job_page_shows_the_outcome(
    district, django_capture_on_commit_callbacks
):
    client = client_for(district["community_worker_a"])
    data = xlsx(("户", [HOUSEHOLD_HEADERS, ["W-1", MICRO_A, "地址", ""]]))
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, data)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("rosters:job", args=[job.pk])
    assert job.status == ImportStatus.DONE and Household.objects.filter(number="W-1").exists()

    page = client.get(response["Location"]).content.decode()
    assert "vendor/htmx/htmx.min.js" in page
    assert "导入完成" in page
    assert "hx-trigger" not in page  # nothing left to poll


def test_a_running_job_is_polled_and_its_status_part_shows_progress(district):
    client = client_for(district["community_worker_a"])
    response = post_file(client, xlsx(("户", [HOUSEHOLD_HEADERS, ["W-1", MICRO_A, "地址", ""]])))
    job = ImportJob.objects.get()  # not run: on-commit callbacks were not executed
    page = client.get(response["Location"]).content.decode()
    status_url = reverse("rosters:job_status", args=[job.pk])
    assert f'hx-get="{status_url}"' in page and 'hx-trigger="every 1s"' in page

    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATING, processed_rows=40, total_rows=100)
    part = client.get(status_url)
    assert part.status_code == 200
    html = part.content.decode()
    assert 'value="40"' in html and "已校验 40 行" in html and "<html" not in html


def test_wrong_headers_are_shown_on_the_page_and_nothing_is_stored(district):
    client = client_for(district["community_worker_a"])
    response = post_file(client, xlsx(("户", [["编号", "地址"]])))
    assert response.status_code == 422
    html = response.content.decode()
    assert "缺少列：户编号、微网格编码、门牌号" in html and "无法识别的列：编号" in html
    assert not ImportJob.objects.exists()


def test_bad_rows_are_listed_with_a_download_and_a_button_to_import_the_good_rows(
    district, django_capture_on_commit_callbacks
):
    client = client_for(district["community_worker_a"])
    data = xlsx(("户", [HOUSEHOLD_HEADERS, ["W-1", MICRO_A, "地址", ""], ["W-2", MICRO_B, "地址", ""]]))
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, data)
    job = ImportJob.objects.get()
    html = client.get(response["Location"]).content.decode()
    assert job.status == ImportStatus.REJECTED
    assert "无权导入该区域" in html and "只导入正确的行" in html
    errors = client.get(reverse("rosters:job_errors", args=[job.pk]))
    assert errors.status_code == 200
    sheet = read_xlsx(b"".join(errors.streaming_content))["户"]
    assert sheet[1][:2] == ("W-2", MICRO_B) and sheet[1][4] == 3

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("rosters:job_commit", args=[job.pk]))
    assert list(Household.objects.values_list("number", flat=True)) == ["W-1"]
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE


def test_another_communitys_worker_cannot_see_the_job(district, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_file(client_for(district["community_worker_a"]), xlsx(("户", [HOUSEHOLD_HEADERS])))
    job = ImportJob.objects.get()
    other = client_for(district["community_worker_b"])
    assert other.get(reverse("rosters:job", args=[job.pk])).status_code == 403
    assert other.get(reverse("rosters:job_status", args=[job.pk])).status_code == 403
    assert client_for(district["street_staff"]).get(reverse("rosters:job", args=[job.pk])).status_code == 200


def test_templates_download_with_the_fixed_headers(district):
    client = client_for(district["community_worker_a"])
    response = client.get(reverse("rosters:template", args=["residents"]))
    sheets = read_xlsx(response.content)
    assert list(sheets["居民"][0]) == ["户编号", "姓名", "身份证号", "手机号", "性别", "出生日期", "与户主关系", "标签"]
    assert list(sheets["户"][0]) == HOUSEHOLD_HEADERS
