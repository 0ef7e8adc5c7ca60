"""Comments on agenda items (moderated by staff, audited), minutes (draft with the decisions, corrections by
attendees, approval, publication on the notice board), notices of results and finished items, follow-ups of an
action item into an appeal or a service demand (the link both ways), and the complaint-rate summary. Each with its
bad input: missing, wrong type, forbidden area, double submit — a clear error naming the field, nothing changed."""

import datetime as dt
import json

import pytest

from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.deliberation.actions import items, meetings, records, votes
from gongzhi.deliberation.actions.topics import topic_link_appeals, topic_raise
from gongzhi.deliberation.models import (
    ActionFollowUp,
    AgendaComment,
    Minutes,
    MinutesCorrection,
)
from gongzhi.deliberation.summary import complaint_summary
from gongzhi.noticeboard.models import Notice
from tests.conftest import COMMUNITY_A, COMMUNITY_B, MICRO_A, STREET, api_client_for
from tests.deliberation.conftest import make_vote

BASE = "/api/v1/deliberation"


def post(client, path, body=None, **headers):
    return client.post(BASE + path, json.dumps(body or {}), content_type="application/json", **headers)


@pytest.fixture
def agenda(district, meeting):
    return meetings.agenda_item_add(actor=district["community_worker_a"], meeting_id=meeting.pk, title="加装电梯")


# ---------------------------------------------------------------------------------------------------------------
# Comments


def test_a_resident_comments_before_the_meeting_and_staff_hide_it_with_a_reason(district, homes, agenda):
    c = records.comment_post(actor=homes["li"], agenda_item_id=agenda.pk, body="  希望低层住户也出一点钱  ")
    assert c.body == "希望低层住户也出一点钱" and c.state == "visible"
    assert AuditEvent.objects.filter(action="deliberation.comment.post", target_id=str(c.pk)).exists()
    worker = district["community_worker_a"]
    with pytest.raises(ValidationFailed) as err:
        records.comment_hide(actor=worker, comment_id=c.pk, reason="  ")
    assert err.value.field == "note"
    with pytest.raises(PermissionDenied):
        records.comment_hide(actor=homes["zhao"], comment_id=c.pk, reason="不喜欢")
    hidden = records.comment_hide(actor=worker, comment_id=c.pk, reason="含有住户门牌和电话")
    assert hidden.state == "hidden" and hidden.hidden_reason == "含有住户门牌和电话"
    event = AuditEvent.objects.get(action="deliberation.comment.hide")
    assert event.actor == worker and event.data["note"] == "含有住户门牌和电话"
    with pytest.raises(ValidationFailed):  # hiding twice: the move is not allowed from hidden
        records.comment_hide(actor=worker, comment_id=c.pk, reason="再次")
    assert AuditEvent.objects.filter(action="deliberation.comment.hide").count() == 1
    # Others no longer see it; its author and staff do.
    assert records.comments_visible(user=homes["zhao"], item=agenda) == []
    assert records.comments_visible(user=homes["li"], item=agenda) == [hidden]
    assert records.comments_visible(user=worker, item=agenda) == [hidden]


def test_comment_bad_input_changes_nothing(district, homes, agenda, meeting):
    for body, field in [("", "body"), (None, "body"), (12, "body"), ("x" * 1001, "body")]:
        with pytest.raises(ValidationFailed) as err:
            records.comment_post(actor=homes["li"], agenda_item_id=agenda.pk, body=body)
        assert err.value.field == field
    with pytest.raises(NotFound):  # community B learns nothing of A's agenda
        records.comment_post(actor=district["resident_b"], agenda_item_id=agenda.pk, body="路过")
    with pytest.raises(NotFound):
        records.comment_post(actor=homes["li"], agenda_item_id=999999, body="x")
    records.comment_post(actor=homes["li"], agenda_item_id=agenda.pk, body="同意")
    with pytest.raises(Conflict) as err:  # a double submit
        records.comment_post(actor=homes["li"], agenda_item_id=agenda.pk, body="同意")
    assert err.value.field == "body"
    meetings.meeting_move(actor=district["community_worker_a"], meeting_id=meeting.pk, action="start")
    with pytest.raises(ValidationFailed) as err:
        records.comment_post(actor=homes["zhao"], agenda_item_id=agenda.pk, body="晚了")
    assert err.value.field == "agenda_item_id"
    assert AgendaComment.objects.count() == 1


