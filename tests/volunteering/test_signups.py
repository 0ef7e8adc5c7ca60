"""Signing up: places, the waitlist in order, move-up on cancellation, approval, deadlines, eligibility."""

import datetime as dt

import pytest
from django.apps import apps

from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.volunteering import selectors
from gongzhi.volunteering.actions.activities import cover_call
from gongzhi.volunteering.actions.signups import signup_cancel, signup_create, signup_decide
from gongzhi.volunteering.models import Signup, SignupStatus
from tests.volunteering.conftest import START, make_activity, make_volunteer


def sign(v, activity):
    return signup_create(actor=v.user, activity_id=activity.pk, volunteer=v)


def statuses(activity):
    return list(Signup.objects.filter(activity=activity).order_by("id").values_list("volunteer__name", "status"))


def test_a_volunteer_gets_a_number_never_the_id_number(district, volunteers):
    v = volunteers[0]
    assert v.number == f"V370211-{v.pk:06d}"


def test_places_then_waitlist_in_order_and_move_up_on_cancellation(activity, volunteers):
    signups = [sign(v, activity) for v in volunteers[:5]]
    assert [s.status for s in signups] == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert selectors.waitlist_position(signups[3]) == 1
    assert selectors.waitlist_position(signups[4]) == 2

    signup_cancel(actor=volunteers[1].user, signup_id=signups[1].pk)
    # The first on the waitlist moves up, the second becomes first.
    assert Signup.objects.get(pk=signups[3].pk).status == SignupStatus.CONFIRMED
    assert selectors.waitlist_position(Signup.objects.get(pk=signups[4].pk)) == 1
    assert selectors.confirmed_count(activity) == 3

    # Cancelling a waitlisted sign-up moves nobody up.
    signup_cancel(actor=volunteers[4].user, signup_id=signups[4].pk)
    assert selectors.confirmed_count(activity) == 3


def test_signing_up_twice_is_refused_and_changes_nothing(activity, volunteers):
    sign(volunteers[0], activity)
    before = statuses(activity)
    with pytest.raises(Conflict, match="不能重复报名") as err:
        sign(volunteers[0], activity)
    assert err.value.field == "person"
    assert statuses(activity) == before


def test_after_cancelling_one_may_sign_up_again_at_the_back(activity, volunteers):
    first = sign(volunteers[0], activity)
    signup_cancel(actor=volunteers[0].user, signup_id=first.pk)
    again = sign(volunteers[0], activity)
    assert again.pk != first.pk and again.status == SignupStatus.CONFIRMED


def test_full_without_a_waitlist_is_refused(district, at, volunteers):
    activity = make_activity(district, capacity=1, waitlist=False)
    sign(volunteers[0], activity)
    with pytest.raises(Conflict, match="名额已满"):
        sign(volunteers[1], activity)
    assert Signup.objects.filter(activity=activity).count() == 1


def test_after_the_deadline_sign_up_is_refused(district, at, volunteers):
    activity = make_activity(district, signup_deadline=START - dt.timedelta(days=2))
    at.move_to(START - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed, match="报名已截止"):
        sign(volunteers[0], activity)
    assert not Signup.objects.exists()


def test_cancelling_after_the_cancel_deadline_is_refused_for_the_volunteer_not_the_organiser(district, at, volunteers):
    activity = make_activity(district, cancel_deadline=START - dt.timedelta(days=1))
    s = sign(volunteers[0], activity)
    at.move_to(START - dt.timedelta(hours=12))
    with pytest.raises(ValidationFailed, match="已过取消截止时间"):
        signup_cancel(actor=volunteers[0].user, signup_id=s.pk)
    assert Signup.objects.get(pk=s.pk).status == SignupStatus.CONFIRMED
    signup_cancel(actor=district["community_worker_a"], signup_id=s.pk, reason="生病")
    assert Signup.objects.get(pk=s.pk).status == SignupStatus.CANCELLED


def test_someone_else_cannot_sign_me_up_or_cancel_for_me(activity, volunteers):
    with pytest.raises(PermissionDenied):
        signup_create(actor=volunteers[1].user, activity_id=activity.pk, volunteer=volunteers[0])
    s = sign(volunteers[0], activity)
    with pytest.raises(PermissionDenied):
        signup_cancel(actor=volunteers[1].user, signup_id=s.pk)
    assert statuses(activity) == [("志愿者0", "confirmed")]


def test_with_approval_sign_ups_wait_for_the_organiser(district, at, volunteers):
    activity = make_activity(district, capacity=1, needs_approval=True)
    a, b, c = (sign(v, activity) for v in volunteers[:3])
    assert {a.status, b.status, c.status} == {SignupStatus.PENDING}
    with pytest.raises(PermissionDenied):
        signup_decide(actor=volunteers[0].user, signup_id=a.pk, approve=True)
    assert signup_decide(actor=district["community_worker_a"], signup_id=a.pk, approve=True).status == "confirmed"
    assert signup_decide(actor=district["community_worker_a"], signup_id=b.pk, approve=True).status == "waitlisted"
    assert signup_decide(actor=district["community_worker_a"], signup_id=c.pk, approve=False).status == "rejected"
    # A decided sign-up cannot be decided again: the table's refusal names what may still be done.
    with pytest.raises(Conflict, match="报名当前状态为「未通过」，不能执行「通过」；可执行的操作：无") as err:
        signup_decide(actor=district["community_worker_a"], signup_id=c.pk, approve=True)
    assert err.value.details == {"state": "rejected", "action": "approve", "allowed": []}
    with pytest.raises(Conflict, match="可执行的操作：取消报名（cancel）"):
        signup_decide(actor=district["community_worker_a"], signup_id=a.pk, approve=False)


