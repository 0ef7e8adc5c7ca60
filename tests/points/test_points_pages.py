"""The points pages as a phone user meets them: every page carries the tabs its viewer may use, the store says why
nothing can be redeemed (no household, no account yet, a staff view), an event past midnight shows its end date,
the order page says where, when and what to do, and the passbook's categories are capitalised nouns in English."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from gongzhi.core import ledger
from gongzhi.points import statements
from gongzhi.points.actions.redemption import redemption_fulfil, redemption_place
from gongzhi.points.actions.store import event_create, event_offer, item_create
from gongzhi.points.models import EventItem
from tests import factories
from tests.conftest import COMMUNITY_A
from tests.test_i18n import english_catalogue  # noqa: F401

START = dt.datetime(2025, 5, 10, 12, 0, tzinfo=dt.UTC)  # 20:00 in Qingdao: the event runs past midnight


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner(district, household_a):
    user = district["resident_a"]
    user.resident = factories.ResidentFactory(household=household_a, name="王小明")
    user.save()
    return user


@pytest.fixture
def evening(district, scheme):
    staff = district["street_staff"]
    with time_machine.travel(START, tick=False):
        flour = item_create(actor=staff, scheme=scheme, name="面粉", price=30, stock=10)
        oil = item_create(actor=staff, scheme=scheme, name="食用油", price=50, stock=1)
        event = event_create(
            actor=staff,
            scheme=scheme,
            area=district.areas[COMMUNITY_A],
            title="夜市兑换",
            place="文化广场",
            starts_at=START,
            ends_at=START + dt.timedelta(hours=6),
        )
        event_offer(actor=staff, event=event, item=flour, stock=3)
        event_offer(actor=staff, event=event, item=oil, stock=1)
    EventItem.objects.filter(item=oil).update(stock=0)
    return {"event": event, "flour": flour}


@pytest.mark.parametrize(
    ("persona", "path", "tabs", "hidden"),
    [
        ("street_staff", "/points/review/", ["/points/manage/", "/points/counter/", "/points/review/"], []),
        ("street_staff", "/points/manage/", ["/points/manage/", "/points/counter/"], []),
        ("grid_worker_a", "/points/counter/", ["/points/counter/", "/points/review/"], ["/points/manage/"]),
        ("grid_worker_a", "/points/board/", ["/points/counter/"], ["/points/manage/"]),
        ("resident_a", "/points/store/", [], ["/points/counter/", "/points/manage/", "/points/review/"]),
    ],
)
def test_every_points_page_carries_the_tabs_of_its_viewer(district, scheme, persona, path, tabs, hidden):
    body = client_for(district[persona]).get(path).content.decode()
    nav = body[body.index('class="chips points-tabs"') : body.index("</nav>", body.index("points-tabs"))]
    for tab in tabs:
        assert f'href="{tab}"' in nav, (persona, path, tab)
    for tab in hidden:
        assert f'href="{tab}"' not in nav, (persona, path, tab)
    assert 'aria-current="page"' in nav


def test_staff_see_the_events_of_their_area_in_the_store(district, evening):
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        page = client_for(district["grid_worker_a"]).get("/points/store/")
    body = page.content.decode()
    assert page.context["staff_view"] and "夜市兑换" in body and "工作人员查看" in body
    assert 'action="/points/store/redeem/"' not in body  # staff redeem for nobody from here


def test_a_household_without_an_account_yet_sees_the_offers_and_can_redeem(district, scheme, evening, owner):
    client = client_for(owner)
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        page = client.get("/points/store/")
        body = page.content.decode()
        assert "夜市兑换" in body and "首次兑换时自动开立" in body
        assert 'action="/points/store/redeem/"' in body
        # No points yet: the redemption is refused with the reason, and nothing is taken.
        data = {"event_id": evening["event"].pk, "item_id": evening["flour"].pk, "quantity": "1"}
        r = client.post("/points/store/redeem/", data, follow=True)
    assert r.redirect_chain[-1][0] == "/points/store/" and "flash-error" in r.content.decode()
    assert EventItem.objects.get(item=evening["flour"]).stock == 3


def test_a_login_without_a_household_is_told_why_the_store_is_empty(district, evening):
    page = client_for(district["resident_b"]).get("/points/store/")
    assert "尚未关联到实行积分制度的户" in page.content.decode()


def test_an_event_past_midnight_shows_its_end_date_and_a_sold_out_item_says_so(district, evening, owner, account_a):
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        body = client_for(owner).get("/points/store/").content.decode()
    assert "2025-05-10 20:00 – 2025-05-11 02:00" in body
    assert "已兑完" in body and body.count('name="item_id"') == 1


def test_the_order_page_says_where_when_and_what_to_do(district, scheme, evening, owner, account_a):
    issuance = ledger.account_by_code(code=scheme.system_code("issuance"))
    ledger.post(kind="points.award", lines=[(issuance, -100), (account_a.ledger_account, 100)], reference="seed")
    client = client_for(owner)
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        order = redemption_place(
            actor=owner, account=account_a, event=evening["event"], item=evening["flour"], quantity=1
        )
        body = client.get(f"/points/orders/{order.pk}/").content.decode()
        assert "文化广场 · 2025-05-10 20:00 – 2025-05-11 02:00" in body
        assert "领取时请出示此二维码" in body and "data-confirm=" in body
        assert "在兑换柜台打开" not in body  # a resident is no counter
        staff_view = client_for(district["grid_worker_a"]).get(f"/points/orders/{order.pk}/").content.decode()
        assert f'href="/points/counter/?code={order.pickup_code}"' in staff_view
        redemption_fulfil(actor=district["grid_worker_a"], pickup_code=order.pickup_code)
        body = client.get(f"/points/orders/{order.pk}/").content.decode()
    assert "已于 2025-05-10 21:00 领取" in body and "<svg" not in body and "取消兑换" not in body


@pytest.mark.usefixtures("english_catalogue")
def test_the_passbook_categories_are_nouns_in_english():
    with translation.override("en"):
        labels = [statements.kind_label(k) for k in ("points.opening", "points.award", "points.redemption")]
        assert labels == ["Opening", "Award", "Points redemption"]
    with translation.override("zh-hans"):
        assert statements.kind_label("points.deduction") == "扣分"


def test_store_management_counts_orders_per_event_and_links_its_counter(district, scheme, evening, owner, account_a):
    issuance = ledger.account_by_code(code=scheme.system_code("issuance"))
    ledger.post(kind="points.award", lines=[(issuance, -100), (account_a.ledger_account, 100)], reference="seed")
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        for _i in range(2):
            order = redemption_place(
                actor=owner, account=account_a, event=evening["event"], item=evening["flour"], quantity=1
            )
        redemption_fulfil(actor=district["grid_worker_a"], pickup_code=order.pickup_code)
        body = client_for(district["street_staff"]).get("/points/manage/").content.decode()
    assert "待领取 1 单 · 已领取 1 单" in body
    assert f'href="/points/counter/?event={evening["event"].pk}"' in body


def test_store_management_says_what_to_do_first_when_empty(district, scheme):
    staff = district["street_staff"]
    with time_machine.travel(START, tick=False):
        event_create(
            actor=staff,
            scheme=scheme,
            area=district.areas[COMMUNITY_A],
            title="空场",
            place="文化广场",
            starts_at=START,
            ends_at=START + dt.timedelta(hours=2),
        )
        body = client_for(staff).get("/points/manage/").content.decode()
    assert "暂无商品" in body and "本场还没有上架商品" in body and "先在上方添加商品" in body
    assert 'name="item_id"' not in body


@pytest.mark.usefixtures("english_catalogue")
def test_the_board_tags_only_objected_awards_in_either_language(district, scheme, owner, account_a):
    from tests.points.conftest import move, propose

    with time_machine.travel(START, tick=False):
        quiet = propose(district, owner.resident.household)
        disputed = propose(district, owner.resident.household, "neighbour-help", points=2)
        for award in (quiet, disputed):
            move(district, award, ("street_staff", "review"), ("street_staff", "publish"))
        move(district, disputed, ("community_worker_a", "object", "不属实"))
        for language in ("zh-hans", "en"):
            client = client_for(district["grid_worker_a"])
            client.cookies["django_language"] = language
            body = client.get(f"/points/board/?area={COMMUNITY_A}").content.decode()
            assert body.count('class="tag tag-red"') == 1, language
