"""Who may make which move, persona by persona, on an appeal in micro-grid A (reported by resident_a)."""

import pytest

from gongzhi.appeals.actions import appeal_transition
from gongzhi.appeals.models import Appeal
from gongzhi.core.errors import DomainError

pytestmark = pytest.mark.django_db


def prepare(submit, duty, state):
    appeal = submit(category=None) if state == "registered" else submit()
    if state == "registered":
        appeal_transition(actor=duty["community_worker_a"], appeal=appeal.pk, action="register")
    if state in ("accepted", "handled"):
        appeal_transition(actor=duty["microgrid_worker_a"], appeal=appeal.pk, action="accept")
    if state == "handled":
        appeal_transition(actor=duty["microgrid_worker_a"], appeal=appeal.pk, action="handle", note="已处理")
    return Appeal.objects.get(pk=appeal.pk)


NOTE = {"dispatch": "", "accept": "", "verify": "", "suspend": "等待", "handle": "已处理", "escalate": "上报"}

# (state the appeal is in, action, persona, expected: "ok" or the HTTP status of the refusal)
TABLE = [
    ("registered", "dispatch", "community_worker_a", "ok"),
    ("registered", "dispatch", "grid_worker_a", "ok"),
    ("registered", "dispatch", "street_staff", "ok"),
    ("registered", "dispatch", "admin", "ok"),
    ("registered", "dispatch", "superuser", "ok"),
    ("registered", "dispatch", "microgrid_worker_a", 403),
    ("registered", "dispatch", "department", 403),
    ("registered", "dispatch", "resident_a", 403),
    ("registered", "dispatch", "community_worker_b", 404),
    ("registered", "dispatch", "grid_worker_a2", 404),
    ("registered", "dispatch", "other_street_staff", 404),
    ("registered", "dispatch", "resident_b", 404),
    ("registered", "dispatch", "nobody", 404),
    # Dispatched to microgrid_worker_a: the assignee accepts; a dispatcher of the area may take it over.
    ("dispatched", "accept", "microgrid_worker_a", "ok"),
    ("dispatched", "accept", "grid_worker_a", "ok"),
    ("dispatched", "accept", "department", 403),
    ("dispatched", "accept", "resident_a", 403),
    ("dispatched", "accept", "grid_worker_b", 404),
    ("dispatched", "accept", "party_member_a", 404),
    ("accepted", "handle", "microgrid_worker_a", "ok"),
    ("accepted", "handle", "volunteer_a", 404),
    ("accepted", "escalate", "microgrid_worker_a", "ok"),
    ("accepted", "suspend", "community_worker_a", "ok"),
    ("accepted", "suspend", "microgrid_worker_a", 403),
    ("accepted", "suspend", "resident_a", 403),
    ("handled", "verify", "grid_worker_a", "ok"),
    ("handled", "verify", "superuser", "ok"),
    ("handled", "verify", "resident_a", "ok"),
    ("handled", "verify", "microgrid_worker_a", 403),
    ("handled", "verify", "department", 403),
    ("handled", "verify", "resident_b", 404),
    ("handled", "verify", "partner", 404),
]


@pytest.mark.parametrize(("state", "action", "persona", "expected"), TABLE)
def test_permission_table(submit, duty, state, action, persona, expected):
    appeal = prepare(submit, duty, state)
    try:
        appeal_transition(actor=duty[persona], appeal=appeal.pk, action=action, note=NOTE[action])
        outcome = "ok"
    except DomainError as exc:
        outcome = exc.status_code
    assert outcome == expected
    if expected != "ok":
        fresh = Appeal.objects.get(pk=appeal.pk)
        assert (fresh.state, fresh.version) == (appeal.state, appeal.version)
