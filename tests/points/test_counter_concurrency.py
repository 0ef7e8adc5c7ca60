"""Two phones at the counter scan the same QR code at the same moment, or the resident cancels while the worker
hands over: the order's row lock decides, the goods go out once, and a cancel never refunds what was handed out."""

import pytest

from gongzhi.core import ledger
from gongzhi.core.errors import ValidationFailed
from gongzhi.points.actions.redemption import redemption_cancel, redemption_fulfil, redemption_place
from gongzhi.points.actions.store import event_offer
from gongzhi.points.models import RedemptionOrder
from tests.concurrency import POSTGRES_ONLY, run_together
from tests.points.test_concurrency import redemption_day  # noqa: F401  (shared fixture)

pytestmark = [
    *POSTGRES_ONLY,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def placed(redemption_day):  # noqa: F811
    d = redemption_day
    event_offer(actor=d["counter"], event=d["event"], item=d["flour"], stock=10)
    order = redemption_place(actor=d["counter"], account=d["account"], event=d["event"], item=d["flour"], quantity=1)
    return {**d, "order": order}


def test_eight_scans_of_one_code_hand_it_over_once(placed):
    code = placed["order"].pickup_code
    results = run_together(*[lambda: redemption_fulfil(actor=placed["counter"], pickup_code=code)] * 8)
    done = [r for r in results if isinstance(r, RedemptionOrder)]
    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert len(done) == 1 and len(refused) == 7, results
    assert all("不能执行「领取」" in str(r.message) for r in refused)
    assert RedemptionOrder.objects.get().state == "fulfilled"


def test_a_cancel_racing_the_hand_over_leaves_one_consistent_outcome(placed):
    order = placed["order"]
    balance_before = ledger.balance(account=placed["account"].ledger_account)
    results = run_together(
        lambda: redemption_fulfil(actor=placed["counter"], pickup_code=order.pickup_code),
        lambda: redemption_cancel(actor=placed["counter"], order_id=order.pk),
    )
    assert sum(isinstance(r, RedemptionOrder) for r in results) == 1, results
    assert sum(isinstance(r, ValidationFailed) for r in results) == 1, results
    order.refresh_from_db()
    balance = ledger.balance(account=placed["account"].ledger_account)
    if order.state == "fulfilled":
        assert order.refund_id is None and balance == balance_before
    else:
        assert order.state == "cancelled" and order.fulfilled_at is None and balance == balance_before + order.points
    assert ledger.verify_account(account=placed["account"].ledger_account)