def test_comments_over_the_api_with_idempotency(district, homes, agenda):
    li = api_client_for(homes["li"])
    first = post(li, f"/agenda/{agenda.pk}/comments", {"body": "支持"}, HTTP_IDEMPOTENCY_KEY="c-1")
    again = post(li, f"/agenda/{agenda.pk}/comments", {"body": "支持"}, HTTP_IDEMPOTENCY_KEY="c-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert AgendaComment.objects.count() == 1
    r = post(li, f"/agenda/{agenda.pk}/comments", {"body": 5})
    assert r.status_code == 422
    r = post(api_client_for(district["resident_b"]), f"/agenda/{agenda.pk}/comments", {"body": "x"})
    assert r.status_code == 404
    comment_id = first.json()["id"]
    r = post(li, f"/comments/{comment_id}/hide", {"reason": "x"})
    assert r.status_code == 403
    r = post(api_client_for(district["community_worker_a"]), f"/comments/{comment_id}/hide", {"reason": "广告"})
    assert r.status_code == 200 and r.json()["state"] == "hidden"
    assert api_client_for(homes["zhao"]).get(f"{BASE}/agenda/{agenda.pk}/comments").json() == []
    assert len(li.get(f"{BASE}/agenda/{agenda.pk}/comments").json()) == 1


# ---------------------------------------------------------------------------------------------------------------
# Minutes and notices


@pytest.fixture
def held(district, homes, meeting, at):
    worker = district["community_worker_a"]
    vote = make_vote(district, meeting, quorum_percent=50)
    for who in ("wang1", "li", "zhao"):
        votes.ballot_cast(actor=homes[who], vote_id=vote.pk, choice_value="yes")
    votes.vote_move(actor=worker, vote_id=vote.pk, action="close")
    votes.vote_move(actor=worker, vote_id=vote.pk, action="publish")
    meetings.meeting_move(actor=worker, meeting_id=meeting.pk, action="start")
    meetings.meeting_sign_in_list(actor=worker, meeting_id=meeting.pk, user_ids=[homes["li"].pk])
    meetings.meeting_move(actor=worker, meeting_id=meeting.pk, action="end")
    meeting.refresh_from_db()
    return meeting


def test_a_published_vote_goes_on_the_board(district, held):
    vote = held.votes.get()
    notice = Notice.objects.get(pk=vote.notice_id)
    assert notice.area_code == COMMUNITY_A and "加装电梯" in notice.title and "赞成 3" in notice.body


def test_minutes_draft_corrections_approval_and_publication(district, homes, held):
    worker = district["community_worker_a"]
    m = records.minutes_draft(actor=worker, meeting_id=held.pk, body="到会 4 人，讨论加装电梯。")
    assert m.state == "draft" and len(m.decisions) == 1 and "加装电梯" in m.decisions[0] and "通过" in m.decisions[0]
    assert AuditEvent.objects.filter(action="deliberation.minutes.draft").exists()
    # Only attendees correct it; and not twice the same.
    with pytest.raises(PermissionDenied):
        records.correction_propose(actor=homes["zhao"], minutes_id=m.pk, text="人数不对")
    c = records.correction_propose(actor=homes["li"], minutes_id=m.pk, text="到会应为 5 人")
    with pytest.raises(Conflict):
        records.correction_propose(actor=homes["li"], minutes_id=m.pk, text="到会应为 5 人")
    with pytest.raises(ValidationFailed) as err:  # a pending correction blocks approval
        records.minutes_move(actor=worker, minutes_id=m.pk, action="approve")
    assert err.value.field == "corrections"
    with pytest.raises(ValidationFailed) as err:
        records.correction_move(actor=worker, correction_id=c.pk, action="decline")
    assert err.value.field == "note"
    records.correction_move(actor=worker, correction_id=c.pk, action="accept", note="已改")
    records.minutes_move(
        actor=worker,
        minutes_id=m.pk,
        action="revise",
        data={"body": "到会 5 人，讨论加装电梯。", "decisions": m.decisions},
    )
    with pytest.raises(ValidationFailed) as err:
        records.minutes_move(actor=worker, minutes_id=m.pk, action="revise", data={"decisions": "不是列表"})
    assert err.value.field == "decisions"
    with pytest.raises(ValidationFailed):  # publish before approval
        records.minutes_move(actor=worker, minutes_id=m.pk, action="publish")
    assert records.minutes_for(user=homes["zhao"], meeting=held) is None  # a draft is not public
    records.minutes_move(actor=worker, minutes_id=m.pk, action="approve")
    with pytest.raises(ValidationFailed):
        records.correction_propose(actor=homes["li"], minutes_id=m.pk, text="又一条")
    published = records.minutes_move(actor=worker, minutes_id=m.pk, action="publish")
    notice = Notice.objects.get(pk=published.notice_id)
    assert "到会 5 人" in notice.body and "决定事项" in notice.body and notice.area_code == COMMUNITY_A
    assert records.minutes_for(user=homes["zhao"], meeting=held) == published
    assert [e.action for e in AuditEvent.objects.filter(target_type="deliberation.minutes").order_by("id")] == [
        "deliberation.minutes.draft",
        "deliberation.minutes.revise",
        "deliberation.minutes.approve",
        "deliberation.minutes.publish",
    ]


def test_minutes_bad_input(district, homes, meeting, held):
    worker = district["community_worker_a"]
    with pytest.raises(ValidationFailed) as err:
        records.minutes_draft(actor=worker, meeting_id=held.pk, body="")
    assert err.value.field == "body"
    with pytest.raises(ValidationFailed) as err:
        records.minutes_draft(actor=worker, meeting_id=held.pk, body="x", decisions=[1])
    assert err.value.field == "decisions.0"
    with pytest.raises(NotFound):  # another community's staff learn nothing
        records.minutes_draft(actor=district["community_worker_b"], meeting_id=held.pk, body="x")
    with pytest.raises(PermissionDenied):
        records.minutes_draft(actor=homes["li"], meeting_id=held.pk, body="x")
    records.minutes_draft(actor=worker, meeting_id=held.pk, body="x", decisions=[])
    with pytest.raises(Conflict):
        records.minutes_draft(actor=worker, meeting_id=held.pk, body="x")
    assert Minutes.objects.count() == 1 and not MinutesCorrection.objects.exists()


def test_minutes_of_a_meeting_not_held_are_refused(district, meeting):
    with pytest.raises(ValidationFailed) as err:
        records.minutes_draft(actor=district["community_worker_a"], meeting_id=meeting.pk, body="x")
    assert err.value.field == "meeting_id"


def test_minutes_over_the_api(district, homes, held):
    worker = api_client_for(district["community_worker_a"])
    r = post(worker, f"/meetings/{held.pk}/minutes", {"body": "纪要"}, HTTP_IDEMPOTENCY_KEY="m-1")
    again = post(worker, f"/meetings/{held.pk}/minutes", {"body": "纪要"}, HTTP_IDEMPOTENCY_KEY="m-1")
    assert r.status_code == again.status_code == 201 and r.json() == again.json()
    minutes_id = r.json()["id"]
    assert post(worker, f"/meetings/{held.pk}/minutes", {"body": "纪要"}).status_code == 409
    li = api_client_for(homes["li"])
    r = post(li, f"/minutes/{minutes_id}/corrections", {"text": "补充：物业到会"})
    assert r.status_code == 201
    correction_id = r.json()["id"]
    assert post(li, f"/corrections/{correction_id}/transitions", {"action": "accept"}).status_code == 403
    r = post(worker, f"/corrections/{correction_id}/transitions", {"action": "decline", "note": "物业未到会"})
    assert r.status_code == 200 and r.json()["state"] == "declined"
    assert api_client_for(homes["zhao"]).get(f"{BASE}/meetings/{held.pk}/minutes").status_code == 404
    assert post(worker, f"/minutes/{minutes_id}/transitions", {"action": "approve"}).status_code == 200
    r = post(worker, f"/minutes/{minutes_id}/transitions", {"action": "publish"})
    assert r.status_code == 200 and r.json()["notice_id"]
    r = api_client_for(homes["zhao"]).get(f"{BASE}/meetings/{held.pk}/minutes")
    assert r.status_code == 200 and r.json()["corrections"][0]["answer"] == "物业未到会"


def test_minutes_photo_is_kept_without_metadata(district, held):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    worker = district["community_worker_a"]
    m = records.minutes_draft(actor=worker, meeting_id=held.pk, body="纪要")
    with pytest.raises(ValidationFailed) as err:
        records.minutes_photo_set(actor=worker, minutes_id=m.pk, photo=SimpleUploadedFile("a.jpg", b"not an image"))
    assert err.value.field == "photo"
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (40, 30), "red").save(buf, "JPEG", exif=exif)
    m = records.minutes_photo_set(actor=worker, minutes_id=m.pk, photo=SimpleUploadedFile("a.jpg", buf.getvalue()))
    with m.photo.open("rb") as f:
        assert not Image.open(f).getexif()


