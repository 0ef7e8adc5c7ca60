"""Many counters redeeming for one household at the same moment (redemption day, 500 households at a grid):
the row locks decide, exactly as many succeed as the balance (above the floor) and the stock allow, and neither
the balance nor the stock ever goes below its limit."""

import datetime as dt

import pytest

from gongzhi.core import clock, ledger
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.models_ledger import Posting
from gongzhi.points.actions.accounts import account_open_for_household
from gongzhi.points.actions.redemption import redemption_cancel, redemption_place
from gongzhi.points.actions.schemes import scheme_create
from gongzhi.points.actions.store import event_create, event_offer, item_create
from gongzhi.points.models import EventItem, RedemptionOrder
from tests.concurrency import POSTGRES_ONLY, run_together
from tests.conftest import STREET

pytestmark = [
    *POSTGRES_ONLY,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def redemption_day(district, household_a, household_b):
    """A scheme with a floor of 10; household A holds 10 + 5 × 20 points, B 10 + 1000; flour costs 20."""
    staff = district["street_staff"]
    # Real time: the worker threads read the clock as well.
    start = clock.now() - dt.timedelta(hours=1)
    scheme = scheme_create(actor=staff, area=district.areas[STREET], name="德育乡村积分", opening_balance=10, floor=10)
    account = account_open_for_household(household=household_a)
    other = account_open_for_household(household=household_b)
    issuance = ledger.account_by_code(code=scheme.system_code("issuance"))
    ledger.post(kind="points.award", lines=[(issuance, -100), (account.ledger_account, 100)])
    ledger.post(kind="points.award", lines=[(issuance, -1000), (other.ledger_account, 1000)])
    flour = item_create(actor=staff, scheme=scheme, name="面粉", price=20, stock=100)
    event = event_create(
        actor=staff,
        scheme=scheme,
        area=district.areas[STREET],
        title="小邓网格积分兑换",
        place="德育超市",
        starts_at=start,
        ends_at=start + dt.timedelta(days=1),
    )
    return {"account": account, "other": other, "flour": flour, "event": event, "counter": staff}


def test_sixteen_redemptions_from_an_account_that_affords_five_exactly_five_succeed(redemption_day):
    d = redemption_day
    event_offer(actor=d["counter"], event=d["event"], item=d["flour"], stock=50)

    def redeem():
        return redemption_place(actor=d["counter"], account=d["account"], event=d["event"], item=d["flour"], quantity=1)

    results = run_together(*[redeem for _ in range(16)])
    ok = [r for r in results if isinstance(r, RedemptionOrder)]
    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert len(ok) == 5, results
    assert len(refused) == 11, results
    assert all(r.field == "lines" and r.details["floor"] == 10 for r in refused)
    holder = d["account"].ledger_account
    assert ledger.balance(account=holder) == 10
    assert ledger.verify_account(account=holder)
    after = list(Posting.objects.filter(account=holder).order_by("id").values_list("balance_after", flat=True))
    assert after == [10, 110, 90, 70, 50, 30, 10]  # never below the floor
    assert EventItem.objects.get().stock == 45
    assert RedemptionOrder.objects.count() == 5


def test_stock_for_four_and_sixteen_buyers_four_succeed_and_stock_stays_at_zero(redemption_day):
    d = redemption_day
    event_offer(actor=d["counter"], event=d["event"], item=d["flour"], stock=4)

    def redeem():
        return redemption_place(actor=d["counter"], account=d["other"], event=d["event"], item=d["flour"], quantity=1)

    results = run_together(*[redeem for _ in range(16)])
    assert sum(isinstance(r, RedemptionOrder) for r in results) == 4, results
    assert sum(isinstance(r, ValidationFailed) and r.field == "quantity" for r in results) == 12, results
    assert EventItem.objects.get().stock == 0
    assert ledger.balance(account=d["other"].ledger_account) == 1010 - 4 * 20
    assert ledger.verify_account(account=d["other"].ledger_account)


def test_cancels_racing_redemptions_keep_balance_and_stock_consistent(redemption_day):
    d = redemption_day
    event_offer(actor=d["counter"], event=d["event"], item=d["flour"], stock=3)
    placed = [
        redemption_place(actor=d["counter"], account=d["other"], event=d["event"], item=d["flour"], quantity=1)
        for _ in range(3)
    ]
    calls = [(lambda o=o: redemption_cancel(actor=d["counter"], order_id=o.pk, reason="改天")) for o in placed] + [
        (
            lambda: redemption_place(
                actor=d["counter"], account=d["other"], event=d["event"], item=d["flour"], quantity=1
            )
        )
        for _ in range(6)
    ]
    # Every cancel twice: exactly one of each pair refunds.
    calls += [(lambda o=o: redemption_cancel(actor=d["counter"], order_id=o.pk, reason="改天")) for o in placed]
    results = run_together(*calls)
    new_orders = [r for r in results[3:9] if isinstance(r, RedemptionOrder)]
    cancels = results[:3] + results[9:]
    assert sum(isinstance(r, RedemptionOrder) and r.state == "cancelled" for r in cancels) == 3, cancels
    assert all(isinstance(r, (RedemptionOrder, ValidationFailed)) for r in results), results
    live = RedemptionOrder.objects.filter(state="placed").count()
    assert live == len(new_orders) <= 3
    assert EventItem.objects.get().stock == 3 - live >= 0
    assert ledger.balance(account=d["other"].ledger_account) == 1010 - 20 * live
    assert ledger.verify_account(account=d["other"].ledger_account)
