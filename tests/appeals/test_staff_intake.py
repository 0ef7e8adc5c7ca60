"""Staff intake (/appeals/staff/intake/): 12345, 诉速办 and walk-in cases with the external ticket number."""

import pytest
from django.urls import reverse

from gongzhi.appeals.models import Appeal
from tests.appeals.conftest import point_in
from tests.appeals.staff_fixtures import as_
from tests.conftest import MICRO_A, MICRO_B

pytestmark = pytest.mark.django_db
INTAKE = reverse("appeals_staff:intake")


def case(**kwargs):
    data = {
        "channel": "hotline_12345",
        "external_ref": "12345-20260316-0001",
        "contact_name": "王先生",
        "contact_phone": "13812345678",
        "description": "小区东门路灯不亮已一周",
        "area_code": MICRO_A,
    }
    data.update(kwargs)
    return data


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("street_staff", 200),
        ("community_worker_a", 200),
        ("grid_worker_a", 200),
        ("microgrid_worker_a", 200),
        ("department", 403),
        ("resident_a", 403),
    ],
)
def test_who_may_open_intake(client, duty, categories, persona, status):
    response = as_(client, duty[persona]).get(INTAKE)
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "外部工单号" in page and 'name="area_code"' in page and "垃圾堆放" in page


def test_a_12345_case_is_recorded_and_opens_on_the_board(client, duty, categories):
    response = as_(client, duty["street_staff"]).post(INTAKE, case())
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals_staff:board") + f"?q={appeal.number}"
    assert (appeal.channel, appeal.external_ref, appeal.state) == ("hotline_12345", "12345-20260316-0001", "reported")
    assert appeal.reporter is None and appeal.contact_name_plain == "王先生" and appeal.area_code == MICRO_A
    page = client.get(response["Location"]).content.decode()
    assert appeal.number in page and "已登记诉求" in page


def test_with_a_category_the_case_is_dispatched_at_once(client, duty, categories):
    as_(client, duty["community_worker_a"]).post(INTAKE, case(channel="susuban", category="env-litter"))
    appeal = Appeal.objects.get()
    assert appeal.state == "dispatched" and appeal.assignee == duty["microgrid_worker_a"]


def test_a_map_pin_picks_the_micro_grid(client, duty, areas, categories):
    pin = point_in(areas[MICRO_B])
    as_(client, duty["street_staff"]).post(INTAKE, case(area_code="", **pin))
    assert Appeal.objects.get().area_code == MICRO_B


def test_the_same_ticket_twice_opens_the_existing_appeal(client, duty, categories):
    c = as_(client, duty["street_staff"])
    c.post(INTAKE, case())
    again = c.post(INTAKE, case(), follow=True)
    appeal = Appeal.objects.get()
    assert Appeal.objects.count() == 1
    assert f"已登记为诉求 {appeal.number}" in again.content.decode()


def test_a_reused_ticket_number_for_another_case_is_a_409(client, duty, categories):
    c = as_(client, duty["street_staff"])
    c.post(INTAKE, case())
    response = c.post(INTAKE, case(description="另一件事：楼道堆物"))
    body = response.content.decode()
    assert response.status_code == 409 and "外部工单号已用于另一件诉求" in body
    assert "另一件事：楼道堆物" in body  # the form keeps what was typed
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        ({"external_ref": ""}, 422, "外部工单号"),
        ({"description": ""}, 422, "诉求内容"),
        ({"area_code": ""}, 422, "选点"),
        ({"area_code": "370211001001001"}, 422, "微网格"),
        ({"contact_phone": "12ab"}, 422, "contact_phone"),
        ({"category": "env"}, 422, "小类"),
        ({"channel": "resident_web"}, 422, "来源渠道"),
        ({"lat": "36.0", "lng": "abc"}, 422, "经度"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(client, duty, categories, data, status, words):
    response = as_(client, duty["street_staff"]).post(INTAKE, case(**data))
    assert response.status_code == status
    assert words in response.content.decode()
    assert not Appeal.objects.exists()


def test_intake_outside_ones_area_is_refused(client, duty, categories):
    response = as_(client, duty["grid_worker_b"]).post(INTAKE, case())
    assert response.status_code == 403 and not Appeal.objects.exists()


def test_a_micro_grid_worker_records_a_case_and_stays_on_intake(client, duty, categories):
    response = as_(client, duty["microgrid_worker_a"]).post(INTAKE, case(channel="walk_in", external_ref=""))
    assert response.status_code == 302 and response["Location"] == INTAKE
    assert Appeal.objects.get().channel == "walk_in"
