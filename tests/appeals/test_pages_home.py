"""The home page's appeal card: submit and my appeals for everyone, my tasks for workers, staff pages once built."""

import pytest

from tests.appeals.pages_helpers import client_for

pytestmark = pytest.mark.django_db


def card(client) -> str:
    body = client.get("/").content.decode()
    assert 'id="home-appeals"' in body
    return body.split('id="home-appeals"')[1].split("</section>")[0]


def test_resident_sees_submit_and_my_appeals_only(duty):
    html = card(client_for(duty["resident_a"]))
    assert "/appeals/new/" in html and "/appeals/mine/" in html and "/appeals/tasks/" not in html


def test_worker_sees_my_tasks_with_the_open_count(submit, duty):
    submit()
    submit()
    html = card(client_for(duty["microgrid_worker_a"]))
    assert "/appeals/tasks/" in html and "我的任务 (2)" in html


def test_each_staff_role_sees_the_staff_pages_it_may_use(duty):
    street = card(client_for(duty["street_staff"]))
    for url in (
        "/appeals/staff/",
        "/appeals/staff/intake/",
        "/appeals/measures/",
        "/appeals/categories/",
        "/calendar/",
    ):
        assert f'href="{url}"' in street
    assert "/appeals/staff/department/" not in street
    department = card(client_for(duty["department"]))
    assert 'href="/appeals/staff/department/"' in department and 'href="/appeals/staff/"' not in department
    assert "/appeals/categories/" not in department
    resident = card(client_for(duty["resident_a"]))
    assert "/appeals/staff/" not in resident and "/calendar/" not in resident
