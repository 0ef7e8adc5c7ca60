"""Escalation micro-grid → grid → street: by hand, and by the sweep when a deadline passes."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from gongzhi.appeals.actions import appeal_transition, sweep_deadlines
from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.core.errors import ValidationFailed
from tests.appeals.conftest import T0

pytestmark = pytest.mark.django_db


def accepted_minor(submit, duty):
    with time_machine.travel(T0, tick=False):
        appeal = submit()
        return appeal_transition(actor=duty["microgrid_worker_a"], appeal=appeal.pk, action="accept")


def sweep_at(when):
    out = io.StringIO()
    call_command("sweep_deadlines", "--once", "--at", when.isoformat(), stdout=out)
    return out.getvalue()


def test_nothing_is_escalated_before_the_deadline(submit, duty):
    appeal = accepted_minor(submit, duty)
    assert "escalated 0" in sweep_at(T0 + dt.timedelta(hours=23, minutes=59))
    assert Appeal.objects.get(pk=appeal.pk).handling_level == "microgrid"


def test_the_sweep_escalates_an_overdue_minor_appeal_to_the_grid_then_to_the_street(submit, duty):
    appeal = accepted_minor(submit, duty)
    first = T0 + dt.timedelta(days=1, seconds=1)
    assert "escalated 1" in sweep_at(first)
    appeal.refresh_from_db()
    assert (appeal.handling_level, appeal.tier, appeal.state) == ("grid", "major", "dispatched")
    assert appeal.assignee == duty["grid_worker_a"]
    # The grid's small loop gets the major tier's 3 days, counted from the escalation.
    assert appeal.due_at == first + dt.timedelta(days=3)
    event = appeal.events.get(action="escalate")
    assert event.actor is None and event.data["automatic"] is True and event.occurred_at == first

    # A second sweep at the same instant finds nothing more to do.
    assert "escalated 0" in sweep_at(first)

    second = first + dt.timedelta(days=3, seconds=1)
    assert "escalated 1" in sweep_at(second)
    appeal.refresh_from_db()
    assert (appeal.handling_level, appeal.tier) == ("street", "hard")
    assert appeal.assignee is None  # on the street's dispatch board
    assert appeal.due_at == second + dt.timedelta(days=5)

    # At the street there is no level above: an overdue appeal stays there (and shows as overdue).
    assert "escalated 0" in sweep_at(second + dt.timedelta(days=6))
    assert list(appeal.events.filter(action="escalate").values_list("escalated_to", flat=True)) == ["grid", "street"]


def test_a_suspended_appeal_is_not_escalated_while_its_clock_is_paused(submit, duty):
    appeal = accepted_minor(submit, duty)
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        appeal_transition(actor=duty["community_worker_a"], appeal=appeal.pk, action="suspend", note="等待鉴定")
    assert sweep_deadlines(at=T0 + dt.timedelta(days=3)).escalated == []


def test_a_worker_escalates_by_hand_with_a_reason(submit, duty):
    appeal = accepted_minor(submit, duty)
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        with pytest.raises(ValidationFailed) as info:
            appeal_transition(actor=duty["microgrid_worker_a"], appeal=appeal.pk, action="escalate")
        assert info.value.field == "note"
        appeal = appeal_transition(
            actor=duty["microgrid_worker_a"], appeal=appeal.pk, action="escalate", note="涉及公共管道，需网格协调"
        )
    assert appeal.handling_level == "grid"
    assert appeal.events.get(action="escalate").data["automatic"] is False


def test_an_appeal_reaches_each_level_only_once(submit, duty):
    appeal = accepted_minor(submit, duty)
    appeal_transition(actor=duty["microgrid_worker_a"], appeal=appeal.pk, action="escalate", note="上报")
    with pytest.raises(Exception):  # noqa: B017 - the database refuses a second (appeal, level) escalation row
        AppealEvent.objects.create(appeal=appeal, action="escalate", to_state="dispatched", escalated_to="grid")


def test_the_street_cannot_escalate_further(submit, duty):
    with time_machine.travel(T0, tick=False):
        appeal = submit(category="structure")
        appeal_transition(actor=duty["street_staff"], appeal=appeal.pk, action="accept")
        with pytest.raises(ValidationFailed):
            appeal_transition(actor=duty["street_staff"], appeal=appeal.pk, action="escalate", note="再上报")
    assert Appeal.objects.get(pk=appeal.pk).handling_level == "street"


def test_the_command_refuses_a_bad_time():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("sweep_deadlines", "--once", "--at", "yesterday", stdout=io.StringIO())


def test_a_recorded_escalation_is_never_repeated_even_if_the_batch_meets_it(submit, duty):
    first, second = accepted_minor(submit, duty), accepted_minor(submit, duty)
    # As if another sweeper had recorded the escalation of `first` a moment ago.
    AppealEvent.objects.create(appeal=first, action="escalate", to_state="dispatched", escalated_to="grid")
    result = sweep_deadlines(at=T0 + dt.timedelta(days=2))
    assert result.escalated == [second.pk] and result.skipped == 1
    assert Appeal.objects.get(pk=first.pk).handling_level == "microgrid"
    assert AppealEvent.objects.filter(appeal=first, escalated_to="grid").count() == 1


def test_the_batch_sweep_routes_each_grid_to_its_owner(submit, duty, areas):
    from tests.conftest import GRID_A2
    from tests.factories import GridAssignmentFactory, UserFactory

    owner2 = UserFactory(role="grid_worker", at=areas[GRID_A2])
    GridAssignmentFactory(user=owner2, area=areas[GRID_A2], kind="full_time", is_owner=True)
    in_a = accepted_minor(submit, duty)
    with time_machine.travel(T0, tick=False):
        in_a2 = submit(category="litter", lat=None, lng=None, area_code=GRID_A2 + "01")
        appeal_transition(actor=duty["street_staff"], appeal=in_a2.pk, action="accept")
    sweep_deadlines(at=T0 + dt.timedelta(days=2))
    assert Appeal.objects.get(pk=in_a.pk).assignee == duty["grid_worker_a"]
    assert Appeal.objects.get(pk=in_a2.pk).assignee == owner2