class TestEligibility:
    def test_age_range_for_a_summer_camp_class(self, district, at):
        camp = make_activity(district, title="暑期夏令营", kind="camp", capacity=150, min_age=8, max_age=12)
        klass = make_activity(
            district, title="夏令营·美术手工1班", kind="class", parent=camp, capacity=25, min_age=8, max_age=12
        )
        child = make_volunteer(district, "小明", kind="student", birth=dt.date(2016, 3, 1))
        too_young = make_volunteer(district, "小红", kind="student", birth=dt.date(2019, 9, 1))
        too_old = make_volunteer(district, "小刚", kind="student", birth=dt.date(2012, 1, 1))
        assert sign(child, klass).status == SignupStatus.CONFIRMED
        with pytest.raises(ValidationFailed, match="至少 8 岁") as err:
            sign(too_young, klass)
        assert err.value.field == "age"
        with pytest.raises(ValidationFailed, match="不超过 12 岁"):
            sign(too_old, klass)
        assert Signup.objects.filter(activity=klass).count() == 1

    def test_required_skills_and_kinds(self, district, at):
        activity = make_activity(
            district, title="法律咨询", required_skills=["法律咨询"], allowed_kinds=["professional", "party_member"]
        )
        lawyer = make_volunteer(district, "律师甲", kind="professional", skills=["法律咨询"])
        merchant = make_volunteer(district, "商户乙", kind="merchant", skills=["法律咨询"])
        untrained = make_volunteer(district, "律师丙", kind="professional")
        assert sign(lawyer, activity).status == SignupStatus.CONFIRMED
        with pytest.raises(ValidationFailed) as err:
            sign(merchant, activity)
        assert err.value.field == "kind"
        with pytest.raises(ValidationFailed, match="缺少所需技能：法律咨询") as err:
            sign(untrained, activity)
        assert err.value.field == "skills"
        assert Signup.objects.filter(activity=activity).count() == 1

    def test_no_birth_date_cannot_join_an_age_limited_activity(self, district, at):
        activity = make_activity(district, min_age=18)
        v = make_volunteer(district, "无生日", birth=None)
        with pytest.raises(ValidationFailed, match="出生日期"):
            sign(v, activity)


class TestCoverNeeded:
    def test_lists_matching_volunteers_who_have_not_signed_up(self, district, at):
        activity = make_activity(district, required_skills=["理发"], capacity=3)
        barber = make_volunteer(district, "理发师", skills=["理发"])
        barber2 = make_volunteer(district, "理发师2", skills=["理发"])
        make_volunteer(district, "不会理发")
        make_volunteer(district, "别的社区理发师", skills=["理发"], area_code="370211001002")
        sign(barber, activity)
        result = cover_call(actor=district["community_worker_a"], activity_id=activity.pk)
        assert result["missing"] == 2
        assert [v.name for v in result["candidates"]] == [barber2.name]
        if apps.is_installed("gongzhi.notifications"):
            from gongzhi.notifications.models import OutboxMessage

            assert result["notified"] is True
            assert list(OutboxMessage.objects.values_list("user_id", "kind")) == [
                (barber2.user_id, "volunteering.cover")
            ]
        else:
            assert result["notified"] is False  # no notifications app: the list is the answer

    def test_only_the_organiser_calls_and_not_when_full(self, district, at, volunteers):
        activity = make_activity(district, capacity=1)
        with pytest.raises(PermissionDenied):
            cover_call(actor=volunteers[0].user, activity_id=activity.pk)
        sign(volunteers[0], activity)
        with pytest.raises(ValidationFailed, match="无需补位"):
            cover_call(actor=district["community_worker_a"], activity_id=activity.pk)


class TestBadActivities:
    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"ends_at": START}, "ends_at"),
            ({"capacity": 0}, "capacity"),
            ({"min_age": 12, "max_age": 8}, "min_age"),
            ({"title": " "}, "title"),
            ({"allowed_kinds": ["wizard"]}, "allowed_kinds"),
            ({"geofence": (36.0, 120.1, 5)}, "geofence"),
            ({"signup_deadline": START + dt.timedelta(hours=1)}, "signup_deadline"),
        ],
    )
    def test_is_refused_naming_the_field(self, district, at, overrides, field):
        from gongzhi.volunteering.models import Activity

        with pytest.raises(ValidationFailed) as err:
            make_activity(district, **overrides)
        assert err.value.field == field
        assert not Activity.objects.exists()

    def test_a_volunteer_or_another_community_cannot_create_one(self, district, at):
        with pytest.raises(PermissionDenied):
            make_activity(district, actor="volunteer_a")
        with pytest.raises(PermissionDenied):
            make_activity(district, actor="community_worker_b")
