"""Property tests: any sequence of transfers, multi-line postings, replays and reversals keeps the ledger sound.

A plain Python model predicts which operations must succeed; after each step the database must agree with the
model, every transaction must balance, every balance must equal the sum of its postings, no spending may have
taken a holder below its floor, and a refused operation must have written nothing.
"""

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.db.models import Count, F, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.core import ledger
from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.core.models_ledger import LedgerAccount, LedgerTransaction, Posting

# (code, floor) of the holder accounts; index 0 is the issuance system account.
HOLDERS = [("h0", 0), ("h1", 10), ("h2", -20), ("h3", 0)]
N = len(HOLDERS) + 1

account_index = st.integers(min_value=0, max_value=N - 1)
amount = st.integers(min_value=1, max_value=60)

transfer = st.tuples(st.just("transfer"), account_index, account_index, amount, st.booleans())
multi = st.tuples(
    st.just("multi"),
    st.lists(account_index, min_size=3, max_size=4, unique=True),
    st.lists(st.integers(min_value=-40, max_value=40).filter(bool), min_size=3, max_size=3),
)
reversal = st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=1000), st.booleans())
replay = st.tuples(st.just("replay"), st.integers(min_value=0, max_value=1000), st.booleans())
bad = st.tuples(
    st.just("bad"), st.sampled_from(["unbalanced", "zero", "one_line", "mixed_units", "float"]), account_index, amount
)
operations = st.lists(st.one_of(transfer, transfer, multi, reversal, replay, bad), min_size=1, max_size=20)


class Rollback(Exception):
    """Raised at the end of each example so its writes are rolled back and the next example starts empty."""


@dataclass
class Model:
    balances: list[int]
    floors: list[int | None]
    # Per successful transaction: its pk, its lines as (index, amount), whether it reverses one, whether reversed.
    txns: list[dict] = field(default_factory=list)
    by_reference: dict[str, int] = field(default_factory=dict)

    def allows(self, lines: list[tuple[int, int]]) -> bool:
        for i, a in lines:
            floor = self.floors[i]
            if a < 0 and floor is not None and self.balances[i] + a < floor:
                return False
        return True

    def apply(self, lines: list[tuple[int, int]]) -> None:
        for i, a in lines:
            self.balances[i] += a


def snapshot() -> tuple:
    return (
        tuple(LedgerAccount.objects.order_by("code").values_list("balance", flat=True)),
        Posting.objects.count(),
        LedgerTransaction.objects.count(),
    )


def assert_sound(accounts: list[LedgerAccount], model: Model) -> None:
    # Every transaction: at least two postings summing to zero.
    unbalanced = (
        LedgerTransaction.objects.annotate(n=Count("postings"), total=Sum("postings__amount"))
        .exclude(n__gte=2, total=0)
        .count()
    )
    assert unbalanced == 0
    for i, account in enumerate(accounts):
        stored = LedgerAccount.objects.get(pk=account.pk)
        assert stored.balance == model.balances[i], (stored.code, stored.balance, model.balances[i])
        assert ledger.verify_account(account=stored)
        if not stored.allow_negative:
            assert stored.balance >= min(stored.floor, 0)
    # No spending ever left a holder below its floor.
    assert not Posting.objects.filter(
        account__allow_negative=False, amount__lt=0, balance_after__lt=F("account__floor")
    ).exists()


def expect(call, should_succeed: bool, failure=(ValidationFailed, Conflict)):
    before = snapshot()
    if should_succeed:
        return call()
    with pytest.raises(failure):
        call()
    assert snapshot() == before
    return None


