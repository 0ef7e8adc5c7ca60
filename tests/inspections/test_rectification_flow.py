"""A failed item at or above the template's severity opens a rectification order; a re-inspection closes it."""

import datetime as dt

import pytest

from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.inspections.actions.inspecting import inspection_submit
from gongzhi.inspections.actions.rectifications import mark_overdue, rectification_act
from gongzhi.inspections.models import Rectification
from tests.inspections.conftest import passing


def submit(district, place, template, persona="grid_worker_a", **kw):
    return inspection_submit(actor=district[persona], place_id=place.pk, template_id=template.pk, **kw)


def test_a_failed_serious_item_opens_an_order_due_after_the_templates_days(district, restaurant, templates):
    food = templates["food_safety"]
    done = submit(district, restaurant, food, answers=passing(food, storage={"result": "fail", "note": "生熟混放"}))
    assert done.created and done.inspection.failed == 1
    [order] = done.rectifications
    assert order.state == "open" and order.item_key == "storage" and order.committee == "食安委"
    assert order.deadline == dt.date(2026, 6, 22)  # 7 days
    assert order.text.endswith("生熟混放") and order.number.startswith("ZG20260615")


def test_a_failed_item_below_the_threshold_opens_nothing(district, restaurant, templates):
    food = templates["food_safety"]
    done = submit(district, restaurant, food, answers=passing(food, pest_control={"result": "fail"}))
    assert done.inspection.failed == 1 and done.rectifications == [] and not Rectification.objects.exists()


def test_a_passing_reinspection_rectifies_the_order(district, restaurant, templates, at):
    food = templates["food_safety"]
    [order] = submit(district, restaurant, food, answers=passing(food, storage={"result": "fail"})).rectifications
    at.move_to(dt.datetime(2026, 6, 19, 9, 0, tzinfo=dt.UTC))
    again = submit(district, restaurant, food, answers=passing(food), rectification_id=order.pk)
    order.refresh_from_db()
    assert order.state == "rectified" and order.closed_at is not None
    assert again.inspection.rectification_id == order.pk and again.rectifications == []
    moves = AuditEvent.objects.filter(target_type="inspections.rectification", target_id=str(order.pk))
    assert [e.action for e in moves] == ["inspections.rectification.reinspect_pass"]


def test_a_failing_reinspection_keeps_it_open_with_a_new_deadline(district, restaurant, templates, at):
    food = templates["food_safety"]
    [order] = submit(district, restaurant, food, answers=passing(food, storage={"result": "fail"})).rectifications
    at.move_to(dt.datetime(2026, 6, 25, 2, 0, tzinfo=dt.UTC))  # 10:00 in Shanghai, after the deadline
    assert mark_overdue() == 1
    order.refresh_from_db()
    assert order.state == "overdue"
    again = submit(
        district, restaurant, food, answers=passing(food, storage={"result": "fail"}), rectification_id=order.pk
    )
    order.refresh_from_db()
    assert order.state == "open" and order.reinspections_failed == 1 and order.deadline == dt.date(2026, 7, 2)
    assert again.rectifications == []  # the re-inspected item does not open a second order


def test_a_reinspection_must_answer_the_orders_item(district, restaurant, templates):
    food = templates["food_safety"]
    [order] = submit(district, restaurant, food, answers=passing(food, storage={"result": "fail"})).rectifications
    with pytest.raises(ValidationFailed) as err:
        submit(district, restaurant, food, answers=passing(food, storage={"result": "na"}), rectification_id=order.pk)
    assert err.value.field == "answers.storage"
    order.refresh_from_db()
    assert order.state == "open"


def test_a_rectified_order_cannot_be_reinspected_again(district, restaurant, templates):
    food = templates["food_safety"]
    [order] = submit(district, restaurant, food, answers=passing(food, storage={"result": "fail"})).rectifications
    submit(district, restaurant, food, answers=passing(food), rectification_id=order.pk)
    with pytest.raises(ValidationFailed) as err:
        submit(district, restaurant, food, answers=passing(food), rectification_id=order.pk)
    assert err.value.field == "rectification_id"


def test_a_failed_item_with_an_appeal_category_opens_an_appeal_in_it(district, restaurant, templates):
    fire = templates["fire"]
    done = submit(district, restaurant, fire, answers=passing(fire, fire_lane={"result": "fail", "note": "纸箱堵塞"}))
    [appeal] = done.appeals
    assert appeal.category.code == "fire_lane-blocked" and appeal.area_code == restaurant.area_code
    assert appeal.channel == "grid_report" and "纸箱堵塞" in appeal.description
    assert done.rectifications == []


def test_office_staff_extend_and_cancel_with_a_reason(district, restaurant, templates):
    food = templates["food_safety"]
    [order] = submit(
        district, restaurant, food, answers=passing(food, dates={"result": "fail"}, expired_photo={"result": "na"})
    ).rectifications
    with pytest.raises(ValidationFailed) as err:
        rectification_act(
            actor=district["community_worker_a"], rectification_id=order.pk, action="extend", deadline="2026-07-01"
        )
    assert err.value.field == "note"
    extended = rectification_act(
        actor=district["community_worker_a"],
        rectification_id=order.pk,
        action="extend",
        deadline="2026-07-01",
        note="设备待到货",
    )
    assert extended.deadline == dt.date(2026, 7, 1)
    with pytest.raises(PermissionDenied):
        rectification_act(actor=district["grid_worker_a"], rectification_id=order.pk, action="cancel", note="误开")
    cancelled = rectification_act(
        actor=district["community_worker_a"], rectification_id=order.pk, action="cancel", note="误开"
    )
    assert cancelled.state == "cancelled"
    with pytest.raises(ValidationFailed) as err:
        rectification_act(actor=district["community_worker_a"], rectification_id=order.pk, action="cancel", note="再撤")
    assert err.value.field == "action" and "已撤销" in str(err.value.message)
