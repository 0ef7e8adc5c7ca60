"""决: votes whose rules are stated before they open and frozen by the first ballot; ballots (one per person or
one per household, open or secret, with a receipt code); closing at the deadline."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import clock, fsm
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.sqlnames import col, table
from gongzhi.core.text import clean_text
from gongzhi.deliberation import selectors
from gongzhi.deliberation.actions._common import choice, integer
from gongzhi.deliberation.lifecycles import VOTE
from gongzhi.deliberation.models import (
    Ballot,
    BallotChoice,
    Choice,
    Invitation,
    Majority,
    Meeting,
    MeetingState,
    TieRule,
    Topic,
    Vote,
    VoteBasis,
    VoteMode,
    VoteState,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

RULE_FIELDS = ("basis", "quorum_percent", "majority", "tie_rule", "secret", "mode", "closes_at")


def _rules(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "basis" in raw:
        out["basis"] = choice(raw["basis"], VoteBasis.values, field="basis")
    if "quorum_percent" in raw:
        out["quorum_percent"] = integer(raw["quorum_percent"], field="quorum_percent", low=0, high=100)
    if "majority" in raw:
        out["majority"] = choice(raw["majority"], Majority.values, field="majority")
    if "tie_rule" in raw:
        out["tie_rule"] = choice(raw["tie_rule"], TieRule.values, field="tie_rule")
    if "secret" in raw:
        if not isinstance(raw["secret"], bool):
            raise ValidationFailed(_("secret 必须是 true 或 false"), field="secret")
        out["secret"] = raw["secret"]
    if "mode" in raw:
        out["mode"] = choice(raw["mode"], VoteMode.values, field="mode")
    if "closes_at" in raw:
        value = raw["closes_at"]
        if not isinstance(value, dt.datetime):
            raise ValidationFailed(_("closes_at 必须是时间"), field="closes_at")
        out["closes_at"] = timezone.make_aware(value) if timezone.is_naive(value) else value
    return out


@transaction.atomic
def vote_create(*, actor: User, meeting_id: int, question: Any, topic_id: int | None = None, **rules: Any) -> Vote:
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None or not selectors.visible_to(actor, meeting.area_code):
        raise NotFound(_("会议不存在：%(id)s") % {"id": meeting_id}, field="meeting_id")
    selectors.require_manager(actor, meeting.area_code, field="meeting_id")
    if meeting.state in (MeetingState.HELD, MeetingState.CANCELLED):
        raise ValidationFailed(_("会议已结束或取消，不能再发起表决"), field="meeting_id")
    unknown = sorted(set(rules) - set(RULE_FIELDS))
    if unknown:
        raise ValidationFailed(_("未知的表决规则：%(k)s") % {"k": "、".join(unknown)}, field=unknown[0])
    if "closes_at" not in rules:
        raise ValidationFailed(_("请填写投票截止时间"), field="closes_at")
    checked = _rules(rules)
    if checked["closes_at"] <= clock.now():
        raise ValidationFailed(_("截止时间必须晚于现在"), field="closes_at")
    topic = None
    if topic_id is not None:
        topic = Topic.objects.filter(pk=topic_id).first()
        if topic is None or not meeting.agenda.filter(topic=topic).exists():
            raise ValidationFailed(_("议题不在本次会议的议程中：%(id)s") % {"id": topic_id}, field="topic_id")
    question = clean_text(question, field="question", max_length=200, required=True)
    return Vote.objects.create(meeting=meeting, topic=topic, question=question, area_code=meeting.area_code, **checked)


@transaction.atomic
def vote_rules_update(*, actor: User, vote_id: int, **rules: Any) -> Vote:
    """Change the stated rules; refused once a ballot is cast (or counts entered), naming the field."""
    vote = Vote.objects.select_for_update().filter(pk=vote_id).first()
    if vote is None or not selectors.visible_to(actor, vote.area_code):
        raise NotFound(_("表决不存在：%(id)s") % {"id": vote_id}, field="vote_id")
    selectors.require_manager(actor, vote.area_code, field="vote_id")
    unknown = sorted(set(rules) - set(RULE_FIELDS))
    if unknown:
        raise ValidationFailed(_("未知的表决规则：%(k)s") % {"k": "、".join(unknown)}, field=unknown[0])
    checked = _rules(rules)
    if not checked:
        raise ValidationFailed(_("请填写要修改的规则"), field="rules")
    changes = {k: v for k, v in checked.items() if getattr(vote, k) != v}
    first = next(iter(changes), next(iter(checked)))
    if vote.rules_locked or vote.state not in (VoteState.DRAFT, VoteState.OPEN):
        raise ValidationFailed(
            _("已有人投票或表决已结束，表决规则不能再修改（%(field)s）") % {"field": first}, field=first
        )
    if "closes_at" in changes and changes["closes_at"] <= clock.now():
        raise ValidationFailed(_("截止时间必须晚于现在"), field="closes_at")
    for key, value in changes.items():
        setattr(vote, key, value)
    if changes:
        vote.save(update_fields=list(changes))
    return vote


@dataclass(frozen=True)
class Receipt:
    vote_id: int
    code: str  # shown to the voter once; only its digest is stored, on the choice row


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _locked_for_ballot(vote_id: int) -> Vote | None:
    """The vote row, locked against a change of its rules or state for the rest of the ballot's transaction.

    Once the rules are frozen (the first ballot), ballots take a share lock on PostgreSQL: they do not queue on
    each other, while a rules change or a move of the vote (close, record …, which lock FOR UPDATE) still waits
    for every ballot in flight, and a ballot after it sees the new state. The first ballot, which flips
    `rules_locked`, locks FOR UPDATE (two share holders could not both upgrade). `rules_locked` never turns
    back, so a share lock taken on a frozen vote stays right. SQLite serialises writers anyway.
    """
    if connection.vendor == "postgresql":
        # Read the flag without a lock first: a share lock must not be upgraded later (two would deadlock).
        frozen = Vote.objects.filter(pk=vote_id).values_list("rules_locked", flat=True).first()
        if frozen is None:
            return None
        if frozen:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT 1 FROM {table(Vote)} WHERE {col(Vote, 'pk')} = %s FOR SHARE",  # noqa: S608 (names from the model)
                    [vote_id],
                )
            return Vote.objects.filter(pk=vote_id).first()
    return Vote.objects.select_for_update().filter(pk=vote_id).first()


@transaction.atomic
def ballot_cast(*, actor: User, vote_id: int, choice_value: Any) -> Receipt:
    """One ballot: invited, before the deadline, once per person (or once per household, the first counting).

    The vote row is locked (so the rules cannot change under a ballot and the first ballot freezes them);
    the unique indexes on (vote, user) and (vote, household) decide two members of a household voting at once.
    """
    picked = choice(choice_value, Choice.values, field="choice")
    vote = _locked_for_ballot(vote_id)
    if vote is None:
        raise NotFound(_("表决不存在：%(id)s") % {"id": vote_id}, field="vote_id")
    invited = Invitation.objects.filter(meeting_id=vote.meeting_id, user=actor).values_list("household_id", flat=True)
    invitation = list(invited[:1])
    if not invitation:
        if not selectors.visible_to(actor, vote.area_code):
            raise NotFound(_("表决不存在：%(id)s") % {"id": vote_id}, field="vote_id")
        raise PermissionDenied(_("您未受邀参加这次表决"), field="vote_id")
    if vote.mode != VoteMode.ONLINE:
        raise ValidationFailed(_("这次表决在现场举手或纸质投票，不接受线上投票"), field="vote_id")
    now = clock.now()
    if vote.state != VoteState.OPEN or now >= vote.closes_at:
        raise ValidationFailed(_("表决未开始或已截止，不能投票"), field="vote_id")
    household = invitation[0] if vote.basis == VoteBasis.HOUSEHOLD else None
    if household is not None and Ballot.objects.filter(vote=vote, household_id=household).exists():
        raise Conflict(_("您家已有成员投票，一户只计一票"), field="household")
    try:
        with transaction.atomic():
            Ballot.objects.create(
                vote=vote,
                user=actor,
                household_id=household,
                choice="" if vote.secret else picked,
                cast_at=now,
            )
    except IntegrityError:
        if Ballot.objects.filter(vote=vote, user=actor).exists():
            raise Conflict(_("您已经投过票了"), field="vote_id") from None
        raise Conflict(_("您家已有成员投票，一户只计一票"), field="household") from None
    code = secrets.token_urlsafe(12)
    BallotChoice.objects.create(vote=vote, choice=picked, receipt_digest=_digest(code))
    if not vote.rules_locked:
        Vote.objects.filter(pk=vote.pk).update(rules_locked=True)
    return Receipt(vote_id=vote.pk, code=code)


def receipt_check(*, vote_id: int, code: str) -> bool:
    """Whether the ballot of this receipt is in the count (anyone holding the code may ask)."""
    return BallotChoice.objects.filter(vote_id=vote_id, receipt_digest=_digest(code or "")).exists()


def vote_move(*, actor: User, vote_id: int, action: str, note: str = "", data: dict[str, Any] | None = None) -> Vote:
    return fsm.transition(VOTE, vote_id, action, actor=actor, note=note, data=data or {}).obj


def votes_close_due(*, now: dt.datetime | None = None) -> list[int]:
    """The sweep: online votes past their deadline are closed (a system move each)."""
    now = now or clock.now()
    due = list(
        Vote.objects.filter(state=VoteState.OPEN, mode=VoteMode.ONLINE, closes_at__lte=now).values_list("pk", flat=True)
    )
    for pk in due:
        fsm.transition(VOTE, pk, "close", actor=None, system=True, note=_("到截止时间自动截止"))
    return due


def note_text(value: Any) -> str:
    return clean_text(value, field="note", max_length=2000)
