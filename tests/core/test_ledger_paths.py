"""`ledger.post`'s two paths — the one-statement PostgreSQL path (`_post_pg`) and the ORM path (`_post_orm`, what
SQLite runs) — write the same rows and answer the same on the same PostgreSQL data.

Each case runs once on each path (`ledger.ONE_STATEMENT` on and off), each inside a savepoint with the sequences set
back (tests/paths.py), so both draw the same ids; every row of every table is compared (transactions, postings,
balances — and every other table, which neither may touch), with the clock frozen so the timestamps are one. A
refusal must be the same error (class, message, field, details) and write nothing. The cases reach every branch of
both paths: lines in and out of account-id order, floors (reserve, credit, system accounts, credits below a floor,
the first account below its floor named), a stale caller's object, a missing account, references repeated with the
same and with other lines, reversals (with a reference, twice, of a reversal, without the funds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection

from gongzhi.core import ledger
from gongzhi.core.models_ledger import LedgerAccount, LedgerTransaction
from tests import paths
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement post is PostgreSQL's"),
    pytest.mark.django_db,
]
T0 = dt.datetime(2026, 5, 17, 9, 30, 12, 345678, tzinfo=dt.UTC)

PATHS: dict[str, paths.Path] = {
    "one statement": lambda: paths.switched((ledger, "ONE_STATEMENT", True)),
    "orm": lambda: paths.switched((ledger, "ONE_STATEMENT", False)),
}


def test_the_switch_picks_the_path(monkeypatch):
    assert ledger.fast_path_available()
    monkeypatch.setattr(ledger, "ONE_STATEMENT", False)
    assert not ledger.fast_path_available()


@pytest.fixture
def world():
    """Accounts opened so that their ids are not in the order the cases list them; some postings already made."""
    with time_machine.travel(T0 - dt.timedelta(days=1), tick=False):
        carol = ledger.account_open(code="h:carol", name="丙户", unit="point")
        bob = ledger.account_open(code="h:bob", name="乙户", unit="point")
        alice = ledger.account_open(code="h:alice", name="甲户", unit="point", owner_type="people.household")
        issuance = ledger.system_account(code="sys:issuance", name="发行", unit="point")
        redemption = ledger.system_account(code="sys:redemption", name="兑换", unit="point")
        reserve = ledger.account_open(code="h:reserve", name="留底户", unit="point", floor=20)
        ledger.account_open(code="h:credit", name="授信户", unit="point", floor=-30)
        raised = ledger.account_open(code="h:raised", name="提高下限户", unit="point")
        ledger.account_open(code="cny:pool", name="基金池", unit="CNY")
        spender = ledger.account_open(code="h:spender", name="已花户", unit="point")
        spent = ledger.post(kind="points.award", lines=[(issuance, -30), (spender, 30)])
        ledger.post(kind="spend", lines=[(spender, -25), (redemption, 25)])  # what `spent` gave is gone
        for account, amount in ((alice, 100), (bob, 40), (reserve, 50), (raised, 10)):
            ledger.post(kind="seed", lines=[(issuance, -amount), (account, amount)], reference=f"seed:{account.code}")
        ledger.account_set_floor(account=raised, floor=50)  # balance 10 now below its floor
        original = ledger.post(kind="points.transfer", lines=[(alice, -30), (bob, 30)], memo="原交易")
        ledger.post(kind="points.transfer", lines=[(bob, -5), (carol, 5)], memo="已冲正的交易", reference="t:2")
        reversed_once = LedgerTransaction.objects.get(reference="t:2")
        reversal = ledger.reverse(transaction=reversed_once, memo="冲正", reference="t:2:reversal")
        user = UserFactory(username="ledger-clerk")
    return {
        "ids": {a.code: a.pk for a in LedgerAccount.objects.all()},
        "original": original.pk,
        "reversed": reversed_once.pk,
        "reversal": reversal.pk,
        "spent": spent.pk,
        "user": user,
    }


def _acc(world: dict[str, Any], code: str) -> LedgerAccount:
    """A fresh object for each run (the caller's objects get their new balances set by a post)."""
    return LedgerAccount.objects.get(pk=world["ids"][code])


def _txn(world: dict[str, Any], key: str) -> LedgerTransaction:
    return LedgerTransaction.objects.get(pk=world[key])


def _post(*lines: tuple[str, int], **kw: Any) -> Callable[[dict[str, Any]], Any]:
    def run(world: dict[str, Any]) -> Any:
        accounts = [(_acc(world, code), amount) for code, amount in lines]
        txn = ledger.post(**{"kind": "points.transfer", **kw}, lines=accounts)
        return txn, [a for a, _amount in accounts]

    return run


def _reverse(key: str, **kw: Any) -> Callable[[dict[str, Any]], Any]:
    def run(world: dict[str, Any]) -> Any:
        return ledger.reverse(transaction=_txn(world, key), **{"memo": "更正", **kw}), []

    return run


def _with_actor(world: dict[str, Any]) -> Any:
    alice, issuance = _acc(world, "h:alice"), _acc(world, "sys:issuance")
    txn = ledger.post(
        kind="points.award",
        lines=[(alice, 7), (issuance, -7)],
        memo="  美丽庭院 +7 ",
        reference="award:7",
        actor=world["user"],
    )
    return txn, [alice, issuance]


def _stale_object(world: dict[str, Any]) -> Any:
    alice, redemption = _acc(world, "h:alice"), _acc(world, "sys:redemption")
    alice.balance = 10**6  # what the caller believes; the floor is checked on the locked row
    return ledger.post(kind="spend", lines=[(alice, -71), (redemption, 71)]), [alice, redemption]


def _missing_account(world: dict[str, Any]) -> Any:
    ghost = LedgerAccount(pk=10**9, code="ghost", name="不存在", unit="point")
    return ledger.post(kind="x", lines=[(_acc(world, "sys:issuance"), -1), (ghost, 1)]), []


def _forged_unit(world: dict[str, Any]) -> Any:
    """An object claiming the unit of the other line, for an account of another unit (the stored unit decides)."""
    pool = _acc(world, "cny:pool")
    pool.unit = "point"
    return ledger.post(kind="x", lines=[(_acc(world, "sys:issuance"), -1), (pool, 1)]), []


def _reversal_by_post(world: dict[str, Any]) -> Any:
    original = _txn(world, "original")
    alice, bob = _acc(world, "h:alice"), _acc(world, "h:bob")
    return ledger.post(kind="fix", lines=[(bob, -30), (alice, 30)], reverses=original, memo="更正"), [alice, bob]


def _bad_reversal_lines(world: dict[str, Any]) -> Any:
    original = _txn(world, "original")
    alice, bob = _acc(world, "h:alice"), _acc(world, "h:bob")
    return ledger.post(kind="fix", lines=[(bob, -20), (alice, 20)], reverses=original), []


CASES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "two lines, caller's order not id order": _post(("sys:issuance", -25), ("h:alice", 25), kind="points.award"),
    "two lines in id order": _post(("h:carol", -5), ("h:alice", 5)),
    "three lines, reversed id order": _post(("h:raised", 1), ("h:carol", 4), ("h:alice", -5)),
    "memo cleaned, reference, actor": _with_actor,
    "reference repeated with the same lines": _post(
        ("sys:issuance", -100), ("h:alice", 100), kind="seed", reference="seed:h:alice"
    ),
    "same lines in another order under the reference": _post(
        ("h:alice", 100), ("sys:issuance", -100), kind="seed", reference="seed:h:alice"
    ),
    "reference repeated with other lines": _post(
        ("sys:issuance", -99), ("h:alice", 99), kind="seed", reference="seed:h:alice"
    ),
    "reference repeated with another kind": _post(
        ("sys:issuance", -100), ("h:alice", 100), kind="other", reference="seed:h:alice"
    ),
    "spend down to a reserve floor": _post(("h:reserve", -30), ("sys:redemption", 30)),
    "spend below a reserve floor": _post(("h:reserve", -31), ("sys:redemption", 31)),
    "spend into credit": _post(("h:credit", -30), ("sys:redemption", 30)),
    "spend beyond the credit": _post(("h:credit", -31), ("sys:redemption", 31)),
    "spend everything": _post(("h:alice", -70), ("sys:redemption", 70)),
    "spend one more than the balance": _post(("h:alice", -71), ("sys:redemption", 71)),
    "two accounts below their floors: the lower id is named": _post(
        ("h:alice", -71), ("h:carol", -6), ("sys:redemption", 77)
    ),
    "a credit to an account below its raised floor": _post(("h:raised", 5), ("sys:issuance", -5)),
    "a spend from an account below its raised floor": _post(("h:raised", -1), ("sys:redemption", 1)),
    "system accounts go negative": _post(("sys:redemption", -(10**6)), ("sys:issuance", 10**6)),
    "a stale caller's object": _stale_object,
    "a missing account": _missing_account,
    "accounts of two units": _post(("cny:pool", 1), ("sys:issuance", -1)),
    "an object whose unit is not the stored one": _forged_unit,
    "reverse": _reverse("original"),
    "reverse with a reference and kind": _reverse("original", reference="fix:1", kind="points.correction"),
    "a reversal posted with reverses=": _reversal_by_post,
    "reversal lines that do not mirror": _bad_reversal_lines,
    "reverse twice": _reverse("reversed"),
    "reverse twice under the first reversal's reference": _reverse("reversed", reference="t:2:reversal"),
    "reverse a reversal": _reverse("reversal"),
    "reverse without the funds": _reverse("spent", memo="追回"),
}


