"""On a phone, without logging in: the community's public board shows a published notice and fits the screen;
a community worker signs in and withdraws it. Screenshots in artifacts/browser/."""

import os

import pytest

from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.conftest import sign_in as site_sign_in
from tests.conftest import COMMUNITY_A, STREET

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "device_scale_factor": 2, "is_mobile": True}


def test_the_public_board_on_a_phone_and_a_withdrawal(live_server, browser, transactional_db, areas):
    from gongzhi.noticeboard.actions import notice_publish
    from gongzhi.noticeboard.models import Notice

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    factories.UserFactory(username="cw_zhou", role="community_worker", at=areas[COMMUNITY_A])
    notice = notice_publish(
        actor=None,
        system=True,
        area_code=COMMUNITY_A,
        kind="appeal_result",
        title="办结公示：垃圾堆放（灵山卫1社区）",
        body="诉求编号：SQ20261204-000001\n类别：垃圾堆放\n按期办结：是\n处置结果：已清理干净，恢复整洁" + "。" * 80,
    )

    errors: list[str] = []
    phone = browser.new_context(**PHONE).new_page()
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    phone.goto(f"{base}/board/{STREET}/")  # the street's board covers its communities
    card = phone.locator(f"#notice-{notice.pk}")
    assert "垃圾堆放" in card.inner_text()
    assert "已清理干净" in card.inner_text()
    assert phone.locator("text=撤下公示").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(ARTIFACTS / "noticeboard-1-public.png"), full_page=True)

    site_sign_in(phone, base, "cw_zhou", "pass-1234")
    phone.goto(f"{base}/board/{COMMUNITY_A}/")
    phone.click(f"#notice-{notice.pk} summary")
    phone.fill(f"#notice-{notice.pk} input[name=reason]", "信息有误，重新公示")
    phone.click(f"#notice-{notice.pk} button[type=submit]")
    phone.wait_for_selector(".flash")
    assert "公示已撤下" in phone.inner_text(".flash")
    assert phone.locator(f"#notice-{notice.pk}").count() == 0
    phone.screenshot(path=str(ARTIFACTS / "noticeboard-2-withdrawn.png"), full_page=True)
    assert Notice.objects.get().withdraw_reason == "信息有误，重新公示"
    assert errors == []
