"""Sign-ups: create, cancel, decide; a freed place goes to the waitlist, first come first served.

Sign-ups lock the activity row before counting places, so concurrent sign-ups queue on the row and exactly
`capacity` of them are confirmed; the rest are waitlisted in the order they got the lock (the row id). Every
change of a sign-up's status is a move of `SIGNUP` made by `fsm.transition()`, with the activity row locked
first (the same lock order as a sign-up), so the count of places a move reads cannot change under it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import clock, fsm
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
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

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

Step = fsm.Step[Signup, "User"]

# A sign-up is created in one of these (signup_create decides which); every later change is a move below.
INITIAL = (SignupStatus.PENDING, SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)
OWN = "volunteering.signup.own"  # the person signed up, or the activity's organiser
ORGANISE = "volunteering.organise"


def _cancel(step: Step) -> None:
    signup, activity = step.obj, step.obj.activity
    if Attendance.objects.filter(signup=signup).exists():
        raise Conflict(_("已签到，不能取消报名"), field="signup_id")
    deadline = activity.cancel_deadline or activity.starts_at
    organiser = step.actor is not None and selectors.is_organiser(step.actor, activity)
    if step.now >= deadline and not organiser:
        raise ValidationFailed(
            _("已过取消截止时间（%(t)s），请联系组织者") % {"t": f"{timezone.localtime(deadline):%Y-%m-%d %H:%M}"},
            field="signup_id",
        )
    _note(step)


def _approve(step: Step) -> None:
    activity = step.obj.activity
    if selectors.confirmed_count(activity) >= activity.capacity:  # the action chose the waitlist if there is one
        raise Conflict(_("名额已满，本活动不设候补"), field="signup_id")
    _note(step)


def _after(step: Step) -> None:
    step.event_data["after"] = step.data["after"]  # the cancelled sign-up that freed the place


def _note(step: Step) -> None:
    step.obj.note = _text(step.note, field="reason", max_length=200)
    step.fields.add("note")


SIGNUP_MOVES: dict[str, fsm.Move[Signup, User]] = {
    "cancel": fsm.Move(
        {SignupStatus.PENDING, SignupStatus.CONFIRMED, SignupStatus.WAITLISTED},
        SignupStatus.CANCELLED,
        OWN,
        effect=_cancel,
        label=gettext_lazy("取消报名"),
    ),
    "approve": fsm.Move({SignupStatus.PENDING}, SignupStatus.CONFIRMED, ORGANISE, _approve, label=gettext_lazy("通过")),
    # Approved when every place is taken: onto the waitlist (only for an activity that keeps one).
    "approve_waitlisted": fsm.Move(
        {SignupStatus.PENDING}, SignupStatus.WAITLISTED, ORGANISE, _note, label=gettext_lazy("通过（候补）")
    ),
    "reject": fsm.Move({SignupStatus.PENDING}, SignupStatus.REJECTED, ORGANISE, _note, label=gettext_lazy("不通过")),
    # A place became free: the first on the waitlist moves up. Made by the platform (system=True).
    "promote": fsm.Move(
        {SignupStatus.WAITLISTED},
        SignupStatus.CONFIRMED,
        ORGANISE,
        _after,
        accepts=frozenset({"after"}),
        label=gettext_lazy("候补转正"),
    ),
}

_EVENT_ACTIONS = {
    "cancel": "volunteering.signup.cancel",
    "approve": "volunteering.signup.decide",
    "approve_waitlisted": "volunteering.signup.decide",
    "reject": "volunteering.signup.decide",
    "promote": "volunteering.signup.promote",
}


def _signup_event(step: Step) -> AuditEvent:
    data: dict[str, object] = {} if step.name in ("cancel", "promote") else {"status": step.target}
    return audit_record(
        actor=step.actor,
        action=_EVENT_ACTIONS[step.name],
        target=step.obj,
        area_code=step.obj.activity.area_code,
        data={**data, **step.event_data},
    )


def _authorize(actor: User, signup: Signup, name: str, move: fsm.Move[Signup, User]) -> PermissionDenied | None:
    activity = signup.activity
    if move.rule == OWN:
        if actor.pk == signup.volunteer.user_id or selectors.is_organiser(actor, activity):
            return None
        return PermissionDenied(_("只能取消自己的报名"), field="signup_id")
    try:
        selectors.require_organiser(actor, activity)
    except PermissionDenied as exc:
        return exc
    return None


SIGNUP: fsm.Lifecycle[Signup, User, AuditEvent] = fsm.Lifecycle(
    model=Signup,
    moves=SIGNUP_MOVES,
    write_event=_signup_event,
    authorize=_authorize,
    # Someone else's sign-up tells them nothing about its state; "already cancelled/decided" stays a 409.
    authorize_first=True,
    refused_as=Conflict,
    noun=gettext_lazy("报名"),
    state_field="status",
    updated_field="updated_at",
    # Read with the sign-up (the rule, the effects and the event need them); only the sign-up is locked here: the
    # action has already locked the activity.
    locked=lambda: Signup.objects.select_related("activity", "volunteer"),
    lock_of=("self",),
    not_found=gettext_lazy("报名记录不存在：%(id)s"),
    pk_field="signup_id",
)


def _promote_waitlist(activity: Activity, *, cause: Signup) -> list[Signup]:
    """Fill free places from the waitlist, first come first served. The caller holds the activity lock."""
    free = activity.capacity - selectors.confirmed_count(activity)
    if free <= 0:
        return []
    waiting = Signup.objects.filter(activity=activity, status=SignupStatus.WAITLISTED).order_by("id")
    return [
        fsm.transition(SIGNUP, pk, "promote", actor=None, system=True, data={"after": cause.pk}, savepoint=False).obj
        for pk in list(waiting.values_list("pk", flat=True)[:free])
    ]


@transaction.atomic
def signup_create(*, actor: User, activity_id: int, volunteer: Volunteer) -> Signup:
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


def _locked(signup_id: int) -> tuple[Signup, Activity]:
    """The sign-up and its activity, the activity row locked (every move on a sign-up takes this lock first)."""
    signup = selectors.signup_get(signup_id=signup_id)
    return signup, lock_activity(signup.activity_id)


@transaction.atomic
def signup_cancel(*, actor: User, signup_id: int, reason: str = "") -> Signup:
    """Cancel a sign-up; a freed place goes to the first person on the waitlist."""
    signup, activity = _locked(signup_id)
    result = fsm.transition(SIGNUP, signup.pk, "cancel", actor=actor, note=reason, savepoint=False)
    if result.step.from_state == SignupStatus.CONFIRMED:
        _promote_waitlist(activity, cause=result.obj)
    return result.obj


@transaction.atomic
def signup_decide(*, actor: User, signup_id: int, approve: bool, reason: str = "") -> Signup:
    """The organiser approves (a place, or the waitlist when full) or rejects a pending sign-up."""
    signup, activity = _locked(signup_id)
    move = "reject"
    if approve:
        signup.refresh_from_db(fields=["status"])  # as it is under the activity lock, for the move's name only
        full = selectors.confirmed_count(activity) >= activity.capacity
        pending = signup.status == SignupStatus.PENDING
        move = "approve_waitlisted" if pending and full and activity.waitlist else "approve"
    return fsm.transition(SIGNUP, signup.pk, move, actor=actor, note=reason, savepoint=False).obj