def run(ops) -> None:
    issuance = ledger.system_account(code="a:issuance", name="发行", unit="point")
    holders = [ledger.account_open(code=f"b:{c}", name=c, unit="point", floor=f) for c, f in HOLDERS]
    other_unit = ledger.account_open(code="z:cny", name="人民币", unit="CNY")
    accounts = [issuance, *holders]
    model = Model(balances=[0] * N, floors=[None] + [f for _c, f in HOLDERS])

    def record(txn, lines, reverses_index=None):
        model.apply(lines)
        model.txns.append({"pk": txn.pk, "lines": lines, "is_reversal": reverses_index is not None, "reversed": False})
        if reverses_index is not None:
            model.txns[reverses_index]["reversed"] = True
        if txn.reference:
            model.by_reference[txn.reference] = len(model.txns) - 1

    for step, op in enumerate(ops):
        kind = op[0]
        if kind == "transfer":
            _k, src, dst, amt, with_ref = op
            if src == dst:
                continue
            lines = [(src, -amt), (dst, amt)]
            ref = f"ref:{step}" if with_ref else None
            txn = expect(
                lambda lines=lines, ref=ref: ledger.post(
                    kind="transfer", lines=[(accounts[i], a) for i, a in lines], reference=ref
                ),
                model.allows(lines),
            )
            if txn is not None:
                record(txn, lines)
        elif kind == "multi":
            _k, idx, amts = op
            amts = amts[: len(idx) - 1]
            last = -sum(amts)
            if last == 0:
                continue
            lines = [*zip(idx, amts, strict=False), (idx[len(amts)], last)]
            txn = expect(
                lambda lines=lines: ledger.post(kind="multi", lines=[(accounts[i], a) for i, a in lines]),
                model.allows(lines),
            )
            if txn is not None:
                record(txn, lines)
        elif kind == "reverse":
            _k, pick, with_ref = op
            if not model.txns:
                continue
            target_index = pick % len(model.txns)
            target = model.txns[target_index]
            negated = [(i, -a) for i, a in target["lines"]]
            original = LedgerTransaction.objects.get(pk=target["pk"])
            ref = f"rev:{step}" if with_ref else None
            call = lambda original=original, ref=ref: ledger.reverse(  # noqa: E731
                transaction=original, memo="冲正", reference=ref
            )
            if target["is_reversal"]:
                expect(call, False, ValidationFailed)
            elif target["reversed"]:
                expect(call, False, Conflict)
            else:
                txn = expect(call, model.allows(negated))
                if txn is not None:
                    assert txn.reverses_id == original.pk
                    record(txn, negated, reverses_index=target_index)
        elif kind == "replay":
            _k, pick, same = op
            if not model.by_reference:
                continue
            ref = sorted(model.by_reference)[pick % len(model.by_reference)]
            target = model.txns[model.by_reference[ref]]
            original = LedgerTransaction.objects.get(pk=target["pk"])
            lines = target["lines"] if same else [(i, a * 2) for i, a in target["lines"]]
            before = snapshot()
            call = lambda lines=lines, ref=ref, original=original: ledger.post(  # noqa: E731
                kind=original.kind,
                lines=[(accounts[i], a) for i, a in lines],
                reference=ref,
                reverses=original.reverses,
                memo="重放",
            )
            if same:
                assert call().pk == original.pk
                assert snapshot() == before
            else:
                # Doubled lines no longer mirror the original of a reversal: refused before the reference check.
                expect(call, False)
        elif kind == "bad":
            _k, what, i, amt = op
            j = (i + 1) % N
            lines = {
                "unbalanced": [(accounts[i], -amt), (accounts[j], amt + 1)],
                "zero": [(accounts[i], 0), (accounts[j], 0)],
                "one_line": [(accounts[i], amt)],
                "mixed_units": [(accounts[i], -amt), (other_unit, amt)],
                "float": [(accounts[i], -amt / 2), (accounts[j], amt / 2)],
            }[what]
            expect(lambda lines=lines: ledger.post(kind="bad", lines=lines), False, ValidationFailed)
        assert_sound(accounts, model)


@pytest.mark.django_db
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_of_operations_keeps_the_ledger_sound(ops):
    try:
        with transaction.atomic():
            run(ops)
            raise Rollback
    except Rollback:
        pass
    assert LedgerTransaction.objects.count() == 0  # the example left nothing behind


@pytest.mark.django_db
def test_a_known_tricky_sequence():
    """Spend, reverse the award behind it (refused), refund, then reverse the refund's source again (conflict)."""
    ops = [
        ("transfer", 0, 1, 30, True),  # award 30 to h0
        ("transfer", 1, 4, 25, False),  # h0 spends 25 at h3 (floor 0)
        ("reverse", 0, False),  # claw back the award: h0 has 5, refused
        ("reverse", 1, True),  # refund the spend
        ("reverse", 0, False),  # now the claw-back works
        ("reverse", 0, False),  # twice: conflict
        ("reverse", 2, False),  # reversing a reversal: refused
        ("replay", 0, True),
        ("replay", 0, False),
    ]
    run(ops)
    balances = dict(LedgerAccount.objects.values_list("code", "balance"))
    assert (balances["b:h0"], balances["b:h3"], balances["a:issuance"]) == (0, 0, 0)
    assert LedgerTransaction.objects.filter(reverses__isnull=False).count() == 2
