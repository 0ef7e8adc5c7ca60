"""Schemes, their system accounts (issuance, redemption, expiry, each in SYSTEM_SHARDS sub-accounts) and the
"1+5+N" rule catalogue."""

from __future__ import annotations

from types import EllipsisType
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.models import Area
from gongzhi.core import clock, ledger
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.points.actions.inputs import MAX_POINTS, integer, optional_positive
from gongzhi.points.catalogue import DEFAULT_CATALOGUE
from gongzhi.points.models import (
    POINTS_UNIT,
    SYSTEM_SHARDS,
    Dimension,
    HolderKind,
    PointsRule,
    PointsScheme,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

SYSTEM_PURPOSES = {"issuance": _("积分发行"), "redemption": _("积分兑换"), "expiry": _("积分过期")}


def system_code(scheme: PointsScheme, purpose: str, shard: int = 0) -> str:
    return scheme.system_code(purpose, shard)


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
    actor: User | None,
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
        opening_balance=integer(opening_balance, field="opening_balance", minimum=0, maximum=MAX_POINTS),
        floor=integer(floor, field="floor", minimum=-MAX_POINTS, maximum=MAX_POINTS),
        expiry_days=optional_positive(expiry_days, field="expiry_days"),
        publicity_days=integer(publicity_days, field="publicity_days", minimum=0, maximum=60),
        monthly_cap=optional_positive(monthly_cap, field="monthly_cap"),
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
    actor: User,
    scheme: PointsScheme,
    name: str | None = None,
    publicity_days: int | None = None,
    monthly_cap: int | EllipsisType | None = ...,
    expiry_days: int | EllipsisType | None = ...,
    is_active: bool | None = None,
) -> PointsScheme:
    """Change a scheme's terms. The floor and opening balance are fixed once accounts exist (they are per account)."""
    rules.require(actor, "points.configure", scheme.area_code)
    scheme = PointsScheme.objects.select_for_update().get(pk=scheme.pk)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _text(name, field="name", max_length=64, required=True)
    if publicity_days is not None:
        changes["publicity_days"] = integer(publicity_days, field="publicity_days", minimum=0, maximum=60)
    if monthly_cap is not ...:
        changes["monthly_cap"] = optional_positive(monthly_cap, field="monthly_cap")
    if expiry_days is not ...:
        changes["expiry_days"] = optional_positive(expiry_days, field="expiry_days")
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
    actor: User | None,
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
    points = integer(points, field="points", minimum=-MAX_POINTS, maximum=MAX_POINTS)
    if points == 0:
        raise ValidationFailed(_("分值不能为 0（加分为正，扣分为负）"), field="points")
    values = {
        "dimension": dimension,
        "name": _text(str(name), field="name", max_length=64, required=True),
        "points": points,
        "evidence_required": bool(evidence_required),
        "cap_per_month": optional_positive(cap_per_month, field="cap_per_month"),
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
def catalogue_install(*, actor: User | None, scheme: PointsScheme) -> int:
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
