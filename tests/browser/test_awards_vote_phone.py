"""On a phone: a resident opens 评选, finds the open 最美家庭 vote, reads the nominations of their community and
votes; the page then says whom they voted for and offers no second vote. Screenshot in artifacts/browser/."""

import datetime as dt
import os

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.conftest import MICRO_A, MICRO_B, STREET

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "device_scale_factor": 2, "is_mobile": True}
NOW = timezone.make_aware(dt.datetime(2026, 12, 7, 10, 0))


def test_a_resident_votes_for_a_family_on_a_phone(live_server, browser, transactional_db, areas):
    from gongzhi.awards.actions.honours import nomination_create
    from gongzhi.awards.actions.schemes import scheme_create
    from gongzhi.awards.models import Vote

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    with time_machine.travel(NOW, tick=True):
        staff = factories.UserFactory(username="st", role="street_staff", at=areas[STREET])
        voter = factories.UserFactory(username="res_zhang", role="resident", at=areas[MICRO_A])
        neighbour = factories.UserFactory(username="res_li", role="resident", at=areas[MICRO_A])
        elsewhere = factories.UserFactory(username="res_b", role="resident", at=areas[MICRO_B])
        scheme = scheme_create(actor=staff, kind="honour", name="最美家庭", area_code=STREET, period_kind="year",
                               year=2026, votes_open_at=NOW - dt.timedelta(days=1),
                               votes_close_at=NOW + dt.timedelta(days=7))  # fmt: skip
        wang = nomination_create(actor=neighbour, scheme_id=scheme.pk, nominee_name="王秀英家庭",
                                 reason="三代同堂，照顾瘫痪婆婆十余年")  # fmt: skip
        nomination_create(actor=neighbour, scheme_id=scheme.pk, nominee_name="李建国家庭", reason="热心楼道公益")
        nomination_create(actor=elsewhere, scheme_id=scheme.pk, nominee_name="别的社区家庭", reason="不在本社区显示")
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "res_zhang")
        page.fill("input[name=password]", factories.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/awards/")
        page.get_by_test_id("open-vote").click()
        cards = page.get_by_test_id("nomination")
        expect(cards).to_have_count(2)
        assert "别的社区家庭" not in page.content()
        card = cards.filter(has_text="王秀英家庭")
        card.get_by_role("button", name="投票").click()
        expect(page.get_by_test_id("voted")).to_contain_text("王秀英家庭")
        expect(page.get_by_role("button", name="投票")).to_have_count(0)
        expect(cards.filter(has_text="王秀英家庭")).to_contain_text("1 票")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(ARTIFACTS / "awards-vote-phone.png"), full_page=True)
        context.close()
    assert list(Vote.objects.values_list("voter_id", "nomination_id")) == [(voter.pk, wang.pk)]
