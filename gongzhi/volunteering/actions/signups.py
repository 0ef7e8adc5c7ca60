"""Sign-ups: create, cancel, decide; a freed place goes to the waitlist, first come first served.

Sign-ups lock the activity row before counting places, so concurrent sign-ups queue on the row and exactly
`capacity` of them are confirmed; the rest are waitlisted in the order they got the lock (the row id).
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.volunteering import selectors
from gongzhi.volunteering.actions._common import lock_activity
from gongzhi.volunteering.models import (
    ACTIVE_SIGNUP,
    Activity,
    ActivityStatus,
    Attendance,
    Signup,
    SignupStatus,
    Volunteer,
)


def _promote_waitlist(activity: Activity, actor: Any) -> list[Signup]:
    """Fill free places from the waitlist, first come first served. The caller holds the activity lock."""
    free = activity.capacity - Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count()
    promoted = []
    if free <= 0:
        return promoted
    for s in Signup.objects.filter(activity=activity, status=SignupStatus.WAITLISTED).order_by("id")[:free]:
        s.status = SignupStatus.CONFIRMED
        s.updated_at = clock.now()
        s.save(update_fields=["status", "updated_at"])
        promoted.append(s)
        audit_record(actor=actor, action="volunteering.signup.promote", target=s, area_code=activity.area_code, data={})
    return promoted


@transaction.atomic
def signup_create(*, actor: Any, activity_id: int, volunteer: Volunteer) -> Signup:
    """Sign a person up: confirmed while places last, then waitlisted (if the activity keeps a waitlist)."""
    activity = lock_activity(activity_id)
    if actor.pk != volunteer.user_id and not selectors.is_organiser(actor, activity):
        raise PermissionDenied(_("只能为自己报名；为他人报名须是活动组织者"), field="person")
    if activity.status != ActivityStatus.OPEN:
        raise ValidationFailed(_("活动已取消，不能报名"), field="activity_id")
    now = clock.now()
    deadline = activity.signup_deadline or activity.starts_at
    if now >= deadline:
        raise ValidationFailed(
            _("报名已截止（%(t)s）") % {"t": f"{timezone.localtime(deadline):%Y-%m-%d %H:%M}"}, field="activity_id"
        )
    if Signup.objects.filter(activity=activity, volunteer=volunteer, status__in=ACTIVE_SIGNUP).exists():
        raise Conflict(_("您已报名本活动，不能重复报名"), field="person")
    problems = selectors.eligibility_problems(activity, volunteer)
    if problems:
        field, message = problems[0]
        raise ValidationFailed(message, field=field, details={"problems": [m for _f, m in problems]})
    if activity.needs_approval:
        status = SignupStatus.PENDING
    elif selectors.confirmed_count(activity) < activity.capacity:
        status = SignupStatus.CONFIRMED
    elif activity.waitlist:
        status = SignupStatus.WAITLISTED
    else:
        raise Conflict(_("名额已满，本活动不设候补"), field="activity_id")
    try:
        with transaction.atomic():
            signup = Signup.objects.create(activity=activity, volunteer=volunteer, status=status, created_at=now)
    except IntegrityError:
        raise Conflict(_("您已报名本活动，不能重复报名"), field="person") from None
    audit_record(
        actor=actor,
        action="volunteering.signup.create",
        target=signup,
        area_code=activity.area_code,
        data={"status": status},
    )
    return signup


def _signup_locked(signup_id: int) -> tuple[Signup, Activity]:
    signup = Signup.objects.filter(pk=signup_id).first()
    if signup is None:
        raise NotFound(_("报名记录不存在：%(id)s") % {"id": signup_id}, field="signup_id")
    activity = lock_activity(signup.activity_id)
    signup.refresh_from_db()
    return signup, activity


@transaction.atomic
def signup_cancel(*, actor: Any, signup_id: int, reason: str = "") -> Signup:
    """Cancel a sign-up; a freed place goes to the first person on the waitlist."""
    signup, activity = _signup_locked(signup_id)
    organiser = selectors.is_organiser(actor, activity)
    if actor.pk != signup.volunteer.user_id and not organiser:
        raise PermissionDenied(_("只能取消自己的报名"), field="signup_id")
    if signup.status not in ACTIVE_SIGNUP:
        raise Conflict(_("该报名已取消或未通过"), field="signup_id")
    if Attendance.objects.filter(signup=signup).exists():
        raise Conflict(_("已签到，不能取消报名"), field="signup_id")
    deadline = activity.cancel_deadline or activity.starts_at
    if not organiser and clock.now() >= deadline:
        raise ValidationFailed(
            _("已过取消截止时间（%(t)s），请联系组织者") % {"t": f"{timezone.localtime(deadline):%Y-%m-%d %H:%M}"},
            field="signup_id",
        )
    was_confirmed = signup.status == SignupStatus.CONFIRMED
    signup.status = SignupStatus.CANCELLED
    signup.note = _text(reason, field="reason", max_length=200)
    signup.updated_at = clock.now()
    signup.save(update_fields=["status", "note", "updated_at"])
    audit_record(actor=actor, action="volunteering.signup.cancel", target=signup, area_code=activity.area_code)
    if was_confirmed:
        _promote_waitlist(activity, actor)
    return signup


@transaction.atomic
def signup_decide(*, actor: Any, signup_id: int, approve: bool, reason: str = "") -> Signup:
    """The organiser approves (a place, or the waitlist when full) or rejects a pending sign-up."""
    signup, activity = _signup_locked(signup_id)
    selectors.require_organiser(actor, activity)
    if signup.status != SignupStatus.PENDING:
        raise Conflict(_("只有待审核的报名可以审核"), field="signup_id")
    if not approve:
        signup.status = SignupStatus.REJECTED
    elif selectors.confirmed_count(activity) < activity.capacity:
        signup.status = SignupStatus.CONFIRMED
    elif activity.waitlist:
        signup.status = SignupStatus.WAITLISTED
    else:
        raise Conflict(_("名额已满，本活动不设候补"), field="signup_id")
    signup.note = _text(reason, field="reason", max_length=200)
    signup.updated_at = clock.now()
    signup.save(update_fields=["status", "note", "updated_at"])
    audit_record(
        actor=actor,
        action="volunteering.signup.decide",
        target=signup,
        area_code=activity.area_code,
        data={"status": signup.status},
    )
    return signup
