"""The fund pool (基金池) and micro-venture projects (微创投), with the money in the core ledger (CNY in fen).

Accounts: `matching.donations` (system: where donated money comes from), one holder account per pool (floor 0),
one per approved venture (its budget, floor 0) and `matching.spent` (system: where spent money goes). A donation
moves fen donations → pool; approving a venture grants its budget pool → venture (refused beyond the pool); a
spending moves venture → spent (refused beyond the budget). The ledger locks the accounts it changes and refuses a
debit below the floor under that lock, so concurrent spendings can never overspend a budget.

The venture's own moves (approve, reject, close) are `VENTURE`, a `core.fsm` lifecycle.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.core import clock, fsm, ledger
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.matching.actions._common import area_by_code, fen_from_yuan
from gongzhi.matching.models import Donation, FundPool, Spending, Venture, VentureEvent, VentureState
from gongzhi.people.models import Partner

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

FUND = "matching.fund"
APPLY = "matching.venture.apply"
UNIT = "CNY_fen"
MAX_FEN = 10**12  # ten billion yuan: far beyond any pool, far below the ledger's limit


def _donations() -> ledger.LedgerAccount:
    return ledger.system_account(code="matching.donations", name="基金池捐赠来源", unit=UNIT)


def _spent() -> ledger.LedgerAccount:
    return ledger.system_account(code="matching.spent", name="微创投项目支出", unit=UNIT)


def _amount(value: object, field: str) -> int:
    fen = fen_from_yuan(value, field=field)
    if not (1 <= fen <= MAX_FEN):
        raise ValidationFailed(_("%(field)s 须大于 0 且不超过一百亿元") % {"field": field}, field=field)
    return fen


@transaction.atomic
def pool_create(*, actor: User, name: str, area_code: str) -> FundPool:
    area = area_by_code(area_code)
    rules.require(actor, FUND, area.code)
    name = clean_text(name, field="name", max_length=100, required=True)
    account = ledger.account_open(code=f"matching.pool.{uuid.uuid4().hex[:16]}", name=name, unit=UNIT,
                                  owner_type="matching.fundpool", area_code=area.code)  # fmt: skip
    return FundPool.objects.create(name=name, area=area, area_code=area.code, account=account)


def _pool(actor: User, pool_id: int, rule: str) -> FundPool:
    pool = FundPool.objects.select_related("account").filter(pk=pool_id).first()
    if pool is None:
        raise NotFound(_("基金池不存在：%(id)s") % {"id": pool_id}, field="pool_id")
    rules.require(actor, rule, pool.area_code)
    return pool


@transaction.atomic
def donation_record(
    *,
    actor: User,
    pool_id: int,
    amount_yuan: object,
    donor_name: str = "",
    partner_id: int | None = None,
    note: str = "",
) -> Donation:
    """Record money received for the pool (by a partner, or any named donor)."""
    pool = _pool(actor, pool_id, FUND)
    fen = _amount(amount_yuan, "amount")
    partner = None
    if partner_id is not None:
        partner = Partner.objects.filter(pk=partner_id).first()
        if partner is None:
            raise NotFound(_("共建单位不存在：%(id)s") % {"id": partner_id}, field="partner_id")
    donor = partner.name if partner else clean_text(donor_name, field="donor_name", max_length=100, required=True)
    txn = ledger.post(
        kind="matching.donation",
        lines=[(_donations(), -fen), (pool.account, fen)],
        memo=f"{donor} → {pool.name}"[:255],
        actor=actor,
    )
    return Donation.objects.create(pool=pool, partner=partner, donor_name=donor, amount_fen=fen, transaction=txn,
                                   note=clean_text(note, field="note", max_length=200), recorded_by=actor)  # fmt: skip


@transaction.atomic
def venture_apply(
    *,
    actor: User,
    pool_id: int,
    title: str,
    requested_yuan: object,
    applicant: str = "",
    summary: str = "",
) -> Venture:
    """A social organisation (a partner login) or staff for it applies for a micro-venture project."""
    pool = _pool(actor, pool_id, APPLY)
    partner = None
    membership = actor.memberships.select_related("partner").filter(partner__isnull=False).first()
    if membership is not None:
        partner = membership.partner
    name = partner.name if partner else clean_text(applicant, field="applicant", max_length=100, required=True)
    venture = Venture.objects.create(
        pool=pool,
        title=clean_text(title, field="title", max_length=100, required=True),
        applicant=name,
        partner=partner,
        summary=clean_text(summary, field="summary", max_length=1000),
        requested_fen=_amount(requested_yuan, "requested"),
        applied_by=actor,
    )
    VentureEvent.objects.create(venture=venture, action="apply", from_state="", to_state=venture.state, actor=actor)
    return venture


Step = fsm.Step[Venture, "User"]


def _approve(step: Step) -> None:
    venture = step.obj
    budget = _amount(step.data.get("budget"), "budget")
    pool = FundPool.objects.select_related("account").get(pk=venture.pool_id)
    account = ledger.account_open(code=f"matching.venture.{venture.pk}", name=venture.title[:128], unit=UNIT,
                                  owner_type="matching.venture", owner_id=venture.pk, area_code=pool.area_code)  # fmt: skip
    try:
        ledger.post(kind="matching.grant", lines=[(pool.account, -budget), (account, budget)],
                    memo=f"{pool.name} → {venture.title}"[:255], actor=step.actor,
                    reference=f"matching.grant:{venture.pk}")  # fmt: skip
    except ValidationFailed as exc:
        raise ValidationFailed(
            _("基金池余额不足：可用 %(left)s 元，批准预算 %(budget)s 元")
            % {"left": f"{ledger.balance(account=pool.account) / 100:.2f}", "budget": f"{budget / 100:.2f}"},
            field="budget",
        ) from exc
    venture.budget_fen = budget
    venture.account = account
    step.fields |= {"budget_fen", "account"}
    step.event_data["budget_fen"] = budget


def _with_note(step: Step) -> None:
    if step.name == "close":
        step.obj.report = clean_text(step.note, field="note", max_length=2000, required=True)
        step.fields.add("report")


VENTURE_MOVES: dict[str, fsm.Move[Venture, User]] = {
    "approve": fsm.Move(
        {VentureState.APPLIED}, VentureState.APPROVED, FUND, _approve, needs=("budget",), label=gettext_lazy("立项")
    ),
    "reject": fsm.Move(
        {VentureState.APPLIED}, VentureState.REJECTED, FUND, _with_note, needs=("note",), label=gettext_lazy("不予立项")
    ),
    "close": fsm.Move(
        {VentureState.APPROVED}, VentureState.CLOSED, FUND, _with_note, needs=("note",), label=gettext_lazy("结项")
    ),
}


def _venture_event(step: Step) -> VentureEvent:
    return VentureEvent.objects.create(venture=step.obj, action=step.name, from_state=step.from_state,
                                       to_state=step.target, actor=step.actor, note=step.note[:1000],
                                       data=step.event_data, at=step.now)  # fmt: skip


def _holds(actor: User, rule: str, venture: Venture) -> bool:
    return rules.allows(actor, rule, venture.pool.area_code)


VENTURE: fsm.Lifecycle[Venture, User, VentureEvent] = fsm.Lifecycle(
    model=Venture,
    moves=VENTURE_MOVES,
    write_event=_venture_event,
    authorize=fsm.rule_check(_holds),
    authorize_first=True,
    refused_as=Conflict,
    noun=gettext_lazy("微创投项目"),
    state_field="state",
    updated_field="updated_at",
    locked=lambda: Venture.objects.select_related("pool"),
    lock_of=("self",),
    not_found=gettext_lazy("微创投项目不存在：%(id)s"),
    pk_field="venture_id",
    field_labels={"budget": gettext_lazy("批准预算"), "note": gettext_lazy("说明")},
)


def venture_move(*, actor: User, venture_id: int, action: str, data: dict[str, Any] | None = None,
                 note: str = "") -> Venture:  # fmt: skip
    return fsm.transition(VENTURE, venture_id, action, actor=actor, data=data, note=note).obj


@transaction.atomic
def spending_record(
    *, actor: User, venture_id: int, amount_yuan: object, purpose: str, evidence: list[str] | None = None
) -> Spending:
    """Money spent by an approved venture, with its evidence; never beyond what is left of the budget."""
    venture = Venture.objects.select_related("pool", "account").filter(pk=venture_id).first()
    if venture is None:
        raise NotFound(_("微创投项目不存在：%(id)s") % {"id": venture_id}, field="venture_id")
    if not rules.allows(actor, FUND, venture.pool.area_code):
        raise PermissionDenied(_("您没有权限登记该项目的支出"), field="venture_id")
    if venture.state != VentureState.APPROVED or venture.account is None:
        raise Conflict(_("只有已立项、未结项的项目可以登记支出"), field="venture_id")
    fen = _amount(amount_yuan, "amount")
    evidence = evidence or []
    if not isinstance(evidence, list) or len(evidence) > 20 or not all(isinstance(e, str) for e in evidence):
        raise ValidationFailed(_("凭证须为最多 20 个地址的列表"), field="evidence")
    purpose = clean_text(purpose, field="purpose", max_length=200, required=True)
    try:
        txn = ledger.post(kind="matching.spending", lines=[(venture.account, -fen), (_spent(), fen)],
                          memo=f"{venture.title}：{purpose}"[:255], actor=actor)  # fmt: skip
    except ValidationFailed as exc:
        left = ledger.LedgerAccount.objects.get(pk=venture.account.pk).balance
        raise ValidationFailed(
            _("超出项目预算：剩余 %(left)s 元，本次支出 %(amount)s 元")
            % {"left": f"{left / 100:.2f}", "amount": f"{fen / 100:.2f}"},
            field="amount",
        ) from exc
    return Spending.objects.create(venture=venture, amount_fen=fen, purpose=purpose, transaction=txn,
                                   evidence=[clean_text(e, field="evidence", max_length=300) for e in evidence],
                                   recorded_by=actor, spent_at=clock.now())  # fmt: skip
