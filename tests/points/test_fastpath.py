"""The one-statement PostgreSQL paths write exactly what the ORM paths write, and nothing when a rule refuses."""

import datetime as dt

import pytest
from django.db import connection

from gongzhi.core import clock, ledger
from gongzhi.core.models import AuditEvent
from gongzhi.core.models_ledger import LedgerTransaction, Posting
from gongzhi.points import fastpath
from gongzhi.points.actions.accounts import account_open_for_household
from gongzhi.points.actions.schemes import system_account, system_code
from gongzhi.points.actions.store import event_create, event_offer, item_create
from gongzhi.points.models import SYSTEM_SHARDS, AwardEvent, EventItem, PointsAward, RedemptionOrder
from tests.conftest import STREET
from tests.points.conftest import move, propose

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement paths are PostgreSQL's"),
]


def test_award_post_due_posts_in_one_statement_and_refuses_early_or_twice(district, household_a, scheme):
    award = move(district, propose(district, household_a), ("community_worker_a", "review"))
    award = move(district, award, ("community_worker_a", "publish"))
    assert fastpath.award_post_due(award_id=award.pk) is None  # publicity still running: nothing written
    assert Posting.objects.count() == 0 and PointsAward.objects.get().state == "published"
    later = clock.now() + dt.timedelta(days=3, seconds=1)
    txn_id = fastpath.award_post_due(award_id=award.pk, at=later)
    assert txn_id is not None
    award.refresh_from_db()
    assert (award.state, award.transaction_id) == ("posted", txn_id)
    assert AwardEvent.objects.filter(award=award, action="post", to_state="posted").count() == 1
    txn = LedgerTransaction.objects.get(pk=txn_id)
    assert txn.kind == "points.award" and txn.reference == f"points:award:{award.pk}"
    assert ledger.verify_transaction(transaction=txn)
    account = award.account.ledger_account
    assert ledger.balance(account=account) == award.points and ledger.verify_account(account=account)
    issuance = {p.account.code for p in txn.postings.select_related("account")} - {account.code}
    assert issuance == {system_code(scheme, "issuance", award.account_id % SYSTEM_SHARDS)}
    assert fastpath.award_post_due(award_id=award.pk, at=later) is None  # already posted
    assert Posting.objects.count() == 2


def test_redemption_in_one_statement_and_nothing_written_when_refused(district, household_a, scheme):
    staff = district["street_staff"]
    account = account_open_for_household(household=household_a)
    issuance = system_account(scheme, "issuance", spread=account.pk)
    ledger.post(kind="points.award", lines=[(issuance, -30), (account.ledger_account, 30)])
    flour = item_create(actor=staff, scheme=scheme, name="面粉", price=20, stock=5)
    event = event_create(
        actor=staff,
        scheme=scheme,
        area=district.areas[STREET],
        title="兑换日",
        place="德育超市",
        starts_at=clock.now() - dt.timedelta(hours=1),
        ends_at=clock.now() + dt.timedelta(days=1),
    )
    event_offer(actor=staff, event=event, item=flour, stock=5)
    kw = {"actor": staff, "account": account, "event": event, "item": flour, "memo": "面粉 ×1"}
    order = fastpath.redemption_place(quantity=1, pickup_code="ABCDEFGH", **kw)
    assert order is not None and RedemptionOrder.objects.get(pk=order.pk).pickup_code == "ABCDEFGH"
    assert EventItem.objects.get().stock == 4 and ledger.balance(account=account.ledger_account) == 10
    assert AuditEvent.objects.filter(action="points.redemption.place", target_id=str(order.pk)).exists()
    # Beyond the balance; the same pickup code again; beyond the stock: each writes nothing.
    assert fastpath.redemption_place(quantity=1, pickup_code="ZZZZZZZZ", **kw) is None
    ledger.post(kind="points.award", lines=[(issuance, -1000), (account.ledger_account, 1000)])
    before = (Posting.objects.count(), RedemptionOrder.objects.count(), AuditEvent.objects.count())
    assert fastpath.redemption_place(quantity=1, pickup_code="ABCDEFGH", **kw) is None
    assert fastpath.redemption_place(quantity=5, pickup_code="YYYYYYYY", **kw) is None
    assert (Posting.objects.count(), RedemptionOrder.objects.count(), AuditEvent.objects.count()) == before
    assert EventItem.objects.get().stock == 4 and ledger.balance(account=account.ledger_account) == 1010
    assert ledger.verify_account(account=account.ledger_account)


@pytest.mark.django_db(transaction=True)
def test_contended_redemptions_from_one_account_all_take_the_one_statement_path(district, household_a, scheme):
    """Rows changed by a concurrent commit are re-checked by PostgreSQL; the statement must still find them (a
    re-check through a join used to drop them, and every contended redemption fell back to the ORM path)."""
    from tests.points.test_concurrency import run_together

    staff = district["street_staff"]
    account = account_open_for_household(household=household_a)
    issuance = system_account(scheme, "issuance", spread=account.pk)
    ledger.post(kind="points.award", lines=[(issuance, -1000), (account.ledger_account, 1000)])
    flour = item_create(actor=staff, scheme=scheme, name="面粉", price=1, stock=100)
    event = event_create(
        actor=staff,
        scheme=scheme,
        area=district.areas[STREET],
        title="兑换日",
        place="德育超市",
        starts_at=clock.now() - dt.timedelta(hours=1),
        ends_at=clock.now() + dt.timedelta(days=1),
    )
    event_offer(actor=staff, event=event, item=flour, stock=100)
    kw = {"actor": staff, "account": account, "event": event, "item": flour, "memo": "面粉 ×1", "quantity": 1}
    calls = [(lambda i=i: fastpath.redemption_place(pickup_code=f"CODE{i:04d}", **kw)) for i in range(12)]
    results = run_together(*calls)
    assert all(isinstance(r, RedemptionOrder) for r in results), results
    assert EventItem.objects.get().stock == 100 - 12
    assert ledger.balance(account=account.ledger_account) == 1000 - 12
    assert ledger.verify_account(account=account.ledger_account)
