"""Proposing awards and deductions: one, a whole activity at once (bulk), or from another app's source (the hook
volunteering calls). Caps are counted with the account row locked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Abs
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.people.models import Household, Resident
from gongzhi.points import selectors
from gongzhi.points.actions.accounts import (
    account_open_for_holder,
    account_open_for_household,
    account_open_for_resident,
    resolve_account,
)
from gongzhi.points.actions.award_workflow import award_transition, record_event
from gongzhi.points.actions.inputs import MAX_POINTS, integer
from gongzhi.points.models import (
    COUNTING_STATES,
    AwardBatch,
    AwardState,
    PointsAccount,
    PointsAward,
    PointsRule,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _check_points(rule: PointsRule, points: int | None) -> int:
    if points is None:
        return rule.points
    points = integer(points, field="points", minimum=-MAX_POINTS, maximum=MAX_POINTS)
    if points == 0 or (points > 0) != (rule.points > 0):
        kind = _("加分") if rule.points > 0 else _("扣分")
        raise ValidationFailed(
            _("规则「%(rule)s」是%(kind)s项，分值应为 %(sign)s1 到 %(max)+d")
            % {"rule": rule.name, "kind": kind, "sign": "" if rule.points > 0 else "-", "max": rule.points},
            field="points",
        )
    if abs(points) > abs(rule.points):
        word = _("扣分") if points < 0 else _("加分")
        raise ValidationFailed(
            _("%(word)s %(points)d 超出规则「%(rule)s」允许的 %(max)d 分")
            % {"word": word, "points": abs(points), "rule": rule.name, "max": abs(rule.points)},
            field="points",
            details={"rule": rule.code, "allowed": rule.points, "requested": points},
        )
    return points


def _check_caps(*, account: PointsAccount, rule: PointsRule, points: int, period: dt.date) -> None:
    # Called with the account row locked, so two proposals for one household cannot both slip under a cap.
    counting = PointsAward.objects.filter(account=account, period=period, state__in=COUNTING_STATES)
    if rule.cap_per_month is not None:
        used = counting.filter(rule=rule).aggregate(s=Sum(Abs("points")))["s"] or 0
        if used + abs(points) > rule.cap_per_month:
            raise ValidationFailed(
                _("超出规则「%(rule)s」每户每月 %(cap)d 分的上限（本月已计 %(used)d 分）")
                % {"rule": rule.name, "cap": rule.cap_per_month, "used": used},
                field="points",
                details={"cap": rule.cap_per_month, "used": used, "requested": abs(points)},
            )
    cap = account.scheme.monthly_cap
    if cap is not None and points > 0:
        used = counting.filter(points__gt=0).aggregate(s=Sum("points"))["s"] or 0
        if used + points > cap:
            raise ValidationFailed(
                _("超出每户每月加分 %(cap)d 分的上限（本月已计 %(used)d 分）") % {"cap": cap, "used": used},
                field="points",
                details={"cap": cap, "used": used, "requested": points},
            )


def _propose(
    *,
    actor: User | None,
    account: PointsAccount,
    rule: PointsRule,
    points: int | None,
    evidence: str,
    source_type: str,
    source_id: str,
    batch: AwardBatch | None,
) -> PointsAward:
    # Lock the account row: caps are counted and the new award inserted before anyone else counts.
    account = PointsAccount.objects.select_for_update().select_related("scheme").get(pk=account.pk)
    if rule.scheme_id != account.scheme_id:
        raise ValidationFailed(_("规则「%(rule)s」不属于该账户的积分方案") % {"rule": rule.name}, field="rule_code")
    if not rule.is_active:
        raise ValidationFailed(_("规则「%(rule)s」已停用") % {"rule": rule.name}, field="rule_code")
    points = _check_points(rule, points)
    evidence = _text(evidence, field="evidence", max_length=2000)
    if rule.evidence_required and not evidence:
        raise ValidationFailed(_("规则「%(rule)s」需要填写佐证材料") % {"rule": rule.name}, field="evidence")
    if bool(source_type) != bool(source_id):
        raise ValidationFailed(_("来源类型与来源编号需同时填写"), field="source_id")
    if (
        source_type
        and PointsAward.objects.filter(
            source_type=source_type, source_id=source_id, state__in=COUNTING_STATES | {AwardState.APPEAL_UPHELD}
        ).exists()
    ):
        raise Conflict(
            _("来源 %(source)s 已经计过积分，同一来源不能重复计分") % {"source": f"{source_type}:{source_id}"},
            field="source_id",
        )
    today = clock.today()
    period = _month_start(today)
    _check_caps(account=account, rule=rule, points=points, period=period)
    award = PointsAward(
        scheme=account.scheme,
        rule=rule,
        account=account,
        area_code=account.area_code,
        points=points,
        evidence=evidence,
        source_type=source_type,
        source_id=source_id,
        batch=batch,
        period=period,
        proposed_by=actor if actor is not None and actor.is_authenticated else None,
        proposed_at=clock.now(),
        updated_at=clock.now(),
    )
    try:
        with transaction.atomic():
            award.save(force_insert=True)
    except IntegrityError:
        raise Conflict(
            _("来源 %(source)s 已经计过积分，同一来源不能重复计分") % {"source": f"{source_type}:{source_id}"},
            field="source_id",
        ) from None
    record_event(award, action="propose", from_state="", actor=actor, note=evidence[:200])
    return award


@transaction.atomic
def award_propose(
    *,
    actor: User,
    rule_code: str,
    account: PointsAccount | None = None,
    household: Household | None = None,
    resident: Resident | None = None,
    points: int | None = None,
    evidence: str = "",
    source_type: str = "",
    source_id: str = "",
) -> PointsAward:
    """Propose an award (or a deduction: a rule with negative points) for an account, a household or a person."""
    source_type = _text(source_type, field="source_type", max_length=48)
    source_id = _text(source_id, field="source_id", max_length=64)
    holder = account or household or resident
    if holder is not None:
        rules.require(actor, "points.propose", holder.area_code)
    account = resolve_account(account=account, household=household, resident=resident)
    rule = selectors.rule_by_code(scheme=account.scheme, code=rule_code)
    return _propose(
        actor=actor,
        account=account,
        rule=rule,
        points=points,
        evidence=evidence,
        source_type=source_type,
        source_id=source_id,
        batch=None,
    )


@transaction.atomic
def award_bulk_propose(
    *,
    actor: User,
    households: Iterable[Household] = (),
    rule_code: str,
    title: str,
    residents: Iterable[Resident] = (),
    evidence: str = "",
    points: int | None = None,
    source_type: str = "",
    source_id: str = "",
) -> AwardBatch:
    """One proposal per household for a whole activity, all or nothing. With a source, each household's award
    gets the source id "<source_id>:household:<id>", so the activity never pays a household twice."""
    holders: list[Household | Resident] = [*dict.fromkeys(households), *dict.fromkeys(residents)]
    if not holders:
        raise ValidationFailed(_("请至少选择一户或一人"), field="households")
    title = _text(title, field="title", max_length=128, required=True)
    source_type = _text(source_type, field="source_type", max_length=48)
    source_id = _text(source_id, field="source_id", max_length=40)
    for h in holders:
        rules.require(actor, "points.propose", h.area_code)
    accounts = [
        account_open_for_household(household=h) if isinstance(h, Household) else account_open_for_resident(resident=h)
        for h in holders
    ]
    schemes = {a.scheme_id for a in accounts}
    if len(schemes) != 1:
        raise ValidationFailed(_("批量积分的各户须属于同一积分方案"), field="households")
    scheme = accounts[0].scheme
    rule = selectors.rule_by_code(scheme=scheme, code=rule_code)
    batch = AwardBatch.objects.create(
        scheme=scheme,
        rule=rule,
        title=title,
        source_type=source_type,
        source_id=source_id,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for account in accounts:
        _propose(
            actor=actor,
            account=account,
            rule=rule,
            points=points,
            evidence=evidence or title,
            source_type=source_type,
            source_id=(
                f"{source_id}:household:{account.household_id}"
                if account.household_id
                else f"{source_id}:person:{account.resident_id}"
            )
            if source_type
            else "",
            batch=batch,
        )
    audit_record(
        actor=actor,
        action="points.award.bulk",
        target=batch,
        area_code=scheme.area_code,
        data={"accounts": len(accounts), "rule": rule.code},
    )
    return batch


@transaction.atomic
def award_from_source(
    *,
    source_type: str,
    source_id: str,
    rule_code: str,
    household: Household | None = None,
    resident: Resident | None = None,
    actor: User | None = None,
) -> PointsAward:
    """The hook other apps call (e.g. volunteering after confirmed hours). Idempotent by source: calling it again
    returns the award already made. A rule without review is published at once; the publicity period still runs.

    Given a resident, the scheme over their area decides who is credited: the person in a person scheme, their
    household in a household scheme."""
    source_type = _text(source_type, field="source_type", max_length=48, required=True)
    source_id = _text(source_id, field="source_id", max_length=64, required=True)
    existing = (
        PointsAward.objects.filter(source_type=source_type, source_id=source_id)
        .exclude(state=AwardState.REJECTED)
        .first()
    )
    if existing is not None:
        return existing
    account = account_open_for_holder(household=household, resident=resident)
    rule = selectors.rule_by_code(scheme=account.scheme, code=rule_code)
    award = _propose(
        actor=actor,
        account=account,
        rule=rule,
        points=None,
        evidence=_("来源：%(source)s") % {"source": f"{source_type}:{source_id}"},
        source_type=source_type,
        source_id=source_id,
        batch=None,
    )
    if not rule.needs_review:
        award = award_transition(actor=actor, award_id=award.pk, action="publish", system=True)
    return award
