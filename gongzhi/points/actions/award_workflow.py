"""The award workflow: proposed → reviewed → published (公示) → posted; rejected; objected during publicity (back to
review); a posted deduction can be appealed (upheld → reversed in the ledger, or dismissed).

The table is `AWARD_MOVES`, the lifecycle `AWARD` (core.fsm); `award_transition` is the one function that moves an
award: `fsm.transition()` locks the award, checks the permission before the state (someone outside the area learns
nothing about it), refuses a move the table does not allow from the state, runs the move's effect below and writes
an AwardEvent. Proposing (creating) an award is in awards.py and writes the first event, `propose`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.accounts.models import Membership, Role
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import AreaLevel
from gongzhi.core import clock, fsm, ledger
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.points.actions.schemes import system_account
from gongzhi.points.models import (
    KIND_AWARD,
    KIND_DEDUCTION,
    REFERENCE_AWARD,
    REFERENCE_SOURCE,
    AwardEvent,
    AwardState,
    PointsAward,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

Step = fsm.Step[PointsAward, "User"]
S = AwardState

REVIEW = "points.review"
OBJECT = "points.object"  # a resident of the award's community, or staff who may view the award
APPEAL = "points.appeal"  # the household (or person) a deduction was made against


def record_event(award: PointsAward, *, action: str, from_state: str, actor: User | None, note: str = "") -> AwardEvent:
    """An award's event row (the `propose` that creates it, and every move through `_move_event`)."""
    return AwardEvent.objects.create(
        award=award,
        action=action,
        from_state=from_state,
        to_state=award.state,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
        occurred_at=clock.now(),
    )


