"""Pages: the grid worker's phone list and form, the staff's lists, filters, roll-up and the audited export."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from gongzhi.core.models import AuditEvent
from gongzhi.inspections.actions.inspecting import inspection_submit
from tests.conftest import COMMUNITY_A
from tests.inspections.conftest import passing


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def failed_once(district, restaurant, templates):
    food = templates["food_safety"]
    return inspection_submit(
        actor=district["grid_worker_a"],
        place_id=restaurant.pk,
        template_id=food.pk,
        answers=passing(food, storage={"result": "fail", "note": "生熟混放"}),
    )


def test_the_phone_list_shows_what_is_due_and_orders_to_reinspect(district, restaurant, templates, failed_once):
    page = signed_in(district["grid_worker_a"]).get("/inspections/")
    text = page.content.decode()
    assert page.status_code == 200 and "老王家常菜馆" in text and "消防安全" in text
    assert "生熟混放" in text and f"?rectification={failed_once.rectifications[0].pk}" in text
    assert "<script>" not in text  # scripts come from static/js only
    other = signed_in(district["grid_worker_a2"]).get("/inspections/").content.decode()
    assert "老王家常菜馆" not in other


def test_the_form_lists_every_item_with_its_config_for_the_script(district, restaurant, templates):
    food = templates["food_safety"]
    page = signed_in(district["grid_worker_a"]).get(f"/inspections/places/{restaurant.pk}/inspect/{food.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and text.count('class="item ') == food.items.count()
    assert 'id="inspection-config"' in text and "js/inspection_form.js" in text and "js/inspection_outbox.js" in text
    assert (
        signed_in(district["grid_worker_b"]).get(f"/inspections/places/{restaurant.pk}/inspect/{food.pk}/").status_code
        == 404
    )
    wrong = signed_in(district["grid_worker_a"]).get(
        f"/inspections/places/{restaurant.pk}/inspect/{templates['work_safety'].pk}/"
    )
    assert wrong.status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        "/inspections/places/",
        "/inspections/records/?failed=1",
        "/inspections/rectifications/?overdue=0",
        "/inspections/rollup/",
    ],
)
def test_staff_lists_open_for_staff_and_not_for_residents(district, failed_once, path):
    page = signed_in(district["community_worker_a"]).get(path)
    text = page.content.decode()
    assert page.status_code == 200
    assert "老王家常菜馆" in text or "食安委" in text
    assert signed_in(district["resident_a"]).get(path).status_code == 403


def test_a_bad_filter_says_which(district, failed_once):
    page = signed_in(district["community_worker_a"]).get("/inspections/records/?from=June")
    assert page.status_code == 422 and "YYYY-MM-DD" in page.content.decode()
    assert signed_in(district["community_worker_a"]).get("/inspections/places/?area=370211001002").status_code == 403


def test_office_staff_extend_an_order_from_the_list(district, failed_once):
    order = failed_once.rectifications[0]
    client = signed_in(district["community_worker_a"])
    client.post(
        f"/inspections/rectifications/{order.pk}/act/",
        {"action": "extend", "deadline": "2026-06-30", "note": "等待设备"},
    )
    order.refresh_from_db()
    assert order.deadline.isoformat() == "2026-06-30"
    signed_in(district["grid_worker_a"]).post(
        f"/inspections/rectifications/{order.pk}/act/", {"action": "cancel", "note": "x"}
    )
    order.refresh_from_db()
    assert order.state == "open"


def test_the_export_is_masked_audited_and_unmasked_only_for_unmaskers(district, failed_once):
    client = signed_in(district["community_worker_a"])
    response = client.get(f"/inspections/export.xlsx?area={COMMUNITY_A}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    places = list(book.worksheets[0].values)
    assert places[1][1] == "老王家常菜馆" and places[1][7] == "137****1001"
    assert len(list(book.worksheets[1].values)) == 2 and len(list(book.worksheets[2].values)) == 2
    event = AuditEvent.objects.get(action="inspections.export")
    assert event.data == {"places": 1, "inspections": 1, "rectifications": 1} and event.area_code == COMMUNITY_A
    full = client.get(f"/inspections/export.xlsx?area={COMMUNITY_A}&unmasked=1")
    book = load_workbook(io.BytesIO(b"".join(full.streaming_content)), read_only=True)
    assert list(book.worksheets[0].values)[1][7] == "13705321001"
    assert AuditEvent.objects.filter(action="inspections.export_unmasked").count() == 1
    assert (
        signed_in(district["grid_worker_a"])
        .get(f"/inspections/export.xlsx?area={district['grid_worker_a'].memberships.first().area.code}")
        .status_code
        == 403
    )


def test_the_admin_shows_places_masked_and_changes_nothing(district, failed_once):
    client = signed_in(district["superuser"])
    page = client.get("/admin/inspections/place/")
    assert (
        page.status_code == 200
        and "137****1001" in page.content.decode()
        and "13705321001" not in page.content.decode()
    )
    assert client.get("/admin/inspections/rectification/add/").status_code == 403
