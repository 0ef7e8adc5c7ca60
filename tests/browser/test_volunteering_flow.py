"""On a phone-sized browser: sign up → scan the organiser's code to check in and out → the organiser confirms the
hours → the volunteer issues a certificate, opens the PDF link and anyone can verify it. Screenshots in artifacts/."""

import datetime as dt
import os
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.conftest import sign_in as site_sign_in
from tests.conftest import COMMUNITY_A

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "device_scale_factor": 2, "is_mobile": True}
START = timezone.make_aware(dt.datetime(2026, 7, 4, 9, 0))


def sign_in(page, base, username):
    site_sign_in(page, base, username, "pass-1234")


def test_sign_up_check_in_confirm_certificate(live_server, browser, transactional_db, areas):
    from gongzhi.volunteering import codes
    from gongzhi.volunteering.actions.activities import activity_create
    from gongzhi.volunteering.actions.volunteers import volunteer_register

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    # The live server runs in this process, so moving this clock moves the server's too.
    with time_machine.travel(START - dt.timedelta(days=1), tick=True) as clock:
        worker = factories.UserFactory(
            username="cw_zhao", role="community_worker", at=areas[COMMUNITY_A], display_name="赵社工"
        )
        user = factories.UserFactory(username="vol_sun", display_name="孙志愿")
        volunteer = volunteer_register(
            actor=worker,
            user=user,
            name="孙志愿",
            kind="resident",
            area=areas[COMMUNITY_A],
            birth_date=dt.date(1988, 1, 2),
        )
        activity = activity_create(
            actor=worker,
            title="助老扶幼·敬老院陪伴",
            area=areas[COMMUNITY_A],
            starts_at=START,
            ends_at=START + dt.timedelta(hours=2),
            place="灵山卫1社区敬老院",
            capacity=10,
        )
        errors = []
        phone = browser.new_context(**PHONE).new_page()
        phone.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(phone, base, "vol_sun")
        phone.goto(f"{base}/volunteering/")
        phone.click(f"text={activity.title}")
        phone.click("button:has-text('我要报名')")
        assert "报名成功" in phone.inner_text(".flash")
        phone.screenshot(path=str(ARTIFACTS / "volunteering-1-signed-up.png"), full_page=True)

        clock.move_to(START - dt.timedelta(minutes=5))
        desk = browser.new_context(**PHONE).new_page()
        desk.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(desk, base, "cw_zhao")
        desk.goto(f"{base}/volunteering/activities/{activity.pk}/organise/")
        assert desk.locator("#qr svg").count() == 1
        desk.screenshot(path=str(ARTIFACTS / "volunteering-2-organiser-qr.png"), full_page=True)

        # What the camera would read from the QR code: the scan page with the current code.
        code = codes.make(activity_id=activity.pk, salt=activity.qr_salt, purpose="in")
        phone.goto(f"{base}/volunteering/activities/{activity.pk}/scan/?code={code}")
        phone.click("button:has-text('确认签到')")
        assert "签到成功" in phone.inner_text(".vol")

        clock.move_to(START + dt.timedelta(hours=1, minutes=30))
        code = codes.make(activity_id=activity.pk, salt=activity.qr_salt, purpose="out")
        phone.goto(f"{base}/volunteering/activities/{activity.pk}/scan/?code={code}")
        phone.click("button:has-text('确认签退')")
        assert "1.50" in phone.inner_text(".vol")

        desk.goto(f"{base}/volunteering/activities/{activity.pk}/organise/")
        desk.select_option("select[name^=rating_]", "5")
        desk.click("button:has-text('确认所选志愿者的服务时长')")
        assert "已确认 1 人" in desk.inner_text(".flash")
        desk.screenshot(path=str(ARTIFACTS / "volunteering-3-confirmed.png"), full_page=True)

        phone.goto(f"{base}/volunteering/me/")
        phone.click("button:has-text('出具志愿服务证明')")
        assert "已出具志愿服务证明" in phone.inner_text(".flash")
        phone.screenshot(path=str(ARTIFACTS / "volunteering-4-record.png"), full_page=True)
        number = volunteer.certificates.get().number
        pdf = phone.request.get(f"{base}/volunteering/certificates/{number}.pdf")
        assert pdf.ok and pdf.body().startswith(b"%PDF")

        anyone = browser.new_context(**PHONE).new_page()
        anyone.goto(f"{base}/volunteering/certificates/{number}/")
        assert "证明真实有效" in anyone.inner_text(".vol") and "孙*" in anyone.inner_text(".vol")
        anyone.screenshot(path=str(ARTIFACTS / "volunteering-5-verified.png"), full_page=True)
        assert errors == []
    Path(ARTIFACTS / "volunteering-1-signed-up.png").stat()