def _until(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------------------------------------------------
# The effects, one per move that does more than change the state


def _review(step: Step) -> None:
    award = step.obj
    if award.proposed_by_id is not None and step.actor is not None and award.proposed_by_id == step.actor.pk:
        raise PermissionDenied(_("提议人不能审核自己提议的积分"), field="action", details={"action": step.name})
    award.reviewed_by = step.actor
    step.fields.add("reviewed_by")


def _publish(step: Step) -> None:
    award = step.obj
    award.published_at = step.now
    award.publicity_ends_at = step.now + dt.timedelta(days=award.scheme.publicity_days)
    step.fields |= {"published_at", "publicity_ends_at"}


def _object(step: Step) -> None:
    ends = step.obj.publicity_ends_at
    if ends is not None and step.now >= ends:
        raise ValidationFailed(
            _("公示期已于 %(end)s 结束，不能再提出异议") % {"end": _until(ends)},
            field="action",
            details={"publicity_ends_at": ends.isoformat()},
        )


def ledger_reference(award: PointsAward) -> str:
    """The award's ledger reference: its source when it has one, so one source pays once even past the award's
    own unique key."""
    if award.source_type:
        return f"{REFERENCE_SOURCE}{award.source_type}:{award.source_id}"
    return f"{REFERENCE_AWARD}{award.pk}"


def _post(step: Step) -> None:
    """Write the published award to the ledger (issuance sub-account ↔ account) once its publicity has ended."""
    award = step.obj
    ends = award.publicity_ends_at
    if ends is not None and step.now < ends:
        raise ValidationFailed(
            _("公示期至 %(end)s 结束，之后才能记账") % {"end": _until(ends)},
            field="action",
            details={"publicity_ends_at": ends.isoformat()},
        )
    issuance = system_account(award.scheme, "issuance", spread=award.account_id)
    kind = KIND_DEDUCTION if award.points < 0 else KIND_AWARD
    award.transaction = ledger.post(
        kind=kind,
        lines=[(issuance, -award.points), (award.account.ledger_account, award.points)],
        memo=f"{award.rule.name} {award.points:+d}"[:255],
        reference=ledger_reference(award),
        actor=step.actor,
    )
    award.posted_at = step.now
    step.fields |= {"transaction", "posted_at"}


def _uphold(step: Step) -> None:
    award = step.obj
    if award.transaction is None:  # a posted award always has one (a check constraint)
        raise ValidationFailed(_("该积分尚未记账，不能冲正"), field="action")
    award.reversal = ledger.reverse(
        transaction=award.transaction,
        memo=str(_("申诉成立，冲正：%(rule)s") % {"rule": award.rule.name}),
        actor=step.actor,
        reference=f"points:appeal:{award.pk}",
    )
    step.fields.add("reversal")


AWARD_MOVES: dict[str, fsm.Move[PointsAward, User]] = {
    "review": fsm.Move({S.PROPOSED, S.OBJECTED}, S.REVIEWED, REVIEW, _review, label=gettext_lazy("审核通过")),
    # From PROPOSED only when the rule needs no review (AWARD.available).
    "publish": fsm.Move({S.REVIEWED, S.PROPOSED}, S.PUBLISHED, REVIEW, _publish, label=gettext_lazy("公示")),
    "reject": fsm.Move(
        {S.PROPOSED, S.REVIEWED, S.OBJECTED}, S.REJECTED, REVIEW, needs=("note",), label=gettext_lazy("驳回")
    ),
    "object": fsm.Move({S.PUBLISHED}, S.OBJECTED, OBJECT, _object, needs=("note",), label=gettext_lazy("提出异议")),
    "post": fsm.Move({S.PUBLISHED}, S.POSTED, REVIEW, _post, label=gettext_lazy("记账")),
    # Only a deduction (AWARD.available).
    "appeal": fsm.Move({S.POSTED}, S.APPEALED, APPEAL, needs=("note",), label=gettext_lazy("申诉")),
    "uphold": fsm.Move({S.APPEALED}, S.APPEAL_UPHELD, REVIEW, _uphold, needs=("note",), label=gettext_lazy("申诉成立")),
    "dismiss": fsm.Move({S.APPEALED}, S.APPEAL_DISMISSED, REVIEW, needs=("note",), label=gettext_lazy("申诉驳回")),
}


def _available(award: PointsAward, name: str) -> bool:
    if name == "publish" and award.state == S.PROPOSED:
        return not award.rule.needs_review
    if name == "appeal":
        return award.is_deduction
    return True


def _is_resident_of_community(user: User, area_code: str) -> bool:
    community = code_at(area_code, AreaLevel.COMMUNITY)
    resident = getattr(user, "resident", None)
    if resident is not None and resident.area_code.startswith(community):
        return True
    return Membership.objects.filter(user_id=user.pk, role=Role.RESIDENT, area__code__startswith=community).exists()


def _is_own_household(user: User, award: PointsAward) -> bool:
    resident = getattr(user, "resident", None)
    if resident is None:
        return False
    if award.account.household_id is not None:
        return bool(resident.household_id == award.account.household_id)
    return bool(resident.pk == award.account.resident_id)


def _authorize(user: User, award: PointsAward, name: str, move: fsm.Move[PointsAward, User]) -> PermissionDenied | None:
    if not user.is_active:
        return PermissionDenied(_("请先登录"))
    if move.rule == OBJECT:
        if rules.allows(user, "points.view", award.area_code) or _is_resident_of_community(user, award.area_code):
            return None
        return PermissionDenied(_("只有本社区居民或工作人员可以对公示提出异议"), details={"action": name})
    if move.rule == APPEAL:
        if _is_own_household(user, award):
            return None
        return PermissionDenied(_("只有被扣分的户可以申诉"), details={"action": name})
    try:
        rules.require(user, move.rule, award.area_code)
    except PermissionDenied as denied:
        return denied
    return None


def _move_event(step: Step) -> AwardEvent:
    return AwardEvent.objects.create(
        award=step.obj,
        action=step.name,
        from_state=step.from_state,
        to_state=step.target,
        actor=step.actor if step.actor is not None and step.actor.is_authenticated else None,
        note=step.note,
        occurred_at=step.now,
    )


AWARD: fsm.Lifecycle[PointsAward, User, AwardEvent] = fsm.Lifecycle(
    model=PointsAward,
    moves=AWARD_MOVES,
    write_event=_move_event,
    authorize=_authorize,
    authorize_first=True,
    available=_available,
    noun=gettext_lazy("积分奖惩"),
    updated_field="updated_at",
    # The award row only: the rule, scheme and accounts are read, not locked here (the ledger locks the accounts,
    # in id order, after the award: the lock order of the fast path too).
    locked=lambda: PointsAward.objects.select_related("rule", "account", "account__ledger_account", "scheme"),
    lock_of=("self",),
    not_found=gettext_lazy("积分奖惩记录不存在：%(id)s"),
    field_labels={"note": gettext_lazy("理由")},
)


def allowed_actions(award: PointsAward) -> list[str]:
    """The moves the table allows from the award's state (the page's buttons, the API's `allowed_actions`)."""
    return AWARD.allowed(award)


@transaction.atomic
def award_transition(
    *, actor: User | None, award_id: int, action: str, note: str = "", system: bool = False
) -> PointsAward:
    """Move an award by one action of the table. `system=True` is for the sweep and hooks (no user)."""
    note = _text(note, field="note", max_length=2000)
    try:
        # No savepoint of its own: this function's transaction is the move's, and on the sweep's path a savepoint
        # is two more round trips per award.
        result = fsm.transition(AWARD, award_id, action, actor=actor, note=note, system=system, savepoint=False)
    except IntegrityError:
        # Only the post: the ledger returned the transaction already posted for this source to another award (one
        # transaction per award is a unique key). Raised out of this transaction, which rolls all of it back.
        raise Conflict(_("该来源已经记过账，不能重复记账"), field="source_id") from None
    return result.obj
