"""Lifecycle moves raced on PostgreSQL: every move takes its row lock (and the activity's where places are
counted), so two people pressing at once get one move and one refusal, never a doubled or lost change."""

import datetime as dt

import pytest

from gongzhi.core.errors import Conflict, DomainError
from gongzhi.core.models import AuditEvent
from gongzhi.volunteering.actions.activities import activity_cancel
from gongzhi.volunteering.actions.checkin import checkin, checkout, checkout_all
from gongzhi.volunteering.actions.hours import hours_confirm
from gongzhi.volunteering.actions.signups import signup_cancel, signup_create, signup_decide
from gongzhi.volunteering.models import Attendance, AttendanceStatus, Signup, SignupStatus, UsedCode
from tests.concurrency import POSTGRES_ONLY, run_together
from tests.volunteering.conftest import START, code_for, make_activity, make_volunteer

pytestmark = [*POSTGRES_ONLY, pytest.mark.django_db(transaction=True)]


def sign(v, activity):
    return signup_create(actor=v.user, activity_id=activity.pk, volunteer=v)


def refusals(results):
    """Every result is a row or the table's refusal; anything else (a deadlock, a constraint) fails the test."""
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, Conflict) and "不能执行" in str(e.message) for e in errors), errors
    return errors


def test_two_places_freed_at_once_go_to_the_first_two_waiting_in_order(district, at):
    activity = make_activity(district, capacity=4)
    people = [make_volunteer(district, f"候补{i}") for i in range(8)]
    signups = [sign(v, activity) for v in people]  # 4 confirmed, 4 waiting
    leaving = signups[:4]
    results = run_together(*[(lambda s=s: signup_cancel(actor=s.volunteer.user, signup_id=s.pk)) for s in leaving])
    assert not [r for r in results if isinstance(r, Exception)], results
    rows = dict(Signup.objects.filter(activity=activity).values_list("pk", "status"))
    assert [rows[s.pk] for s in signups] == [SignupStatus.CANCELLED] * 4 + [SignupStatus.CONFIRMED] * 4
    assert AuditEvent.objects.filter(action="volunteering.signup.promote").count() == 4


def test_the_same_sign_up_cancelled_from_two_phones_is_cancelled_once(district, at):
    activity = make_activity(district, capacity=1)
    first, waiting, last = (make_volunteer(district, f"双击{i}") for i in range(3))
    mine = sign(first, activity)
    sign(waiting, activity)
    sign(last, activity)
    results = run_together(*[lambda: signup_cancel(actor=first.user, signup_id=mine.pk)] * 4)
    assert len(refusals(results)) == 3
    statuses = list(Signup.objects.filter(activity=activity).order_by("id").values_list("status", flat=True))
    # One place freed, one promotion: the second in line stays waiting.
    assert statuses == [SignupStatus.CANCELLED, SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]
    assert AuditEvent.objects.filter(action="volunteering.signup.cancel").count() == 1


def test_two_organisers_approving_at_once_fill_the_places_exactly(district, at):
    activity = make_activity(district, capacity=3, needs_approval=True)
    pending = [sign(make_volunteer(district, f"待审{i}"), activity) for i in range(8)]
    organisers = [district["community_worker_a"], district["street_staff"]]
    calls = [
        (lambda s=s, o=o: signup_decide(actor=o, signup_id=s.pk, approve=True))
        for s in pending
        for o in organisers  # each sign-up approved by both at the same moment
    ]
    results = run_together(*calls)
    assert len(refusals(results)) == len(pending)  # the second approval of each finds it decided
    statuses = list(Signup.objects.filter(activity=activity).values_list("status", flat=True))
    assert statuses.count(SignupStatus.CONFIRMED) == 3
    assert statuses.count(SignupStatus.WAITLISTED) == 5


