"""Check-in and check-out by the rotating QR code, hours inside the window, confirmation, points once."""

import datetime as dt
from decimal import Decimal

import pytest

from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.points.actions.schemes import catalogue_install, scheme_create
from gongzhi.points.models import PointsAward
from gongzhi.volunteering import codes
from gongzhi.volunteering.actions.checkin import checkin, checkout, checkout_all
from gongzhi.volunteering.actions.hours import hours_confirm, points_for_confirmed_hours
from gongzhi.volunteering.actions.signups import signup_create
from gongzhi.volunteering.models import Attendance, UsedCode
from tests.conftest import STREET
from tests.volunteering.conftest import END, START, code_for, make_activity

LAT, LNG = 35.95, 120.03


@pytest.fixture
def crew(activity, volunteers):
    for v in volunteers[:3]:
        signup_create(actor=v.user, activity_id=activity.pk, volunteer=v)
    return volunteers[:3]


def check_in(activity, v, code=None, **kw):
    return checkin(
        actor=v.user,
        activity_id=activity.pk,
        volunteer=v,
        code=code_for(activity, "in") if code is None else code,
        **kw,
    )


def check_out(activity, v, code=None, **kw):
    return checkout(
        actor=v.user,
        activity_id=activity.pk,
        volunteer=v,
        code=code_for(activity, "out") if code is None else code,
        **kw,
    )


def nothing_recorded():
    return not Attendance.objects.exists() and not UsedCode.objects.exists()


class TestCodes:
    def test_a_code_from_a_minute_ago_is_refused(self, activity, crew, at):
        at.move_to(START - dt.timedelta(minutes=5))
        old = code_for(activity, "in")
        at.shift(dt.timedelta(seconds=codes.STEP_SECONDS * 2))
        with pytest.raises(ValidationFailed, match="已过期") as err:
            check_in(activity, crew[0], old)
        assert err.value.field == "code"
        assert nothing_recorded()

    def test_a_code_from_the_previous_step_still_works(self, activity, crew, at):
        at.move_to(START - dt.timedelta(minutes=5))
        shown = code_for(activity, "in")
        at.shift(dt.timedelta(seconds=codes.STEP_SECONDS))
        assert check_in(activity, crew[0], shown).checked_in_at is not None

    def test_a_code_from_the_future_is_refused(self, activity, crew, at):
        at.move_to(START - dt.timedelta(minutes=5))
        ahead = code_for(activity, "in", step=codes.current_step() + 1)
        with pytest.raises(ValidationFailed, match="已过期"):
            check_in(activity, crew[0], ahead)
        assert nothing_recorded()

    def test_a_replayed_code_is_refused_and_changes_nothing(self, activity, crew, at):
        at.move_to(START)
        shown = code_for(activity, "in")
        first = check_in(activity, crew[0], shown)
        with pytest.raises(Conflict, match="已使用过"):
            check_in(activity, crew[0], shown)
        assert list(Attendance.objects.values_list("pk", "checked_in_at")) == [(first.pk, first.checked_in_at)]
        assert UsedCode.objects.count() == 1

    def test_the_same_code_serves_everyone_in_the_room_once(self, activity, crew, at):
        at.move_to(START)
        shown = code_for(activity, "in")
        for v in crew:
            check_in(activity, v, shown)
        assert Attendance.objects.count() == 3

    def test_a_code_of_another_activity_is_refused(self, district, activity, crew, at):
        other = make_activity(district, title="另一场")
        at.move_to(START)
        with pytest.raises(ValidationFailed, match="另一场活动") as err:
            check_in(activity, crew[0], code_for(other, "in"))
        assert err.value.field == "code"
        assert nothing_recorded()

    @pytest.mark.parametrize("bad", ["", "garbage", "1.in.2", "x.in.1.abc"])
    def test_unreadable_and_forged_codes_are_refused(self, activity, crew, at, bad):
        at.move_to(START)
        with pytest.raises(ValidationFailed):
            check_in(activity, crew[0], bad)
        forged = code_for(activity, "in")[:-1] + "0"
        forged = forged if forged != code_for(activity, "in") else forged[:-1] + "1"
        with pytest.raises(ValidationFailed, match="无效"):
            check_in(activity, crew[0], forged)
        assert nothing_recorded()

    def test_a_check_out_code_does_not_check_in(self, activity, crew, at):
        at.move_to(START)
        with pytest.raises(ValidationFailed, match="签退码"):
            check_in(activity, crew[0], code_for(activity, "out"))
        assert nothing_recorded()

    def test_a_new_salt_voids_every_code_shown_before(self, activity, crew, at):
        at.move_to(START)
        shown = code_for(activity, "in")
        activity.qr_salt = "rotated"
        activity.save()
        with pytest.raises(ValidationFailed, match="无效"):
            check_in(activity, crew[0], shown)


