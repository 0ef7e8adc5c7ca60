"""做 and 评: action items need an owner and a deadline, sub-items roll up, supporters hear of progress, overdue
flags and reminders, residents of the area rate finished items and an unsatisfied majority reopens them; the
quarterly survey and the weekly topic."""

import datetime as dt

import pytest

from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.deliberation import selectors
from gongzhi.deliberation.actions import evaluation, items
from gongzhi.deliberation.actions.topics import topic_raise, topic_support
from gongzhi.deliberation.models import ActionItem, CommunitySettings, SurveyResponse
from gongzhi.notifications.models import OutboxMessage
from tests.conftest import COMMUNITY_A, MICRO_A, STREET


@pytest.fixture
def topic(district, at):
    t = topic_raise(actor=district["resident_a"], title="垃圾分类亭", area_code=MICRO_A)
    topic_support(actor=district["party_member_a"], topic_id=t.pk)
    from gongzhi.core import fsm
    from gongzhi.deliberation.lifecycles import TOPIC

    fsm.transition(TOPIC, t.pk, "solve_on_spot", actor=district["community_worker_a"], note="物业当场答应")
    return t


def make_item(district, topic, **kw):
    params = {
        "title": "建分类亭",
        "owner_kind": "property",
        "owner_name": "瑞城物业",
        "deadline": dt.date(2026, 4, 1),
        "topic_id": topic.pk,
        **kw,
    }
    return items.action_create(actor=district["community_worker_a"], **params)


