"""SQL statements per appeal move: no move may take more than it did before the workflow moved onto core.fsm.

BUDGET is what each move took with the old 220-line `appeal_transition` (measured on SQLite and PostgreSQL before
the split: the same on both; the counts include the savepoints of the test's transaction). A move may get
cheaper — then lower the budget.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.appeals.actions import appeal_transition
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

# (persona, move, keyword arguments) in an order the table allows, from a submitted appeal without a category.
SCRIPT = [
    ("community_worker_a", "register", {"category": "env-litter"}),
    ("community_worker_a", "dispatch", {}),
    ("microgrid_worker_a", "accept", {}),
    ("community_worker_a", "suspend", {"note": "等待物业"}),
    ("community_worker_a", "resume", {}),
    ("community_worker_a", "extend", {"note": "需协调", "days": 1}),
    ("microgrid_worker_a", "arrive", {}),
    ("microgrid_worker_a", "handle", {"note": "已清理"}),
    ("grid_worker_a", "fail_verification", {"note": "没扫干净"}),
    ("microgrid_worker_a", "handle", {"note": "再清理"}),
    ("grid_worker_a", "verify", {}),
    ("grid_worker_a", "close", {}),
    ("resident_a", "rate", {"rating": "satisfied"}),
    ("community_worker_a", "reopen", {"note": "又堆起来了"}),
    ("microgrid_worker_a", "escalate", {"note": "需网格处理"}),
    ("grid_worker_a", "return", {"note": "不归我管"}),
]

BUDGET = {
    "register": 9,
    "dispatch": 10,
    "accept": 9,
    "suspend": 8,
    "resume": 8,
    "extend": 8,
    "arrive": 8,
    "handle": 10,
    "fail_verification": 11,
    "verify": 8,
    "close": 11,
    "rate": 9,
    "reopen": 10,
    "escalate": 11,
    "return": 9,
    "cancel": 7,
}
REQUEST_BUDGET = 10  # POST /api/v1/appeals/{id}/transitions {"action": "accept"}, token already used once (13 before
# the detail answer skipped reading photos and summons an appeal does not have)


def _counts(submit, duty):
    appeal = submit(category=None)
    counts = {}
    for persona, action, kwargs in SCRIPT:
        with CaptureQueriesContext(connection) as queries:
            appeal_transition(actor=duty[persona], appeal=appeal.pk, action=action, **kwargs)
        counts.setdefault(action, len(queries))
    other = submit(category=None)
    with CaptureQueriesContext(connection) as queries:
        appeal_transition(actor=duty["community_worker_a"], appeal=other.pk, action="cancel", note="重复")
    counts["cancel"] = len(queries)
    return counts


def test_no_move_takes_more_statements_than_before(submit, duty):
    counts = _counts(submit, duty)
    assert set(counts) == set(BUDGET)
    over = {action: (n, BUDGET[action]) for action, n in counts.items() if n > BUDGET[action]}
    assert not over, f"statements (now, budget): {over}"


def test_the_status_change_request_takes_no_more_statements_than_before(submit, duty):
    appeal = submit()
    worker = api_client_for(duty["microgrid_worker_a"])
    url = f"/api/v1/appeals/{appeal.pk}/transitions"
    worker.get("/api/v1/appeals/tasks")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as queries:
        response = worker.post(url, json.dumps({"action": "accept"}), content_type="application/json")
    assert response.status_code == 200
    assert len(queries) <= REQUEST_BUDGET, [q["sql"][:120] for q in queries.captured_queries]


SUMMONS_BUDGET = {"report_in": 7, "progress": 5, "result": 6, "rate": 5}  # the old summons functions, same way


def test_no_summons_move_takes_more_statements_than_before(submit, duty, areas):
    from gongzhi.accounts.actions import membership_grant
    from gongzhi.appeals import summons
    from tests.conftest import STREET
    from tests.factories import DepartmentFactory, UserFactory

    housing = DepartmentFactory(code="housing", name="住建局")
    officer = UserFactory(username="housing_officer")
    membership_grant(actor=None, user=officer, role="department", area=areas[STREET], department=housing)
    appeal = submit(category="structure")
    appeal_transition(actor=duty["street_staff"], appeal=appeal.pk, action="accept")
    (s,) = summons.summons_create(actor=duty["street_staff"], appeal_id=appeal.pk, departments=["housing"], reason="裂")
    calls = [
        ("report_in", officer, lambda a: summons.summons_report_in(actor=a, summons_id=s.pk, note="到了")),
        ("progress", officer, lambda a: summons.summons_progress(actor=a, summons_id=s.pk, note="在查")),
        ("result", officer, lambda a: summons.summons_result(actor=a, summons_id=s.pk, result="已加固")),
        ("rate", duty["street_staff"], lambda a: summons.summons_rate(actor=a, summons_id=s.pk, score=5)),
    ]
    counts = {}
    for name, actor, call in calls:
        with CaptureQueriesContext(connection) as queries:
            call(actor)
        counts[name] = len(queries)
    over = {name: (n, SUMMONS_BUDGET[name]) for name, n in counts.items() if n > SUMMONS_BUDGET[name]}
    assert not over, f"statements (now, budget): {over}"
