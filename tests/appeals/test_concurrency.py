"""Races the database must decide: two workers accepting one appeal, two sweepers at once, one idempotency key."""

import datetime as dt
import json

import pytest
import time_machine

from gongzhi.appeals.actions import appeal_transition, sweep_deadlines
from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.core.errors import DomainError
from gongzhi.people.models import GridAssignment
from tests.appeals.conftest import T0
from tests.concurrency import POSTGRES_ONLY, run_together
from tests.conftest import MICRO_A, api_client_for
from tests.factories import UserFactory

pytestmark = POSTGRES_ONLY


@pytest.mark.django_db(transaction=True)
def test_two_workers_accepting_the_same_appeal_at_once_one_wins(submit, duty, areas):
    # Nobody on duty: the appeal is open to every worker of the micro-grid.
    GridAssignment.objects.all().delete()
    workers = UserFactory.create_batch(4, role="microgrid_worker", at=areas[MICRO_A])
    appeal = submit()
    assert appeal.assignee is None
    results = run_together(
        *[(lambda w=w: appeal_transition(actor=w, appeal=appeal.pk, action="accept")) for w in workers]
    )
    winners = [r for r in results if isinstance(r, Appeal)]
    assert len(winners) == 1, results
    assert all(isinstance(r, Appeal | DomainError) for r in results), results
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert fresh.state == "accepted" and fresh.assignee == winners[0].assignee
    assert AppealEvent.objects.filter(appeal=appeal, action="accept").count() == 1


@pytest.mark.django_db(transaction=True)
def test_several_sweepers_at_once_never_escalate_an_appeal_twice(submit, duty):
    with time_machine.travel(T0, tick=False):
        ids = []
        for _ in range(30):
            appeal = submit()
            appeal_transition(actor=duty["microgrid_worker_a"], appeal=appeal.pk, action="accept")
            ids.append(appeal.pk)
    at = T0 + dt.timedelta(days=1, minutes=1)
    results = run_together(*[(lambda: sweep_deadlines(at=at, batch=7)) for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    escalated = [pk for r in results for pk in r.escalated]
    assert sorted(escalated) == sorted(ids)  # each exactly once, across all sweepers
    assert AppealEvent.objects.filter(action="escalate").count() == 30
    assert set(Appeal.objects.values_list("handling_level", flat=True)) == {"grid"}


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_with_one_idempotency_key_at_once_makes_one_appeal(duty, areas, categories):
    body = json.dumps({"description": "路灯不亮", "channel": "resident_web", "area_code": MICRO_A})
    clients = [api_client_for(duty["resident_a"]) for _ in range(3)]
    responses = run_together(
        *[
            (lambda c=c: c.post("/api/v1/appeals", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same"))
            for c in clients
        ]
    )
    assert [r.status_code for r in responses] == [201, 201, 201], [getattr(r, "content", r) for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert Appeal.objects.count() == 1
