"""The pages, phone first: a resident posts a micro-wish, a party member claims it on the wall, fulfils it, the
resident rates it; the dispatch page explains its suggestions; the lists export XLSX; the wrong roles are refused."""

import io

import pytest
from django.test import Client

from gongzhi.matching.models import Demand, DemandState, Resource, ResourceArea, ServiceItem
from tests.conftest import COMMUNITY_A, STREET
from tests.matching.conftest import order

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_a_wish_posted_claimed_fulfilled_and_rated_through_the_pages(people):
    resident, party = client_for(people["resident_a"]), client_for(people["party_member_a"])
    item = ServiceItem.objects.get(name="微心愿圆梦")
    r = resident.post("/matching/new/", {"kind": "wish", "item_id": item.pk, "title": "给孙子一个书包", "value": "60"})
    assert r.status_code == 302
    wish = Demand.objects.get()
    wall = party.get("/matching/wishes/").content.decode()
    assert "给孙子一个书包" in wall and "张*" in wall and "张三" not in wall
    r = party.post(f"/matching/demands/{wish.pk}/act/", {"action": "claim", "next": "/matching/tasks/"})
    assert r.status_code == 302 and r["Location"] == "/matching/tasks/"
    assert "给孙子一个书包" in party.get("/matching/tasks/").content.decode()
    party.post(f"/matching/demands/{wish.pk}/act/", {"action": "fulfil", "note": "书包已送到", "hours": "1"})
    page = resident.get(f"/matching/demands/{wish.pk}/").content.decode()
    assert "书包已送到" in page and 'value="rate"' in page
    resident.post(f"/matching/demands/{wish.pk}/act/", {"action": "rate", "score": "5", "comment": "谢谢"})
    wish.refresh_from_db()
    assert (wish.state, wish.rating) == (DemandState.CLOSED, 5)


def test_a_wish_above_the_cap_is_refused_on_the_form_and_nothing_is_saved(people):
    item = ServiceItem.objects.get(name="微心愿圆梦")
    r = client_for(people["resident_a"]).post(
        "/matching/new/", {"kind": "wish", "item_id": item.pk, "title": "一台电视", "value": "3000"}
    )
    assert r.status_code == 422 and "上限" in r.content.decode()
    assert Demand.objects.count() == 0


def test_a_refused_move_shows_its_reason_and_changes_nothing(people):
    d = order(people)
    r = client_for(people["resident_a"]).post(f"/matching/demands/{d.pk}/act/", {"action": "rate", "score": "5"},
                                              follow=True)  # fmt: skip
    assert "不能执行" in r.content.decode()
    d.refresh_from_db()
    assert d.state == DemandState.ORDERED


def test_the_dispatch_page_explains_each_suggestion(people):
    d = order(people)
    r = Resource.objects.create(
        item=d.item, category_id=d.item.category_id, title="敬老探访队", provider_kind="team", provider_name="助老队",
        owner=people["street_staff"], area=people.areas[STREET], area_code=STREET, capacity=5,
    )  # fmt: skip
    ResourceArea.objects.create(resource=r, area_code=COMMUNITY_A, category_id=r.category_id)
    page = client_for(people["street_staff"]).get("/matching/dispatch/").content.decode()
    assert "敬老探访队" in page and "服务匹配" in page and "剩余能力" in page and "本月剩余 5/5 次" in page
    assert client_for(people["resident_a"]).get("/matching/dispatch/").status_code == 403


def test_the_lists_filter_and_export_xlsx(people):
    from openpyxl import load_workbook

    order(people, title="修水管")
    staff = client_for(people["community_worker_a"])
    assert "修水管" in staff.get("/matching/lists/?kind=order").content.decode()
    assert "修水管" not in staff.get("/matching/lists/?kind=wish").content.decode()
    r = staff.get("/matching/lists/?export=demands")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[1][3] == "修水管" and rows[1][4] == "张*"
    assert client_for(people["resident_a"]).get("/matching/lists/").status_code == 403


def test_each_persona_opens_its_pages(people):
    for who, url in [
        ("resident_a", "/matching/"), ("resident_a", "/matching/new/"), ("resident_a", "/matching/wishes/"),
        ("volunteer_a", "/matching/tasks/"), ("party_member_a", "/matching/tasks/"),
        ("community_worker_a", "/matching/dispatch/"), ("partner", "/matching/resources/"),
    ]:  # fmt: skip
        assert client_for(people[who]).get(url).status_code == 200, (who, url)
    assert client_for(people["resident_a"]).get("/matching/tasks/").status_code == 403
    assert client_for(people["department"]).get("/matching/new/").status_code == 403


def test_pages_speak_english(people):
    c = client_for(people["resident_a"])
    c.cookies["django_language"] = "en"
    page = c.get("/matching/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Order a service" in page


def test_the_fund_pool_page_shows_its_public_ledger(people):
    from gongzhi.matching.actions import fund

    pool = fund.pool_create(actor=people["street_staff"], name="公益基金池", area_code=STREET)
    fund.donation_record(actor=people["street_staff"], pool_id=pool.pk, amount_yuan="1000", donor_name="青岛啤酒")
    page = client_for(people["resident_a"]).get("/matching/pools/").content.decode()
    assert "公益基金池" in page and "青岛啤酒" in page and "1000" in page
