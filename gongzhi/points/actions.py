"""Writes to the points bank: schemes, rules, accounts and the award workflow. Balances move only through the ledger.

An award goes proposed → reviewed → published (公示) → posted; it can be rejected, objected to during publicity
(back to review), and a posted deduction can be appealed (upheld → reversed in the ledger, or dismissed).
`award_transition` is the one function that moves an award; it checks the table in models.TRANSITIONS and the
permission, and writes an AwardEvent for every move.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Abs
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import Membership, Role
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core import clock, ledger
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.people.models import Household, Resident
from gongzhi.points import fastpath, selectors
from gongzhi.points.catalogue import DEFAULT_CATALOGUE
from gongzhi.points.models import (
    ACTION_LABELS,
    COUNTING_STATES,
    POINTS_UNIT,
    SYSTEM_SHARDS,
    TRANSITIONS,
    AwardBatch,
    AwardEvent,
    AwardState,
    Dimension,
    HolderKind,
    PointsAccount,
    PointsAward,
    PointsRule,
    PointsScheme,
)

log = logging.getLogger(__name__)

SYSTEM_PURPOSES = {"issuance": _("积分发行"), "redemption": _("积分兑换"), "expiry": _("积分过期")}
MAX_POINTS = 10_000


def _int(value: Any, *, field: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed(_("%(field)s 必须是整数") % {"field": field}, field=field)
    if minimum is not None and value < minimum:
        raise ValidationFailed(_("%(field)s 不能小于 %(min)d") % {"field": field, "min": minimum}, field=field)
    if maximum is not None and value > maximum:
        raise ValidationFailed(_("%(field)s 不能大于 %(max)d") % {"field": field, "max": maximum}, field=field)
    return value


def _optional_positive(value: Any, *, field: str) -> int | None:
    if value is None:
        return None
    return _int(value, field=field, minimum=1, maximum=10**6)


# ---------------------------------------------------------------------------------------------------------------
# Schemes and rules


def system_code(scheme: PointsScheme, purpose: str, shard: int = 0) -> str:
    base = scheme.system_code(purpose)
    return base if shard == 0 else f"{base}:{shard}"


def _system_accounts(scheme: PointsScheme) -> dict[str, ledger.LedgerAccount]:
    opened = {}
    for purpose, label in SYSTEM_PURPOSES.items():
        for shard in range(SYSTEM_SHARDS):
            account = ledger.system_account(
                code=system_code(scheme, purpose, shard),
                name=f"{scheme.name}·{label}" + (f"·{shard}" if shard else ""),
                unit=POINTS_UNIT,
            )
            if shard == 0:
                opened[purpose] = account
    return opened


def system_account(scheme: PointsScheme, purpose: str, *, spread: int = 0) -> ledger.LedgerAccount:
    """One (sub-)system account of a scheme in one query; `spread` (a holder's account id) picks the shard."""
    code = system_code(scheme, purpose, spread % SYSTEM_SHARDS)
    found = ledger.LedgerAccount.objects.filter(code=code).first()
    if found is not None:
        return found
    _system_accounts(scheme)  # a scheme from before the split: open the missing shards
    return ledger.LedgerAccount.objects.get(code=code)


def system_balances(scheme: PointsScheme) -> dict[str, int]:
    """The balance of each system purpose, over all its shards."""
    totals = dict.fromkeys(SYSTEM_PURPOSES, 0)
    prefix = f"points:scheme:{scheme.pk}:"
    for code, balance in ledger.LedgerAccount.objects.filter(code__startswith=prefix).values_list("code", "balance"):
        purpose = code[len(prefix) :].split(":")[0]
        if purpose in totals:
            totals[purpose] += balance
    return totals


@transaction.atomic
def scheme_create(
    *,
    actor: Any,
    area: Area,
    name: str,
    holder_kind: str = HolderKind.HOUSEHOLD,
    opening_balance: int = 0,
    floor: int = 0,
    expiry_days: int | None = None,
    publicity_days: int = 3,
    monthly_cap: int | None = None,
) -> PointsScheme:
    """A scheme for a street or community, with its issuance, redemption and expiry system accounts."""
    if area.level not in ("street", "community"):
        raise ValidationFailed(_("积分方案只能设在街道或社区"), field="area")
    if actor is not None:
        rules.require(actor, "points.configure", area.code)
    if holder_kind not in HolderKind.values:
        raise ValidationFailed(
            _("账户持有人只能是：%(kinds)s") % {"kinds": "、".join(HolderKind.values)}, field="holder_kind"
        )
    scheme = PointsScheme(
        name=_text(name, field="name", max_length=64, required=True),
        area=area,
        area_code=area.code,
        holder_kind=holder_kind,
        opening_balance=_int(opening_balance, field="opening_balance", minimum=0, maximum=MAX_POINTS),
        floor=_int(floor, field="floor", minimum=-MAX_POINTS, maximum=MAX_POINTS),
        expiry_days=_optional_positive(expiry_days, field="expiry_days"),
        publicity_days=_int(publicity_days, field="publicity_days", minimum=0, maximum=60),
        monthly_cap=_optional_positive(monthly_cap, field="monthly_cap"),
    )
    if scheme.opening_balance < scheme.floor:
        raise ValidationFailed(_("开户积分不能低于最低余额"), field="opening_balance")
    if PointsScheme.objects.filter(area_code=area.code).exists():
        raise Conflict(_("%(area)s 已有积分方案") % {"area": area.name}, field="area")
    scheme.save()
    _system_accounts(scheme)
    audit_record(actor=actor, action="points.scheme.create", target=scheme, area_code=area.code)
    return scheme


@transaction.atomic
def scheme_update(
    *,
    actor: Any,
    scheme: PointsScheme,
    name: str | None = None,
    publicity_days: int | None = None,
    monthly_cap: int | type[Ellipsis] | None = ...,
    expiry_days: int | type[Ellipsis] | None = ...,
    is_active: bool | None = None,
) -> PointsScheme:
    """Change a scheme's terms. The floor and opening balance are fixed once accounts exist (they are per account)."""
    rules.require(actor, "points.configure", scheme.area_code)
    scheme = PointsScheme.objects.select_for_update().get(pk=scheme.pk)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _text(name, field="name", max_length=64, required=True)
    if publicity_days is not None:
        changes["publicity_days"] = _int(publicity_days, field="publicity_days", minimum=0, maximum=60)
    if monthly_cap is not ...:
        changes["monthly_cap"] = _optional_positive(monthly_cap, field="monthly_cap")
    if expiry_days is not ...:
        changes["expiry_days"] = _optional_positive(expiry_days, field="expiry_days")
    if is_active is not None:
        changes["is_active"] = bool(is_active)
    for key, value in changes.items():
        setattr(scheme, key, value)
    scheme.updated_at = clock.now()
    scheme.save()
    audit_record(
        actor=actor,
        action="points.scheme.update",
        target=scheme,
        area_code=scheme.area_code,
        data=dict(changes),
    )
    return scheme


@transaction.atomic
def rule_upsert(
    *,
    actor: Any,
    scheme: PointsScheme,
    code: str,
    dimension: str,
    name: str,
    points: int,
    evidence_required: bool = True,
    cap_per_month: int | None = None,
    needs_review: bool = True,
    description: str = "",
    is_active: bool = True,
) -> tuple[PointsRule, str]:
    """Add or change a catalogue item. Returns the rule and 'created', 'updated' or 'unchanged'."""
    if actor is not None:
        rules.require(actor, "points.configure", scheme.area_code)
    code = _text(code, field="code", max_length=48, required=True)
    if not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        raise ValidationFailed(_("规则代码只能包含字母、数字、- 和 _"), field="code")
    if dimension not in Dimension.values:
        raise ValidationFailed(_("维度只能是：%(values)s") % {"values": "、".join(Dimension.values)}, field="dimension")
    points = _int(points, field="points", minimum=-MAX_POINTS, maximum=MAX_POINTS)
    if points == 0:
        raise ValidationFailed(_("分值不能为 0（加分为正，扣分为负）"), field="points")
    values = {
        "dimension": dimension,
        "name": _text(str(name), field="name", max_length=64, required=True),
        "points": points,
        "evidence_required": bool(evidence_required),
        "cap_per_month": _optional_positive(cap_per_month, field="cap_per_month"),
        "needs_review": bool(needs_review),
        "description": _text(str(description), field="description", max_length=255),
        "is_active": bool(is_active),
    }
    rule = PointsRule.objects.select_for_update().filter(scheme=scheme, code=code).first()
    if rule is None:
        rule = PointsRule.objects.create(scheme=scheme, code=code, **values)
        audit_record(actor=actor, action="points.rule.create", target=rule, area_code=scheme.area_code)
        return rule, "created"
    changed = {k: v for k, v in values.items() if getattr(rule, k) != v}
    if not changed:
        return rule, "unchanged"
    for key, value in changed.items():
        setattr(rule, key, value)
    rule.updated_at = clock.now()
    rule.save()
    audit_record(
        actor=actor,
        action="points.rule.update",
        target=rule,
        area_code=scheme.area_code,
        data={"fields": list(changed)},
    )
    return rule, "updated"


@transaction.atomic
def catalogue_install(*, actor: Any, scheme: PointsScheme) -> int:
    """Add the default "1+5+N" items the scheme lacks; existing (possibly edited) items are left alone."""
    existing = set(PointsRule.objects.filter(scheme=scheme).values_list("code", flat=True))
    added = 0
    for spec in DEFAULT_CATALOGUE:
        if spec.code in existing:
            continue
        rule_upsert(
            actor=actor,
            scheme=scheme,
            code=spec.code,
            dimension=spec.dimension,
            name=str(spec.name),
            points=spec.points,
            evidence_required=spec.evidence_required,
            cap_per_month=spec.cap_per_month,
            needs_review=spec.needs_review,
            description=str(spec.description),
        )
        added += 1
    return added


# ---------------------------------------------------------------------------------------------------------------
# Accounts


def _scheme_for(area_code: str) -> PointsScheme:
    scheme = selectors.scheme_for_area_code(area_code)
    if scheme is None:
        raise ValidationFailed(_("该区域（%(code)s）尚未实行积分制度") % {"code": area_code}, field="household_id")
    return scheme


def _open(*, scheme: PointsScheme, code: str, name: str, owner_type: str, owner_id: int, area_code: str, **holder):
    """Open the ledger and points accounts of one holder, crediting the opening balance; idempotent under races."""
    ledger_account = ledger.account_open(
        code=code,
        name=name,
        unit=POINTS_UNIT,
        owner_type=owner_type,
        owner_id=str(owner_id),
        area_code=area_code,
        floor=scheme.floor,
    )
    try:
        with transaction.atomic():
            account = PointsAccount.objects.create(
                scheme=scheme, ledger_account=ledger_account, area_code=area_code, **holder
            )
    except IntegrityError:
        # Opened by a concurrent request a moment ago.
        return PointsAccount.objects.select_related("ledger_account", "scheme").get(**holder)
    if scheme.opening_balance:
        issuance = system_account(scheme, "issuance", spread=account.pk)
        ledger.post(
            kind="points.opening",
            lines=[(issuance, -scheme.opening_balance), (ledger_account, scheme.opening_balance)],
            memo=str(_("开户积分")),
            reference=f"points:opening:{account.pk}",
        )
    return account


@transaction.atomic
def account_open_for_household(*, household: Household) -> PointsAccount:
    """The household's points account in the scheme over its area, opened (with the opening balance) if new."""
    existing = PointsAccount.objects.select_related("ledger_account", "scheme").filter(household=household).first()
    if existing is not None:
        return existing
    scheme = _scheme_for(household.area_code)
    if scheme.holder_kind != HolderKind.HOUSEHOLD:
        raise ValidationFailed(
            _("%(scheme)s 按个人开户，请指定居民（resident_id）") % {"scheme": scheme.name}, field="household_id"
        )
    return _open(
        scheme=scheme,
        code=f"points:household:{household.pk}",
        name=f"{household.address or household.number}",
        owner_type="people.household",
        owner_id=household.pk,
        area_code=household.area_code,
        household=household,
    )


@transaction.atomic
def account_open_for_resident(*, resident: Resident) -> PointsAccount:
    """A person's points account, in a scheme whose accounts are held by persons; opened if new."""
    existing = PointsAccount.objects.select_related("ledger_account", "scheme").filter(resident=resident).first()
    if existing is not None:
        return existing
    scheme = selectors.scheme_for_area_code(resident.area_code)
    if scheme is None:
        raise ValidationFailed(
            _("该区域（%(code)s）尚未实行积分制度") % {"code": resident.area_code}, field="resident_id"
        )
    if scheme.holder_kind != HolderKind.PERSON:
        raise ValidationFailed(
            _("%(scheme)s 按户开户，请指定户（household_id）") % {"scheme": scheme.name}, field="resident_id"
        )
    return _open(
        scheme=scheme,
        code=f"points:person:{resident.pk}",
        name=resident.name,
        owner_type="people.resident",
        owner_id=resident.pk,
        area_code=resident.area_code,
        resident=resident,
    )


def account_open_for_holder(*, household: Household | None = None, resident: Resident | None = None) -> PointsAccount:
    """The account of whoever holds accounts in the scheme over the person's (or household's) area: a person
    scheme credits the person, a household scheme the person's household."""
    if resident is not None:
        scheme = selectors.scheme_for_area_code(resident.area_code)
        if scheme is not None and scheme.holder_kind == HolderKind.PERSON:
            return account_open_for_resident(resident=resident)
        if household is None:
            if resident.household_id is None:
                raise ValidationFailed(_("该居民未关联户，本方案按户计分"), field="resident_id")
            household = resident.household
    if household is None:
        raise ValidationFailed(_("请指定积分账户、户或居民"), field="account_id")
    return account_open_for_household(household=household)


# ---------------------------------------------------------------------------------------------------------------
# Awards


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _check_points(rule: PointsRule, points: int | None) -> int:
    if points is None:
        return rule.points
    points = _int(points, field="points", minimum=-MAX_POINTS, maximum=MAX_POINTS)
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


def _event(award: PointsAward, *, action: str, from_state: str, actor: Any, note: str = "") -> AwardEvent:
    return AwardEvent.objects.create(
        award=award,
        action=action,
        from_state=from_state,
        to_state=award.state,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        occurred_at=clock.now(),
    )


def _resolve_account(
    *, account: PointsAccount | None, household: Household | None, resident: Resident | None = None
) -> PointsAccount:
    if account is not None and household is not None and account.household_id != household.pk:
        raise ValidationFailed(_("账户与户不一致"), field="account_id")
    if account is not None and resident is not None and account.resident_id != resident.pk:
        raise ValidationFailed(_("账户与居民不一致"), field="account_id")
    if account is None:
        if resident is not None:
            scheme = selectors.scheme_for_area_code(resident.area_code)
            if scheme is not None and scheme.holder_kind == HolderKind.HOUSEHOLD:
                raise ValidationFailed(
                    _("%(scheme)s 按户开户，请指定户（household_id）") % {"scheme": scheme.name}, field="resident_id"
                )
            account = account_open_for_resident(resident=resident)
        elif household is not None:
            account = account_open_for_household(household=household)
        else:
            raise ValidationFailed(_("请指定积分账户、户或居民"), field="account_id")
    return account


def _propose(
    *,
    actor: Any,
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
        proposed_by=actor if getattr(actor, "is_authenticated", False) else None,
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
    _event(award, action="propose", from_state="", actor=actor, note=evidence[:200])
    return award


@transaction.atomic
def award_propose(
    *,
    actor: Any,
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
    account = _resolve_account(account=account, household=household, resident=resident)
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
    actor: Any,
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
    actor: Any = None,
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


# ---------------------------------------------------------------------------------------------------------------
# The transition function


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
    _event(award, action=action, from_state=from_state, actor=actor, note=note)
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
    _event(award, action="post", from_state=from_state, actor=actor, note=note)
    return award


def post_due_award(*, award_id: int) -> None:
    """Post one award whose publicity has ended: one statement on PostgreSQL (points.fastpath), else — or when
    that wrote nothing — award_transition, which posts it or raises the exact reason."""
    if fastpath.available() and fastpath.award_post_due(award_id=award_id) is not None:
        return
    award_transition(actor=None, award_id=award_id, action="post", note="", system=True)


def post_due_awards(*, at: dt.datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """The sweep: post every award whose publicity ended (an objection moved it out of `published`).

    Each award posts in its own transaction, so one refused posting (a deduction the balance cannot cover)
    leaves the others alone; it stays published and is counted as failed.
    """
    at = at or clock.now()
    due = list(
        PointsAward.objects.filter(state=AwardState.PUBLISHED, publicity_ends_at__lte=at)
        .order_by("publicity_ends_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    posted = failed = 0
    for award_id in due:
        try:
            post_due_award(award_id=award_id)
            posted += 1
        except (ValidationFailed, Conflict) as exc:
            # Moved by someone else meanwhile, or refused by the ledger (e.g. a deduction below the floor).
            failed += 1
            log.warning("points award %s not posted: %s", award_id, exc)
    return {"due": len(due), "posted": posted, "failed": failed}
