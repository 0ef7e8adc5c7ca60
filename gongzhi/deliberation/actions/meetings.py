"""议: meetings of the four kinds, the monthly council day and its proposed agenda, invitations through the
outbox, registration with capacity and waitlist, sign-in by the volunteering app's rotating QR code or by list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Membership, Role, User
from gongzhi.areas.codes import LEVEL_LENGTHS, ancestor_codes
from gongzhi.areas.models import Area
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock, fsm
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.deliberation import notify, selectors
from gongzhi.deliberation.actions._common import area as _area
from gongzhi.deliberation.actions._common import choice, integer
from gongzhi.deliberation.lifecycles import MEETING, REGISTRATION, TOPIC
from gongzhi.deliberation.models import (
    AgendaItem,
    Invitation,
    InviteeKind,
    Meeting,
    MeetingKind,
    MeetingState,
    Registration,
    RegistrationState,
    SignIn,
    SignInMethod,
    Topic,
    TopicState,
)
from gongzhi.volunteering import codes

COUNCIL_START = dt.time(9, 0)
COUNCIL_MINUTES = 120
DEFAULT_ITEM_MINUTES = 15
MAX_CAPACITY = 10_000
INVITE_GROUPS = tuple(InviteeKind.values)


def _aware(value: Any, *, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ValidationFailed(_("%(field)s 必须是时间") % {"field": field}, field=field)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@transaction.atomic
def meeting_create(
    *,
    actor: User | None,
    kind: Any,
    title: Any,
    area_code: Any,
    starts_at: Any,
    ends_at: Any,
    place: Any = "",
    capacity: Any = 50,
    council_date: dt.date | None = None,
) -> Meeting:
    kind = choice(kind, MeetingKind.values, field="kind")
    title = clean_text(title, field="title", max_length=100, required=True)
    place = clean_text(place, field="place", max_length=100)
    area = _area(area_code, field="area_code")
    if actor is not None:
        selectors.require_manager(actor, area.code, field="area_code")
    starts, ends = _aware(starts_at, field="starts_at"), _aware(ends_at, field="ends_at")
    if ends <= starts:
        raise ValidationFailed(_("结束时间必须晚于开始时间"), field="ends_at")
    capacity = integer(capacity, field="capacity", low=1, high=MAX_CAPACITY)
    try:
        with transaction.atomic():
            return Meeting.objects.create(
                kind=kind,
                title=title,
                area=area,
                area_code=area.code,
                starts_at=starts,
                ends_at=ends,
                place=place,
                capacity=capacity,
                council_date=council_date,
                created_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("该社区这一天的议事会已经创建"), field="council_date") from None


@transaction.atomic
def council_day_create(*, actor: User | None, community_code: str, year: int, month: int) -> Meeting:
    """The month's council day of a community (the 15th or the next working day): the 小区议事会 meeting, and its
    agenda proposed from the accepted topics, most supported first, as many as fit the meeting's two hours."""
    area = _area(community_code, field="community_code")
    if len(area.code) != LEVEL_LENGTHS["community"]:
        raise ValidationFailed(_("议事日按社区设置，请选择一个社区"), field="community_code")
    if actor is not None:
        selectors.require_manager(actor, area.code, field="community_code")
    settings = selectors.settings_for(area.code)
    day = selectors.council_date(year, month, settings.council_day)
    existing = Meeting.objects.filter(area=area, council_date=day).first()
    if existing is not None:
        raise Conflict(
            _("%(name)s %(day)s 的议事会已经创建") % {"name": area.name, "day": day.isoformat()},
            field="month",
            details={"meeting_id": existing.pk},
        )
    starts = timezone.make_aware(dt.datetime.combine(day, COUNCIL_START))
    meeting = meeting_create(
        actor=None,
        kind=MeetingKind.COMPOUND_COUNCIL,
        title=_("%(name)s %(y)s年%(m)s月议事会") % {"name": area.name, "y": day.year, "m": day.month},
        area_code=area.code,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=COUNCIL_MINUTES),
        place=_("社区党群服务中心"),
        council_date=day,
    )
    if actor is not None:
        meeting.created_by = actor
        meeting.save(update_fields=["created_by"])
    agenda_propose(actor=actor, meeting=meeting)
    return meeting


def agenda_propose(*, actor: User | None, meeting: Meeting) -> list[AgendaItem]:
    """Accepted topics of the meeting's area, most supported first, until the meeting's time is used."""
    budget = int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
    used = sum(a.duration_minutes for a in meeting.agenda.all())
    topics = (
        Topic.objects.filter(code_range_q(meeting.area_code, "area_code"), state=TopicState.ACCEPTED)
        .order_by("-support_count", "created_at", "id")
        .values_list("pk", "title")
    )
    items = []
    position = meeting.agenda.count()
    for pk, title in topics:
        if used + DEFAULT_ITEM_MINUTES > budget:
            break
        position += 1
        items.append(
            AgendaItem.objects.create(
                meeting=meeting, topic_id=pk, title=title, duration_minutes=DEFAULT_ITEM_MINUTES, position=position
            )
        )
        used += DEFAULT_ITEM_MINUTES
        fsm.transition(TOPIC, pk, "schedule", actor=actor, system=actor is None, savepoint=False)
    return items


