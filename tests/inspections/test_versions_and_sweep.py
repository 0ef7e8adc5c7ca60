"""An inspection started on a version keeps it after a newer one is published; the sweep marks late orders."""

import datetime as dt
import io

from django.core.management import call_command

from gongzhi.core.models import AuditEvent
from gongzhi.inspections.actions.checklists import template_publish
from gongzhi.inspections.actions.inspecting import inspection_submit
from gongzhi.inspections.models import Rectification
from tests.inspections.conftest import passing


def test_an_offline_inspection_on_the_old_version_is_stored_with_it(district, restaurant, templates):
    v1 = templates["food_safety"]
    answers = passing(v1)  # filled in on the phone before the street published version 2
    v2 = template_publish(
        actor=district["street_staff"],
        code="food_safety",
        name="食品安全",
        committee="食安委",
        place_kinds=["restaurant"],
        frequency_days=14,
        items=[{"key": "licence", "text": "亮证经营", "kind": "yes_no", "severity": 2}],
    )
    v1.refresh_from_db()
    assert v2.version == 2 and v2.is_current and not v1.is_current
    done = inspection_submit(
        actor=district["grid_worker_a"], place_id=restaurant.pk, template_id=v1.pk, answers=answers
    )
    assert done.inspection.template_id == v1.pk and done.inspection.answers.count() == len(answers)


def test_the_sweep_marks_orders_past_their_deadline_overdue_once(district, restaurant, templates, at):
    food = templates["food_safety"]
    inspection_submit(
        actor=district["grid_worker_a"],
        place_id=restaurant.pk,
        template_id=food.pk,
        answers=passing(food, storage={"result": "fail"}),
    )
    out = io.StringIO()
    call_command("sweep_rectifications", "--once", stdout=out)
    assert "overdue: 0" in out.getvalue()
    at.move_to(dt.datetime(2026, 6, 23, 2, 0, tzinfo=dt.UTC))  # the day after the deadline (06-22)
    call_command("sweep_rectifications", "--once", stdout=out)
    call_command("sweep_rectifications", "--once", stdout=out)
    assert Rectification.objects.get().state == "overdue"
    assert AuditEvent.objects.filter(action="inspections.rectification.mark_overdue").count() == 1
