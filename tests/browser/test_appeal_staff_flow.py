"""At the desk and on the phone: staff enter a 12345 case → register and dispatch it on the board → summon a
department → the department's officer reports in and hands back a result on a phone → the street rates it.
Screenshots in artifacts/browser/."""

import datetime as dt
import os
import re

import pytest
import time_machine
from django.utils import timezone

from gongzhi.accounts.actions import membership_grant
from gongzhi.appeals.models import Appeal
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.conftest import sign_in as site_sign_in
from tests.conftest import GRID_A, MICRO_A, STREET
from tests.factories import CategoryFactory, DepartmentFactory, GridAssignmentFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser

DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "device_scale_factor": 2, "is_mobile": True}
START = timezone.make_aware(dt.datetime(2026, 3, 16, 9, 0))


def sign_in(page, base, username):
    site_sign_in(page, base, username, "pass-1234")


def test_12345_case_dispatch_summons_report_in_and_rating(live_server, browser, transactional_db, areas):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    with time_machine.travel(START, tick=True):
        env = CategoryFactory(code="env", name="环境卫生")
        CategoryFactory(code="env-light", name="路灯损坏", parent=env, default_tier="minor")
        factories.UserFactory(username="jd_li", role="street_staff", at=areas[STREET], display_name="李调度")
        worker = factories.UserFactory(role="grid_worker", at=areas[GRID_A], display_name="王网格")
        GridAssignmentFactory(user=worker, area=areas[GRID_A], kind="full_time", is_owner=True)
        housing = DepartmentFactory(code="housing", name="住建局")
        officer = factories.UserFactory(username="zj_zhou", display_name="周科长")
        membership_grant(actor=None, user=officer, role="department", area=areas[STREET], department=housing)

        errors = []
        desk = browser.new_context(**DESK).new_page()
        desk.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(desk, base, "jd_li")
        desk.goto(f"{base}/appeals/staff/intake/")
        desk.select_option("select[name=channel]", "hotline_12345")
        desk.fill("input[name=external_ref]", "GD20260316-0042")
        desk.fill("input[name=contact_name]", "王先生")
        desk.fill("input[name=contact_phone]", "13812345678")
        desk.fill("textarea[name=description]", "小区东门路灯不亮已一周，夜间出行不便")
        assert desk.locator("#intake-map path.leaflet-interactive").count() >= 1  # micro-grid outlines
        desk.select_option("select[name=area_code]", MICRO_A)
        desk.screenshot(path=str(ARTIFACTS / "appeal-staff-1-intake.png"), full_page=True)
        desk.click("button:has-text('登记诉求')")
        desk.wait_for_selector("text=已登记诉求")
        appeal = Appeal.objects.get(external_ref="GD20260316-0042")
        row = f"#appeal-{appeal.pk}"
        assert appeal.number in desk.inner_text(row)

        desk.click(f"{row} button[data-action=register]")
        desk.select_option(f"{row} select[name=category]", "env-light")
        desk.click(f"{row} button:has-text('确认登记')")
        desk.wait_for_selector(f"{row}[data-state=registered]")
        desk.click(f"{row} button[data-action=dispatch]")
        desk.select_option(f"{row} select[name=assignee_id]", str(worker.pk))
        desk.click(f"{row} button:has-text('确认派遣')")
        desk.wait_for_selector(f"{row}[data-state=dispatched]")
        assert "王网格" in desk.inner_text(row)
        desk.screenshot(path=str(ARTIFACTS / "appeal-staff-2-board.png"), full_page=True)

        desk.click(f"{row} a:has-text('吹哨')")
        desk.check("input[name=departments][value=housing]")
        desk.fill("textarea[name=reason]", "路灯线路老化，需住建部门协调更换")
        desk.click("button[type=submit]:has-text('吹哨')")
        desk.wait_for_selector("text=已吹哨召集")
        assert "剩余 29分钟" in desk.inner_text("#summons-list") or "剩余 30分钟" in desk.inner_text("#summons-list")

        phone = browser.new_context(**PHONE).new_page()
        phone.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(phone, base, "zj_zhou")
        phone.goto(f"{base}/appeals/staff/department/")
        assert appeal.number in phone.inner_text("main")
        # The page keeps counting in the server's words (countdown.js ticks every second and after each swap).
        phone.evaluate("document.dispatchEvent(new Event('htmx:afterSettle'))")
        assert re.fullmatch(r"剩余 \d+分钟\d+秒", phone.inner_text(".due")), phone.inner_text(".due")
        phone.click("button:has-text('报到')")
        phone.wait_for_selector("text=已报到")
        phone.fill("textarea[name=note]", "已派电工到场排查")
        phone.click("button:has-text('记录进展')")
        phone.wait_for_selector("text=已记录进展")
        phone.fill("textarea[name=result]", "已更换老化线路，路灯恢复照明")
        phone.click("button:has-text('反馈处理结果')")
        phone.wait_for_selector("text=已反馈处理结果")
        phone.screenshot(path=str(ARTIFACTS / "appeal-staff-3-department.png"), full_page=True)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width

        desk.goto(f"{base}/appeals/staff/{appeal.pk}/summons/")
        assert "已派电工到场排查" in desk.inner_text("#summons-list")
        desk.select_option("select[name=score]", "5")
        desk.fill("input[name=note]", "响应迅速")
        desk.click("button:has-text('评价部门')")
        desk.wait_for_selector("text=已评价「住建局」")
        desk.screenshot(path=str(ARTIFACTS / "appeal-staff-4-rated.png"), full_page=True)
        summons = appeal.summons.get()
        assert (summons.state, summons.score, summons.late) == ("rated", 5, False)
        pocket = browser.new_context(**PHONE).new_page()
        pocket.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(pocket, base, "jd_li")
        pocket.goto(f"{base}/appeals/staff/?queue=all")
        assert appeal.number in pocket.inner_text(f"#appeal-{appeal.pk}")
        pocket.click("a[data-queue=active]")
        pocket.wait_for_selector("a[data-queue=active][aria-current=true]")
        pocket.select_option("select[name=category]", "env-light")
        pocket.wait_for_url("**category=env-light**")
        assert "queue=active" in pocket.url
        assert appeal.number in pocket.inner_text(f"#appeal-{appeal.pk}")
        pocket.screenshot(path=str(ARTIFACTS / "appeal-staff-5-board-phone.png"), full_page=True)
        wide = pocket.evaluate(
            "Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > 391)"
            ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
        )
        width = pocket.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (width, wide[:8])
        assert errors == []
