"""The phone pages: raise and support on 有事您说话, the staff queue, a meeting with its vote, an action's timeline
with its rating, the survey — each a POST through the actions, a refusal shown on the page."""

import datetime as dt

from django.test import Client

from gongzhi.deliberation.actions import evaluation, items
from gongzhi.deliberation.actions.topics import topic_raise
from gongzhi.deliberation.models import ActionRating, Ballot, Topic, TopicSupport
from tests.conftest import COMMUNITY_A, MICRO_A
from tests.deliberation.conftest import make_vote


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_raise_and_support_on_the_page(district):
    page = client_for(district["resident_a"])
    assert "有事您说话" in page.get("/deliberation/").content.decode()
    r = page.post("/deliberation/", {"title": "楼道堆物", "description": "影响通行"}, follow=True)
    assert r.status_code == 200 and Topic.objects.get().area_code == MICRO_A
    other = client_for(district["party_member_a"])
    other.post("/deliberation/", {"op": "support", "topic_id": Topic.objects.get().pk})
    assert TopicSupport.objects.count() == 1
    r = other.post("/deliberation/", {"op": "support", "topic_id": Topic.objects.get().pk}, follow=True)
    assert "您已经支持过这个议题" in r.content.decode()


def test_the_staff_queue_and_its_refusal_for_residents(district):
    topic_raise(actor=district["resident_a"], title="绿化带", area_code=MICRO_A)
    assert "绿化带" in client_for(district["community_worker_a"]).get("/deliberation/queue/").content.decode()
    assert client_for(district["resident_a"]).get("/deliberation/queue/").status_code == 403


def test_vote_from_the_meeting_page(district, meeting, homes):
    vote = make_vote(district, meeting)
    page = client_for(homes["li"])
    html = page.get(f"/deliberation/meetings/{meeting.pk}/").content.decode()
    assert "加装电梯" in html and 'value="yes"' in html
    r = page.post(
        f"/deliberation/meetings/{meeting.pk}/", {"op": "ballot", "vote_id": vote.pk, "choice": "yes"}, follow=True
    )
    assert "回执码" in r.content.decode() and Ballot.objects.count() == 1
    chair = client_for(district["community_worker_a"]).get(f"/deliberation/meetings/{meeting.pk}/").content.decode()
    assert "<svg" in chair and "主持人控制台" in chair
    assert client_for(district["resident_b"]).get(f"/deliberation/meetings/{meeting.pk}/").status_code == 404


def test_action_timeline_and_rating_page(district, at):
    from gongzhi.core import fsm
    from gongzhi.deliberation.lifecycles import TOPIC

    t = topic_raise(actor=district["resident_a"], title="路灯", area_code=MICRO_A)
    fsm.transition(TOPIC, t.pk, "solve_on_spot", actor=district["community_worker_a"], note="当场报修")
    item = items.action_create(
        actor=district["community_worker_a"],
        title="修路灯",
        owner_kind="property",
        owner_name="物业",
        deadline=dt.date(2026, 4, 1),
        topic_id=t.pk,
    )
    staff = client_for(district["community_worker_a"])
    staff.post(f"/deliberation/actions/{item.pk}/", {"op": "progress", "percent": "100", "note": "修好了"})
    page = client_for(district["resident_a"])
    assert "修好了" in page.get(f"/deliberation/actions/{item.pk}/").content.decode()
    page.post(f"/deliberation/actions/{item.pk}/", {"op": "rate", "satisfied": "yes"})
    assert ActionRating.objects.get().satisfied is True


def test_the_survey_page(district):
    worker = district["community_worker_a"]
    s = evaluation.survey_create(
        actor=worker,
        title="季度调查",
        area_code=COMMUNITY_A,
        quarter="2026Q1",
        questions=[
            {"kind": "single", "text": "满意吗", "options": ["满意", "不满意"]},
            {"kind": "scale", "text": "打分"},
        ],
    )
    evaluation.survey_move(actor=worker, survey_id=s.pk, action="open")
    q1, q2 = (str(q.pk) for q in s.questions.all())
    page = client_for(district["resident_a"])
    page.post(f"/deliberation/surveys/{s.pk}/", {q1: "0", q2: "5"})
    assert "感谢" in page.get(f"/deliberation/surveys/{s.pk}/").content.decode()
    html = client_for(worker).get(f"/deliberation/surveys/{s.pk}/").content.decode()
    assert "survey-charts" in html
