"""Deliberation API (/api/v1/deliberation/…): topics, appeal clusters, meetings and the council day, agenda,
invitations, registrations, sign-in, votes and ballots, tallies, action items, ratings, surveys, the weekly topic.

Same permissions as the pages (the actions check them); every write honours `Idempotency-Key`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.params.functions import Path as PathParam

from gongzhi.accounts.auth import api_auth
from gongzhi.core.idempotency import idempotent
from gongzhi.core.types import ApiRequest
from gongzhi.deliberation import selectors, summary
from gongzhi.deliberation.actions import evaluation, items, meetings, records, topics, votes
from gongzhi.deliberation.lifecycles import TOPIC
from gongzhi.deliberation.models import (
    ActionItem,
    AgendaComment,
    AgendaItem,
    Meeting,
    Minutes,
    Registration,
    SignIn,
    Topic,
    Vote,
    WeeklyTopic,
)

router = Router(tags=["deliberation"], auth=api_auth)

MAX_ID: int = 2**62
AREA = r"^\d{6,17}$"


def _id(name: str) -> Any:
    return PathParam(..., ge=1, le=MAX_ID, description=name)


# ---------------------------------------------------------------------------------------------------------------
# Topics


class TopicOut(Schema):
    id: int
    title: str
    description: str
    area_code: str
    community_code: str
    channel: str
    state: str
    state_label: str
    support_count: int
    merged_into_id: int | None
    on_behalf_of: str
    outcome: str
    appeal_ids: list[int]
    created_at: dt.datetime
    allowed: list[str] = Field(default_factory=list, description="moves the caller may make now")

    @staticmethod
    def build(t: Topic, user: Any = None) -> TopicOut:
        return TopicOut(
            id=t.pk,
            title=t.title,
            description=t.description,
            area_code=t.area_code,
            community_code=t.community_code,
            channel=t.channel,
            state=t.state,
            state_label=str(t.get_state_display()),
            support_count=t.support_count,
            merged_into_id=t.merged_into_id,
            on_behalf_of=t.on_behalf_of,
            outcome=t.outcome,
            appeal_ids=sorted(t.appeal_links.values_list("appeal_id", flat=True)),
            created_at=t.created_at,
            allowed=TOPIC.allowed(t, user) if user is not None else [],
        )


class TopicPage(Schema):
    items: list[TopicOut]


class TopicFilters(Schema):
    area: str | None = Field(None, pattern=AREA)
    state: str | None = Field(None, max_length=16)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class TopicIn(Schema):
    title: str = Field(..., max_length=100)
    area_code: str = Field(..., pattern=AREA)
    description: str = Field("", max_length=4000)
    channel: str = Field("online", description="online; walk_in or phone when staff record it for someone")
    on_behalf_of: str = Field("", max_length=64, description="who raised it (walk_in, phone)")


class TransitionIn(Schema):
    action: str = Field(..., max_length=32)
    note: str = Field("", max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict)


@router.get("/deliberation/topics", response=TopicPage, summary="Topics of the caller's community (or area)")
def list_topics(request: ApiRequest, f: Query[TopicFilters]) -> TopicPage:
    rows = selectors.topics_for(request.auth, area=f.area or "", state=f.state or "", limit=f.limit, offset=f.offset)
    return TopicPage(items=[TopicOut.build(t) for t in rows])


@router.post("/deliberation/topics", response={201: TopicOut}, summary="Raise a topic (提); honours Idempotency-Key")
@idempotent("deliberation.topics.create")
def raise_topic(request: ApiRequest, data: TopicIn) -> Status[TopicOut]:
    topic = topics.topic_raise(actor=request.auth, **data.model_dump())
    return Status(201, TopicOut.build(topic, request.auth))


@router.get("/deliberation/topics/{topic_id}", response=TopicOut, summary="One topic")
def get_topic(request: ApiRequest, topic_id: int = _id("topic_id")) -> TopicOut:
    return TopicOut.build(selectors.topic_get(user=request.auth, topic_id=topic_id), request.auth)


@router.post(
    "/deliberation/topics/{topic_id}/supports",
    response={201: TopicOut},
    summary="Support a topic, once; honours Idempotency-Key",
)
@idempotent("deliberation.topics.support")
def support_topic(request: ApiRequest, topic_id: int = _id("topic_id")) -> Status[TopicOut]:
    topic = topics.topic_support(actor=request.auth, topic_id=topic_id)
    return Status(201, TopicOut.build(topic, request.auth))


@router.post(
    "/deliberation/topics/{topic_id}/transitions",
    response=TopicOut,
    summary="Move a topic: accept, reject, merge (data.into), schedule, solve_on_spot, decide, close; honours Idempotency-Key",
)
@idempotent("deliberation.topics.transition")
def move_topic(request: ApiRequest, data: TransitionIn, topic_id: int = _id("topic_id")) -> TopicOut:
    topic = topics.topic_move(actor=request.auth, topic_id=topic_id, action=data.action, note=data.note, data=data.data)
    return TopicOut.build(topic, request.auth)


class ClusterOut(Schema):
    by: str
    key: str
    label: str
    count: int
    appeal_ids: list[int]


class ClusterFilters(Schema):
    community: str = Field(..., pattern=r"^\d{12}$")


@router.get("/deliberation/clusters", response=list[ClusterOut], summary="Appeal clusters suggested as topics")
def list_clusters(request: ApiRequest, f: Query[ClusterFilters]) -> list[ClusterOut]:
    selectors.require_manager(request.auth, f.community, field="community")
    return [
        ClusterOut(by=c.by, key=c.key, label=c.label, count=c.count, appeal_ids=c.appeal_ids)
        for c in selectors.clusters(community_code=f.community)
    ]


class ClusterAcceptIn(Schema):
    community_code: str = Field(..., pattern=r"^\d{12}$")
    by: str = Field(..., description="area or category")
    key: str = Field(..., max_length=48)
    title: str = Field("", max_length=100)
    appeal_ids: list[int] | None = Field(None, max_length=10_000)


@router.post(
    "/deliberation/clusters/accept",
    response={201: TopicOut},
    summary="Turn a cluster into a topic; honours Idempotency-Key",
)
@idempotent("deliberation.clusters.accept")
def accept_cluster(request: ApiRequest, data: ClusterAcceptIn) -> Status[TopicOut]:
    topic = topics.cluster_accept(actor=request.auth, **data.model_dump())
    return Status(201, TopicOut.build(topic, request.auth))


# ---------------------------------------------------------------------------------------------------------------
# Meetings


class AgendaOut(Schema):
    id: int
    title: str
    topic_id: int | None
    duration_minutes: int
    position: int

    @staticmethod
    def build(a: AgendaItem) -> AgendaOut:
        return AgendaOut(
            id=a.pk, title=a.title, topic_id=a.topic_id, duration_minutes=a.duration_minutes, position=a.position
        )


class MeetingOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    area_code: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    capacity: int
    council_date: dt.date | None
    state: str
    agenda: list[AgendaOut]
    registered: int
    waitlisted: int
    invited: int
    signed_in: int

    @staticmethod
    def build(m: Meeting) -> MeetingOut:
        regs = dict.fromkeys(("registered", "waitlisted"), 0)
        for state in m.registrations.values_list("state", flat=True):
            if state in regs:
                regs[state] += 1
        return MeetingOut(
            id=m.pk,
            kind=m.kind,
            kind_label=str(m.get_kind_display()),
            title=m.title,
            area_code=m.area_code,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            place=m.place,
            capacity=m.capacity,
            council_date=m.council_date,
            state=m.state,
            agenda=[AgendaOut.build(a) for a in m.agenda.all()],
            registered=regs["registered"],
            waitlisted=regs["waitlisted"],
            invited=m.invitations.count(),
            signed_in=m.sign_ins.count(),
        )


class MeetingPage(Schema):
    items: list[MeetingOut]


class MeetingFilters(Schema):
    area: str | None = Field(None, pattern=AREA)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class MeetingIn(Schema):
    kind: str = Field(..., description="compound_council, grid_hall, forum or joint")
    title: str = Field(..., max_length=100)
    area_code: str = Field(..., pattern=AREA)
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = Field("", max_length=100)
    capacity: int = Field(50, ge=1, le=meetings.MAX_CAPACITY)


@router.get("/deliberation/meetings", response=MeetingPage, summary="Meetings of the caller's community (or area)")
def list_meetings(request: ApiRequest, f: Query[MeetingFilters]) -> MeetingPage:
    rows = selectors.meetings_for(request.auth, area=f.area or "", limit=f.limit, offset=f.offset)
    return MeetingPage(items=[MeetingOut.build(m) for m in rows.prefetch_related("agenda")])


@router.post(
    "/deliberation/meetings", response={201: MeetingOut}, summary="Set up a meeting (议); honours Idempotency-Key"
)
@idempotent("deliberation.meetings.create")
def create_meeting(request: ApiRequest, data: MeetingIn) -> Status[MeetingOut]:
    meeting = meetings.meeting_create(actor=request.auth, **data.model_dump())
    return Status(201, MeetingOut.build(meeting))


class CouncilDayIn(Schema):
    community_code: str = Field(..., pattern=r"^\d{12}$")
    year: int = Field(..., ge=2000, le=2100)
    month: int = Field(..., ge=1, le=12)


@router.post(
    "/deliberation/council-days",
    response={201: MeetingOut},
    summary="Create the month's council-day meeting (the 15th or the next working day) with its proposed agenda; honours Idempotency-Key",
)
@idempotent("deliberation.council_days.create")
def create_council_day(request: ApiRequest, data: CouncilDayIn) -> Status[MeetingOut]:
    meeting = meetings.council_day_create(actor=request.auth, **data.model_dump())
    return Status(201, MeetingOut.build(meeting))


@router.get("/deliberation/meetings/{meeting_id}", response=MeetingOut, summary="One meeting with its agenda")
def get_meeting(request: ApiRequest, meeting_id: int = _id("meeting_id")) -> MeetingOut:
    return MeetingOut.build(selectors.meeting_get(user=request.auth, meeting_id=meeting_id))


@router.post(
    "/deliberation/meetings/{meeting_id}/transitions",
    response=MeetingOut,
    summary="open, start, end, cancel; honours Idempotency-Key",
)
@idempotent("deliberation.meetings.transition")
def move_meeting(request: ApiRequest, data: TransitionIn, meeting_id: int = _id("meeting_id")) -> MeetingOut:
    meeting = meetings.meeting_move(actor=request.auth, meeting_id=meeting_id, action=data.action, note=data.note)
    return MeetingOut.build(meeting)


class AgendaIn(Schema):
    title: str = Field("", max_length=100)
    duration_minutes: int = Field(15, ge=1, le=480)
    topic_id: int | None = Field(None, ge=1, le=MAX_ID)


@router.post(
    "/deliberation/meetings/{meeting_id}/agenda",
    response={201: AgendaOut},
    summary="Add an agenda item; honours Idempotency-Key",
)
@idempotent("deliberation.agenda.create")
def add_agenda(request: ApiRequest, data: AgendaIn, meeting_id: int = _id("meeting_id")) -> Status[AgendaOut]:
    item = meetings.agenda_item_add(actor=request.auth, meeting_id=meeting_id, **data.model_dump())
    return Status(201, AgendaOut.build(item))


class InviteIn(Schema):
    groups: list[str] = Field(default_factory=list, description="resident, representative, department, partner")
    user_ids: list[int] = Field(default_factory=list, max_length=10_000)


class CountOut(Schema):
    count: int


@router.post(
    "/deliberation/meetings/{meeting_id}/invitations",
    response=CountOut,
    summary="Invite (via the outbox); honours Idempotency-Key",
)
@idempotent("deliberation.invitations.create")
def invite(request: ApiRequest, data: InviteIn, meeting_id: int = _id("meeting_id")) -> CountOut:
    return CountOut(count=meetings.meeting_invite(actor=request.auth, meeting_id=meeting_id, **data.model_dump()))


class RegistrationOut(Schema):
    id: int
    meeting_id: int
    user_id: int
    state: str

    @staticmethod
    def build(r: Registration) -> RegistrationOut:
        return RegistrationOut(id=r.pk, meeting_id=r.meeting_id, user_id=r.user_id, state=r.state)


@router.post(
    "/deliberation/meetings/{meeting_id}/registrations",
    response={201: RegistrationOut},
    summary="Register (a place, or the waitlist when full); honours Idempotency-Key",
)
@idempotent("deliberation.registrations.create")
def register(request: ApiRequest, meeting_id: int = _id("meeting_id")) -> Status[RegistrationOut]:
    return Status(201, RegistrationOut.build(meetings.meeting_register(actor=request.auth, meeting_id=meeting_id)))


@router.post(
    "/deliberation/registrations/{registration_id}/cancel",
    response=RegistrationOut,
    summary="Cancel a registration (the first on the waitlist gets the place); honours Idempotency-Key",
)
@idempotent("deliberation.registrations.cancel")
def cancel_registration(request: ApiRequest, registration_id: int = _id("registration_id")) -> RegistrationOut:
    return RegistrationOut.build(meetings.registration_cancel(actor=request.auth, registration_id=registration_id))


class CodeOut(Schema):
    code: str
    seconds_left: int


@router.get(
    "/deliberation/meetings/{meeting_id}/sign-in-code", response=CodeOut, summary="The chair's rotating QR code"
)
def sign_in_code(request: ApiRequest, meeting_id: int = _id("meeting_id")) -> CodeOut:
    from gongzhi.volunteering import codes

    code = meetings.sign_in_code(actor=request.auth, meeting_id=meeting_id)
    return CodeOut(code=code, seconds_left=codes.seconds_left())


class SignInIn(Schema):
    code: str = Field(..., max_length=100)


class SignInOut(Schema):
    meeting_id: int
    user_id: int
    method: str
    signed_at: dt.datetime

    @staticmethod
    def build(s: SignIn) -> SignInOut:
        return SignInOut(meeting_id=s.meeting_id, user_id=s.user_id, method=s.method, signed_at=s.signed_at)


@router.post(
    "/deliberation/meetings/{meeting_id}/sign-ins",
    response={201: SignInOut},
    summary="Sign in by QR code; honours Idempotency-Key",
)
@idempotent("deliberation.sign_ins.create")
def sign_in(request: ApiRequest, data: SignInIn, meeting_id: int = _id("meeting_id")) -> Status[SignInOut]:
    row = meetings.meeting_sign_in(actor=request.auth, meeting_id=meeting_id, code=data.code)
    return Status(201, SignInOut.build(row))


class SignInListIn(Schema):
    user_ids: list[int] = Field(..., min_length=1, max_length=10_000)


@router.post(
    "/deliberation/meetings/{meeting_id}/sign-ins/list",
    response=CountOut,
    summary="Sign in from the list; honours Idempotency-Key",
)
@idempotent("deliberation.sign_ins.list")
def sign_in_list(request: ApiRequest, data: SignInListIn, meeting_id: int = _id("meeting_id")) -> CountOut:
    n = meetings.meeting_sign_in_list(actor=request.auth, meeting_id=meeting_id, user_ids=data.user_ids)
    return CountOut(count=n)


# ---------------------------------------------------------------------------------------------------------------
# Votes


class VoteOut(Schema):
    id: int
    meeting_id: int
    topic_id: int | None
    question: str
    basis: str
    quorum_percent: int
    majority: str
    tie_rule: str
    secret: bool
    mode: str
    closes_at: dt.datetime
    state: str
    rules_locked: bool
    outcome: str
    voted: bool = False
    household_voted: bool = False

    @staticmethod
    def build(v: Vote, user: Any = None) -> VoteOut:
        status = selectors.voter_status(user, v) if user is not None else {}
        return VoteOut(
            id=v.pk,
            meeting_id=v.meeting_id,
            topic_id=v.topic_id,
            question=v.question,
            basis=v.basis,
            quorum_percent=v.quorum_percent,
            majority=v.majority,
            tie_rule=v.tie_rule,
            secret=v.secret,
            mode=v.mode,
            closes_at=v.closes_at,
            state=v.state,
            rules_locked=v.rules_locked,
            outcome=v.outcome,
            **status,
        )


class VoteIn(Schema):
    question: str = Field(..., max_length=200)
    topic_id: int | None = Field(None, ge=1, le=MAX_ID)
    basis: str = Field("person", description="person or household")
    quorum_percent: int = Field(50, ge=0, le=100, description="share of the invited persons or households")
    majority: str = Field("simple", description="simple, absolute or two_thirds")
    tie_rule: str = Field("fails", description="fails or passes")
    secret: bool = False
    mode: str = Field("online", description="online, or recorded (show of hands / paper, counts entered)")
    closes_at: dt.datetime


@router.post(
    "/deliberation/meetings/{meeting_id}/votes",
    response={201: VoteOut},
    summary="State a vote and its rules; honours Idempotency-Key",
)
@idempotent("deliberation.votes.create")
def create_vote(request: ApiRequest, data: VoteIn, meeting_id: int = _id("meeting_id")) -> Status[VoteOut]:
    vote = votes.vote_create(actor=request.auth, meeting_id=meeting_id, **data.model_dump())
    return Status(201, VoteOut.build(vote))


def _vote(request: ApiRequest, vote_id: int) -> Vote:
    vote = Vote.objects.select_related("meeting").filter(pk=vote_id).first()
    if vote is None:
        from django.utils.translation import gettext as _

        from gongzhi.core.errors import NotFound

        raise NotFound(_("表决不存在：%(id)s") % {"id": vote_id}, field="vote_id")
    selectors.meeting_get(user=request.auth, meeting_id=vote.meeting_id)
    return vote


@router.get("/deliberation/votes/{vote_id}", response=VoteOut, summary="A vote, its rules and whether you voted")
def get_vote(request: ApiRequest, vote_id: int = _id("vote_id")) -> VoteOut:
    return VoteOut.build(_vote(request, vote_id), request.auth)


class RulesIn(Schema):
    basis: str | None = None
    quorum_percent: int | None = Field(None, ge=0, le=100)
    majority: str | None = None
    tie_rule: str | None = None
    secret: bool | None = None
    mode: str | None = None
    closes_at: dt.datetime | None = None


@router.post(
    "/deliberation/votes/{vote_id}/rules",
    response=VoteOut,
    summary="Change rules (before the first ballot); honours Idempotency-Key",
)
@idempotent("deliberation.votes.rules")
def change_rules(request: ApiRequest, data: RulesIn, vote_id: int = _id("vote_id")) -> VoteOut:
    vote = votes.vote_rules_update(actor=request.auth, vote_id=vote_id, **data.model_dump(exclude_none=True))
    return VoteOut.build(vote)


@router.post(
    "/deliberation/votes/{vote_id}/transitions",
    response=VoteOut,
    summary="open, close, record (data.counts), confirm (a second person), reject_counts, publish; honours Idempotency-Key",
)
@idempotent("deliberation.votes.transition")
def move_vote(request: ApiRequest, data: TransitionIn, vote_id: int = _id("vote_id")) -> VoteOut:
    vote = votes.vote_move(actor=request.auth, vote_id=vote_id, action=data.action, note=data.note, data=data.data)
    return VoteOut.build(vote)


class BallotIn(Schema):
    choice: str = Field(..., description="yes, no, abstain or blank")


class ReceiptOut(Schema):
    vote_id: int
    receipt: str = Field(..., description="keep it: GET …/receipts/{code} shows your ballot is counted")


@router.post(
    "/deliberation/votes/{vote_id}/ballots",
    response={201: ReceiptOut},
    summary="Cast a ballot (once); honours Idempotency-Key",
)
@idempotent("deliberation.ballots.create")
def cast_ballot(request: ApiRequest, data: BallotIn, vote_id: int = _id("vote_id")) -> Status[ReceiptOut]:
    receipt = votes.ballot_cast(actor=request.auth, vote_id=vote_id, choice_value=data.choice)
    return Status(201, ReceiptOut(vote_id=receipt.vote_id, receipt=receipt.code))


class ReceiptCheckOut(Schema):
    counted: bool


@router.get("/deliberation/votes/{vote_id}/receipts/{code}", response=ReceiptCheckOut, summary="Is my ballot counted?")
def check_receipt(request: ApiRequest, code: str, vote_id: int = _id("vote_id")) -> ReceiptCheckOut:
    _vote(request, vote_id)
    return ReceiptCheckOut(counted=votes.receipt_check(vote_id=vote_id, code=code[:100]))


class TallyOut(Schema):
    vote_id: int
    question: str
    state: str
    secret: bool
    basis: str
    majority: str
    quorum_percent: int
    eligible: int
    cast: int
    quorum_needed: int
    quorum_met: bool
    counts: dict[str, int] | None = Field(None, description="shown once the vote is closed")
    tie: bool | None = None
    outcome: str | None = None
    published: bool


class TallyPage(Schema):
    meeting_id: int
    votes: list[TallyOut]


@router.get("/deliberation/meetings/{meeting_id}/tally", response=TallyPage, summary="Every vote's tally")
def tally(request: ApiRequest, meeting_id: int = _id("meeting_id")) -> TallyPage:
    meeting = selectors.meeting_get(user=request.auth, meeting_id=meeting_id)
    out = []
    for v in meeting.votes.order_by("id"):
        t = selectors.vote_tally(v)
        shown = v.state in ("closed", "published")
        out.append(
            TallyOut(
                vote_id=v.pk,
                question=v.question,
                state=v.state,
                secret=v.secret,
                basis=v.basis,
                majority=v.majority,
                quorum_percent=v.quorum_percent,
                eligible=t.eligible,
                cast=t.cast if v.mode == "online" or shown else 0,
                quorum_needed=t.quorum_needed,
                quorum_met=t.quorum_met,
                counts={"yes": t.yes, "no": t.no, "abstain": t.abstain, "blank": t.blank} if shown else None,
                tie=t.tie if shown else None,
                outcome=t.outcome if shown else None,
                published=v.state == "published",
            )
        )
    return TallyPage(meeting_id=meeting.pk, votes=out)


# ---------------------------------------------------------------------------------------------------------------
# Action items and ratings


class UpdateOut(Schema):
    percent: int
    note: str
    at: dt.datetime
    photo: str


class ActionOut(Schema):
    id: int
    title: str
    vote_id: int | None
    topic_id: int | None
    parent_id: int | None
    area_code: str
    owner_kind: str
    owner_name: str
    owner_user_id: int | None
    deadline: dt.date
    progress: int
    state: str
    overdue: bool
    updates: list[UpdateOut]
    notice_id: int | None = Field(None, description="its notice on the board once done")
    follow_ups: list[dict[str, Any]] = Field(default_factory=list, description="appeals and demands it opened")

    @staticmethod
    def build(a: ActionItem) -> ActionOut:
        return ActionOut(
            id=a.pk,
            title=a.title,
            vote_id=a.vote_id,
            topic_id=a.topic_id,
            parent_id=a.parent_id,
            area_code=a.area_code,
            owner_kind=a.owner_kind,
            owner_name=a.owner_name,
            owner_user_id=a.owner_user_id,
            deadline=a.deadline,
            progress=a.progress,
            state=a.state,
            overdue=selectors.is_overdue(a),
            updates=[
                UpdateOut(percent=u.percent, note=u.note, at=u.at, photo=u.photo.url if u.photo else "")
                for u in a.updates.all()
            ],
            notice_id=a.notice_id,
            follow_ups=[
                {"kind": f.kind, "target_id": f.target_id, "label": f.label, "url": f.url} for f in a.follow_ups.all()
            ],
        )


class ActionPage(Schema):
    items: list[ActionOut]


class ActionFilters(Schema):
    area: str | None = Field(None, pattern=AREA)
    overdue: bool = False
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class ActionIn(Schema):
    title: str = Field(..., max_length=200)
    owner_kind: str = Field(..., description="person, department, property or partner")
    owner_name: str = Field("", max_length=100)
    owner_user_id: int | None = Field(None, ge=1, le=MAX_ID)
    deadline: dt.date | None = None
    vote_id: int | None = Field(None, ge=1, le=MAX_ID)
    topic_id: int | None = Field(None, ge=1, le=MAX_ID)
    parent_id: int | None = Field(None, ge=1, le=MAX_ID)


@router.get("/deliberation/actions", response=ActionPage, summary="Action items (做), with overdue flags")
def list_actions(request: ApiRequest, f: Query[ActionFilters]) -> ActionPage:
    rows = selectors.actions_for(request.auth, area=f.area or "", overdue=f.overdue, limit=f.limit, offset=f.offset)
    return ActionPage(items=[ActionOut.build(a) for a in rows.prefetch_related("updates")])


@router.post(
    "/deliberation/actions", response={201: ActionOut}, summary="An action item of a decision; honours Idempotency-Key"
)
@idempotent("deliberation.actions.create")
def create_action(request: ApiRequest, data: ActionIn) -> Status[ActionOut]:
    return Status(201, ActionOut.build(items.action_create(actor=request.auth, **data.model_dump())))


@router.get("/deliberation/actions/{action_id}", response=ActionOut, summary="One action item and its timeline")
def get_action(request: ApiRequest, action_id: int = _id("action_id")) -> ActionOut:
    item = ActionItem.objects.filter(pk=action_id).first()
    if item is None or not (
        selectors.visible_to(request.auth, item.area_code) or item.owner_user_id == request.auth.pk
    ):
        from django.utils.translation import gettext as _

        from gongzhi.core.errors import NotFound

        raise NotFound(_("落实事项不存在：%(id)s") % {"id": action_id}, field="action_id")
    return ActionOut.build(item)


class ProgressIn(Schema):
    percent: int = Field(..., ge=0, le=100)
    note: str = Field("", max_length=2000)


@router.post(
    "/deliberation/actions/{action_id}/progress", response=ActionOut, summary="Report progress; honours Idempotency-Key"
)
@idempotent("deliberation.actions.progress")
def report_progress(request: ApiRequest, data: ProgressIn, action_id: int = _id("action_id")) -> ActionOut:
    item = items.action_progress(actor=request.auth, action_id=action_id, percent=data.percent, note=data.note)
    return ActionOut.build(item)


@router.post(
    "/deliberation/actions/{action_id}/transitions", response=ActionOut, summary="reopen; honours Idempotency-Key"
)
@idempotent("deliberation.actions.transition")
def move_action(request: ApiRequest, data: TransitionIn, action_id: int = _id("action_id")) -> ActionOut:
    return ActionOut.build(
        items.action_move(actor=request.auth, action_id=action_id, action=data.action, note=data.note)
    )


class RatingIn(Schema):
    satisfied: bool
    comment: str = Field("", max_length=500)


class RatingOut(Schema):
    action_id: int
    satisfied: bool
    state: str = Field(..., description="the item's state after the rating (reopened by an unsatisfied majority)")


@router.post(
    "/deliberation/actions/{action_id}/ratings",
    response={201: RatingOut},
    summary="Rate a finished item; honours Idempotency-Key",
)
@idempotent("deliberation.actions.rate")
def rate_action(request: ApiRequest, data: RatingIn, action_id: int = _id("action_id")) -> Status[RatingOut]:
    rating = items.action_rate(actor=request.auth, action_id=action_id, **data.model_dump())
    state = ActionItem.objects.filter(pk=action_id).values_list("state", flat=True).first() or ""
    return Status(201, RatingOut(action_id=action_id, satisfied=rating.satisfied, state=state))


# ---------------------------------------------------------------------------------------------------------------
# Surveys and the weekly topic


class QuestionIn(Schema):
    kind: str = Field(..., description="single, multiple, scale or text")
    text: str = Field(..., max_length=200)
    options: list[str] = Field(default_factory=list, max_length=20)


class SurveyIn(Schema):
    title: str = Field(..., max_length=100)
    area_code: str = Field(..., pattern=AREA)
    quarter: str = Field(..., pattern=r"^\d{4}Q[1-4]$")
    anonymous: bool = True
    questions: list[QuestionIn] = Field(..., min_length=1, max_length=evaluation.MAX_QUESTIONS)


class SurveyOut(Schema):
    id: int
    title: str
    area_code: str
    quarter: str
    anonymous: bool
    state: str


@router.post(
    "/deliberation/surveys",
    response={201: SurveyOut},
    summary="A quarterly satisfaction survey; honours Idempotency-Key",
)
@idempotent("deliberation.surveys.create")
def create_survey(request: ApiRequest, data: SurveyIn) -> Status[SurveyOut]:
    raw = data.model_dump()
    survey = evaluation.survey_create(actor=request.auth, **raw)
    return Status(201, SurveyOut.from_orm(survey))


@router.post(
    "/deliberation/surveys/{survey_id}/transitions",
    response=SurveyOut,
    summary="open or close a survey; honours Idempotency-Key",
)
@idempotent("deliberation.surveys.transition")
def move_survey(request: ApiRequest, data: TransitionIn, survey_id: int = _id("survey_id")) -> SurveyOut:
    return SurveyOut.from_orm(evaluation.survey_move(actor=request.auth, survey_id=survey_id, action=data.action))


class AnswersIn(Schema):
    answers: dict[str, Any] = Field(..., description="question id → option index, list of indexes, 1–5 or text")


@router.post(
    "/deliberation/surveys/{survey_id}/responses",
    response={201: CountOut},
    summary="Answer a survey once; honours Idempotency-Key",
)
@idempotent("deliberation.surveys.answer")
def answer_survey(request: ApiRequest, data: AnswersIn, survey_id: int = _id("survey_id")) -> Status[CountOut]:
    evaluation.survey_answer(actor=request.auth, survey_id=survey_id, answers=data.answers)
    return Status(201, CountOut(count=1))


@router.get("/deliberation/surveys/{survey_id}/results", response=dict[str, Any], summary="Results by question")
def survey_results(request: ApiRequest, survey_id: int = _id("survey_id")) -> dict[str, Any]:
    return evaluation.survey_results(actor=request.auth, survey_id=survey_id)


class WeeklyIn(Schema):
    street_code: str = Field(..., pattern=r"^\d{9}$")
    topic_id: int | None = Field(None, ge=1, le=MAX_ID, description="omit to take the most supported open topic")
    assignees: list[str] = Field(..., min_length=1, max_length=20)


class WeeklyOut(Schema):
    id: int
    street_code: str
    week_start: dt.date
    topic_id: int
    topic_title: str
    chosen_by_supports: bool
    assignees: list[str]
    state: str
    resolution: str
    solved_so_far: int

    @staticmethod
    def build(w: WeeklyTopic) -> WeeklyOut:
        return WeeklyOut(
            id=w.pk,
            street_code=w.area_code,
            week_start=w.week_start,
            topic_id=w.topic_id,
            topic_title=w.topic.title,
            chosen_by_supports=w.chosen_by_supports,
            assignees=list(w.assignees),
            state=w.state,
            resolution=w.resolution,
            solved_so_far=evaluation.weekly_solved_count(w.area_code),
        )


class WeeklyFilters(Schema):
    street: str = Field(..., pattern=r"^\d{9}$")


@router.get("/deliberation/weekly", response=list[WeeklyOut], summary="每周一题 of a street, newest first")
def list_weekly(request: ApiRequest, f: Query[WeeklyFilters]) -> list[WeeklyOut]:
    if not selectors.may_manage(request.auth, f.street):
        selectors.require_participant(request.auth, f.street, field="street")
    rows = WeeklyTopic.objects.filter(area_code=f.street).select_related("topic")[:100]
    return [WeeklyOut.build(w) for w in rows]


@router.post(
    "/deliberation/weekly", response={201: WeeklyOut}, summary="Choose this week's topic; honours Idempotency-Key"
)
@idempotent("deliberation.weekly.create")
def choose_weekly(request: ApiRequest, data: WeeklyIn) -> Status[WeeklyOut]:
    return Status(201, WeeklyOut.build(evaluation.weekly_choose(actor=request.auth, **data.model_dump())))


class NoteIn(Schema):
    note: str = Field(..., max_length=2000)


@router.post(
    "/deliberation/weekly/{weekly_id}/resolve",
    response=WeeklyOut,
    summary="Mark the weekly topic solved; honours Idempotency-Key",
)
@idempotent("deliberation.weekly.resolve")
def resolve_weekly(request: ApiRequest, data: NoteIn, weekly_id: int = _id("weekly_id")) -> WeeklyOut:
    return WeeklyOut.build(evaluation.weekly_resolve(actor=request.auth, weekly_id=weekly_id, note=data.note))


# ---------------------------------------------------------------------------------------------------------------
# Comments on agenda items, minutes and corrections, follow-ups of action items, the complaint-rate summary


class CommentOut(Schema):
    id: int
    agenda_item_id: int
    author: str
    body: str
    state: str
    hidden_reason: str
    created_at: dt.datetime

    @staticmethod
    def build(c: AgendaComment) -> CommentOut:
        return CommentOut(
            id=c.pk,
            agenda_item_id=c.item_id,
            author=c.author.display_name or c.author.username,
            body=c.body,
            state=c.state,
            hidden_reason=c.hidden_reason,
            created_at=c.created_at,
        )


class CommentIn(Schema):
    body: str = Field(..., max_length=1000)


class HideIn(Schema):
    reason: str = Field(..., max_length=500)


@router.get(
    "/deliberation/agenda/{agenda_item_id}/comments",
    response=list[CommentOut],
    summary="Comments on an agenda item (staff also see hidden ones)",
)
def list_comments(request: ApiRequest, agenda_item_id: int = _id("agenda_item_id")) -> list[CommentOut]:
    item = AgendaItem.objects.select_related("meeting").filter(pk=agenda_item_id).first()
    if item is None:
        from django.utils.translation import gettext as _

        from gongzhi.core.errors import NotFound

        raise NotFound(_("议程不存在：%(id)s") % {"id": agenda_item_id}, field="agenda_item_id")
    selectors.meeting_get(user=request.auth, meeting_id=item.meeting_id)
    return [CommentOut.build(c) for c in records.comments_visible(user=request.auth, item=item)]


@router.post(
    "/deliberation/agenda/{agenda_item_id}/comments",
    response={201: CommentOut},
    summary="Comment on an agenda item before the meeting; honours Idempotency-Key",
)
@idempotent("deliberation.comments.create")
def post_comment(
    request: ApiRequest, data: CommentIn, agenda_item_id: int = _id("agenda_item_id")
) -> Status[CommentOut]:
    comment = records.comment_post(actor=request.auth, agenda_item_id=agenda_item_id, body=data.body)
    return Status(201, CommentOut.build(comment))


@router.post(
    "/deliberation/comments/{comment_id}/hide",
    response=CommentOut,
    summary="Hide a comment, with a reason (deliberation.manage, audited); honours Idempotency-Key",
)
@idempotent("deliberation.comments.hide")
def hide_comment(request: ApiRequest, data: HideIn, comment_id: int = _id("comment_id")) -> CommentOut:
    return CommentOut.build(records.comment_hide(actor=request.auth, comment_id=comment_id, reason=data.reason))


class CorrectionOut(Schema):
    id: int
    user: str
    text: str
    state: str
    answer: str
    created_at: dt.datetime


class MinutesOut(Schema):
    id: int
    meeting_id: int
    state: str
    state_label: str
    body: str
    decisions: list[str]
    photo: str
    notice_id: int | None
    published_at: dt.datetime | None
    corrections: list[CorrectionOut]

    @staticmethod
    def build(m: Minutes) -> MinutesOut:
        return MinutesOut(
            id=m.pk,
            meeting_id=m.meeting_id,
            state=m.state,
            state_label=str(m.get_state_display()),
            body=m.body,
            decisions=list(m.decisions),
            photo=m.photo.url if m.photo else "",
            notice_id=m.notice_id,
            published_at=m.published_at,
            corrections=[
                CorrectionOut(
                    id=c.pk,
                    user=c.user.display_name or c.user.username,
                    text=c.text,
                    state=c.state,
                    answer=c.answer,
                    created_at=c.created_at,
                )
                for c in m.corrections.select_related("user")
            ],
        )


class MinutesIn(Schema):
    body: str = Field(..., max_length=20000)
    decisions: list[str] | None = Field(None, max_length=50, description="default: the published votes' outcomes")


class MinutesMoveIn(Schema):
    action: str = Field(..., max_length=32, description="revise (data.body, data.decisions), approve or publish")
    data: dict[str, Any] = Field(default_factory=dict)


class CorrectionIn(Schema):
    text: str = Field(..., max_length=2000)


@router.get("/deliberation/meetings/{meeting_id}/minutes", response=MinutesOut, summary="A meeting's minutes")
def get_minutes(request: ApiRequest, meeting_id: int = _id("meeting_id")) -> MinutesOut:
    from django.utils.translation import gettext as _

    from gongzhi.core.errors import NotFound

    meeting = selectors.meeting_get(user=request.auth, meeting_id=meeting_id)
    minutes = records.minutes_for(user=request.auth, meeting=meeting)
    if minutes is None:
        raise NotFound(_("这次会议的纪要尚未公示"), field="meeting_id")
    return MinutesOut.build(minutes)


@router.post(
    "/deliberation/meetings/{meeting_id}/minutes",
    response={201: MinutesOut},
    summary="Draft a held meeting's minutes (decisions listed); honours Idempotency-Key",
)
@idempotent("deliberation.minutes.create")
def draft_minutes(request: ApiRequest, data: MinutesIn, meeting_id: int = _id("meeting_id")) -> Status[MinutesOut]:
    minutes = records.minutes_draft(actor=request.auth, meeting_id=meeting_id, **data.model_dump())
    return Status(201, MinutesOut.build(minutes))


@router.post(
    "/deliberation/minutes/{minutes_id}/transitions",
    response=MinutesOut,
    summary="revise, approve, publish (on the notice board); honours Idempotency-Key",
)
@idempotent("deliberation.minutes.transition")
def move_minutes(request: ApiRequest, data: MinutesMoveIn, minutes_id: int = _id("minutes_id")) -> MinutesOut:
    minutes = records.minutes_move(actor=request.auth, minutes_id=minutes_id, action=data.action, data=data.data)
    return MinutesOut.build(minutes)


@router.post(
    "/deliberation/minutes/{minutes_id}/photo",
    response=MinutesOut,
    summary="The minutes' photo (JPEG/PNG/WebP ≤ 10 MB, kept without EXIF/GPS), while a draft",
)
def minutes_photo(request: ApiRequest, photo: File[UploadedFile], minutes_id: int = _id("minutes_id")) -> MinutesOut:
    return MinutesOut.build(records.minutes_photo_set(actor=request.auth, minutes_id=minutes_id, photo=photo))


@router.post(
    "/deliberation/minutes/{minutes_id}/corrections",
    response={201: CorrectionOut},
    summary="An attendee proposes a correction of the draft; honours Idempotency-Key",
)
@idempotent("deliberation.corrections.create")
def propose_correction(
    request: ApiRequest, data: CorrectionIn, minutes_id: int = _id("minutes_id")
) -> Status[CorrectionOut]:
    c = records.correction_propose(actor=request.auth, minutes_id=minutes_id, text=data.text)
    return Status(
        201,
        CorrectionOut(
            id=c.pk, user=c.user.display_name or c.user.username, text=c.text, state=c.state, answer=c.answer,
            created_at=c.created_at,
        ),
    )  # fmt: skip


@router.post(
    "/deliberation/corrections/{correction_id}/transitions",
    response=CorrectionOut,
    summary="accept or decline (with a note) a correction; honours Idempotency-Key",
)
@idempotent("deliberation.corrections.transition")
def move_correction(
    request: ApiRequest, data: TransitionIn, correction_id: int = _id("correction_id")
) -> CorrectionOut:
    c = records.correction_move(actor=request.auth, correction_id=correction_id, action=data.action, note=data.note)
    return CorrectionOut(
        id=c.pk, user=c.user.display_name or c.user.username, text=c.text, state=c.state, answer=c.answer,
        created_at=c.created_at,
    )  # fmt: skip


class FollowUpIn(Schema):
    kind: str = Field(..., description="appeal or demand")
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="appeal: description, category, area_code; demand: item_id, kind, title, description, resident_id",
    )


class FollowUpOut(Schema):
    id: int
    action_id: int
    kind: str
    target_id: int
    label: str
    url: str
    created_at: dt.datetime


@router.post(
    "/deliberation/actions/{action_id}/follow-ups",
    response={201: FollowUpOut},
    summary="An action item opens an appeal or a service demand; honours Idempotency-Key",
)
@idempotent("deliberation.actions.follow_up")
def follow_up(request: ApiRequest, data: FollowUpIn, action_id: int = _id("action_id")) -> Status[FollowUpOut]:
    f = records.action_follow_up(actor=request.auth, action_id=action_id, kind=data.kind, fields=data.fields)
    return Status(
        201,
        FollowUpOut(
            id=f.pk, action_id=f.item_id, kind=f.kind, target_id=f.target_id, label=f.label, url=f.url,
            created_at=f.created_at,
        ),
    )  # fmt: skip


class SummaryFilters(Schema):
    area: str = Field(..., pattern=AREA)
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


@router.get(
    "/deliberation/summary",
    response=dict[str, Any],
    summary="Appeals resolved through deliberation and the area's complaint rate before and after",
)
def complaint_summary(request: ApiRequest, f: Query[SummaryFilters]) -> dict[str, Any]:
    return summary.complaint_summary(user=request.auth, area_code=f.area, start=f.from_, end=f.to)