class TestWindowAndPlace:
    def test_check_in_opens_shortly_before_the_start(self, activity, crew, at):
        at.move_to(START - dt.timedelta(minutes=45))
        with pytest.raises(ValidationFailed, match="尚未开始"):
            check_in(activity, crew[0])
        at.move_to(END + dt.timedelta(minutes=1))
        with pytest.raises(ValidationFailed, match="已结束"):
            check_in(activity, crew[0])
        assert nothing_recorded()

    def test_geofence(self, district, volunteers, at):
        activity = make_activity(district, geofence=(LAT, LNG, 200))
        v = volunteers[0]
        signup_create(actor=v.user, activity_id=activity.pk, volunteer=v)
        at.move_to(START)
        with pytest.raises(ValidationFailed, match="允许获取位置") as err:
            check_in(activity, v)
        assert err.value.field == "location"
        with pytest.raises(ValidationFailed, match="不在活动现场"):
            check_in(activity, v, lat=LAT + 0.01, lng=LNG)  # about 1.1 km north
        assert nothing_recorded()
        assert check_in(activity, v, lat=LAT + 0.001, lng=LNG).checkin_lat == LAT + 0.001

    def test_only_confirmed_people_check_in(self, activity, volunteers, crew, at):
        waiting = volunteers[3]
        signup_create(actor=waiting.user, activity_id=activity.pk, volunteer=waiting)
        at.move_to(START)
        with pytest.raises(ValidationFailed, match="未报名本活动或报名尚未确认"):
            check_in(activity, waiting)
        with pytest.raises(PermissionDenied):
            checkin(actor=crew[1].user, activity_id=activity.pk, volunteer=crew[0], code=code_for(activity, "in"))
        assert nothing_recorded()


class TestHours:
    def test_hours_are_cut_to_the_activity_window(self, activity, crew, at):
        at.move_to(START - dt.timedelta(minutes=25))  # early arrival does not count
        check_in(activity, crew[0])
        at.move_to(START + dt.timedelta(minutes=30))
        check_in(activity, crew[1])
        at.move_to(START + dt.timedelta(hours=1, minutes=30))
        assert check_out(activity, crew[1]).hours == Decimal("1.00")
        at.move_to(END + dt.timedelta(minutes=20))  # staying late does not count either
        assert check_out(activity, crew[0]).hours == Decimal("2.00")

    def test_check_out_before_check_in_is_refused(self, activity, crew, at):
        at.move_to(START + dt.timedelta(hours=1))
        with pytest.raises(ValidationFailed, match="尚未签到，不能签退") as err:
            check_out(activity, crew[0])
        assert err.value.field == "person"
        assert nothing_recorded()

    def test_checking_out_twice_is_refused(self, activity, crew, at):
        at.move_to(START)
        check_in(activity, crew[0])
        at.move_to(START + dt.timedelta(hours=1))
        first = check_out(activity, crew[0])
        at.shift(dt.timedelta(minutes=5))
        with pytest.raises(Conflict, match="签到记录当前状态为「已签退」，不能执行「签退」") as err:
            check_out(activity, crew[0])
        assert err.value.details == {"state": "checked_out", "action": "checkout", "allowed": ["confirm"]}
        assert Attendance.objects.get().checked_out_at == first.checked_out_at
        assert UsedCode.objects.filter(purpose="out").count() == 1  # the refused move used no code

    def test_bulk_check_out_by_the_organiser_at_the_end(self, district, activity, crew, at):
        at.move_to(START)
        for v in crew[:2]:
            check_in(activity, v)
        with pytest.raises(PermissionDenied):
            checkout_all(actor=crew[0].user, activity_id=activity.pk)
        assert not Attendance.objects.filter(checked_out_at__isnull=False).exists()
        at.move_to(END + dt.timedelta(hours=3))
        done = checkout_all(actor=district["community_worker_a"], activity_id=activity.pk)
        assert {a.hours for a in done} == {Decimal("2.00")}
        assert all(a.checked_out_at == END and a.checked_out_by_organiser for a in done)


@pytest.fixture
def checked_out(activity, crew, at):
    at.move_to(START)
    for v in crew:
        check_in(activity, v)
    at.move_to(START + dt.timedelta(hours=1, minutes=45))
    return [check_out(activity, v) for v in crew]


