"""The public board: page and API without login, the area's subtree only, no personal data; staff withdraw."""

import pytest
from django.test import Client

from gongzhi.noticeboard.models import Notice
from tests.conftest import COMMUNITY_A, COMMUNITY_B, GRID_A, STREET, api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(close):
    return close()


def test_the_public_page_shows_the_notice_without_login_and_without_contact_data(published):
    response = Client().get(f"/board/{COMMUNITY_A}/")
    assert response.status_code == 200
    html = response.content.decode()
    notice = Notice.objects.get()
    assert notice.title in html and published.number in html
    for private in ("王小明", "13912345678", "7号楼", published.description, "resident_a"):
        assert private not in html
    assert "撤下公示" not in html  # anonymous visitors get no withdraw form
    assert 'name="viewport"' in html


def test_the_board_covers_the_areas_subtree_only(published):
    title = Notice.objects.get().title
    assert title in Client().get(f"/board/{STREET}/").content.decode()
    assert title not in Client().get(f"/board/{COMMUNITY_B}/").content.decode()
    assert title not in Client().get(f"/board/{GRID_A}/").content.decode()  # published at the community
    assert Client().get("/board/999999999/").status_code == 404
    assert Client().get("/board/abc/").status_code == 404


def test_staff_with_the_rule_withdraw_from_the_page_others_are_refused(published, duty):
    notice = Notice.objects.get()
    url = f"/board/{COMMUNITY_A}/{notice.pk}/withdraw/"
    grid = Client()
    grid.force_login(duty["grid_worker_a"])
    assert grid.post(url, {"reason": "信息有误"}).status_code == 403
    anonymous = Client().post(url, {"reason": "信息有误"})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    worker = Client()
    worker.force_login(duty["community_worker_a"])
    assert "撤下公示" in worker.get(f"/board/{COMMUNITY_A}/").content.decode()
    response = worker.post(url, {"reason": ""}, follow=True)
    assert Notice.objects.get().is_live and "不能为空" in response.content.decode()
    response = worker.post(url, {"reason": "信息有误"}, follow=True)
    assert response.status_code == 200
    assert not Notice.objects.get().is_live
    assert notice.title not in Client().get(f"/board/{COMMUNITY_A}/").content.decode()


def test_the_superuser_reads_the_board_with_the_withdraw_form(published, duty):
    page = Client()
    page.force_login(duty["superuser"])
    html = page.get(f"/board/{COMMUNITY_A}/").content.decode()
    assert Notice.objects.get().title in html and "撤下公示" in html
    listed = api_client_for(duty["superuser"]).get("/api/v1/board", {"area": STREET}).json()["items"]
    assert [n["id"] for n in listed] == [Notice.objects.get().pk]


def test_the_api_lists_live_notices_without_login(published):
    response = Client().get("/api/v1/board", {"area": STREET})
    assert response.status_code == 200
    body = response.json()
    assert body["area_code"] == STREET
    (item,) = body["items"]
    assert item["area_code"] == COMMUNITY_A and item["kind"] == "appeal_result"
    assert item["source_appeal_id"] == published.pk and item["photos"] == []
    assert "13912345678" not in response.content.decode()
    assert Client().get("/api/v1/board", {"area": COMMUNITY_B}).json()["items"] == []


@pytest.mark.parametrize("query", [{}, {"area": "abc"}, {"area": "12"}, {"area": STREET, "limit": 0}])
def test_the_api_refuses_bad_queries(query):
    assert Client().get("/api/v1/board", query).status_code == 422


def test_the_api_answers_404_for_an_unknown_area(areas):
    response = Client().get("/api/v1/board", {"area": "999999999"})
    assert response.status_code == 404 and response.json()["field"] == "area"


def test_withdraw_through_the_api(published, duty):
    notice = Notice.objects.get()
    url = f"/api/v1/board/{notice.pk}/withdraw"
    assert Client().post(url, {"reason": "x"}, content_type="application/json").status_code == 401
    grid = api_client_for(duty["grid_worker_a"])
    assert grid.post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    staff = api_client_for(duty["street_staff"])
    response = staff.post(url, {"reason": ""}, content_type="application/json")
    assert response.status_code == 422 and response.json()["field"] == "reason"
    response = staff.post(url, {"reason": "信息有误"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["withdrawn_at"]
    assert Client().get("/api/v1/board", {"area": STREET}).json()["items"] == []
