"""/appeals/mine/ (a resident's appeals) and /appeals/tasks/ (a grid worker's tasks, soonest deadline first)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.appeals.actions import appeal_transition
from tests.appeals.conftest import T0
from tests.appeals.pages_helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_t0():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_my_appeals_lists_only_mine_with_state_and_countdown(submit, duty, at_t0):
    mine = submit(description="楼下垃圾没人清理")
    appeal_transition(actor=duty["microgrid_worker_a"], appeal=mine, action="accept")
    other = submit(actor="resident_b", description="别人的诉求", **{"area_code": None})
    body = client_for(duty["resident_a"]).get("/appeals/mine/").content.decode()
    assert mine.number in body and other.number not in body
    assert "已签收" in body and f'href="/appeals/{mine.pk}/"' in body
    # Not on site yet: the 7-minute arrival deadline comes first.
    assert 'datetime="2026-03-16T09:07:00+08:00" data-left="420"' in body and "剩余 7分钟0秒" in body
    appeal_transition(actor=duty["microgrid_worker_a"], appeal=mine, action="arrive")
    body = client_for(duty["resident_a"]).get("/appeals/mine/").content.decode()
    assert 'datetime="2026-03-17T09:00:00+08:00"' in body and "剩余 1天0小时" in body


def test_my_appeals_empty(duty):
    body = client_for(duty["resident_b"]).get("/appeals/mine/").content.decode()
    assert "您还没有提交过诉求" in body


def test_tasks_sorted_by_deadline_with_overdue_in_red_and_one_tap_actions(submit, duty, at_t0, categories):
    worker = duty["microgrid_worker_a"]
    later = submit(description="第一件：垃圾")  # dispatched, arrive by T0+7min, no due yet
    sooner = submit(description="第二件：垃圾")
    appeal_transition(actor=worker, appeal=sooner, action="accept")  # due T0+1 day
    appeal_transition(actor=worker, appeal=sooner, action="arrive")
    at_t0.move_to(T0 + dt.timedelta(days=2))
    body = client_for(worker).get("/appeals/tasks/").content.decode()
    assert body.index(sooner.number) < body.index(later.number)
    assert 'class="countdown overdue"' in body and "超时 1天0小时" in body
    # accept on the dispatched one (its arrival is overdue too), handle on the one on site
    assert "超时 1天23小时" in body
    first, second = body.split(f'data-appeal="{later.pk}"')
    assert 'value="handle"' in first and 'value="accept"' not in first and 'value="arrive"' not in first
    assert 'value="accept"' in second


def test_task_list_query_count_does_not_grow_with_tasks(submit, duty, at_t0):
    worker = duty["microgrid_worker_a"]
    c = client_for(worker)
    submit()
    c.get("/appeals/tasks/")
    with CaptureQueriesContext(connection) as few:
        assert c.get("/appeals/tasks/").status_code == 200
    for i in range(12):
        a = submit(description=f"垃圾 {i}")
        if i % 2:
            appeal_transition(actor=worker, appeal=a, action="accept")
    with CaptureQueriesContext(connection) as many:
        body = c.get("/appeals/tasks/").content.decode()
    assert body.count('class="card appeal-item task"') == 13
    assert len(many) == len(few) <= 6, [q["sql"] for q in many.captured_queries]


def test_tasks_page_needs_the_handle_rule(duty):
    r = client_for(duty["resident_a"]).get("/appeals/tasks/")
    assert r.status_code == 403


def test_tasks_empty_for_a_worker_without_tasks(duty):
    assert "目前没有派给您的任务" in client_for(duty["grid_worker_b"]).get("/appeals/tasks/").content.decode()


def test_one_tap_accept_from_the_list_returns_to_the_list(submit, duty, at_t0):
    appeal = submit()
    c = client_for(duty["microgrid_worker_a"])
    r = c.post(
        f"/appeals/{appeal.pk}/move/", {"action": "accept", "version": appeal.version, "next": "/appeals/tasks/"}
    )
    assert r.status_code == 302 and r["Location"] == "/appeals/tasks/"
    appeal.refresh_from_db()
    assert appeal.state == "accepted"


def test_next_must_stay_on_this_site(submit, duty, at_t0):
    appeal = submit()
    r = client_for(duty["microgrid_worker_a"]).post(
        f"/appeals/{appeal.pk}/move/", {"action": "accept", "next": "https://evil.example/"}
    )
    assert r["Location"] == f"/appeals/{appeal.pk}/"
