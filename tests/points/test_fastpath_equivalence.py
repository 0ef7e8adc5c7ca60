"""The points bank's PostgreSQL fast paths (points/fastpath.py: a due award posted, a redemption placed, each one
statement with the ledger's part from core.ledger.pg_post_ctes) write the same rows and answer the same as the ORM
paths (award_workflow's `post` move, redemption._redemption_place_orm, with the ledger's ORM path) on the same
PostgreSQL data.

Three paths run each case (tests/paths.py: a savepoint each, sequences set back, every row of every table
compared, the clock frozen):
- "fast": both switches on — what production runs (when a fast path writes nothing, the ORM path runs after it and
  raises the exact error, or writes what the fast path could not: a system sub-account still to be opened, a drawn
  pickup code taken);
- "orm": `fastpath.ONE_STATEMENT` and `ledger.ONE_STATEMENT` off — the reference, as SQLite runs it;
- "orm, one-statement ledger": the points ORM path over the ledger's fast path.
Covered: awards and deductions (shard 0 and others, at the end of publicity, from a source, a source's reference
already taken with the same and other lines, a missing issuance sub-account), every refusal (not due, not
published, already posted, unknown, beyond the floor), redemptions (quantities, the account's floor, stock, an
inactive or unoffered item, a taken pickup code, a missing redemption sub-account), and the moves that reach the
fast path only through the ledger (an order's cancellation, an upheld appeal's reversal, expiry).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection, models

from gongzhi.core import ledger
from gongzhi.core.models_ledger import LedgerAccount
from gongzhi.points import fastpath
from gongzhi.points.actions import expiry, redemption
from gongzhi.points.actions.accounts import account_open_for_household
from gongzhi.points.actions.award_sweep import post_due_award
from gongzhi.points.actions.award_workflow import award_transition
from gongzhi.points.actions.schemes import system_account, system_code
from gongzhi.points.actions.store import event_create, event_offer, item_create
from gongzhi.points.models import (
    SYSTEM_SHARDS,
    AwardState,
    PointsAccount,
    PointsAward,
    PointsRule,
    PointsScheme,
    StoreItem,
)
from tests import factories, paths
from tests.conftest import MICRO_A, STREET

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement paths are PostgreSQL's"),
    pytest.mark.django_db,
]
T0 = dt.datetime(2026, 6, 8, 10, 15, 30, 123456, tzinfo=dt.UTC)


def _path(points: bool, one_statement_ledger: bool) -> paths.Path:
    return lambda: paths.switched((fastpath, "ONE_STATEMENT", points), (ledger, "ONE_STATEMENT", one_statement_ledger))


PATHS = {
    "fast": _path(True, True),
    "orm": _path(False, False),
    "orm, one-statement ledger": _path(False, True),
}
CODES: list[str] = []  # the pickup codes the next redemption draws, in order


@pytest.fixture(autouse=True)
def _drawn_codes(monkeypatch):
    monkeypatch.setattr(redemption, "_pickup_code", lambda: CODES.pop(0))


def test_the_switch_picks_the_path(monkeypatch):
    assert fastpath.available()
    monkeypatch.setattr(fastpath, "ONE_STATEMENT", False)
    assert not fastpath.available() and ledger.fast_path_available()


def _account_with_pk_multiple_of(n: int, household: Any) -> PointsAccount:
    """The next points account gets an id ≡ 0 (mod n): the shard-0 system accounts (the plain codes)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [PointsAccount._meta.db_table, "id"])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (drawn,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s)", [sequence, (drawn // n + 1) * n - 1])
    account = account_open_for_household(household=household)
    assert account.pk % n == 0, account.pk
    return account