def _lock_meeting(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("会议不存在：%(id)s") % {"id": meeting_id}, field="meeting_id")
    return meeting


@transaction.atomic
def agenda_item_add(
    *, actor: User, meeting_id: int, title: Any = "", duration_minutes: Any = DEFAULT_ITEM_MINUTES, topic_id: Any = None
) -> AgendaItem:
    meeting = _lock_meeting(meeting_id)
    selectors.require_manager(actor, meeting.area_code, field="meeting_id")
    if meeting.state in (MeetingState.HELD, MeetingState.CANCELLED):
        raise ValidationFailed(_("会议已结束或取消，不能再修改议程"), field="meeting_id")
    minutes = integer(duration_minutes, field="duration_minutes", low=1, high=480)
    topic = None
    if topic_id is not None:
        topic = Topic.objects.filter(pk=topic_id).first() if isinstance(topic_id, int) else None
        if topic is None or not (
            topic.area_code.startswith(meeting.area_code) or meeting.area_code.startswith(topic.community_code)
        ):
            raise ValidationFailed(_("议题不存在或不属于会议所在区域：%(id)s") % {"id": topic_id}, field="topic_id")
        if AgendaItem.objects.filter(meeting=meeting, topic=topic).exists():
            raise Conflict(_("该议题已在本次会议议程中"), field="topic_id")
    title = clean_text(title, field="title", max_length=100, required=topic is None) or (topic.title if topic else "")
    position = meeting.agenda.count() + 1
    item = AgendaItem.objects.create(
        meeting=meeting, topic=topic, title=title, duration_minutes=minutes, position=position
    )
    if topic is not None and topic.state == TopicState.ACCEPTED:
        fsm.transition(TOPIC, topic.pk, "schedule", actor=actor)
    return item


def _invitees(meeting: Meeting, groups: list[str]) -> dict[int, str]:
    """user id → invitee kind, for the groups asked: residents of the area (accounts linked to a resident there, or
    a resident membership), representatives (party members, volunteers), departments and partners above it."""
    code = meeting.area_code
    out: dict[int, str] = {}
    if InviteeKind.RESIDENT in groups:
        linked = User.objects.filter(code_range_q(code, "resident__area_code"), is_active=True).values_list(
            "pk", flat=True
        )
        members = Membership.objects.filter(code_range_q(code, "area__code"), role=Role.RESIDENT).values_list(
            "user_id", flat=True
        )
        for uid in [*linked, *members]:
            out.setdefault(uid, InviteeKind.RESIDENT)
    near = Q(area__code__in=ancestor_codes(code)) | code_range_q(code, "area__code")
    wanted = {
        InviteeKind.REPRESENTATIVE: (Role.PARTY_MEMBER, Role.VOLUNTEER),
        InviteeKind.DEPARTMENT: (Role.DEPARTMENT,),
        InviteeKind.PARTNER: (Role.PARTNER,),
    }
    for kind, roles in wanted.items():
        if kind in groups:
            for uid in Membership.objects.filter(near, role__in=roles).values_list("user_id", flat=True):
                out.setdefault(uid, kind)
    return out


@transaction.atomic
def meeting_invite(
    *, actor: User, meeting_id: int, groups: list[str] | None = None, user_ids: list[int] | None = None
) -> int:
    """Invite the groups (and named accounts); each new invitee gets an inbox message. Returns how many are new."""
    meeting = _lock_meeting(meeting_id)
    selectors.require_manager(actor, meeting.area_code, field="meeting_id")
    if meeting.state in (MeetingState.HELD, MeetingState.CANCELLED):
        raise ValidationFailed(_("会议已结束或取消，不能再邀请"), field="meeting_id")
    groups = [choice(g, INVITE_GROUPS, field="groups") for g in (groups or [])]
    wanted = _invitees(meeting, groups)
    for uid in user_ids or []:
        if not isinstance(uid, int) or isinstance(uid, bool):
            raise ValidationFailed(_("user_ids 必须是账号编号（整数）"), field="user_ids")
        wanted.setdefault(uid, InviteeKind.REPRESENTATIVE)
    if not wanted:
        raise ValidationFailed(_("请选择要邀请的人群或账号"), field="groups")
    known = dict(User.objects.filter(pk__in=wanted).values_list("pk", "resident__household_id"))
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise ValidationFailed(_("账号不存在：%(ids)s") % {"ids": "、".join(map(str, unknown))}, field="user_ids")
    already = set(Invitation.objects.filter(meeting=meeting).values_list("user_id", flat=True))
    now = clock.now()
    new = [
        Invitation(meeting=meeting, user_id=uid, household_id=known[uid], kind=kind, invited_at=now)
        for uid, kind in wanted.items()
        if uid not in already
    ]
    Invitation.objects.bulk_create(new)
    notify.invited(meeting, [i.user_id for i in new])
    return len(new)