class TestConfirmation:
    def test_hours_count_only_once_the_organiser_confirms(self, district, activity, crew, checked_out):
        from gongzhi.volunteering.selectors import hours_given

        assert hours_given(crew[0]) == 0
        hours_confirm(
            actor=district["community_worker_a"],
            activity_id=activity.pk,
            items=[{"attendance_id": checked_out[0].pk, "rating": 5, "comment": "耐心细致"}],
        )
        assert hours_given(crew[0]) == Decimal("1.75")
        assert hours_given(crew[1]) == 0

    @pytest.mark.parametrize("persona", ["volunteer_a", "grid_worker_b", "community_worker_b", "resident_a"])
    def test_a_non_organiser_cannot_confirm(self, district, activity, crew, checked_out, persona):
        with pytest.raises(PermissionDenied, match="组织者"):
            hours_confirm(actor=district[persona], activity_id=activity.pk)
        with pytest.raises(PermissionDenied):
            hours_confirm(actor=crew[0].user, activity_id=activity.pk)
        assert not Attendance.objects.filter(confirmed_at__isnull=False).exists()

    def test_the_named_organiser_may_confirm_without_a_staff_role(self, district, volunteers, at):
        leader = volunteers[5]
        activity = make_activity(district, organiser=leader.user)
        v = volunteers[0]
        signup_create(actor=v.user, activity_id=activity.pk, volunteer=v)
        at.move_to(START)
        check_in(activity, v)
        at.move_to(END)
        check_out(activity, v)
        assert len(hours_confirm(actor=leader.user, activity_id=activity.pk)) == 1

    def test_bad_items_change_nothing(self, district, activity, crew, checked_out, volunteers, at):
        organiser = district["community_worker_a"]
        good = {"attendance_id": checked_out[0].pk}
        for items, message in [
            ([good, {"attendance_id": 10**9}], "不属于本活动"),
            ([good, good], "重复"),
            ([{"attendance_id": checked_out[1].pk, "rating": 9}], "1 到 5"),
        ]:
            with pytest.raises(ValidationFailed, match=message):
                hours_confirm(actor=organiser, activity_id=activity.pk, items=items)
        assert not Attendance.objects.filter(confirmed_at__isnull=False).exists()
        hours_confirm(actor=organiser, activity_id=activity.pk, items=[good])
        with pytest.raises(Conflict, match="当前状态为「时长已确认」，不能执行「确认时长」") as err:
            hours_confirm(actor=organiser, activity_id=activity.pk, items=[good])
        assert err.value.details["allowed"] == [] and err.value.field == "items"

    def test_someone_still_checked_in_cannot_be_confirmed(self, district, activity, crew, at):
        at.move_to(START)
        a = check_in(activity, crew[0])
        with pytest.raises(Conflict, match="当前状态为「已签到」，不能执行「确认时长」") as err:
            hours_confirm(
                actor=district["community_worker_a"], activity_id=activity.pk, items=[{"attendance_id": a.pk}]
            )
        assert str(err.value.message).startswith(crew[0].name)  # whose record, in a batch
        assert err.value.details["allowed"] == ["checkout", "checkout_by_organiser"]
        with pytest.raises(ValidationFailed, match="没有待确认"):
            hours_confirm(actor=district["community_worker_a"], activity_id=activity.pk)


class TestPoints:
    @pytest.fixture
    def scheme(self, district):
        s = scheme_create(
            actor=district["street_staff"], area=district.areas[STREET], name="德育乡村积分", opening_balance=0
        )
        catalogue_install(actor=district["street_staff"], scheme=s)
        return s

    def test_confirmed_hours_earn_points_once_per_person_and_activity(
        self, district, activity, crew, checked_out, household_a, scheme
    ):
        from tests.factories import ResidentFactory

        crew[0].resident = ResidentFactory(household=household_a, name="志愿者零")
        crew[0].save()
        organiser = district["community_worker_a"]
        hours_confirm(actor=organiser, activity_id=activity.pk)
        award = PointsAward.objects.get()
        assert (award.source_type, award.source_id) == ("volunteering.activity", f"{activity.pk}:{crew[0].pk}")
        assert award.rule.code == "public-volunteer" and award.points == 2
        first = Attendance.objects.get(volunteer=crew[0])
        assert first.points_award_id == award.pk
        # The others have no household: their hours count, the reason for no points is kept.
        assert Attendance.objects.get(volunteer=crew[1]).points_note == "未关联居民户，未计积分"
        # Calling the hook again for the same attendance pays nothing more.
        points_for_confirmed_hours(attendance=first, actor=organiser)
        first.points_award_id = None
        points_for_confirmed_hours(attendance=first, actor=organiser)
        assert PointsAward.objects.count() == 1

    def test_without_a_scheme_hours_still_count(self, district, activity, crew, checked_out, household_a):
        from tests.factories import ResidentFactory

        crew[0].resident = ResidentFactory(household=household_a, name="志愿者零")
        crew[0].save()
        hours_confirm(actor=district["community_worker_a"], activity_id=activity.pk)
        a = Attendance.objects.get(volunteer=crew[0])
        assert a.confirmed_at is not None and "尚未实行积分制度" in a.points_note
        assert not PointsAward.objects.exists()
