"""The dispatch board (/appeals/staff/): who may open it, queues and filters, paging, query count, and the
inline moves posted to /appeals/staff/<id>/act/ (good and bad)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.appeals.actions import appeal_transition
from gongzhi.appeals.models import Appeal
from tests.appeals.conftest import T0, point_in
from tests.appeals.staff_fixtures import as_
from tests.conftest import MICRO_B, api_client_for

pytestmark = pytest.mark.django_db
BOARD = reverse("appeals_staff:board")


def act_url(appeal):
    return reverse("appeals_staff:act", args=[appeal.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("street_staff", 200),
        ("community_worker_a", 200),
        ("grid_worker_a", 200),
        ("microgrid_worker_a", 403),
        ("department", 403),
        ("resident_a", 403),
        ("nobody", 403),
    ],
)
def test_who_may_open_the_board(client, duty, persona, status):
    response = as_(client, duty[persona]).get(BOARD)
    assert response.status_code == status
    if status == 403:
        assert "appeals.dispatch" in response.content.decode()


def test_the_board_needs_a_login(client, duty):
    response = client.get(BOARD)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_queues_count_and_filter_within_the_viewers_area(client, submit, duty, areas):
    new = submit(category=None, description="楼道灯不亮")
    dispatched = submit()
    other = submit(category=None, actor="resident_b", description="B 社区的事", **point_in(areas[MICRO_B]))
    page = as_(client, duty["grid_worker_a"]).get(BOARD).content.decode()
    assert new.number in page and dispatched.number in page and other.number not in page
    assert 'data-queue="new">待登记<span class="n">1</span>' in page
    assert 'data-queue="active">办理中<span class="n">1</span>' in page
    street = as_(client, duty["street_staff"]).get(BOARD, {"queue": "new"}).content.decode()
    assert new.number in street and other.number in street and dispatched.number not in street
    assert 'data-queue="new">待登记<span class="n">2</span>' in street
    by_area = as_(client, duty["street_staff"]).get(BOARD, {"area": MICRO_B}).content.decode()
    assert other.number in by_area and new.number not in by_area


def test_filters_by_category_channel_text_and_number(client, submit, duty, categories):
    litter = submit(description="垃圾没人清")
    noise = submit(category="noise", description="夜里装修噪音")
    hotline = submit(
        category=None, actor="street_staff", channel="hotline_12345", external_ref="GD-778899", description="来电反映"
    )
    c = as_(client, duty["street_staff"])

    def numbers(**params):
        page = c.get(BOARD, params).content.decode()
        return {a.number for a in (litter, noise, hotline) if a.number in page}

    assert numbers(category="env-litter") == {litter.number}
    assert numbers(category="neighbours") == {noise.number}
    assert numbers(channel="hotline_12345") == {hotline.number}
    assert numbers(q="GD-778899") == {hotline.number}
    assert numbers(q=noise.number) == {noise.number}
    assert numbers(q="装修") == {noise.number}
    assert numbers(state="dispatched") == {litter.number, noise.number}


def test_a_bad_filter_gets_a_clear_message(client, duty):
    response = as_(client, duty["street_staff"]).get(BOARD, {"area": "abc"})
    assert response.status_code == 422 and "区域" in response.content.decode()


def test_overdue_queue_and_countdown(client, submit, duty):
    with time_machine.travel(T0, tick=False) as traveller:
        appeal = submit()
        appeal_transition(actor=duty["microgrid_worker_a"], appeal=appeal.pk, action="accept")
        page = as_(client, duty["street_staff"]).get(BOARD).content.decode()
        assert "剩余 1天0小时" in page
        traveller.shift(dt.timedelta(days=1, hours=2))
        page = client.get(BOARD, {"queue": "overdue"}).content.decode()
        assert appeal.number in page and "超时 2小时0分钟" in page
        assert 'aria-current="true" data-queue="overdue">超时<span class="n">1</span>' in page


def test_fifty_a_page_with_keyset_paging(client, submit, duty):
    made = [submit(category=None, description=f"第{i}件") for i in range(53)]
    c = as_(client, duty["street_staff"])
    first = c.get(BOARD).context
    assert len(first["rows"]) == 50 and first["rows"][0]["appeal"].pk == made[-1].pk
    second = c.get(BOARD + first["next_url"]).context
    assert [r["appeal"].pk for r in second["rows"]] == [a.pk for a in reversed(made[:3])]
    assert second["next_url"] is None


def test_the_board_query_count_does_not_grow_with_rows(client, submit, duty, categories):
    c = as_(client, duty["street_staff"])
    for i in range(3):
        submit(description=f"少量{i}")
    c.get(BOARD)  # warm the session and content types

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(BOARD).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(40):
        submit(category="noise" if i % 2 else None, description=f"批量{i}")
    many = count()
    # session, user, memberships, queue counts, rows, open summons, area filter, categories, and the navigation
    # bar's check whether a points scheme runs in the street officer's reach (gongzhi/points/nav.py)
    assert many == few == 9, many


@pytest.mark.parametrize("persona", ["street_staff", "grid_worker_a", "superuser"])
def test_the_board_and_the_api_list_the_same_appeals(client, submit, duty, areas, persona):
    """Both read selectors.appeals_list: for a dispatcher whose view and dispatch reach agree, the same rows."""
    submit(category=None, description="楼道灯不亮")
    submit()
    submit(category="noise")
    submit(category=None, actor="resident_b", description="B 社区的事", **point_in(areas[MICRO_B]))
    page, api = as_(client, duty[persona]), api_client_for(duty[persona])
    for board_params, api_params in [
        ({}, {}),
        ({"area": MICRO_B}, {"area": MICRO_B}),
        ({"state": "dispatched"}, {"state": "dispatched"}),
        ({"overdue": "on"}, {"overdue": True}),
    ]:
        rows = [r["appeal"].pk for r in page.get(BOARD, board_params).context["rows"]]
        assert rows == [a["id"] for a in api.get("/api/v1/appeals", api_params).json()["items"]], board_params


# ----- moves -------------------------------------------------------------------------------------------------


def post(client, appeal, **data):
    return client.post(act_url(appeal), data, HTTP_HX_REQUEST="true")


def test_register_then_dispatch_to_an_eligible_worker(client, submit, duty, categories):
    appeal = submit(category=None)
    c = as_(client, duty["street_staff"])
    form = c.get(act_url(appeal), {"action": "register"})
    assert form.status_code == 200 and 'name="category"' in form.content.decode()
    response = post(c, appeal, action="register", category="env-litter", expected_version=appeal.version)
    assert response.status_code == 200 and "已登记" in response.content.decode()
    appeal.refresh_from_db()
    assert (appeal.state, appeal.category.code) == ("registered", "env-litter")
    form = c.get(act_url(appeal), {"action": "dispatch"}).content.decode()
    assert "microgrid_worker_a" in form and "grid_worker_b" not in form
    response = post(c, appeal, action="dispatch", assignee_id=duty["grid_worker_a"].pk)
    assert response.status_code == 200, response.content
    appeal.refresh_from_db()
    assert (appeal.state, appeal.assignee) == ("dispatched", duty["grid_worker_a"])
    assert appeal.events.last().data["routing"] == "manual"


def test_dispatch_to_a_worker_outside_the_area_is_refused_inline(client, submit, duty):
    appeal = submit(category=None)
    response = post(as_(client, duty["street_staff"]), appeal, action="dispatch", assignee_id=duty["grid_worker_b"].pk)
    body = response.content.decode()
    assert response.status_code == 422 and "不能承办该区域的诉求" in body and 'id="appeal-' in body
    appeal.refresh_from_db()
    assert appeal.state == "reported" and appeal.assignee is None


def test_a_move_the_table_does_not_allow_names_the_allowed_ones(client, submit, duty):
    appeal = submit()  # already dispatched
    response = post(as_(client, duty["street_staff"]), appeal, action="register")
    assert response.status_code == 422
    assert "可执行的操作" in response.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).state == "dispatched"


@pytest.mark.parametrize("action", ["return", "escalate", "cancel"])
def test_moves_that_need_a_reason_refuse_an_empty_note(client, submit, duty, action):
    appeal = submit() if action != "cancel" else submit(category=None)
    before = Appeal.objects.get(pk=appeal.pk)
    response = post(as_(client, duty["street_staff"]), appeal, action=action, note="  ")
    assert response.status_code == 422 and "理由或说明" in response.content.decode()
    after = Appeal.objects.get(pk=appeal.pk)
    assert (after.state, after.version) == (before.state, before.version)


def test_return_escalate_and_cancel_with_reasons(client, submit, duty):
    c = as_(client, duty["street_staff"])
    a = submit()
    assert post(c, a, action="return", note="不属本网格").status_code == 200
    assert Appeal.objects.get(pk=a.pk).state == "registered"
    b = submit()
    assert post(c, b, action="escalate", note="需网格协调").status_code == 200
    assert Appeal.objects.get(pk=b.pk).handling_level == "grid"
    d = submit(category=None)
    assert post(c, d, action="cancel", note="重复上报").status_code == 200
    assert Appeal.objects.get(pk=d.pk).state == "cancelled"


def test_suspend_resume_and_extend(client, submit, duty):
    with time_machine.travel(T0, tick=False) as traveller:
        appeal = submit()
        appeal_transition(actor=duty["microgrid_worker_a"], appeal=appeal.pk, action="accept")
        c = as_(client, duty["street_staff"])
        assert post(c, appeal, action="suspend", note="等待业主回家").status_code == 200
        page = c.get(BOARD, {"queue": "suspended"}).content.decode()
        assert appeal.number in page and "计时暂停" in page
        traveller.shift(dt.timedelta(hours=5))
        assert post(c, appeal, action="resume").status_code == 200
        appeal.refresh_from_db()
        assert appeal.state == "accepted" and appeal.due_at == T0 + dt.timedelta(days=1, hours=5)
        bad = post(c, appeal, action="extend", note="材料未齐")
        assert bad.status_code == 422 and "due_at" in bad.content.decode()
        assert post(c, appeal, action="extend", note="材料未齐", days="2").status_code == 200
        appeal.refresh_from_db()
        assert appeal.due_at == T0 + dt.timedelta(days=3, hours=5)
        bad_days = post(c, appeal, action="extend", note="x", days="0")
        assert bad_days.status_code == 422 and "延长天数" in bad_days.content.decode()


def test_a_double_submit_is_refused_as_stale(client, submit, duty):
    appeal = submit(category=None)
    c = as_(client, duty["street_staff"])
    first = post(c, appeal, action="register", expected_version=appeal.version)
    second = post(c, appeal, action="register", expected_version=appeal.version)
    assert first.status_code == 200
    assert second.status_code == 409 and "已被他人更新" in second.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).events.filter(action="register").count() == 1


def test_staff_of_another_area_and_residents_cannot_act(client, submit, duty):
    appeal = submit(category=None)
    assert post(as_(client, duty["other_street_staff"]), appeal, action="register").status_code == 404
    assert post(as_(client, duty["resident_a"]), appeal, action="register").status_code == 403
    assert post(as_(client, duty["microgrid_worker_a"]), appeal, action="register").status_code == 403
    # A grid worker of a neighbouring grid holds dispatch elsewhere, not here.
    assert post(as_(client, duty["grid_worker_b"]), appeal, action="register").status_code == 404
    assert Appeal.objects.get(pk=appeal.pk).state == "reported"


def test_the_board_does_not_offer_the_workers_own_moves(client, submit, duty):
    appeal = submit()
    response = post(as_(client, duty["street_staff"]), appeal, action="accept")
    assert response.status_code == 403 and Appeal.objects.get(pk=appeal.pk).state == "dispatched"
    row = client.get(act_url(appeal), {"action": "handle"})
    assert row.status_code == 422


def test_callback_rating_from_the_board(client, submit, duty):
    appeal = submit(category=None, actor="street_staff", channel="walk_in", description="来访：路灯坏了")
    for action, kw in [("register", {"category": "env-litter"}), ("dispatch", {}), ("accept", {})]:
        appeal_transition(actor=duty["street_staff"], appeal=appeal.pk, action=action, **kw)
    appeal_transition(actor=duty["street_staff"], appeal=appeal.pk, action="handle", note="已修好")
    c = as_(client, duty["street_staff"])
    assert post(c, appeal, action="verify").status_code == 200
    assert post(c, appeal, action="close").status_code == 200
    assert post(c, appeal, action="rate").status_code == 422
    assert post(c, appeal, action="rate", rating="satisfied").status_code == 200
    assert Appeal.objects.get(pk=appeal.pk).rating == "satisfied"


def test_the_row_links_to_the_summons_page_for_those_who_may_summon(client, submit, duty):
    appeal = submit()
    summons_url = reverse("appeals_staff:summons", args=[appeal.pk])
    assert summons_url in as_(client, duty["street_staff"]).get(BOARD).content.decode()
    assert summons_url not in as_(client, duty["community_worker_a"]).get(BOARD).content.decode()


def test_without_javascript_a_move_returns_to_the_board_with_a_message(client, submit, duty):
    appeal = submit(category=None)
    c = as_(client, duty["street_staff"])
    response = c.post(act_url(appeal), {"action": "cancel", "note": ""}, follow=True)
    assert "理由或说明" in response.content.decode() and response.redirect_chain[-1][1] == 302
    response = c.post(act_url(appeal), {"action": "cancel", "note": "重复"}, follow=True)
    assert f"{appeal.number} 已作废" in response.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).state == "cancelled"


def test_the_board_speaks_english_too(client, submit, duty, settings):
    submit(category=None)
    c = as_(client, duty["street_staff"])
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = c.get(BOARD).content.decode()
    assert "Appeal dispatch board" in page and "To register" in page and "Register" in page