def _account_off_shard_zero(n: int, household: Any) -> PointsAccount:
    """The next points account gets an id that is not ≡ 0 (mod n), whatever ids earlier tests used."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [PointsAccount._meta.db_table, "id"])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (drawn,) = cursor.fetchone()
        if (drawn + 1) % n == 0:
            cursor.execute("SELECT setval(%s, %s)", [sequence, drawn + 1])
    return account_open_for_household(household=household)


def _fund(scheme: PointsScheme, account: PointsAccount, points: int, ref: str) -> None:
    issuance = system_account(scheme, "issuance", spread=account.pk)
    ledger.post(kind="points.award", lines=[(issuance, -points), (account.ledger_account, points)], reference=ref)


def _award(world: dict[str, Any], account: str, rule: str, **kw: Any) -> int:
    rule_row = PointsRule.objects.get(scheme=world["scheme"], code=rule)
    holder = world[account]
    values: dict[str, Any] = {
        "state": AwardState.PUBLISHED,
        "published_at": T0 - dt.timedelta(days=3),
        "publicity_ends_at": T0 - dt.timedelta(seconds=1),
        "points": rule_row.points,
    } | kw
    award = PointsAward.objects.create(
        scheme=world["scheme"],
        rule=rule_row,
        account=holder,
        area_code=holder.area_code,
        evidence="照片见群",
        period=T0.date().replace(day=1),
        proposed_by=world["district"]["grid_worker_a"],
        **values,
    )
    return award.pk


@pytest.fixture
def world(district, household_a, household_b, scheme):
    with time_machine.travel(T0 - dt.timedelta(days=40), tick=False):
        staff = district["street_staff"]
        a = _account_off_shard_zero(SYSTEM_SHARDS, household_a)
        b = _account_off_shard_zero(SYSTEM_SHARDS, household_b)
        zero = _account_with_pk_multiple_of(
            SYSTEM_SHARDS, factories.HouseholdFactory(area=district.areas[MICRO_A], number="HZ-0001", address="3号")
        )
        assert a.pk % SYSTEM_SHARDS and b.pk % SYSTEM_SHARDS
        _fund(scheme, a, 100, "seed:a")
        _fund(scheme, b, 10, "seed:b")
        _fund(scheme, zero, 50, "seed:zero")
        ledger.account_set_floor(account=zero.ledger_account, floor=20)
        PointsScheme.objects.filter(pk=scheme.pk).update(expiry_days=30)
        event = event_create(
            actor=staff,
            scheme=scheme,
            area=district.areas[STREET],
            title="兑换日",
            place="德育超市",
            starts_at=T0 - dt.timedelta(days=41),
            ends_at=T0 + dt.timedelta(days=1),
        )
        flour = item_create(actor=staff, scheme=scheme, name="面粉", price=10, stock=20)
        event_offer(actor=staff, event=event, item=flour, stock=5)
        oil = item_create(actor=staff, scheme=scheme, name="食用油", price=3, stock=5)
        event_offer(actor=staff, event=event, item=oil, stock=5)
        StoreItem.objects.filter(pk=oil.pk).update(is_active=False)
        soap = item_create(actor=staff, scheme=scheme, name="肥皂", price=1, stock=5)  # not offered at the event
        CODES[:] = ["TAKEN001"]
        order = redemption.redemption_place(actor=staff, account=a, event=event, item=flour, quantity=1)
    world: dict[str, Any] = {"district": district, "scheme": scheme, "a": a, "b": b, "zero": zero, "staff": staff}
    world |= {"event": event, "flour": flour, "oil": oil, "soap": soap, "order": order.pk}
    with time_machine.travel(T0 - dt.timedelta(days=4), tick=False):
        world["awards"] = {
            "award": _award(world, "a", "env-cleanup"),
            "award to a shard-0 account": _award(world, "zero", "env-cleanup"),
            "award at the very end of publicity": _award(world, "a", "env-cleanup", publicity_ends_at=T0),
            "deduction": _award(world, "a", "env-littering"),
            # zero: 50 + 5 (the source's reference below) above a floor of 20
            "deduction to the floor": _award(world, "zero", "neighbour-elder-neglect", points=-35),
            "deduction beyond the floor": _award(world, "zero", "neighbour-elder-neglect", points=-36),
            "deduction beyond the balance": _award(world, "b", "neighbour-elder-neglect"),
            "not yet due": _award(world, "a", "env-cleanup", publicity_ends_at=T0 + dt.timedelta(microseconds=1)),
            "not published": _award(world, "a", "env-cleanup", state=AwardState.REVIEWED),
            "from a source": _award(world, "a", "env-cleanup", source_type="volunteering.hours", source_id="42"),
            "a source's reference taken by other lines": _award(
                world, "a", "env-cleanup", source_type="appeal", source_id="9"
            ),
            "a source's reference taken by the same lines": _award(
                world, "zero", "env-cleanup", source_type="appeal", source_id="10"
            ),
            "missing issuance sub-account": _award(world, "b", "env-cleanup"),
        }
        rule = PointsRule.objects.get(scheme=scheme, code="env-cleanup")
        _fund(scheme, b, 1, "points:src:appeal:9")
        issuance = system_account(scheme, "issuance", spread=zero.pk)
        ledger.post(
            kind="points.award",
            lines=[(issuance, -rule.points), (zero.ledger_account, rule.points)],
            memo=f"{rule.name} {rule.points:+d}",
            reference="points:src:appeal:10",
        )
        posted = _award(world, "a", "env-cleanup", publicity_ends_at=T0 - dt.timedelta(days=5))
        post_due_award(award_id=posted)  # publicity over four days later: posted
        world["awards"]["already posted"] = posted
        appealed = _award(world, "a", "env-littering", publicity_ends_at=T0 - dt.timedelta(days=5))
        post_due_award(award_id=appealed)
        PointsAward.objects.filter(pk=appealed).update(state=AwardState.APPEALED)
        world["appealed"] = appealed
    # A shard missing, as for a scheme from before the split: the ORM path opens it, the fast path cannot.
    for purpose in ("issuance", "redemption"):
        code = system_code(scheme, purpose, b.pk % SYSTEM_SHARDS)
        LedgerAccount.objects.filter(code=code).update(
            code=models.functions.Concat(models.F("code"), models.Value(":old"))
        )
    return world


def _describe(answer: Any) -> Any:
    """A returned row as its concrete fields (the order a fast path returns is built, not read back)."""
    if isinstance(answer, models.Model):
        return {f.attname: getattr(answer, f.attname) for f in type(answer)._meta.concrete_fields}
    return answer


def _post_award(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda world: post_due_award(award_id=world["awards"][name])


def _redeem(account: str, item: str, quantity: int, codes: tuple[str, ...] = ("CODE0001",)) -> Any:
    def run(world: dict[str, Any]) -> Any:
        CODES[:] = list(codes)
        holder = PointsAccount.objects.select_related("scheme", "ledger_account").get(pk=world[account].pk)
        return redemption.redemption_place(
            actor=world["staff"], account=holder, event=world["event"], item=world[item], quantity=quantity
        )

    return run


CASES: dict[str, Callable[[dict[str, Any]], Any]] = {
    **{
        f"post: {name}": _post_award(name)
        for name in (
            "award",
            "award to a shard-0 account",
            "award at the very end of publicity",
            "deduction",
            "deduction to the floor",
            "deduction beyond the floor",
            "deduction beyond the balance",
            "not yet due",
            "not published",
            "from a source",
            "a source's reference taken by other lines",
            "a source's reference taken by the same lines",
            "missing issuance sub-account",
            "already posted",
        )
    },
    "post: an unknown award": lambda world: post_due_award(award_id=10**9),
    "redeem one": _redeem("a", "flour", 1),
    "redeem three": _redeem("a", "flour", 3),
    "redeem the whole stock": _redeem("a", "flour", 4),
    "redeem beyond the stock": _redeem("a", "flour", 5),
    "redeem down to the account's floor": _redeem("zero", "flour", 3),
    "redeem beyond the account's floor": _redeem("zero", "flour", 4),
    "redeem beyond the balance": _redeem("b", "flour", 2),
    "redeem an inactive item": _redeem("a", "oil", 1),
    "redeem an item the event does not offer": _redeem("a", "soap", 1),
    "redeem with a drawn pickup code taken": _redeem("a", "flour", 1, ("TAKEN001", "CODE0002")),
    "redeem with the redemption sub-account missing": _redeem("b", "flour", 1),
    "cancel an order (a ledger reversal)": lambda world: redemption.redemption_cancel(
        actor=world["staff"], order_id=world["order"], reason="不要了"
    ),
    "uphold an appeal (a ledger reversal)": lambda world: award_transition(
        actor=world["district"]["community_worker_a"], award_id=world["appealed"], action="uphold", note="核实有误"
    ),
    "expire an account": lambda world: expiry.expire_account(account=world["a"], at=T0),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_fast_and_the_orm_paths_write_the_same_rows_and_answer_the_same(world, case):
    with time_machine.travel(T0, tick=False):
        before, outcomes = paths.run_each(PATHS, lambda: case(world), _describe)
    paths.assert_same(before, outcomes)


def test_the_cases_reach_the_fast_path_and_every_refusal(world, monkeypatch):
    """Which cases the one statement writes itself (else the ORM path runs after it), and which are refused."""
    wrote, refused = set(), {}
    calls: list[Any] = []
    for fast in (fastpath.award_post_due, fastpath.redemption_place):
        monkeypatch.setattr(fastpath, fast.__name__, lambda *a, fast=fast, **kw: calls.append(r := fast(*a, **kw)) or r)
    for name, case in CASES.items():
        calls.clear()
        with time_machine.travel(T0, tick=False):
            _before, outcomes = paths.run_each({"fast": PATHS["fast"]}, lambda case=case: case(world), _describe)
        if outcomes["fast"].error:
            refused[name] = outcomes["fast"].error[0]
        if any(c is not None for c in calls):
            wrote.add(name)
    assert wrote == {
        "post: award",
        "post: award to a shard-0 account",
        "post: award at the very end of publicity",
        "post: deduction",
        "post: deduction to the floor",
        "post: from a source",
        "redeem one",
        "redeem three",
        "redeem the whole stock",
        "redeem down to the account's floor",
    }
    assert refused == {
        "post: deduction beyond the floor": "ValidationFailed",
        "post: deduction beyond the balance": "ValidationFailed",
        "post: not yet due": "ValidationFailed",
        "post: not published": "ValidationFailed",
        "post: a source's reference taken by other lines": "Conflict",
        "post: already posted": "ValidationFailed",
        "post: an unknown award": "NotFound",
        "redeem beyond the stock": "ValidationFailed",
        "redeem beyond the account's floor": "ValidationFailed",
        "redeem beyond the balance": "ValidationFailed",
        "redeem an inactive item": "NotFound",
        "redeem an item the event does not offer": "NotFound",
    }
