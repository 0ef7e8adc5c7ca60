"""Many clients spending from one account at the same moment: row locks decide, exactly as many succeed as it can
afford, and the balance never goes below its floor. Also: transfers in opposite directions do not deadlock."""

import pytest

from gongzhi.core import ledger
from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.core.models_ledger import LedgerTransaction, Posting
from tests.concurrency import POSTGRES_ONLY, run_together

pytestmark = [
    *POSTGRES_ONLY,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def funded():
    issuance = ledger.system_account(code="points:issuance", name="积分发行", unit="point")
    redemption = ledger.system_account(code="points:redemption", name="积分兑换", unit="point")
    holder = ledger.account_open(code="points:hh:1", name="一号户", unit="point")
    ledger.post(kind="points.award", lines=[(issuance, -50), (holder, 50)])
    return issuance, redemption, holder


def test_sixteen_spends_of_ten_from_fifty_exactly_five_succeed(funded):
    _issuance, redemption, holder = funded
    results = run_together(
        *[(lambda: ledger.post(kind="points.redeem", lines=[(holder, -10), (redemption, 10)])) for _ in range(16)]
    )
    ok = [r for r in results if isinstance(r, LedgerTransaction)]
    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert len(ok) == 5, results
    assert len(refused) == 11, results
    assert all(r.details["account"] == "points:hh:1" for r in refused)
    assert ledger.balance(account=holder) == 0
    assert ledger.balance(account=redemption) == 50
    assert ledger.verify_account(account=holder)
    # The balance never dipped below zero: every balance_after of the holder's postings stays at or above 0.
    after = list(Posting.objects.filter(account=holder).order_by("id").values_list("balance_after", flat=True))
    assert after == [50, 40, 30, 20, 10, 0]


def test_the_same_reference_from_many_clients_posts_once(funded):
    _issuance, redemption, holder = funded
    results = run_together(
        *[
            (lambda: ledger.post(kind="points.redeem", lines=[(holder, -10), (redemption, 10)], reference="order:1"))
            for _ in range(8)
        ]
    )
    assert all(isinstance(r, LedgerTransaction) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert ledger.balance(account=holder) == 40


def test_one_transaction_reversed_by_many_clients_once(funded):
    issuance, _redemption, holder = funded
    original = LedgerTransaction.objects.get(kind="points.award")
    results = run_together(*[(lambda: ledger.reverse(transaction=original, memo="错记")) for _ in range(6)])
    assert sum(isinstance(r, LedgerTransaction) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 5, results
    assert ledger.balance(account=holder) == 0
    assert ledger.balance(account=issuance) == 0


def test_opposite_transfers_do_not_deadlock(funded):
    issuance, _redemption, a = funded
    b = ledger.account_open(code="points:hh:2", name="二号户", unit="point")
    ledger.post(kind="points.award", lines=[(issuance, -50), (b, 50)])
    calls = []
    for i in range(12):
        lines = [(a, -1), (b, 1)] if i % 2 else [(b, -1), (a, 1)]
        calls.append(lambda lines=lines: ledger.post(kind="points.transfer", lines=lines))
    results = run_together(*calls)
    assert all(isinstance(r, LedgerTransaction) for r in results), results
    assert ledger.balance(account=a) == 50 and ledger.balance(account=b) == 50
    assert ledger.verify_account(account=a) and ledger.verify_account(account=b)
