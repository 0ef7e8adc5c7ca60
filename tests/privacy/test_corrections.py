"""Correction requests: a resident asks, a community worker of their area accepts or rejects, then corrects."""

import pytest

from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.notifications.models import OutboxMessage
from gongzhi.privacy import actions
from gongzhi.privacy.models import CorrectionRequest
from tests.conftest import api_client_for
from tests.privacy.conftest import browser_for

pytestmark = pytest.mark.django_db


def _ask(user, subject="profile", text="出生日期应为1980年2月1日"):
    return actions.correction_request(actor=user, subject=subject, description=text)


def test_the_whole_way_requested_accepted_corrected_is_audited_and_notified(residents, district):
    a, _b = residents
    worker = district["community_worker_a"]
    req = _ask(a)
    assert req.status == "requested" and req.area_code == a.resident.area_code
    assert OutboxMessage.objects.filter(user=worker, kind="privacy.correction.requested").exists()
    actions.correction_move(actor=worker, request_id=req.pk, move="accept")
    done = actions.correction_move(actor=worker, request_id=req.pk, move="correct", resolution="已改为1980-02-01")
    assert done.status == "corrected" and done.handled_by == worker and done.corrected_at is not None
    assert list(
        AuditEvent.objects.filter(target_type="privacy.correctionrequest", target_id=str(req.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["privacy.correction.requested", "privacy.correction.accepted", "privacy.correction.corrected"]
    told = OutboxMessage.objects.filter(user=a).values_list("kind", flat=True)
    assert {"privacy.correction.accepted", "privacy.correction.corrected"} <= set(told)


def test_a_rejection_needs_a_reason_and_tells_the_resident(residents, district):
    a, _b = residents
    req = _ask(a)
    with pytest.raises(ValidationFailed) as err:
        actions.correction_move(actor=district["community_worker_a"], request_id=req.pk, move="reject", reason="  ")
    assert err.value.field == "reason"
    assert CorrectionRequest.objects.get(pk=req.pk).status == "requested"
    actions.correction_move(actor=district["community_worker_a"], request_id=req.pk, move="reject", reason="与户籍一致")
    assert OutboxMessage.objects.filter(user=a, kind="privacy.correction.rejected", body__contains="与户籍一致")


@pytest.mark.parametrize(
    ("subject", "text", "field"),
    [("profile", "", "description"), ("profile", "   ", "description"), ("password", "x", "subject"),
     ("profile", "长" * 2001, "description"), ("profile", None, "description")],
)  # fmt: skip
def test_bad_requests_are_refused_and_change_nothing(residents, subject, text, field):
    a, _b = residents
    with pytest.raises(ValidationFailed) as err:
        actions.correction_request(actor=a, subject=subject, description=text)
    assert err.value.field == field
    assert not CorrectionRequest.objects.exists()


def test_a_second_open_request_about_the_same_thing_is_a_double_submit(residents):
    a, _b = residents
    _ask(a)
    with pytest.raises(Conflict):
        _ask(a)
    _ask(a, subject="points", text="5月的积分少记了10分")  # another subject may be asked at the same time
    assert CorrectionRequest.objects.count() == 2


def test_only_a_resident_with_a_record_may_ask(district):
    with pytest.raises(PermissionDenied):
        _ask(district["grid_worker_a"])
    assert not CorrectionRequest.objects.exists()


@pytest.mark.parametrize("persona", ["community_worker_b", "grid_worker_a", "resident_b", "other_street_staff"])
def test_nobody_outside_the_area_or_without_the_rule_may_handle_it(residents, district, persona):
    a, _b = residents
    req = _ask(a)
    with pytest.raises(PermissionDenied):
        actions.correction_move(actor=district[persona], request_id=req.pk, move="accept")
    assert CorrectionRequest.objects.get(pk=req.pk).status == "requested"
    assert not AuditEvent.objects.filter(action="privacy.correction.accepted").exists()


def test_street_staff_above_the_area_may_handle_it(residents, district):
    a, _b = residents
    req = _ask(a)
    assert (
        actions.correction_move(actor=district["street_staff"], request_id=req.pk, move="accept").status == "accepted"
    )


def test_handling_twice_is_a_conflict_naming_what_remains(residents, district):
    a, _b = residents
    req = _ask(a)
    worker = district["community_worker_a"]
    actions.correction_move(actor=worker, request_id=req.pk, move="accept")
    with pytest.raises(Conflict) as err:
        actions.correction_move(actor=worker, request_id=req.pk, move="accept")
    assert err.value.details["allowed"] == ["correct"]
    with pytest.raises(Conflict):
        actions.correction_move(actor=worker, request_id=req.pk, move="reject", reason="晚了")
    actions.correction_move(actor=worker, request_id=req.pk, move="correct", resolution="已更正")
    with pytest.raises(Conflict):
        actions.correction_move(actor=worker, request_id=req.pk, move="correct", resolution="再来一次")
    assert AuditEvent.objects.filter(action="privacy.correction.corrected").count() == 1


def test_an_unknown_move_or_request_is_refused(residents, district):
    a, _b = residents
    req = _ask(a)
    with pytest.raises(ValidationFailed):
        actions.correction_move(actor=district["community_worker_a"], request_id=req.pk, move="delete")
    with pytest.raises(NotFound):
        actions.correction_move(actor=district["community_worker_a"], request_id=req.pk + 99, move="accept")


# --- the API, with the same rules ---------------------------------------------------------------------------------


def test_the_api_asks_lists_and_handles_with_the_same_rules(residents, district):
    a, b = residents
    mine = api_client_for(a)
    r = mine.post("/api/v1/privacy/corrections", {"subject": "appeals", "description": "诉求地址写错了"},
                  content_type="application/json")  # fmt: skip
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    again = mine.post("/api/v1/privacy/corrections", {"subject": "appeals", "description": "再交一次"},
                      content_type="application/json")  # fmt: skip
    assert again.status_code == 409
    empty = mine.post("/api/v1/privacy/corrections", {"subject": "profile", "description": ""},
                      content_type="application/json")  # fmt: skip
    assert empty.status_code == 422 and empty.json()["field"] == "description"
    assert [c["id"] for c in mine.get("/api/v1/privacy/corrections").json()] == [rid]
    assert api_client_for(b).get(f"/api/v1/privacy/corrections/{rid}").status_code == 404
    assert api_client_for(b).get("/api/v1/privacy/corrections/queue").status_code == 403

    other = api_client_for(district["community_worker_b"])
    assert other.get("/api/v1/privacy/corrections/queue").json() == []
    refused = other.post(f"/api/v1/privacy/corrections/{rid}/transitions", {"action": "accept"},
                         content_type="application/json")  # fmt: skip
    assert refused.status_code == 403

    worker = api_client_for(district["community_worker_a"])
    queue = worker.get("/api/v1/privacy/corrections/queue").json()
    assert [c["id"] for c in queue] == [rid] and queue[0]["allowed"] == ["accept", "reject"]
    ok = worker.post(f"/api/v1/privacy/corrections/{rid}/transitions", {"action": "reject", "reason": "地址无误"},
                     content_type="application/json")  # fmt: skip
    assert ok.status_code == 200 and ok.json()["status"] == "rejected"
    twice = worker.post(f"/api/v1/privacy/corrections/{rid}/transitions", {"action": "accept"},
                        content_type="application/json")  # fmt: skip
    assert twice.status_code == 409


# --- the pages ----------------------------------------------------------------------------------------------------


def test_the_pages_ask_and_handle(residents, district):
    a, _b = residents
    page = browser_for(a)
    assert page.get("/privacy/").status_code == 200
    bad = page.post("/privacy/", {"subject": "profile", "description": ""})
    assert bad.status_code == 422 and "请写明" in bad.content.decode()
    assert page.post("/privacy/", {"subject": "profile", "description": "姓名错字"}).status_code == 302
    twice = page.post("/privacy/", {"subject": "profile", "description": "姓名错字"})
    assert twice.status_code == 409
    req = CorrectionRequest.objects.get()
    assert (
        browser_for(district["community_worker_b"]).get("/privacy/corrections/").content.decode().count("姓名错字") == 0
    )
    assert browser_for(district["community_worker_b"]).post(f"/privacy/corrections/{req.pk}/accept/").status_code == 403
    assert browser_for(a).get("/privacy/corrections/").status_code == 403
    worker = browser_for(district["community_worker_a"])
    assert "姓名错字" in worker.get("/privacy/corrections/").content.decode()
    no_reason = worker.post(f"/privacy/corrections/{req.pk}/reject/", {"reason": ""})
    assert no_reason.status_code == 422
    assert worker.post(f"/privacy/corrections/{req.pk}/accept/").status_code == 302
    assert worker.post(f"/privacy/corrections/{req.pk}/accept/").status_code == 409
    assert CorrectionRequest.objects.get().status == "accepted"
