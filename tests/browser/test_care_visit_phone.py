"""On a phone-sized browser: a grid worker opens their visit list, sees the overdue visit first, records the visit
with a photo and a need found, and the list shows the next one, a week on. Screenshots in artifacts/browser/."""

import datetime as dt
import io
import os
from importlib import import_module

import pytest
import time_machine
from django.apps import apps as django_apps
from django.utils import timezone
from PIL import Image

from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.conftest import sign_in as site_sign_in
from tests.conftest import COMMUNITY_A, GRID_A, MICRO_A

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "device_scale_factor": 2, "is_mobile": True}
NOW = timezone.make_aware(dt.datetime(2026, 3, 20, 9, 0))


def test_a_grid_worker_records_a_visit_on_a_phone(live_server, browser, transactional_db, areas, tmp_path, settings):
    from gongzhi.care.actions.archives import archive_create
    from gongzhi.care.models import CareArchive, CareNeed, Visit, VisitPhoto

    # transactional_db empties every table after each test, the care lists the data migration seeded included:
    # load them again as that migration does, so the test does not depend on running first.
    import_module("gongzhi.care.migrations.0002_seed_lists").load(django_apps, None)
    settings.MEDIA_ROOT = tmp_path
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    with time_machine.travel(NOW - dt.timedelta(days=30), tick=True) as clock:
        worker = factories.UserFactory(username="gw_li", role="grid_worker", at=areas[GRID_A], display_name="李网格")
        office = factories.UserFactory(username="cw_wang", role="community_worker", at=areas[COMMUNITY_A])
        household = factories.HouseholdFactory(area=areas[MICRO_A], number="B-1", address="1号楼1单元101")
        resident = factories.ResidentFactory(household=household, name="周奶奶")
        archive = archive_create(
            actor=office, resident_id=resident.pk, tags=["living-alone"], risk_level_code="red", consent=True,
            carers=[{"user_id": worker.pk, "kind": "grid_worker"}],
        )  # fmt: skip
        clock.move_to(NOW)  # red: due a week after opening, now 23 days overdue
        context = browser.new_context(**PHONE)
        page = context.new_page()
        site_sign_in(page, base, "gw_li", factories.PASSWORD)
        page.goto(f"{base}/care/")
        card = page.locator(f"[data-archive='{archive.pk}']")
        assert "周奶奶" in card.inner_text() and "已超期" in card.inner_text()
        page.screenshot(path=str(ARTIFACTS / "care-list-phone.png"), full_page=True)
        card.get_by_text("记录走访").click()
        page.fill("#v-findings", "老人独自在家，精神尚可，冰箱里缺菜")
        page.select_option("#v-need-kind", "daily_care")
        page.fill("#v-need", "代购蔬菜")
        picture = io.BytesIO()
        Image.new("RGB", (40, 30), (10, 120, 200)).save(picture, format="JPEG")
        page.set_input_files(
            "#v-photos", files=[{"name": "v.jpg", "mimeType": "image/jpeg", "buffer": picture.getvalue()}]
        )
        page.screenshot(path=str(ARTIFACTS / "care-visit-phone.png"), full_page=True)
        wide = page.evaluate(
            "[...document.querySelectorAll('.care *')].filter(e => e.getBoundingClientRect().right > 390)"
            ".map(e => e.tagName + '#' + e.id + '.' + e.className + ':' + e.getBoundingClientRect().right)"
        )
        assert wide == []  # nothing wider than the phone
        with page.expect_navigation():
            page.click("button.wide[type=submit]")
        errors = page.locator(".error").all_inner_texts()
        assert errors == [] and page.url == f"{base}/care/", (page.url, errors)
        assert "走访已记录" in page.content()
        after = page.locator(f"[data-archive='{archive.pk}']").inner_text()
        assert "已超期" not in after and "7天内到期" in after  # the next visit is due in a week
        context.close()
    visit = Visit.objects.get(archive=archive)
    assert visit.visitor_id == worker.pk and VisitPhoto.objects.filter(visit=visit).count() == 1
    assert CareNeed.objects.filter(visit=visit, kind="daily_care").exists()
    assert CareArchive.objects.get(pk=archive.pk).last_visited_at is not None
