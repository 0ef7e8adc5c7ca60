"""/appeals/<id>/: who sees what, the move forms each viewer gets, errors of moves, photos and the timeline."""

import pytest
import time_machine

from gongzhi.appeals.actions import appeal_photo_add, appeal_transition
from gongzhi.appeals.models import AppealEvent, AppealPhoto
from tests.appeals.conftest import T0
from tests.appeals.pages_helpers import client_for, image_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def at_t0():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def moves_of(body: str) -> set[str]:
    import re

    section = body.split('id="moves"')[1].split("</section>")[0] if 'id="moves"' in body else ""
    return set(re.findall(r'name="action" value="(\w+)"', section))


def move(client, appeal, action, **data):
    return client.post(f"/appeals/{appeal.pk}/move/", {"action": action, **data})


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("resident_a", 200),  # the reporter
        ("microgrid_worker_a", 200),
        ("grid_worker_a", 200),
        ("street_staff", 200),
        ("department", 200),
        ("resident_b", 404),
        ("grid_worker_b", 404),
        ("other_street_staff", 404),
        ("volunteer_a", 404),
    ],
)
def test_who_may_see_an_appeal(submit, duty, persona, status):
    appeal = submit()
    r = client_for(duty[persona]).get(f"/appeals/{appeal.pk}/")
    assert r.status_code == status
    if status == 200:
        assert appeal.description in r.content.decode()
    # a move by someone who may not see the appeal is a 404 too, and changes nothing
    if status == 404:
        assert move(client_for(duty[persona]), appeal, "accept").status_code == 404
        appeal.refresh_from_db()
        assert appeal.state == "dispatched"


def test_unknown_appeal_is_404(duty):
    assert client_for(duty["street_staff"]).get("/appeals/999999/").status_code == 404


def test_forms_only_for_the_moves_the_viewer_may_make_now(submit, duty):
    appeal = submit()
    assert moves_of(client_for(duty["resident_a"]).get(f"/appeals/{appeal.pk}/").content.decode()) == set()
    worker = moves_of(client_for(duty["microgrid_worker_a"]).get(f"/appeals/{appeal.pk}/").content.decode())
    assert worker == {"accept", "return", "escalate"}
    other_worker = moves_of(client_for(duty["grid_worker_a2"]).get(f"/appeals/{appeal.pk}/").content.decode())
    assert other_worker == set()
    staff = moves_of(client_for(duty["street_staff"]).get(f"/appeals/{appeal.pk}/").content.decode())
    assert {"accept", "dispatch", "extend", "escalate", "return"} <= staff
    assert moves_of(client_for(duty["department"]).get(f"/appeals/{appeal.pk}/").content.decode()) == set()


def test_the_reporter_may_withdraw_an_appeal_nobody_took_yet(submit, duty):
    appeal = submit(category=None)
    c = client_for(duty["resident_a"])
    assert moves_of(c.get(f"/appeals/{appeal.pk}/").content.decode()) == {"cancel"}
    r = move(c, appeal, "cancel", note="已自行解决")
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == "cancelled"


def test_forbidden_move_is_refused_with_a_clear_message(submit, duty):
    appeal = submit()
    c = client_for(duty["resident_a"])
    r = move(c, appeal, "accept")
    assert r.status_code == 403
    assert "该诉求已派给其他承办人" in r.content.decode() and 'id="move-error"' in r.content.decode()
    r = move(c, appeal, "escalate", note="太慢了")
    assert r.status_code == 403 and "您没有权限对该诉求执行「上报上级」" in r.content.decode()
    appeal.refresh_from_db()
    assert appeal.state == "dispatched"


def test_a_move_not_in_the_table_names_the_allowed_ones(submit, duty):
    appeal = submit()
    r = move(client_for(duty["microgrid_worker_a"]), appeal, "close")
    assert r.status_code == 422
    assert "不能执行「结案」" in r.content.decode() and "签收（accept）" in r.content.decode()


def test_a_note_is_required_where_the_table_says_so(submit, duty):
    appeal = submit()
    c = client_for(duty["microgrid_worker_a"])
    move(c, appeal, "accept")
    r = move(c, appeal, "handle", note="  ")
    assert r.status_code == 422 and "请填写「处置反馈」的理由或说明" in r.content.decode()
    appeal.refresh_from_db()
    assert appeal.state == "accepted"


def test_a_stale_form_is_a_conflict(submit, duty):
    appeal = submit()
    c = client_for(duty["microgrid_worker_a"])
    stale = appeal.version
    assert move(c, appeal, "accept", version=stale).status_code == 302
    r = move(c, appeal, "arrive", version=stale)
    assert r.status_code == 409 and "请刷新后重试" in r.content.decode()


def test_arrive_records_the_phone_location_and_handle_carries_evidence(submit, duty):
    appeal = submit()
    c = client_for(duty["microgrid_worker_a"])
    move(c, appeal, "accept")
    assert move(c, appeal, "arrive", lat="36.01", lng="120.02", accuracy="15").status_code == 302
    arrive = AppealEvent.objects.get(appeal=appeal, action="arrive")
    assert arrive.data["location"] == {"lat": 36.01, "lng": 120.02, "accuracy": 15.0}
    r = move(c, appeal, "handle", note="已清理干净", photos=[image_file("after.jpg")])
    assert r.status_code == 302
    handle = AppealEvent.objects.get(appeal=appeal, action="handle")
    assert AppealPhoto.objects.get(event=handle).kind == "evidence"
    body = c.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "到场定位：36.01, 120.02" in body and "已清理干净" in body