def test_an_action_needs_an_owner_and_a_deadline(district, topic):
    for change, field in [
        ({"owner_name": ""}, "owner_name"),
        ({"deadline": None}, "deadline"),
        ({"deadline": "2026-04-01"}, "deadline"),
        ({"deadline": dt.date(2026, 1, 1)}, "deadline"),
        ({"owner_kind": "anyone"}, "owner_kind"),
        ({"topic_id": None}, "vote_id"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            make_item(district, topic, **change)
        assert err.value.field == field
    assert not ActionItem.objects.exists()


def test_progress_rolls_up_and_supporters_hear_of_it(district, topic, at):
    parent = make_item(district, topic)
    a = make_item(district, topic, parent_id=parent.pk, title="选址")
    b = make_item(district, topic, parent_id=parent.pk, title="采购")
    owner = district["grid_worker_a"]
    items.action_progress(actor=owner, action_id=a.pk, percent=100, note="已选址")
    parent.refresh_from_db()
    assert (parent.progress, parent.state) == (50, "in_progress")
    assert OutboxMessage.objects.filter(kind="deliberation.progress", user=district["party_member_a"]).exists()
    with pytest.raises(ValidationFailed) as err:
        items.action_progress(actor=owner, action_id=parent.pk, percent=80)
    assert err.value.field == "percent"
    items.action_progress(actor=owner, action_id=b.pk, percent=100)
    parent.refresh_from_db()
    assert (parent.progress, parent.state) == (100, "done")
    assert [u.percent for u in a.updates.all()] == [100]


def test_progress_bad_input_and_permission(district, topic):
    item = make_item(district, topic)
    with pytest.raises(ValidationFailed) as err:
        items.action_progress(actor=district["community_worker_a"], action_id=item.pk, percent=101)
    assert err.value.field == "percent"
    with pytest.raises(PermissionDenied):
        items.action_progress(actor=district["resident_a"], action_id=item.pk, percent=10)
    item.refresh_from_db()
    assert item.progress == 0


def test_overdue_flags_and_reminders(district, topic, at):
    item = make_item(district, topic, owner_user_id=district["grid_worker_a"].pk, deadline=dt.date(2026, 3, 17))
    assert items.reminders_sweep() == {"due_soon": 1, "overdue": 0}
    assert items.reminders_sweep() == {"due_soon": 0, "overdue": 0}
    at.shift(dt.timedelta(days=3))
    assert selectors.is_overdue(ActionItem.objects.get(pk=item.pk))
    assert [i.pk for i in selectors.actions_for(district["community_worker_a"], overdue=True)] == [item.pk]
    assert items.reminders_sweep() == {"due_soon": 0, "overdue": 1}
    assert OutboxMessage.objects.filter(kind="deliberation.overdue", user=district["grid_worker_a"]).exists()


def test_residents_of_the_area_rate_and_an_unsatisfied_majority_reopens(district, topic, areas):
    CommunitySettings.objects.create(area=areas[COMMUNITY_A], area_code=COMMUNITY_A, reopen_min_ratings=3)
    item = make_item(district, topic)
    with pytest.raises(ValidationFailed):
        items.action_rate(actor=district["resident_a"], action_id=item.pk, satisfied=True)  # not done yet
    items.action_progress(actor=district["community_worker_a"], action_id=item.pk, percent=100)
    with pytest.raises(NotFound):
        items.action_rate(actor=district["resident_b"], action_id=item.pk, satisfied=False)
    with pytest.raises(ValidationFailed) as err:
        items.action_rate(actor=district["resident_a"], action_id=item.pk, satisfied="no")
    assert err.value.field == "satisfied"
    items.action_rate(actor=district["resident_a"], action_id=item.pk, satisfied=False)
    with pytest.raises(Conflict):
        items.action_rate(actor=district["resident_a"], action_id=item.pk, satisfied=True)
    items.action_rate(actor=district["party_member_a"], action_id=item.pk, satisfied=True)
    items.action_rate(actor=district["volunteer_a"], action_id=item.pk, satisfied=False)
    item.refresh_from_db()
    assert item.state == "reopened"
    # A reopened item finished again is rated afresh.
    items.action_progress(actor=district["community_worker_a"], action_id=item.pk, percent=100)
    items.action_rate(actor=district["resident_a"], action_id=item.pk, satisfied=True)


def test_the_quarterly_survey_is_anonymous_and_answered_once(district, at):
    worker = district["community_worker_a"]
    survey = evaluation.survey_create(
        actor=worker,
        title="2026年第一季度满意度调查",
        area_code=COMMUNITY_A,
        quarter="2026Q1",
        questions=[
            {"kind": "single", "text": "总体满意吗", "options": ["满意", "基本满意", "不满意"]},
            {"kind": "multiple", "text": "最关心", "options": ["停车", "绿化", "安全"]},
            {"kind": "scale", "text": "物业服务打分"},
            {"kind": "text", "text": "建议"},
        ],
    )
    q = {x.position: str(x.pk) for x in survey.questions.all()}
    with pytest.raises(ValidationFailed):
        evaluation.survey_answer(actor=district["resident_a"], survey_id=survey.pk, answers={})  # not open
    evaluation.survey_move(actor=worker, survey_id=survey.pk, action="open")
    answers = {q[1]: 0, q[2]: [0, 2], q[3]: 4, q[4]: "多装路灯"}
    with pytest.raises(ValidationFailed) as err:
        evaluation.survey_answer(actor=district["resident_a"], survey_id=survey.pk, answers={**answers, q[3]: 9})
    assert err.value.field == f"answers.{q[3]}"
    evaluation.survey_answer(actor=district["resident_a"], survey_id=survey.pk, answers=answers)
    with pytest.raises(Conflict):
        evaluation.survey_answer(actor=district["resident_a"], survey_id=survey.pk, answers=answers)
    with pytest.raises(NotFound):
        evaluation.survey_answer(actor=district["resident_b"], survey_id=survey.pk, answers=answers)
    assert SurveyResponse.objects.get().user is None
    results = evaluation.survey_results(actor=worker, survey_id=survey.pk)
    assert results["responses"] == 1
    assert results["questions"][0]["counts"] == [1, 0, 0]
    assert results["questions"][1]["counts"] == [1, 0, 1]
    assert results["questions"][2]["mean"] == 4
    with pytest.raises(PermissionDenied):
        evaluation.survey_results(actor=district["resident_a"], survey_id=survey.pk)  # until it closes


def test_the_weekly_topic_by_supports_with_a_running_count(district, at):
    staff = district["street_staff"]
    quiet = topic_raise(actor=district["resident_a"], title="小事", area_code=MICRO_A)
    loud = topic_raise(actor=district["resident_a"], title="大事", area_code=MICRO_A)
    topic_support(actor=district["party_member_a"], topic_id=loud.pk)
    with pytest.raises(ValidationFailed) as err:
        evaluation.weekly_choose(actor=staff, street_code=STREET, assignees=[])
    assert err.value.field == "assignees"
    weekly = evaluation.weekly_choose(actor=staff, street_code=STREET, assignees=["城管中队", "瑞城物业", "业委会"])
    assert weekly.topic_id == loud.pk and weekly.chosen_by_supports and weekly.week_start == dt.date(2026, 3, 16)
    with pytest.raises(Conflict):
        evaluation.weekly_choose(actor=staff, street_code=STREET, topic_id=quiet.pk, assignees=["城管中队"])
    with pytest.raises(PermissionDenied):
        evaluation.weekly_choose(actor=district["other_street_staff"], street_code=STREET, assignees=["x"])
    evaluation.weekly_resolve(actor=staff, weekly_id=weekly.pk, note="已清理")
    assert evaluation.weekly_solved_count(STREET) == 1