# ---------------------------------------------------------------------------------------------------------------
# Finished items on the board; follow-ups into appeals and demands


@pytest.fixture
def item(district, at):
    from gongzhi.core import fsm
    from gongzhi.deliberation.lifecycles import TOPIC

    t = topic_raise(actor=district["resident_a"], title="路灯不亮", area_code=MICRO_A)
    fsm.transition(TOPIC, t.pk, "solve_on_spot", actor=district["community_worker_a"], note="当场派单")
    return items.action_create(
        actor=district["community_worker_a"],
        title="修路灯",
        owner_kind="department",
        owner_name="城管",
        deadline=dt.date(2026, 4, 1),
        topic_id=t.pk,
    )


def test_a_finished_item_goes_on_the_board(district, item):
    items.action_progress(actor=district["community_worker_a"], action_id=item.pk, percent=100, note="已更换灯泡")
    item.refresh_from_db()
    notice = Notice.objects.get(pk=item.notice_id)
    assert "修路灯" in notice.title and "已更换灯泡" in notice.body and "城管" in notice.body


def test_an_item_opens_an_appeal_shown_both_ways(district, item, duty, categories):
    worker = district["community_worker_a"]
    link = records.action_follow_up(
        actor=worker, action_id=item.pk, kind="appeal", fields={"description": "3 号楼路灯线路老化，需要更换"}
    )
    appeal = Appeal.objects.get(pk=link.appeal_id)
    assert appeal.channel == "grid_report" and appeal.area_code.startswith(COMMUNITY_A)
    note = AppealEvent.objects.get(appeal=appeal, action="deliberation_action")
    assert note.data["action_id"] == item.pk and "修路灯" in note.note
    assert AuditEvent.objects.filter(action="deliberation.action.follow_up", target_id=str(item.pk)).exists()
    with pytest.raises(Conflict):  # the same follow-up twice
        records.action_follow_up(
            actor=worker, action_id=item.pk, kind="appeal", fields={"description": "3 号楼路灯线路老化，需要更换"}
        )
    assert Appeal.objects.count() == 1