def _describe(answer: Any) -> Any:
    """What the caller gets back: the transaction's fields and the balances set on its account objects."""
    txn, accounts = answer
    fields = ("pk", "kind", "memo", "reference", "reverses_id", "actor_id", "occurred_at")
    return {f: getattr(txn, f) for f in fields}, [(a.code, a.balance) for a in accounts]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_both_paths_write_the_same_rows_and_answer_the_same(world, case):
    with time_machine.travel(T0, tick=False):
        before, outcomes = paths.run_each(PATHS, lambda: case(world), _describe)
    reference = paths.assert_same(before, outcomes)
    # The comparison saw a real write or a real refusal, not two empty runs.
    if reference.error is None:
        assert reference.answer[0]["pk"] is not None
        assert reference.rows["core.Posting"] or reference.answer[0]["pk"] in {
            r["id"] for r in before["core.LedgerTransaction"]
        }


def test_the_cases_reach_every_outcome(world):
    """Writes, repeats that write nothing, and each kind of refusal are all among the cases."""
    seen = set()
    for name, case in CASES.items():
        with time_machine.travel(T0, tick=False):
            before, outcomes = paths.run_each({"orm": PATHS["orm"]}, lambda case=case: case(world), _describe)
        outcome = outcomes["orm"]
        if outcome.error:
            seen.add(outcome.error[0])
        elif len(outcome.rows["core.LedgerTransaction"]) == len(before["core.LedgerTransaction"]):
            seen.add("repeat")
        else:
            seen.add("written")
        assert name
    assert seen == {"written", "repeat", "ValidationFailed", "Conflict"}


def test_postings_are_written_in_account_id_order_on_both_paths(world):
    for name, path in PATHS.items():
        with path(), time_machine.travel(T0, tick=False):
            txn, _accounts = _post(("h:raised", 1), ("h:carol", 4), ("h:alice", -5))(world)
        accounts = list(txn.postings.order_by("id").values_list("account_id", flat=True))
        assert accounts == sorted(accounts), name
