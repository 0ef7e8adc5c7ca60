"""A page a user cannot use shows one error page everywhere: the same template, a title for its status, the
reason in the user's language, and the right status — whichever app the page belongs to."""

import json

import pytest
from django.test import Client

from tests.conftest import COMMUNITY_A
from tests.test_i18n import english_catalogue  # noqa: F401

# (app, persona, url, status, the reason the page gives)
REFUSALS = [
    ("web", "resident_a", "/people/residents/", 403, "您的角色不能使用这个页面"),
    ("web", "street_staff", "/people/residents/999999/", 404, "居民"),
    ("rosters", "grid_worker_a", "/rosters/", 403, ""),
    ("volunteering", "resident_a", "/volunteering/activities/999999/", 404, "活动不存在"),
    ("matching", "resident_a", "/matching/lists/", 403, "您的角色不能使用这个页面"),
    ("matching demand", "resident_b", "/matching/demands/999999/", 404, "需求不存在"),
    ("appeals categories", "grid_worker_a", "/appeals/categories/", 403, "只有街道工作人员可以维护诉求分类"),
    ("appeals measures", "street_staff", "/appeals/measures/?from=2026-13-01", 422, ""),
    ("appeals board", "resident_a", "/appeals/staff/", 403, "调度台只对有派遣权限"),
    ("appeals intake", "resident_a", "/appeals/staff/intake/", 403, "代录权限"),
    ("points", "resident_a", "/points/counter/", 403, "您的角色不能使用这个页面"),
    ("calendar", "grid_worker_a", "/calendar/", 403, "您的角色不能使用这个页面"),
    ("no such page", "street_staff", "/no/such/page/", 404, "您要找的页面不存在"),
]
TITLES = {403: "没有权限", 404: "未找到", 422: "请求有误"}


@pytest.mark.parametrize(("app", "persona", "url", "status", "reason"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_every_app_refuses_with_the_one_error_page(district, app, persona, url, status, reason):
    client = Client()
    client.force_login(district[persona])
    response = client.get(url)
    assert response.status_code == status
    assert "core/error.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert f'<p class="status">{status}</p>' in body and f"<h1>{TITLES[status]}</h1>" in body
    assert reason in body


def test_the_error_page_speaks_english(district, english_catalogue):  # noqa: F811
    client = Client()
    client.force_login(district["grid_worker_a"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for url in ["/rosters/", "/appeals/categories/", "/calendar/"]:
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 403 and "<h1>Permission denied</h1>" in body and "Back to home" in body, url
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404 and "The page you are looking for does not exist" in missing.content.decode()


def test_a_domain_error_under_api_that_escapes_ninja_is_the_json_body(rf):
    from gongzhi.core.errors import PermissionDenied
    from gongzhi.core.middleware import DomainErrorMiddleware

    middleware = DomainErrorMiddleware(lambda request: None)
    response = middleware.process_exception(rf.get("/api/v1/anything"), PermissionDenied("不行", field="x"))
    assert response.status_code == 403
    assert json.loads(response.content) == {"code": "forbidden", "detail": "不行", "field": "x"}
    assert middleware.process_exception(rf.get("/"), ValueError("not ours")) is None


def test_an_unknown_api_address_answers_json(db):
    response = Client().get("/api/v1/no-such-endpoint")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_rule_is_held_somewhere_or_at_an_area(district):
    worker = district["community_worker_a"]
    assert worker.has_perm("people.view") and worker.has_perm("people.view", COMMUNITY_A)
    assert not worker.has_perm("people.view", "370211001002")
    assert not district["resident_a"].has_perm("people.view")
    assert district["admin"].has_perm("people.view", "370211002")