def test_follow_up_bad_input_changes_nothing(district, item, duty, categories):
    worker = district["community_worker_a"]
    for kind, fields, field in [
        ("ticket", {"description": "x"}, "kind"),
        ("appeal", {}, "description"),
        ("appeal", {"description": 5}, "description"),
        ("appeal", {"description": "x", "colour": "red"}, "colour"),
        ("appeal", {"description": "x", "area_code": COMMUNITY_B}, "area_code"),
        ("demand", {"item_id": "一"}, "item_id"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            records.action_follow_up(actor=worker, action_id=item.pk, kind=kind, fields=fields)
        assert err.value.field == field, (kind, fields)
    with pytest.raises(NotFound):
        records.action_follow_up(
            actor=district["community_worker_b"], action_id=item.pk, kind="appeal", fields={"description": "x"}
        )
    with pytest.raises(PermissionDenied):
        records.action_follow_up(
            actor=district["resident_a"], action_id=item.pk, kind="appeal", fields={"description": "x"}
        )
    assert not Appeal.objects.exists() and not ActionFollowUp.objects.exists()


def test_an_item_opens_a_service_demand_through_the_bridge(district, item, household_a):
    from gongzhi.matching.actions.catalogue import catalogue_seed
    from gongzhi.matching.models import Demand, DemandEvent, ServiceItem
    from tests import factories

    catalogue_seed()
    service = ServiceItem.objects.filter(name="上门探访").get()
    resident = factories.ResidentFactory(household=household_a, name="张大爷")
    worker = district["community_worker_a"]
    api = api_client_for(worker)
    body = {"kind": "demand", "fields": {"item_id": service.pk, "title": "帮张大爷换灯泡", "resident_id": resident.pk}}
    r = post(api, f"/actions/{item.pk}/follow-ups", body, HTTP_IDEMPOTENCY_KEY="f-1")
    again = post(api, f"/actions/{item.pk}/follow-ups", body, HTTP_IDEMPOTENCY_KEY="f-1")
    assert r.status_code == again.status_code == 201 and r.json() == again.json(), r.content
    demand = Demand.objects.get()
    assert r.json()["target_id"] == demand.pk and r.json()["url"] == f"/matching/demands/{demand.pk}/"
    event = DemandEvent.objects.get(demand=demand, action="deliberation")
    assert event.data["action_id"] == item.pk
    assert post(api, f"/actions/{item.pk}/follow-ups", body).status_code == 409  # the same again, no key
    shown = api.get(f"{BASE}/actions/{item.pk}").json()["follow_ups"]
    assert shown == [{"kind": "demand", "target_id": demand.pk, "label": "帮张大爷换灯泡", "url": r.json()["url"]}]
    assert Demand.objects.count() == 1


# ---------------------------------------------------------------------------------------------------------------
# The complaint-rate summary


def test_summary_counts_hotline_appeals_resolved_and_reads_the_complaint_rate(district, duty, categories, submit):
    from gongzhi.core import fsm
    from gongzhi.deliberation.lifecycles import TOPIC

    worker = district["community_worker_a"]
    hotline = [
        submit(actor="community_worker_a", channel="hotline_12345", external_ref=f"12345-{i}", contact_name="x")
        for i in range(2)
    ]
    web = submit()
    t = topic_raise(actor=district["resident_a"], title="垃圾堆放", area_code=MICRO_A)
    topic_link_appeals(actor=worker, topic_id=t.pk, appeal_ids=[a.pk for a in [*hotline, web]])
    before = complaint_summary(user=worker, area_code=COMMUNITY_A)
    assert before["appeals_resolved"] == 0  # the topic is not decided yet
    fsm.transition(TOPIC, t.pk, "solve_on_spot", actor=worker, note="物业清运")
    s = complaint_summary(user=worker, area_code=COMMUNITY_A)
    assert s["topics_resolved"] == 1 and s["appeals_resolved"] == 3 and s["hotline_appeals_resolved"] == 2
    assert {r["channel"]: r["count"] for r in s["by_channel"]} == {"hotline_12345": 2, "resident_web": 1}
    assert s["received"] == 3 and s["previous_received"] == 0
    assert s["complaints_change"] is None  # nothing to compare with: never shown as 0
    grid = next(c for c in s["children"] if MICRO_A.startswith(c["code"]))
    assert grid["topics_resolved"] == 1 and grid["appeals_resolved"] == 3
    r = api_client_for(worker).get(f"{BASE}/summary", {"area": COMMUNITY_A})
    assert r.status_code == 200 and r.json()["hotline_appeals_resolved"] == 2


def test_summary_bad_input(district):
    worker = district["community_worker_a"]
    with pytest.raises(PermissionDenied):
        complaint_summary(user=district["resident_a"], area_code=COMMUNITY_A)
    with pytest.raises(PermissionDenied):
        complaint_summary(user=worker, area_code=COMMUNITY_B)
    with pytest.raises(ValidationFailed) as err:
        complaint_summary(user=worker, area_code=None)
    assert err.value.field == "area"
    with pytest.raises(ValidationFailed) as err:
        complaint_summary(user=worker, area_code=COMMUNITY_A, start="2026-03-01", end="2026-02-01")
    assert err.value.field == "to"
    api = api_client_for(district["street_staff"])
    assert api.get(f"{BASE}/summary", {"area": STREET, "from": "x"}).status_code == 422
    assert api.get(f"{BASE}/summary").status_code == 422
    assert api.get(f"{BASE}/summary", {"area": STREET}).status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# Pages


def client_for(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def test_comment_and_hide_on_the_meeting_page(district, homes, meeting, agenda):
    page = client_for(homes["li"])
    url = f"/deliberation/meetings/{meeting.pk}/"
    r = page.post(url, {"op": "comment", "agenda_item_id": agenda.pk, "body": "电梯费用怎么分摊？"}, follow=True)
    assert "意见已发表" in r.content.decode() and "电梯费用怎么分摊？" in r.content.decode()
    r = page.post(url, {"op": "comment", "agenda_item_id": agenda.pk, "body": "电梯费用怎么分摊？"}, follow=True)
    assert "您已经发表过相同的意见" in r.content.decode()
    comment = AgendaComment.objects.get()
    r = page.post(url, {"op": "hide", "comment_id": comment.pk, "reason": "x"}, follow=True)
    assert "您没有权限" in r.content.decode()
    chair = client_for(district["community_worker_a"])
    r = chair.post(url, {"op": "hide", "comment_id": comment.pk, "reason": ""}, follow=True)
    assert "隐藏意见时请说明理由" in r.content.decode()
    chair.post(url, {"op": "hide", "comment_id": comment.pk, "reason": "重复"})
    comment.refresh_from_db()
    assert comment.state == "hidden"
    assert "电梯费用怎么分摊？" not in client_for(homes["zhao"]).get(url).content.decode()


def test_minutes_on_the_meeting_page(district, homes, held):
    chair = client_for(district["community_worker_a"])
    url = f"/deliberation/meetings/{held.pk}/"
    assert "保存纪要草稿" in chair.get(url).content.decode()
    r = chair.post(
        url, {"op": "minutes_draft", "body": "会议讨论电梯", "decisions": "同意加装\n\n物业配合"}, follow=True
    )
    assert "纪要草稿已保存" in r.content.decode()
    m = Minutes.objects.get()
    assert m.decisions == ["同意加装", "物业配合"]
    li = client_for(homes["li"])
    r = li.post(url, {"op": "correction", "minutes_id": m.pk, "text": "补充：业委会到会"}, follow=True)
    assert "更正已提交" in r.content.decode()
    c = MinutesCorrection.objects.get()
    chair.post(url, {"op": "correction_move", "correction_id": c.pk, "action": "accept", "note": ""})
    chair.post(url, {"op": "minutes_move", "minutes_id": m.pk, "action": "approve"})
    chair.post(url, {"op": "minutes_move", "minutes_id": m.pk, "action": "publish"})
    m.refresh_from_db()
    assert m.state == "published" and m.notice_id
    assert "同意加装" in client_for(homes["zhao"]).get(url).content.decode()


def test_follow_up_from_the_action_page(district, item, duty, categories):
    url = f"/deliberation/actions/{item.pk}/"
    r = client_for(district["resident_a"]).post(url, {"op": "follow_up", "kind": "appeal", "description": "x"})
    assert not ActionFollowUp.objects.exists()
    chair = client_for(district["community_worker_a"])
    r = chair.post(url, {"op": "follow_up", "kind": "appeal", "description": ""}, follow=True)
    assert "description 不能为空" in r.content.decode()
    r = chair.post(url, {"op": "follow_up", "kind": "appeal", "description": "路灯线路老化"}, follow=True)
    link = ActionFollowUp.objects.get()
    assert link.url in r.content.decode() and link.label in r.content.decode()


def test_the_complaints_page(district):
    assert "千户投诉率" in client_for(district["community_worker_a"]).get("/deliberation/complaints/").content.decode()
    assert client_for(district["resident_a"]).get("/deliberation/complaints/").status_code == 403
    r = client_for(district["community_worker_a"]).get("/deliberation/complaints/", {"area": COMMUNITY_B})
    assert r.status_code == 403
