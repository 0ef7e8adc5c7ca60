"""Intake from every channel: location to micro-grid, external tickets, and bad input changing nothing."""

import pytest

from gongzhi.appeals.actions import appeal_submit
from gongzhi.appeals.models import Appeal
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from tests.appeals.conftest import point_in
from tests.conftest import GRID_A, MICRO_A, MICRO_B

pytestmark = pytest.mark.django_db


def test_a_resident_report_resolves_its_map_point_to_the_micro_grid(submit, areas):
    appeal = submit()
    assert appeal.area_code == MICRO_A and appeal.area == areas[MICRO_A]
    assert appeal.number.startswith("SQ") and appeal.number.endswith("-000001")
    assert submit().number.endswith("-000002")
    assert appeal.reporter.username == "resident_a"


def test_the_contact_is_stored_encrypted_and_shown_masked(submit):
    appeal = submit(contact_name="王五", contact_phone="13912345678")
    raw = Appeal.objects.filter(pk=appeal.pk).values_list("phone_encrypted", "contact_name_encrypted").get()
    assert "13912345678" not in raw[0] and "王五" not in raw[1]
    assert appeal.phone_plain == "13912345678" and appeal.contact_name_plain == "王五"
    assert appeal.contact_phone_masked.startswith("139") and "1234" not in appeal.contact_phone_masked[3:7]


@pytest.mark.parametrize("channel", ["hotline_12345", "susuban", "walk_in", "grid_report"])
def test_staff_record_hotline_and_walk_in_cases_for_their_area(duty, categories, channel):
    appeal = appeal_submit(
        actor=duty["community_worker_a"],
        description="楼道灯坏了",
        channel=channel,
        area_code=MICRO_A,
        category=categories["litter"].code,
        external_ref="HL-0001" if channel in ("hotline_12345", "susuban") else "",
        contact_phone="13812345678",
    ).appeal
    assert appeal.channel == channel and appeal.state == "dispatched"
    # Recorded on someone's behalf: the staff member is not the reporter.
    expected_reporter = duty["community_worker_a"] if channel == "grid_report" else None
    assert appeal.reporter == expected_reporter


def test_a_resident_cannot_use_a_staff_channel(duty):
    with pytest.raises(PermissionDenied):
        appeal_submit(
            actor=duty["resident_a"], description="x", channel="hotline_12345", area_code=MICRO_A, external_ref="HL-1"
        )
    assert Appeal.objects.count() == 0


def test_the_same_external_ticket_twice_returns_the_existing_appeal(duty):
    params = {
        "description": "小区门口占道经营",
        "channel": "hotline_12345",
        "area_code": MICRO_A,
        "external_ref": "12345-20261122-0042",
    }
    first = appeal_submit(actor=duty["community_worker_a"], **params)
    again = appeal_submit(actor=duty["street_staff"], **params)
    assert first.created and not again.created and again.appeal.pk == first.appeal.pk
    assert Appeal.objects.count() == 1
    # The same number on another channel is another ticket.
    other = appeal_submit(actor=duty["street_staff"], **{**params, "channel": "susuban"})
    assert other.created


def test_an_external_ticket_reused_for_another_case_is_refused(duty):
    params = {
        "description": "小区门口占道经营",
        "channel": "hotline_12345",
        "area_code": MICRO_A,
        "external_ref": "12345-0042",
    }
    appeal_submit(actor=duty["community_worker_a"], **params)
    with pytest.raises(Conflict) as info:
        appeal_submit(actor=duty["community_worker_a"], **{**params, "description": "另一件事"})
    assert info.value.field == "external_ref"
    assert Appeal.objects.count() == 1


def test_hotline_cases_need_their_ticket_number(duty):
    with pytest.raises(ValidationFailed) as info:
        appeal_submit(actor=duty["community_worker_a"], description="x", channel="susuban", area_code=MICRO_A)
    assert info.value.field == "external_ref"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "no-such-category"}, "category"),
        ({"lat": 10.0, "lng": 10.0}, "lat"),
        ({"lat": 95.0}, "lat"),
        ({"lat": None, "lng": None}, "lat"),
        ({"lat": None, "lng": None, "area_code": GRID_A}, "area_code"),
        ({"lat": None, "lng": None, "area_code": "37021100100100199"}, "area_code"),
        ({"area_code": MICRO_B}, "area_code"),
        ({"description": "   "}, "description"),
        ({"channel": "pigeon"}, "channel"),
        ({"contact_phone": "12"}, "contact_phone"),
    ],
)
def test_bad_input_gets_a_clear_error_naming_the_field_and_stores_nothing(submit, overrides, field):
    with pytest.raises(ValidationFailed) as info:
        submit(**overrides)
    assert info.value.field == field
    assert str(info.value.message)
    assert Appeal.objects.count() == 0


def test_a_main_category_is_not_enough(submit, categories):
    with pytest.raises(ValidationFailed) as info:
        submit(category="env")
    assert info.value.field == "category"


def test_a_snapshot_by_a_part_time_grid_worker_goes_straight_to_dispatch(duty, areas, categories):
    appeal = appeal_submit(
        actor=duty["grid_worker_a"],
        description="电动车堵塞消防通道",
        channel="snapshot",
        category=categories["litter"].code,
        **point_in(areas[MICRO_A]),
    ).appeal
    assert appeal.state == "dispatched" and appeal.reporter == duty["grid_worker_a"]


def test_the_returned_appeal_and_events_are_what_was_stored(submit):
    """PostgreSQL writes the appeal and its events in one statement; what intake returns must match the rows."""
    from gongzhi.appeals.models import AppealEvent

    appeal = submit(contact_name="王五", contact_phone="13912345678", address="基准路1号")
    stored = Appeal.objects.get(pk=appeal.pk)
    for f in Appeal._meta.concrete_fields:
        assert getattr(stored, f.attname) == getattr(appeal, f.attname), f.name
    assert not appeal._state.adding and stored.state == "dispatched" and stored.version == 2
    events = list(AppealEvent.objects.filter(appeal=appeal).order_by("id"))
    assert [e.pk for e in events] == [e.pk for e in appeal.created_events]
    assert [(e.action, e.from_state, e.to_state, e.actor_id, e.data, e.note) for e in events] == [
        (e.action, e.from_state, e.to_state, e.actor_id, e.data, e.note) for e in appeal.created_events
    ]
    assert events[0].data["category"] == "env-litter" and events[2].data["assignee_id"] == appeal.assignee_id
