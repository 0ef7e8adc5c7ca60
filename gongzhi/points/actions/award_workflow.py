"""The award workflow: proposed → reviewed → published (公示) → posted; rejected; objected during publicity (back to
review); a posted deduction can be appealed (upheld → reversed in the ledger, or dismissed).

`award_transition` is the one function that moves an award; it checks the table in models.TRANSITIONS and the
permission, and writes an AwardEvent for every move.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import Membership, Role
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import AreaLevel
from gongzhi.core import clock, ledger
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.points.actions.schemes import system_account
from gongzhi.points.models import (
    ACTION_LABELS,
    TRANSITIONS,
    AwardEvent,
    AwardState,
    PointsAward,
)


def record_event(award: PointsAward, *, action: str, from_state: str, actor: Any, note: str = "") -> AwardEvent:
    return AwardEvent.objects.create(
        award=award,
        action=action,
        from_state=from_state,
        to_state=award.state,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        occurred_at=clock.now(),
    )


def allowed_actions(award: PointsAward) -> list[str]:
    moves = [action for action, (sources, _to) in TRANSITIONS.items() if award.state in sources]
    if award.state == AwardState.PROPOSED and award.rule.needs_review:
        moves.remove("publish")
    if award.state == AwardState.POSTED and not award.is_deduction:
        moves.remove("appeal")
    return moves


def _refuse(award: PointsAward, action: str) -> ValidationFailed:
    moves = allowed_actions(award)
    listed = "、".join(f"{m}（{ACTION_LABELS[m]}）" for m in moves) or _("无")
    return ValidationFailed(
        _("当前状态「%(state)s」不能执行「%(action)s」；可执行的操作：%(moves)s")
        % {"state": award.get_state_display(), "action": action, "moves": listed},
        field="action",
        details={"state": award.state, "action": action, "allowed": moves},
    )


def _is_resident_of_community(user: Any, area_code: str) -> bool:
    community = code_at(area_code, AreaLevel.COMMUNITY)
    resident = getattr(user, "resident", None)
    if resident is not None and resident.area_code.startswith(community):
        return True
    return Membership.objects.filter(user_id=user.pk, role=Role.RESIDENT, area__code__startswith=community).exists()


def _is_own_household(user: Any, award: PointsAward) -> bool:
    resident = getattr(user, "resident", None)
    if resident is None:
        return False
    if award.account.household_id is not None:
        return resident.household_id == award.account.household_id
    return resident.pk == award.account.resident_id


def _check_permission(user: Any, award: PointsAward, action: str) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied(_("请先登录"))
    if action == "object":
        if rules.allows(user, "points.view", award.area_code) or _is_resident_of_community(user, award.area_code):
            return
        raise PermissionDenied(_("只有本社区居民或工作人员可以对公示提出异议"), details={"action": action})
    if action == "appeal":
        if _is_own_household(user, award):
            return
        raise PermissionDenied(_("只有被扣分的户可以申诉"), details={"action": action})
    rules.require(user, "points.review", award.area_code)


def award_get_for_update(*, award_id: int) -> PointsAward:
    try:
        award = (
            PointsAward.objects.select_for_update(of=("self",))
            .select_related("rule", "account", "account__ledger_account", "scheme")
            .get(pk=award_id)
        )
    except (PointsAward.DoesNotExist, ValueError, TypeError):
        award = None
    if award is None:
        raise NotFound(_("积分奖惩记录不存在：%(id)s") % {"id": award_id}, field="award_id")
    return award


@transaction.atomic
def award_transition(*, actor: Any, award_id: int, action: str, note: str = "", system: bool = False) -> PointsAward:
    """Move an award by one action of the table. `system=True` is for the sweep and hooks (no user)."""
    if action not in TRANSITIONS:
        raise ValidationFailed(
            _("未知的操作：%(action)s；可用：%(all)s") % {"action": action, "all": "、".join(TRANSITIONS)},
            field="action",
        )
    note = _text(note, field="note", max_length=2000)
    award = award_get_for_update(award_id=award_id)
    if not system:
        # Permission before state: someone outside the area learns nothing about the award's state.
        _check_permission(actor, award, action)
    if action not in allowed_actions(award):
        raise _refuse(award, action)
    now = clock.now()
    from_state = award.state
    target = TRANSITIONS[action][1]
    if (
        action == "review"
        and award.proposed_by_id is not None
        and actor is not None
        and award.proposed_by_id == actor.pk
    ):
        raise PermissionDenied(_("提议人不能审核自己提议的积分"), field="action", details={"action": action})
    if action in ("object", "appeal", "reject", "uphold", "dismiss") and not note:
        raise ValidationFailed(_("请填写理由"), field="note")
    if action == "object" and now >= award.publicity_ends_at:
        raise ValidationFailed(
            _("公示期已于 %(end)s 结束，不能再提出异议")
            % {"end": timezone.localtime(award.publicity_ends_at).strftime("%Y-%m-%d %H:%M")},
            field="action",
            details={"publicity_ends_at": award.publicity_ends_at.isoformat()},
        )
    if action == "post":
        if now < award.publicity_ends_at:
            raise ValidationFailed(
                _("公示期至 %(end)s 结束，之后才能记账")
                % {"end": timezone.localtime(award.publicity_ends_at).strftime("%Y-%m-%d %H:%M")},
                field="action",
                details={"publicity_ends_at": award.publicity_ends_at.isoformat()},
            )
        return award_post(award=award, actor=actor, note=note)

    award.state = target
    award.updated_at = now
    fields = ["state", "updated_at"]
    if action == "review":
        award.reviewed_by = actor
        fields.append("reviewed_by")
    elif action == "publish":
        award.published_at = now
        award.publicity_ends_at = now + dt.timedelta(days=award.scheme.publicity_days)
        fields += ["published_at", "publicity_ends_at"]
    elif action == "uphold":
        award.reversal = ledger.reverse(
            transaction=award.transaction,
            memo=str(_("申诉成立，冲正：%(rule)s") % {"rule": award.rule.name}),
            actor=actor,
            reference=f"points:appeal:{award.pk}",
        )
        fields.append("reversal")
    award.save(update_fields=fields)
    record_event(award, action=action, from_state=from_state, actor=actor, note=note)
    return award


def _ledger_reference(award: PointsAward) -> str:
    if award.source_type:
        return f"points:src:{award.source_type}:{award.source_id}"
    return f"points:award:{award.pk}"


# No savepoint of its own: called inside award_transition's transaction, whose caller sees any error anyway, and
# on the hot path of the sweep a savepoint is two more round trips per award.
@transaction.atomic(savepoint=False)
def award_post(*, award: PointsAward, actor: Any, note: str = "") -> PointsAward:
    """Write a published award to the ledger (issuance ↔ account). The ledger reference is the award's source,
    so even a second award slipping past the unique constraint could not pay the same source twice."""
    if award.state != AwardState.PUBLISHED:
        raise _refuse(award, "post")
    issuance = system_account(award.scheme, "issuance", spread=award.account_id)
    account = award.account.ledger_account
    kind = "points.deduction" if award.points < 0 else "points.award"
    memo = f"{award.rule.name} {award.points:+d}"
    txn = ledger.post(
        kind=kind,
        lines=[(issuance, -award.points), (account, award.points)],
        memo=memo[:255],
        reference=_ledger_reference(award),
        actor=actor,
    )
    from_state = award.state
    award.state = AwardState.POSTED
    award.transaction = txn
    award.posted_at = clock.now()
    award.updated_at = award.posted_at
    try:
        award.save(update_fields=["state", "transaction", "posted_at", "updated_at"])
    except IntegrityError:
        # The ledger returned the transaction already posted for this source to another award (one transaction per
        # award is a unique key). Nothing more runs in this transaction: the error rolls all of it back.
        award.state, award.transaction = from_state, None
        raise Conflict(_("该来源已经记过账，不能重复记账"), field="source_id") from None
    record_event(award, action="post", from_state=from_state, actor=actor, note=note)
    return award