def test_checking_out_from_two_phones_checks_out_once(district, at):
    activity = make_activity(district)
    v = make_volunteer(district, "两部手机")
    sign(v, activity)
    at.move_to(START)
    checkin(actor=v.user, activity_id=activity.pk, volunteer=v, code=code_for(activity, "in"))
    at.move_to(START + dt.timedelta(hours=1))
    code = code_for(activity, "out")
    results = run_together(
        *[lambda: checkout(actor=v.user, activity_id=activity.pk, volunteer=v, code=code)] * 4,
    )
    assert len(refusals(results)) == 3
    assert Attendance.objects.get().status == AttendanceStatus.CHECKED_OUT
    assert UsedCode.objects.filter(purpose="out").count() == 1
    assert AuditEvent.objects.filter(action="volunteering.checkout").count() == 1


def test_the_organiser_checking_everyone_out_while_some_check_out_themselves(district, at):
    activity = make_activity(district, capacity=6)
    crew = [make_volunteer(district, f"队员{i}") for i in range(6)]
    for v in crew:
        sign(v, activity)
    at.move_to(START)
    for v in crew:
        checkin(actor=v.user, activity_id=activity.pk, volunteer=v, code=code_for(activity, "in"))
    at.move_to(START + dt.timedelta(hours=1))
    code = code_for(activity, "out")
    organiser = district["community_worker_a"]
    results = run_together(
        lambda: checkout_all(actor=organiser, activity_id=activity.pk),
        *[(lambda v=v: checkout(actor=v.user, activity_id=activity.pk, volunteer=v, code=code)) for v in crew[:3]],
    )
    refusals(results)
    assert set(Attendance.objects.values_list("status", flat=True)) == {AttendanceStatus.CHECKED_OUT}
    by_self = AuditEvent.objects.filter(action="volunteering.checkout").count()
    by_organiser = AuditEvent.objects.filter(action="volunteering.checkout_all").count()
    assert by_self + by_organiser == 6  # each person checked out exactly once, by one of them


def test_hours_confirmed_by_two_organisers_at_once_are_confirmed_once(district, at):
    activity = make_activity(district, capacity=4)
    crew = [make_volunteer(district, f"确认{i}") for i in range(4)]
    for v in crew:
        sign(v, activity)
    at.move_to(START)
    for v in crew:
        checkin(actor=v.user, activity_id=activity.pk, volunteer=v, code=code_for(activity, "in"))
    at.move_to(START + dt.timedelta(hours=2))
    checkout_all(actor=district["community_worker_a"], activity_id=activity.pk)
    items = [{"attendance_id": pk} for pk in Attendance.objects.values_list("pk", flat=True)]
    results = run_together(
        lambda: hours_confirm(actor=district["community_worker_a"], activity_id=activity.pk, items=items),
        lambda: hours_confirm(actor=district["street_staff"], activity_id=activity.pk, items=items),
    )
    done = [r for r in results if not isinstance(r, Exception)]
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(done) == 1 and len(done[0]) == 4
    assert len(errors) == 1 and isinstance(errors[0], DomainError) and "不能执行「确认时长」" in str(errors[0].message)
    assert set(Attendance.objects.values_list("status", flat=True)) == {AttendanceStatus.CONFIRMED}
    assert AuditEvent.objects.filter(action="volunteering.hours.confirm").count() == 4


def test_no_sign_up_slips_in_after_the_activity_is_cancelled(district, at):
    activity = make_activity(district, capacity=50)
    people = [make_volunteer(district, f"取消前{i}") for i in range(12)]
    organiser = district["community_worker_a"]
    results = run_together(
        *[(lambda v=v: sign(v, activity)) for v in people[:6]],
        lambda: activity_cancel(actor=organiser, activity_id=activity.pk),
        *[(lambda v=v: sign(v, activity)) for v in people[6:]],
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert all("活动已取消" in str(e) for e in errors), errors
    cancel = AuditEvent.objects.get(action="volunteering.activity.cancel")
    created = AuditEvent.objects.filter(action="volunteering.signup.create")
    # Sign-ups and the cancellation queue on the activity row: every sign-up made was made before it.
    assert created.count() == Signup.objects.filter(activity=activity).count() == len(results) - 1 - len(errors)
    assert all(e.pk < cancel.pk for e in created)
