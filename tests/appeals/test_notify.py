"""Who hears what about an appeal: each move queues outbox rows for the right people, in the move's transaction."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from gongzhi.accounts.actions import membership_grant
from gongzhi.appeals import notify as appeal_notify
from gongzhi.appeals.actions import appeal_transition, sweep_deadlines
from gongzhi.appeals.summons import summons_create, summons_report_in
from gongzhi.core.errors import ValidationFailed
from gongzhi.notifications.models import InboxMessage, OutboxMessage, OutboxStatus
from tests.appeals.conftest import T0
from tests.conftest import STREET
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def inbox_only(settings):
    settings.APPEALS_NOTIFICATION_CHANNELS = ["inbox"]


def run(district, appeal, persona, action, **kwargs):
    return appeal_transition(actor=district[persona], appeal=appeal.pk, action=action, **kwargs)


def told(kind):
    """Usernames told `kind` (sorted, one entry per outbox row)."""
    rows = OutboxMessage.objects.filter(kind=f"appeal.{kind}").select_related("user").order_by("user__username")
    return [m.user.username for m in rows]


def handled(submit, duty):
    appeal = submit()
    run(duty, appeal, "microgrid_worker_a", "accept")
    return run(duty, appeal, "microgrid_worker_a", "handle", note="已清理干净")


def test_intake_tells_the_assignee_with_a_link_to_the_appeal(submit, duty, settings):
    settings.APPEALS_NOTIFICATION_CHANNELS = ["inbox", "email"]
    appeal = submit()
    rows = OutboxMessage.objects.filter(kind="appeal.dispatched")
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "inbox"]
    message = rows.first()
    assert message.user == duty["microgrid_worker_a"]
    assert message.link == f"/appeals/{appeal.pk}/"
    assert appeal.number in message.title and "垃圾堆放" in message.body
    assert message.data == {"appeal_id": appeal.pk, "number": appeal.number}
    assert message.status == OutboxStatus.PENDING  # delivered by the worker after commit


def test_intake_routing_notification_is_one_insert_within_the_budget(submit, duty):
    submit()  # warm caches (memberships, categories)
    with CaptureQueriesContext(connection) as ctx:
        submit()
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    outbox_inserts = [s for s in statements if s.startswith('INSERT INTO "notifications_outboxmessage"')]
    assert len(outbox_inserts) == 1
    assert len(statements) <= 10, statements


def test_intake_to_the_street_board_tells_the_streets_dispatchers(submit, duty):
    appeal = submit(category="structure")  # a street-level category: nobody in particular
    assert appeal.assignee is None
    assert told("dispatched_board") == ["street_staff"]
    assert told("dispatched") == []


def test_a_manual_dispatch_tells_the_chosen_worker_not_the_dispatcher(submit, duty):
    appeal = submit()
    run(duty, appeal, "microgrid_worker_a", "return", note="不属于本微网格")
    OutboxMessage.objects.all().delete()
    run(duty, appeal, "community_worker_a", "dispatch", assignee_id=duty["grid_worker_a"].pk)
    assert told("dispatched") == ["grid_worker_a"]


def test_a_return_tells_the_areas_nearest_dispatchers(submit, duty):
    appeal = submit()
    run(duty, appeal, "microgrid_worker_a", "return", note="不属于本微网格")
    # The micro-grid has no dispatcher; the grid's worker is the nearest one up the tree.
    assert told("returned") == ["grid_worker_a"]
    assert "不属于本微网格" in OutboxMessage.objects.get(kind="appeal.returned").body


def test_handled_asks_the_reporter_to_verify_and_closed_asks_for_a_rating(submit, duty):
    appeal = handled(submit, duty)
    assert told("handled") == ["resident_a"]
    run(duty, appeal, "grid_worker_a", "verify")
    run(duty, appeal, "grid_worker_a", "close")
    assert told("closed") == ["resident_a"]


def test_an_unsatisfied_rating_tells_the_dispatchers_and_the_reopen_tells_the_assignee(submit, duty):
    appeal = handled(submit, duty)
    run(duty, appeal, "grid_worker_a", "verify")
    run(duty, appeal, "grid_worker_a", "close")
    run(duty, appeal, "resident_a", "rate", rating="unsatisfied")
    assert told("unsatisfied") == ["grid_worker_a"]
    assert told("rework") == ["microgrid_worker_a"]


def test_a_satisfied_rating_tells_nobody(submit, duty):
    appeal = handled(submit, duty)
    run(duty, appeal, "grid_worker_a", "verify")
    run(duty, appeal, "grid_worker_a", "close")
    before = OutboxMessage.objects.count()
    run(duty, appeal, "resident_a", "rate", rating="satisfied")
    assert OutboxMessage.objects.count() == before


def test_a_manual_escalation_tells_the_grids_owner(submit, duty):
    appeal = submit()
    run(duty, appeal, "microgrid_worker_a", "escalate", note="需要网格协调")
    assert told("escalated") == ["grid_worker_a"]


@pytest.fixture
def officers(duty, areas):
    people = {}
    for code, name in (("housing", "住建局"), ("police", "派出所")):
        dept = DepartmentFactory(code=code, name=name)
        for i in (1, 2):
            user = UserFactory(username=f"{code}_{i}")
            membership_grant(actor=None, user=user, role="department", area=areas[STREET], department=dept)
            people[f"{code}_{i}"] = user
    return people


def test_a_summons_tells_each_departments_users_and_a_late_report_in_tells_the_summoner(submit, duty, officers):
    with time_machine.travel(T0, tick=False) as traveller:
        appeal = submit(category="structure")
        run(duty, appeal, "street_staff", "accept")
        housing, police = summons_create(
            actor=duty["street_staff"], appeal_id=appeal.pk, departments=["housing", "police"], reason="楼体开裂"
        )
        assert told("summoned") == ["housing_1", "housing_2", "police_1", "police_2"]
        assert "住建局" in OutboxMessage.objects.filter(kind="appeal.summoned", user=officers["housing_1"]).get().body
        traveller.shift(dt.timedelta(minutes=20))
        summons_report_in(actor=officers["housing_1"], summons_id=housing.pk)
        assert told("late_report_in") == []
        traveller.shift(dt.timedelta(minutes=15))
        summons_report_in(actor=officers["police_2"], summons_id=police.pk)
    assert told("late_report_in") == ["street_staff"]
    assert "派出所" in OutboxMessage.objects.get(kind="appeal.late_report_in").body


def test_a_rolled_back_move_queues_nothing_and_enqueues_nothing(submit, duty, django_capture_on_commit_callbacks):
    appeal = submit()
    OutboxMessage.objects.all().delete()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        run(duty, appeal, "microgrid_worker_a", "return", note="不属于本微网格")
        assert told("returned") == ["grid_worker_a"]
        raise RuntimeError("the request failed after the move")
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    appeal.refresh_from_db()
    assert appeal.state == "dispatched"


def test_a_refused_move_queues_nothing(submit, duty):
    appeal = submit()
    OutboxMessage.objects.all().delete()
    with pytest.raises(ValidationFailed):
        run(duty, appeal, "microgrid_worker_a", "handle")  # no note
    assert OutboxMessage.objects.count() == 0


def overdue_appeals(submit, duty, n):
    with time_machine.travel(T0, tick=False):
        appeals = [submit() for _ in range(n)]
        for appeal in appeals:
            run(duty, appeal, "microgrid_worker_a", "accept")
    return appeals


def sweep_statements(at):
    with CaptureQueriesContext(connection) as ctx:
        result = sweep_deadlines(at=at)
    return result, len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]])


def test_the_sweeps_batch_escalation_queues_one_note_per_appeal_in_constant_statements(submit, duty):
    first = T0 + dt.timedelta(days=1, seconds=1)
    few = overdue_appeals(submit, duty, 3)
    OutboxMessage.objects.all().delete()
    result, few_statements = sweep_statements(first)
    assert sorted(result.escalated) == sorted(a.pk for a in few)
    assert told("escalated") == ["grid_worker_a"] * 3

    many = overdue_appeals(submit, duty, 40)
    OutboxMessage.objects.all().delete()
    result, many_statements = sweep_statements(first)
    assert sorted(result.escalated) == sorted(a.pk for a in many)
    rows = OutboxMessage.objects.filter(kind="appeal.escalated")
    assert rows.count() == 40
    assert sorted(rows.values_list("data__appeal_id", flat=True)) == sorted(a.pk for a in many)
    assert many_statements == few_statements  # the notifications cost no statement per appeal

    # From the grid to the street: nobody in particular, so the street's dispatchers hear of each appeal.
    OutboxMessage.objects.all().delete()
    result, _ = sweep_statements(first + dt.timedelta(days=3, seconds=1))
    assert len(result.escalated) == 43
    assert told("escalated") == ["street_staff"] * 43


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def test_notifications_left_pending_by_a_stopped_worker_are_delivered_by_the_next_run(
    submit, duty, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = submit()  # committed; the enqueued task goes nowhere (no worker running)
    assert OutboxMessage.objects.get(kind="appeal.dispatched").status == OutboxStatus.PENDING
    assert not InboxMessage.objects.exists()
    out = io.StringIO()
    call_command("deliver_notifications", "--once", stdout=out)  # the restarted worker's first pass
    inbox = InboxMessage.objects.get()
    assert inbox.user == duty["microgrid_worker_a"] and inbox.link == f"/appeals/{appeal.pk}/"
    assert OutboxMessage.objects.get(kind="appeal.dispatched").status == OutboxStatus.DELIVERED
    call_command("deliver_notifications", "--once", stdout=out)
    assert InboxMessage.objects.count() == 1


def test_the_recipients_language_is_used_when_the_user_has_one(submit, duty):
    appeal = submit()
    english, plain = appeal_notify._UserRef(1, "en"), appeal_notify._UserRef(2)
    assert appeal_notify._language(english) == "en"
    assert appeal_notify._language(plain) == "zh-hans"
    assert appeal_notify._language(appeal_notify._UserRef(3, "xx")) == "zh-hans"
    message = appeal_notify.Message("dispatched", appeal, category="垃圾堆放")
    assert message.note_for(plain, appeal_notify.Texts()).title == f"新的派单：{appeal.number}"


def test_the_channels_follow_the_setting(submit, duty, settings):
    settings.APPEALS_NOTIFICATION_CHANNELS = ["inbox", "sms"]
    submit()
    assert sorted(OutboxMessage.objects.values_list("channel", flat=True)) == ["inbox", "sms"]


def test_an_english_reader_gets_the_english_text(submit, duty):
    appeal = submit()
    message = appeal_notify.Message("escalated", appeal, category="垃圾堆放", level=appeal_notify.LEVEL_LABELS["grid"])
    texts = appeal_notify.Texts()
    english = message.note_for(appeal_notify._UserRef(1, "en"), texts)
    chinese = message.note_for(appeal_notify._UserRef(2), texts)
    assert english.title == f"Appeal escalated to Grid: {appeal.number}"
    assert chinese.title == f"诉求上报至网格：{appeal.number}"
