"""Signing in (with throttling), signing out and switching the page language."""

from django.conf import settings
from django.test import Client

from tests.conftest import COMMUNITY_A


def test_right_password_signs_in_and_goes_home(district):
    client = Client()
    # A grid worker needs no second step (a community worker does: tests/otp/).
    response = client.post("/login/", {"username": "grid_worker_a", "password": "pass-1234"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_next_is_followed_only_inside_the_site(district):
    client = Client()
    response = client.post(
        f"/login/?next=/areas/{COMMUNITY_A}/", {"username": "grid_worker_a", "password": "pass-1234"}
    )
    assert response["Location"] == f"/areas/{COMMUNITY_A}/"
    response = Client().post(
        "/login/?next=https://evil.example/", {"username": "grid_worker_a", "password": "pass-1234"}
    )
    assert response["Location"] == "/"


def test_wrong_password_shows_the_error_and_signs_nobody_in(district):
    client = Client()
    response = client.post("/login/", {"username": "community_worker_a", "password": "wrong-password"})
    assert response.status_code == 400
    assert "用户名或密码错误" in response.content.decode()
    assert client.get("/").status_code == 302


def test_empty_form_names_what_is_missing(district):
    response = Client().post("/login/", {"username": "", "password": ""})
    assert response.status_code == 400
    assert "请输入用户名（或手机号）和密码" in response.content.decode()


def test_too_many_failures_lock_even_the_right_password(district):
    client = Client()
    for _ in range(settings.LOGIN_MAX_FAILURES):
        response = client.post("/login/", {"username": "community_worker_a", "password": "wrong-password"})
        assert "用户名或密码错误" in response.content.decode()
    response = client.post("/login/", {"username": "community_worker_a", "password": "pass-1234"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert client.get("/").status_code == 302


def test_logout_needs_post_and_ends_the_session(district, client_for):
    client = client_for(district["street_staff"])
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_pages_default_to_chinese(district):
    html = Client().get("/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert 'name="language" value="en"' in html


def test_language_switch_to_english_and_back(district, client_for):
    client = client_for(district["street_staff"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/people/residents/"})
    assert response.status_code == 302
    assert response["Location"] == "/people/residents/"
    assert '<html lang="en">' in client.get("/people/residents/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_topbar_names_the_user_and_role(district, client_for):
    html = client_for(district["grid_worker_a"]).get("/").content.decode()
    assert "共治" in html and "Gongzhi" in html
    assert "grid_worker_a" in html and "网格员" in html
    assert 'action="/logout/"' in html


def test_navigation_offers_only_what_the_role_may_open(district, client_for):
    office = client_for(district["community_worker_a"]).get("/").content.decode()
    for href in ('href="/areas/"', 'href="/people/residents/"', 'href="/party/"', 'href="/people/registrations/"'):
        assert href in office
    assert 'href="/rosters/"' in office
    grid = client_for(district["grid_worker_a"]).get("/").content.decode()
    assert 'href="/people/residents/"' in grid
    assert 'href="/people/registrations/"' not in grid and 'href="/rosters/"' not in grid
    volunteer = client_for(district["volunteer_a"]).get("/").content.decode()
    assert 'href="/areas/"' not in volunteer and 'href="/people/residents/"' not in volunteer


def _nav(html: str) -> str:
    return html.split('class="mainnav"')[1].split("</nav>")[0]


def test_the_bar_leads_each_role_to_its_appeals(district, client_for):
    assert 'href="/appeals/tasks/"' in _nav(client_for(district["grid_worker_a"]).get("/").content.decode())
    assert 'href="/appeals/tasks/"' in _nav(client_for(district["community_worker_a"]).get("/").content.decode())
    volunteer = _nav(client_for(district["volunteer_a"]).get("/").content.decode())
    assert 'href="/appeals/mine/"' in volunteer and "/appeals/tasks/" not in volunteer
    office = _nav(client_for(district["community_worker_a"]).get("/").content.decode())
    assert "/rosters/" not in office and "/people/registrations/" not in office  # on the home page instead
