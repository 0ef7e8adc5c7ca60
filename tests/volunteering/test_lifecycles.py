"""Every volunteering lifecycle is a table of moves made by core.fsm: sign-ups, attendance (hours), activities."""

import datetime as dt

import pytest
from django.utils import translation

from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.volunteering.actions.activities import ACTIVITY, activity_cancel, activity_reopen
from gongzhi.volunteering.actions.checkin import ATTENDANCE, checkin, checkout
from gongzhi.volunteering.actions.signups import INITIAL, SIGNUP, signup_cancel, signup_create
from gongzhi.volunteering.models import ActivityStatus, AttendanceStatus, Signup, SignupStatus
from gongzhi.volunteering.selectors import activities_list
from tests.conftest import api_client_for
from tests.volunteering.conftest import START, code_for, make_activity


@pytest.mark.parametrize(
    ("lifecycle", "states", "initial"),
    [
        (SIGNUP, SignupStatus.values, set(INITIAL)),
        (ATTENDANCE, AttendanceStatus.values, {AttendanceStatus.CHECKED_IN}),
        (ACTIVITY, ActivityStatus.values, {ActivityStatus.OPEN}),
    ],
)
def test_every_state_is_a_start_or_the_target_of_a_move(lifecycle, states, initial):
    reached = set(initial) | {m.target for m in lifecycle.moves.values()}
    sources = set().union(*(m.sources for m in lifecycle.moves.values()))
    assert reached == set(states)
    assert sources <= set(states)


def sign(v, activity):
    return signup_create(actor=v.user, activity_id=activity.pk, volunteer=v)


class TestSignupMoves:
    def test_cancelling_twice_names_what_may_still_be_done(self, activity, volunteers):
        s = sign(volunteers[0], activity)
        signup_cancel(actor=volunteers[0].user, signup_id=s.pk)
        with pytest.raises(Conflict, match="报名当前状态为「已取消」，不能执行「取消报名」；可执行的操作：无") as err:
            signup_cancel(actor=volunteers[0].user, signup_id=s.pk)
        assert err.value.field == "action"
        assert err.value.details == {"state": "cancelled", "action": "cancel", "allowed": []}

    def test_someone_else_learns_nothing_about_the_state(self, activity, volunteers):
        s = sign(volunteers[0], activity)
        signup_cancel(actor=volunteers[0].user, signup_id=s.pk)
        with pytest.raises(PermissionDenied, match="只能取消自己的报名"):
            signup_cancel(actor=volunteers[1].user, signup_id=s.pk)

    def test_every_move_writes_its_event_row(self, activity, volunteers):
        signups = [sign(v, activity) for v in volunteers[:4]]  # 3 places: the fourth waits
        signup_cancel(actor=volunteers[0].user, signup_id=signups[0].pk, reason="临时有事")
        events = AuditEvent.objects.filter(action__startswith="volunteering.signup.").exclude(
            action="volunteering.signup.create"
        )
        assert [(e.action, e.target_id, e.data) for e in events.order_by("id")] == [
            ("volunteering.signup.cancel", str(signups[0].pk), {}),
            ("volunteering.signup.promote", str(signups[3].pk), {"after": signups[0].pk}),
        ]
        assert Signup.objects.get(pk=signups[0].pk).note == "临时有事"

    def test_the_api_answers_a_refused_move_in_the_usual_error_shape(self, activity, volunteers):
        v = volunteers[0]
        s = sign(v, activity)
        client = api_client_for(v.user)
        url = f"/api/v1/activities/{activity.pk}/signups/{s.pk}/cancel"
        assert client.post(url, "{}", content_type="application/json").status_code == 200
        again = client.post(url, "{}", content_type="application/json")
        assert again.status_code == 409  # as before the table: someone (here: they) got there first
        body = again.json()
        assert body["code"] == "conflict" and body["field"] == "action"
        assert "不能执行「取消报名」" in body["detail"]
        assert body["details"] == {"state": "cancelled", "action": "cancel", "allowed": []}

    def test_the_api_speaks_english_too(self, activity, volunteers):
        v = volunteers[0]
        s = sign(v, activity)
        client = api_client_for(v.user)
        url = f"/api/v1/activities/{activity.pk}/signups/{s.pk}/cancel"
        client.post(url, "{}", content_type="application/json")
        with translation.override("en"):
            body = client.post(url, "{}", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en").json()
        assert "Cancel sign-up" in body["detail"], body


class TestAttendanceMoves:
    def test_check_out_moves_checked_in_to_checked_out(self, activity, volunteers, at):
        v = volunteers[0]
        sign(v, activity)
        at.move_to(START)
        a = checkin(actor=v.user, activity_id=activity.pk, volunteer=v, code=code_for(activity, "in"))
        assert a.status == AttendanceStatus.CHECKED_IN
        at.move_to(START + dt.timedelta(hours=1))
        out = checkout(actor=v.user, activity_id=activity.pk, volunteer=v, code=code_for(activity, "out"))
        assert out.status == AttendanceStatus.CHECKED_OUT
        assert AuditEvent.objects.filter(action="volunteering.checkout", target_id=str(a.pk)).count() == 1


class TestActivityMoves:
    def test_the_organiser_cancels_and_reopens(self, district, activity, volunteers):
        organiser = district["community_worker_a"]
        cancelled = activity_cancel(actor=organiser, activity_id=activity.pk, reason="暴雨预警")
        assert cancelled.status == ActivityStatus.CANCELLED
        assert activity not in list(activities_list())
        with pytest.raises(ValidationFailed, match="活动已取消，不能报名"):
            sign(volunteers[0], activity)
        with pytest.raises(Conflict, match="可执行的操作：恢复招募（reopen）"):
            activity_cancel(actor=organiser, activity_id=activity.pk)
        event = AuditEvent.objects.get(action="volunteering.activity.cancel")
        assert event.data == {"reason": "暴雨预警"} and event.actor_id == organiser.pk
        assert activity_reopen(actor=organiser, activity_id=activity.pk).status == ActivityStatus.OPEN
        assert sign(volunteers[0], activity).status == SignupStatus.CONFIRMED

    @pytest.mark.parametrize("persona", ["volunteer_a", "community_worker_b", "resident_a", "grid_worker_b"])
    def test_no_one_else_may_cancel(self, district, activity, persona):
        with pytest.raises(PermissionDenied):
            activity_cancel(actor=district[persona], activity_id=activity.pk)
        activity.refresh_from_db()
        assert activity.status == ActivityStatus.OPEN

    def test_the_admin_cancels_through_the_move_not_by_editing_the_status(self, client, district, at):
        activity = make_activity(district)
        client.force_login(district["superuser"])
        url = "/admin/volunteering/activity/"
        r = client.post(url, {"action": "cancel_activities", "_selected_action": [activity.pk]})
        assert r.status_code == 302
        activity.refresh_from_db()
        assert activity.status == ActivityStatus.CANCELLED
        assert AuditEvent.objects.filter(action="volunteering.activity.cancel", target_id=str(activity.pk)).exists()
        page = client.get(f"{url}{activity.pk}/change/").content.decode()
        assert 'name="status"' not in page  # shown, not editable
