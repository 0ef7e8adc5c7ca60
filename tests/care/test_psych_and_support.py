"""Paired support for children (plan, supporters, term reviews) and the three tiers of psychological service, with the
referral lifecycle: consent or a recorded override; in progress → accepted / rejected → done, or revoked."""

import pytest

from gongzhi.care.actions.psych import REFERRAL, WARNING, front_service_record, referral_create, warning_raise
from gongzhi.care.actions.support import plan_create, review_add, supporter_add
from gongzhi.care.models import CareEvent, Referral, TermReview
from gongzhi.core import fsm
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.people.models import Partner
from tests import factories


@pytest.fixture
def hospital(care):
    partner = Partner.objects.create(name="黄岛区心理康复医院", kind="hospital")
    partner.areas.add(care.areas["370211001"])
    return partner


def test_a_childs_plan_has_three_lines_supporters_and_a_review_each_term(care):
    child = care["child"]
    plan = plan_create(actor=care["child_director"], archive_id=child.pk, material="每月助学金", study="周末辅导数学",
                       psychological="每两周谈心")  # fmt: skip
    tutor = factories.UserFactory(username="tutor")
    supporter_add(actor=care["child_director"], plan_id=plan.pk, user_id=tutor.pk, line="study")
    from gongzhi.care import access

    assert access.is_assigned(tutor, child)  # a supporter is an assigned carer: reads the record, visits
    review_add(actor=tutor, plan_id=plan.pk, term="2026春", summary="数学成绩提高", study="及格")
    with pytest.raises(Conflict) as twice:
        review_add(actor=tutor, plan_id=plan.pk, term="2026春", summary="再评")
    assert twice.value.field == "term"
    with pytest.raises(ValidationFailed) as bad_term:
        review_add(actor=tutor, plan_id=plan.pk, term="spring", summary="x")
    assert bad_term.value.field == "term"
    assert TermReview.objects.filter(plan=plan).count() == 1


def test_plans_are_for_children_and_for_the_childrens_role(care):
    with pytest.raises(ValidationFailed) as adult:
        plan_create(actor=care["community_worker_a"], archive_id=care["elder"].pk, study="x")
    assert adult.value.field == "archive_id"
    with pytest.raises(PermissionDenied):
        plan_create(actor=care["community_worker_a"], archive_id=care["child"].pk, study="x")
    with pytest.raises(ValidationFailed) as empty:
        plan_create(actor=care["child_director"], archive_id=care["child"].pk)
    assert empty.value.field == "material"


def test_three_tiers_front_service_warning_then_referral_with_consent(care, hospital):
    from tests.volunteering.conftest import make_activity

    elder = care["elder"]
    activity = make_activity(care, title="心理健康讲座")
    front_service_record(actor=care["grid_worker_a"], archive_id=elder.pk, activity_id=activity.pk)
    warning = warning_raise(actor=care["grid_worker_a"], archive_id=elder.pk, reason="情绪低落，多次说不想活")
    referral = referral_create(actor=care["community_worker_a"], archive_id=elder.pk, partner_id=hospital.pk,
                               reason="需要专业评估", consent=True, warning_id=warning.pk)  # fmt: skip
    warning.refresh_from_db()
    assert warning.status == "referred" and referral.status == "in_progress"
    fsm.transition(REFERRAL, referral.pk, "accept", actor=care["community_worker_a"])
    done = fsm.transition(
        REFERRAL, referral.pk, "complete", actor=care["community_worker_a"], note="疗程结束，情绪平稳"
    )
    assert done.obj.status == "done" and done.obj.outcome == "疗程结束，情绪平稳"
    moves = list(CareEvent.objects.filter(target=f"referral:{referral.pk}").values_list("action", "to_state"))
    assert moves == [("create", "in_progress"), ("accept", "accepted"), ("complete", "done")]


def test_a_referral_is_rejected_or_revoked(care, hospital):
    def refer():
        return referral_create(actor=care["community_worker_a"], archive_id=care["elder"].pk, partner_id=hospital.pk,
                               reason="评估", consent=True)  # fmt: skip

    rejected = fsm.transition(REFERRAL, refer().pk, "reject", actor=care["street_staff"], note="床位已满")
    assert rejected.obj.status == "rejected"
    with pytest.raises(ValidationFailed) as late:
        fsm.transition(REFERRAL, rejected.obj.pk, "revoke", actor=care["street_staff"], note="x")
    assert late.value.details["allowed"] == []
    revoked = fsm.transition(REFERRAL, refer().pk, "revoke", actor=care["community_worker_a"], note="本人撤回同意")
    assert revoked.obj.status == "revoked"
    with pytest.raises(ValidationFailed) as silent:
        fsm.transition(REFERRAL, refer().pk, "reject", actor=care["community_worker_a"])
    assert silent.value.field == "note"


def test_a_referral_without_consent_or_override_is_refused_and_nothing_is_written(care, hospital):
    with pytest.raises(ValidationFailed) as refused:
        referral_create(actor=care["community_worker_a"], archive_id=care["elder"].pk, partner_id=hospital.pk,
                        reason="评估")  # fmt: skip
    assert refused.value.field == "consent"
    with pytest.raises(PermissionDenied) as no_right:
        referral_create(actor=care["community_worker_a"], archive_id=care["elder"].pk, partner_id=hospital.pk,
                        reason="评估", override_reason="有自伤风险")  # fmt: skip
    assert no_right.value.field == "override_reason"
    assert not Referral.objects.exists()


def test_a_permitted_role_refers_without_consent_and_the_override_is_recorded(care, hospital):
    r = referral_create(actor=care["street_staff"], archive_id=care["elder"].pk, partner_id=hospital.pk,
                        reason="紧急评估", override_reason="有自伤风险，本人拒绝")  # fmt: skip
    assert (r.consent, r.override_reason, r.override_by_id) == (False, "有自伤风险，本人拒绝", care["street_staff"].pk)
    assert CareEvent.objects.get(target=f"referral:{r.pk}", action="create").data["override"] is True


def test_a_warning_needs_a_reason_and_a_staff_role(care):
    with pytest.raises(ValidationFailed) as blank:
        warning_raise(actor=care["grid_worker_a"], archive_id=care["elder"].pk, reason=" ")
    assert blank.value.field == "reason"
    with pytest.raises(PermissionDenied):
        warning_raise(actor=care["volunteer_a"], archive_id=care["elder"].pk, reason="情绪低落")
    warning = warning_raise(actor=care["grid_worker_a"], archive_id=care["elder"].pk, reason="情绪低落")
    closed = fsm.transition(WARNING, warning.pk, "close", actor=care["grid_worker_a"], note="已疏导")
    assert closed.obj.status == "closed"