def test_arrive_without_a_location_still_works_and_a_bad_one_is_refused(submit, duty):
    appeal = submit()
    c = client_for(duty["microgrid_worker_a"])
    move(c, appeal, "accept")
    r = move(c, appeal, "arrive", lat="95", lng="120")
    assert r.status_code == 422 and "超出范围" in r.content.decode()
    assert move(c, appeal, "arrive", lat="", lng="").status_code == 302
    assert "location" not in AppealEvent.objects.get(appeal=appeal, action="arrive").data


def test_handle_with_a_bad_photo_changes_nothing(submit, duty):
    from django.core.files.uploadedfile import SimpleUploadedFile

    appeal = submit()
    c = client_for(duty["microgrid_worker_a"])
    move(c, appeal, "accept")
    r = move(c, appeal, "handle", note="好了", photos=[SimpleUploadedFile("x.jpg", b"nope", "image/jpeg")])
    assert r.status_code == 422 and "不是有效的图片" in r.content.decode()
    appeal.refresh_from_db()
    assert appeal.state == "accepted" and not AppealPhoto.objects.exists()


def _handled(submit, duty):
    appeal = submit()
    w = client_for(duty["microgrid_worker_a"])
    move(w, appeal, "accept")
    move(w, appeal, "handle", note="已清理")
    return appeal


def test_rating_only_by_the_reporter(submit, duty):
    appeal = _handled(submit, duty)
    reporter = client_for(duty["resident_a"])
    assert moves_of(reporter.get(f"/appeals/{appeal.pk}/").content.decode()) == {"verify", "fail_verification"}
    move(reporter, appeal, "verify")
    staff = client_for(duty["grid_worker_a"])
    assert move(staff, appeal, "close").status_code == 302
    assert "rate" not in moves_of(staff.get(f"/appeals/{appeal.pk}/").content.decode())
    r = move(staff, appeal, "rate", rating="satisfied")
    assert r.status_code == 403 and "只有诉求人本人可以评价" in r.content.decode()
    body = reporter.get(f"/appeals/{appeal.pk}/").content.decode()
    assert moves_of(body) == {"rate"} and "基本满意" in body
    r = move(reporter, appeal, "rate", rating="great")
    assert r.status_code == 422 and "评价只能是" in r.content.decode()
    assert move(reporter, appeal, "rate", rating="satisfied").status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == "rated" and appeal.rating == "satisfied"
    assert "<strong>满意</strong>" in reporter.get(f"/appeals/{appeal.pk}/").content.decode()


def test_unsatisfied_rating_reopens_and_the_timeline_says_so(submit, duty):
    appeal = _handled(submit, duty)
    reporter = client_for(duty["resident_a"])
    move(reporter, appeal, "verify")
    move(client_for(duty["grid_worker_a"]), appeal, "close")
    move(reporter, appeal, "rate", rating="unsatisfied")
    appeal.refresh_from_db()
    assert appeal.state == "accepted" and appeal.rework_count == 1
    body = reporter.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "诉求人评价不满意，自动返工" in body and "系统" in body


def test_fail_verification_needs_a_reason(submit, duty):
    appeal = _handled(submit, duty)
    reporter = client_for(duty["resident_a"])
    assert move(reporter, appeal, "fail_verification").status_code == 422
    assert move(reporter, appeal, "fail_verification", note="垃圾还在").status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == "accepted"


def test_suspend_resume_extend_and_reopen_by_a_dispatcher(submit, duty):
    appeal = submit()
    staff = client_for(duty["grid_worker_a"])
    move(staff, appeal, "accept")
    assert move(staff, appeal, "suspend", note="等待物业").status_code == 302
    body = staff.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "resume" in moves_of(body) and "data-paused" in body
    assert move(staff, appeal, "resume").status_code == 302
    assert move(staff, appeal, "extend", days="abc", note="x").status_code == 422
    assert move(staff, appeal, "extend", days="2", note="材料未到").status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == "accepted" and appeal.due_at == T0.replace(day=19)


def test_photos_public_copy_for_the_reporter_originals_only_for_staff(submit, duty):
    appeal = submit()
    photo = appeal_photo_add(actor=duty["resident_a"], appeal=appeal, upload=image_file())
    reporter = client_for(duty["resident_a"])
    body = reporter.get(f"/appeals/{appeal.pk}/").content.decode()
    assert f"/appeals/photos/{photo.pk}/" in body and f"/appeals/photos/{photo.pk}/original/" not in body
    r = reporter.get(f"/appeals/photos/{photo.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert reporter.get(f"/appeals/photos/{photo.pk}/original/").status_code == 404
    staff = client_for(duty["grid_worker_a"])
    assert f"/appeals/photos/{photo.pk}/original/" in staff.get(f"/appeals/{appeal.pk}/").content.decode()
    assert staff.get(f"/appeals/photos/{photo.pk}/original/").status_code == 200
    assert client_for(duty["resident_b"]).get(f"/appeals/photos/{photo.pk}/").status_code == 404


def test_the_timeline_shows_who_when_from_to_and_note(submit, duty):
    appeal = submit()
    appeal_transition(actor=duty["microgrid_worker_a"], appeal=appeal, action="return", note="不属于我的网格")
    body = client_for(duty["resident_a"]).get(f"/appeals/{appeal.pk}/").content.decode()
    timeline = body.split('id="timeline"')[1]
    for text in (
        "上报",
        "登记",
        "派遣",
        "退单",
        "已派遣 → 已登记",
        "microgrid_worker_a",
        "不属于我的网格",
        "2026-03-16 09:00",
    ):
        assert text in timeline, text
    assert 'id="appeal-map"' in body and "appeal-map-data" in body
