"""Every points page on a 390-px phone, in Chinese and in English: nothing scrolls sideways, no Chinese is left on
an English page, and the empty states say what to do. Screenshots in artifacts/browser/points-phone-*.png."""

import datetime as dt
import os
import re

import pytest
from django.utils import timezone

from gongzhi.areas.models import Area
from gongzhi.core import ledger
from gongzhi.points.models import PointsRule
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_points_redeem import PHONE, sign_in
from tests.conftest import COMMUNITY_A, GRID_A, MICRO_A, STREET
from tests.test_i18n import english_catalogue  # noqa: F401  (the committed .po compiled, as the i18n tests do)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def village(transactional_db, areas):
    from gongzhi.points.actions.accounts import account_open_for_household
    from gongzhi.points.actions.awards import award_propose
    from gongzhi.points.actions.redemption import redemption_place
    from gongzhi.points.actions.schemes import catalogue_install, scheme_create
    from gongzhi.points.actions.store import event_create, event_offer, item_create

    staff = factories.UserFactory(username="st_qian", role="street_staff", at=areas[STREET])
    factories.UserFactory(username="gw_deng", role="grid_worker", at=areas[GRID_A])
    factories.UserFactory(username="res_none", role="resident", at=areas[MICRO_A])
    scheme = scheme_create(actor=staff, area=areas[STREET], name="德育乡村积分")
    catalogue_install(actor=staff, scheme=scheme)
    household = factories.HouseholdFactory(area=areas[MICRO_A], number="XD-0001", address="小邓网格 12号")
    user = factories.UserFactory(username="res_wang", role="resident", at=areas[MICRO_A])
    user.resident = factories.ResidentFactory(household=household, name="王秀兰")
    user.save()
    account = account_open_for_household(household=household)
    issuance = ledger.account_by_code(code=scheme.system_code("issuance"))
    ledger.post(kind="points.award", lines=[(issuance, -80), (account.ledger_account, 80)], memo="美丽庭院 +10")
    flour = item_create(actor=staff, scheme=scheme, name="面粉", price=30, stock=20)
    now = timezone.now()
    event = event_create(
        actor=staff,
        scheme=scheme,
        area=areas[COMMUNITY_A],
        title="小邓网格积分兑换",
        place="村委会德育超市",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=6),
    )
    event_offer(actor=staff, event=event, item=flour, stock=10)
    order = redemption_place(actor=user, account=account, event=event, item=flour, quantity=1)
    award = award_propose(actor=staff, household=household, rule_code="env-cleanup", evidence="参加5月人居环境整治")
    return {"account": account, "order": order, "award": award, "event": event}


PAGES = {
    "res_wang": ["/points/", "/points/store/", "/points/orders/{order}/", "/points/board/", "/points/rankings/"],
    "res_none": ["/points/", "/points/store/"],
    "gw_deng": ["/points/review/", "/points/counter/?code={code}", "/points/store/", "/points/accounts/{account}/"],
    "st_qian": ["/points/review/", "/points/manage/", "/points/counter/", "/points/rankings/?area=" + STREET],
}


@pytest.mark.usefixtures("english_catalogue")
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_points_page_fits_a_phone_in_both_languages(live_server, browser, village, language):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    found: list[str] = []
    user_data = sorted(
        {*Area.objects.values_list("name", flat=True), *PointsRule.objects.values_list("name", flat=True)}
        | {
            "王秀兰",
            "王某某",
            "面粉",
            "小邓网格积分兑换",
            "村委会德育超市",
            "德育乡村积分",
            "美丽庭院",
            "小邓网格 12号",
        }
        | {"参加5月人居环境整治"},
        key=len,
        reverse=True,
    )
    for username, paths in PAGES.items():
        context = browser.new_context(**PHONE)
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page = context.new_page()
        page.on("pageerror", lambda exc: found.append(f"script error: {exc}"))
        sign_in(page, base, username)
        for raw in paths:
            path = raw.format(
                order=village["order"].pk, code=village["order"].pickup_code, account=village["account"].pk
            )
            response = page.goto(base + path)
            assert response.status == 200, (username, path, response.status)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                found.append(f"{username} {path}: {width}px wide")
            name = f"points-phone-{language}-{username}-{path.strip('/').split('?')[0].replace('/', '-')}.png"
            page.screenshot(path=str(ARTIFACTS / name), full_page=True)
            if language == "en":
                # User data (names, titles, the scheme) stays Chinese; the page's own words must not.
                page.evaluate(
                    "document.querySelectorAll('[data-user-text], .mono, select option').forEach(e => e.remove())"
                )
                chrome = page.inner_text("main")
                for data in user_data:
                    chrome = chrome.replace(data, "")
                leftovers = [line.strip() for line in chrome.splitlines() if CJK.search(line)]
                if leftovers:
                    found.append(f"{username} {path}: Chinese on the English page: {' | '.join(leftovers)[:200]}")
        context.close()
    assert found == [], "\n".join(found)