@transaction.atomic
def meeting_register(*, actor: User, meeting_id: int) -> Registration:
    """Register for a meeting: a place while there are places, else the waitlist (in order of registration)."""
    meeting = _lock_meeting(meeting_id)  # serialises everyone counting the places of this meeting
    if not (selectors.participates(actor, meeting.area_code) or selectors.is_invited(actor, meeting)):
        raise PermissionDenied(_("您不在该会议的区域内，也未受邀"), field="meeting_id")
    if meeting.state not in (MeetingState.PLANNED, MeetingState.OPEN):
        raise ValidationFailed(
            _("会议当前状态为「%(state)s」，不能报名") % {"state": meeting.get_state_display()}, field="meeting_id"
        )
    existing = Registration.objects.filter(meeting=meeting, user=actor).first()
    if existing is not None and existing.state != RegistrationState.CANCELLED:
        raise Conflict(_("您已经报名了这次会议"), field="meeting_id")
    taken = Registration.objects.filter(meeting=meeting, state=RegistrationState.REGISTERED).count()
    state = RegistrationState.REGISTERED if taken < meeting.capacity else RegistrationState.WAITLISTED
    if existing is not None:
        existing.delete()  # a cancelled registration: register afresh, at the end of the queue
    return Registration.objects.create(meeting=meeting, user=actor, state=state)


def registration_cancel(*, actor: User, registration_id: int) -> Registration:
    return fsm.transition(REGISTRATION, registration_id, "cancel", actor=actor).obj


def meeting_move(*, actor: User, meeting_id: int, action: str, note: str = "") -> Meeting:
    return fsm.transition(MEETING, meeting_id, action, actor=actor, note=note).obj


def sign_in_code(*, actor: User, meeting_id: int) -> str:
    """The rotating code the chair's phone shows (the volunteering app's HMAC codes, keyed by this meeting)."""
    meeting = selectors.meeting_get(user=actor, meeting_id=meeting_id)
    selectors.require_manager(actor, meeting.area_code, field="meeting_id")
    return codes.make(activity_id=meeting.pk, salt=meeting.qr_salt, purpose="in")


def _sign_in_window(meeting: Meeting, now: dt.datetime) -> None:
    if meeting.state in (MeetingState.CANCELLED, MeetingState.HELD):
        raise ValidationFailed(_("会议已结束或取消，不能签到"), field="meeting_id")
    if now < meeting.starts_at - dt.timedelta(hours=1) or now > meeting.ends_at:
        raise ValidationFailed(_("只能在会议开始前一小时到会议结束之间签到"), field="code")


@transaction.atomic
def meeting_sign_in(*, actor: User, meeting_id: int, code: str) -> SignIn:
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("会议不存在：%(id)s") % {"id": meeting_id}, field="meeting_id")
    codes.verify(code, activity_id=meeting.pk, salt=meeting.qr_salt, purpose="in")
    _sign_in_window(meeting, clock.now())
    if not (
        selectors.is_invited(actor, meeting)
        or Registration.objects.filter(meeting=meeting, user=actor, state=RegistrationState.REGISTERED).exists()
    ):
        raise PermissionDenied(_("您未受邀也未报名这次会议，不能签到"), field="meeting_id")
    try:
        with transaction.atomic():
            return SignIn.objects.create(meeting=meeting, user=actor, method=SignInMethod.QR, recorded_by=actor)
    except IntegrityError:
        raise Conflict(_("您已签到，无需重复签到"), field="meeting_id") from None


@transaction.atomic
def meeting_sign_in_list(*, actor: User, meeting_id: int, user_ids: list[int]) -> int:
    """The chair ticks people off the invitation or registration list; returns how many were newly signed in."""
    meeting = _lock_meeting(meeting_id)
    selectors.require_manager(actor, meeting.area_code, field="meeting_id")
    _sign_in_window(meeting, clock.now())
    if not user_ids or any(not isinstance(u, int) or isinstance(u, bool) for u in user_ids):
        raise ValidationFailed(_("user_ids 必须是账号编号（整数）的列表"), field="user_ids")
    listed = set(Invitation.objects.filter(meeting=meeting, user_id__in=user_ids).values_list("user_id", flat=True))
    listed |= set(
        Registration.objects.filter(
            meeting=meeting, user_id__in=user_ids, state=RegistrationState.REGISTERED
        ).values_list("user_id", flat=True)
    )
    off_list = sorted(set(user_ids) - listed)
    if off_list:
        raise ValidationFailed(
            _("这些账号不在邀请或报名名单上：%(ids)s") % {"ids": "、".join(map(str, off_list))}, field="user_ids"
        )
    done = set(SignIn.objects.filter(meeting=meeting).values_list("user_id", flat=True))
    new = [
        SignIn(meeting=meeting, user_id=uid, method=SignInMethod.LIST, recorded_by=actor)
        for uid in sorted(set(user_ids) - done)
    ]
    SignIn.objects.bulk_create(new)
    return len(new)


def community_of(area: Area) -> str:
    return area.code[: LEVEL_LENGTHS["community"]]
