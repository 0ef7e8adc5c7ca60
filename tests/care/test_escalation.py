"""A visit overdue by the margin escalates to the grid's owner, then to the community, through the outbox — once per
level for each overdue visit; a visit made stops it. The clock is moved, the sweep command runs as it would."""

import datetime as dt

import pytest
from django.core.management import call_command

from gongzhi.care.actions.escalation import escalate_overdue
from gongzhi.care.actions.visits import visit_record
from gongzhi.care.models import VisitEscalation
from gongzhi.notifications.models import OutboxMessage
from tests import factories
from tests.conftest import GRID_A


@pytest.fixture
def owner(care):
    user = factories.UserFactory(username="grid_owner")
    factories.GridAssignmentFactory(user=user, area=care.areas[GRID_A], is_owner=True)
    return user


def notes(kind="care.visit_overdue"):
    return list(OutboxMessage.objects.filter(kind=kind).order_by("id").values_list("user_id", "data"))


def test_overdue_visits_go_to_the_owner_then_the_community(care, clock, owner):
    _elder, child = care["elder"], care["child"]  # yellow: due 03-16; red: due 03-09
    clock.move_to(dt.datetime(2026, 3, 11, 9))  # child 2 days overdue: below the margin of 3
    assert escalate_overdue()["escalated"] == 0
    clock.move_to(dt.datetime(2026, 3, 12, 9))  # child 3 days overdue
    result = escalate_overdue()
    assert result == {"overdue": 1, "escalated": 1, "notified": 1}
    assert notes() == [(owner.pk, {"archive_id": child.pk, "due_on": "2026-03-09", "level": 1})]
    assert escalate_overdue()["escalated"] == 0  # once per level
    clock.move_to(dt.datetime(2026, 3, 16, 9))  # child 7 days overdue → community; elder due today
    escalate_overdue()
    community = [(u, d["level"]) for u, d in notes()[1:]]
    assert community == [(care["community_worker_a"].pk, 2)]
    assert "张三" not in str(OutboxMessage.objects.values_list("title", "body"))  # no personal data in the note


def test_a_visit_made_stops_the_escalation(care, clock, owner):
    clock.move_to(dt.datetime(2026, 3, 11, 9))
    visit_record(actor=care["party_member_a"], archive_id=care["child"].pk, findings="学习有进步")
    clock.move_to(dt.datetime(2026, 3, 15, 9))  # unvisited, the child would be 6 days overdue
    assert escalate_overdue()["overdue"] == 0
    assert notes() == []


def test_the_sweep_command_escalates_once(care, clock, owner, capsys):
    clock.move_to(dt.datetime(2026, 3, 13, 9))
    call_command("sweep_care_visits", "--once")
    call_command("sweep_care_visits", "--once")
    out = capsys.readouterr().out
    assert "1 escalated" in out and "0 escalated" in out
    assert VisitEscalation.objects.count() == 1


def test_a_drill_may_look_ahead(care, clock, owner, capsys):
    call_command("sweep_care_visits", "--once", "--at", "2026-03-20T09:00")
    assert "escalated" in capsys.readouterr().out
    assert VisitEscalation.objects.filter(archive=care["child"], level=2).exists()
