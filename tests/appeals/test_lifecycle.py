"""The lifecycle table: the full path, returns, rework, ratings, and refusals that name the allowed moves."""

import pytest

from gongzhi.appeals.actions import appeal_transition
from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.appeals.workflow import TRANSITIONS, allowed_actions
from gongzhi.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def run(district, appeal, persona, action, **kwargs):
    return appeal_transition(actor=district[persona], appeal=appeal.pk, action=action, **kwargs)


def handled(submit, duty):
    appeal = submit()
    run(duty, appeal, "microgrid_worker_a", "accept")
    run(duty, appeal, "microgrid_worker_a", "arrive")
    return run(duty, appeal, "microgrid_worker_a", "handle", note="已清理干净")


def test_the_whole_path_from_report_to_rating_leaves_one_event_per_move(submit, duty):
    appeal = handled(submit, duty)
    run(duty, appeal, "grid_worker_a", "verify")
    run(duty, appeal, "grid_worker_a", "close")
    appeal = run(duty, appeal, "resident_a", "rate", rating="satisfied")
    assert appeal.state == "rated" and appeal.rating == "satisfied" and appeal.closed_on_time is True
    path = list(appeal.events.values_list("action", "from_state", "to_state"))
    assert path == [
        ("submit", "", "reported"),
        ("register", "reported", "registered"),
        ("dispatch", "registered", "dispatched"),
        ("accept", "dispatched", "accepted"),
        ("arrive", "accepted", "on_site"),
        ("handle", "on_site", "handled"),
        ("verify", "handled", "verified"),
        ("close", "verified", "closed"),
        ("rate", "closed", "rated"),
    ]
    assert appeal.events.get(action="handle").actor == duty["microgrid_worker_a"]


def test_the_reporter_may_confirm_the_result_instead_of_the_grid_worker(submit, duty):
    appeal = handled(submit, duty)
    assert run(duty, appeal, "resident_a", "verify").state == "verified"


def test_an_unsatisfied_rating_reopens_the_appeal_and_counts_rework(submit, duty):
    appeal = handled(submit, duty)
    run(duty, appeal, "grid_worker_a", "verify")
    run(duty, appeal, "grid_worker_a", "close")
    appeal = run(duty, appeal, "resident_a", "rate", rating="unsatisfied", note="垃圾又堆起来了")
    assert appeal.state == "accepted" and appeal.rework_count == 1 and appeal.closed_at is None
    assert list(appeal.events.values_list("action", flat=True))[-2:] == ["rate", "reopen"]
    assert appeal.assignee == duty["microgrid_worker_a"]


def test_failed_verification_sends_it_back_for_rework(submit, duty):
    appeal = handled(submit, duty)
    appeal = run(duty, appeal, "grid_worker_a", "fail_verification", note="现场仍有垃圾")
    assert (appeal.state, appeal.rework_count) == ("accepted", 1)


def test_a_return_goes_back_to_the_dispatcher_with_its_reason(submit, duty):
    appeal = submit()
    with pytest.raises(ValidationFailed) as info:
        run(duty, appeal, "microgrid_worker_a", "return")
    assert info.value.field == "note"
    appeal = run(duty, appeal, "microgrid_worker_a", "return", note="不属于本微网格")
    assert (appeal.state, appeal.assignee) == ("registered", None)
    appeal = run(duty, appeal, "community_worker_a", "dispatch", assignee_id=duty["grid_worker_a"].pk)
    assert appeal.assignee == duty["grid_worker_a"]
    assert appeal.events.last().data["routing"] == "manual"


def test_an_appeal_without_a_category_waits_for_registration(submit, duty, categories):
    appeal = submit(category=None)
    assert appeal.state == "reported" and appeal.assignee is None
    appeal = run(duty, appeal, "community_worker_a", "register", category=categories["leak"].code)
    assert (appeal.state, appeal.tier, appeal.handling_level) == ("registered", "major", "grid")
    appeal = run(duty, appeal, "community_worker_a", "dispatch")
    assert appeal.assignee == duty["grid_worker_a"]


def test_cancel_needs_a_reason(submit, duty):
    appeal = submit(category=None)
    appeal = run(duty, appeal, "community_worker_a", "cancel", note="重复上报")
    assert appeal.state == "cancelled"


@pytest.mark.parametrize("action", ["close", "rate", "resume", "verify"])
def test_a_move_the_table_does_not_allow_is_refused_naming_the_allowed_moves(submit, duty, action):
    appeal = submit()
    before = (appeal.state, appeal.version, AppealEvent.objects.filter(appeal=appeal).count())
    actor = "resident_a" if action == "rate" else "street_staff"
    with pytest.raises(ValidationFailed) as info:
        run(duty, appeal, actor, action)
    assert (
        info.value.details["allowed"]
        == allowed_actions(appeal)
        == ["dispatch", "accept", "return", "escalate", "extend"]
    )
    assert "签收（accept）" in str(info.value.message)
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.state, fresh.version, fresh.events.count()) == before


def test_an_unknown_action_lists_every_action(submit, duty):
    with pytest.raises(ValidationFailed) as info:
        run(duty, submit(), "street_staff", "teleport")
    assert all(name in str(info.value.message) for name in TRANSITIONS)


def test_a_rating_by_someone_other_than_the_reporter_is_refused_and_changes_nothing(submit, duty):
    appeal = handled(submit, duty)
    run(duty, appeal, "grid_worker_a", "verify")
    run(duty, appeal, "grid_worker_a", "close")
    for persona in ("resident_b", "grid_worker_a", "street_staff"):
        with pytest.raises((PermissionDenied, Exception)) as info:
            run(duty, appeal, persona, "rate", rating="satisfied")
        assert info.value.status_code in (403, 404)
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.state, fresh.rating) == ("closed", "")


def test_a_rating_must_be_one_of_the_three(submit, duty):
    appeal = handled(submit, duty)
    run(duty, appeal, "grid_worker_a", "verify")
    run(duty, appeal, "grid_worker_a", "close")
    with pytest.raises(ValidationFailed) as info:
        run(duty, appeal, "resident_a", "rate", rating="great")
    assert info.value.field == "rating"
    assert Appeal.objects.get(pk=appeal.pk).state == "closed"


def test_unexpected_parameters_are_refused(submit, duty):
    with pytest.raises(ValidationFailed) as info:
        run(duty, submit(), "microgrid_worker_a", "accept", rating="satisfied")
    assert info.value.field == "rating"


def test_a_stale_version_is_refused(submit, duty):
    from gongzhi.core.errors import Conflict

    appeal = submit()
    with pytest.raises(Conflict):
        run(duty, appeal, "microgrid_worker_a", "accept", expected_version=appeal.version - 1)
    assert run(duty, appeal, "microgrid_worker_a", "accept", expected_version=appeal.version).state == "accepted"


def test_events_are_append_only(submit, duty):
    from gongzhi.core.append_only import AppendOnlyError

    event = submit().events.first()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        AppealEvent.objects.all().delete()
