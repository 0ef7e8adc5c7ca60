"""Points expire after the scheme's period, oldest first (FIFO), as ledger transactions to the expiry account;
the sweep is idempotent, also with two runners at once on PostgreSQL."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from gongzhi.core import clock, ledger
from gongzhi.core.models_ledger import LedgerTransaction
from gongzhi.points.actions.accounts import account_open_for_household
from gongzhi.points.actions.expiry import expirable, expire_due
from gongzhi.points.actions.schemes import scheme_create, system_account, system_balances
from tests.concurrency import postgres_only, run_together
from tests.conftest import STREET

START = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def make_scheme(district, **kw):
    return scheme_create(
        actor=district["street_staff"], area=district.areas[STREET], name="有效期积分", expiry_days=30, **kw
    )


def credit(scheme, account, points, kind="points.award"):
    issuance = system_account(scheme, "issuance", spread=account.pk)
    return ledger.post(kind=kind, lines=[(issuance, -points), (account.ledger_account, points)])


def spend(scheme, account, points):
    redemption = system_account(scheme, "redemption", spread=account.pk)
    return ledger.post(kind="points.redemption", lines=[(account.ledger_account, -points), (redemption, points)])


def balance(account):
    return ledger.balance(account=account.ledger_account)


def test_points_expire_oldest_first_and_a_second_run_expires_nothing(district, household_a):
    with time_machine.travel(START, tick=False) as t:
        scheme = make_scheme(district)
        account = account_open_for_household(household=household_a)
        credit(scheme, account, 10)
        t.shift(20 * DAY)
        credit(scheme, account, 5)
        spend(scheme, account, 3)  # FIFO: these 3 come out of the first 10
        t.shift(5 * DAY)
        assert expire_due() == {"accounts": 0, "points": 0, "failed": 0}  # nothing is 30 days old yet
        t.shift(6 * DAY)  # day 31: the first award's remaining 7 lapse, the 5 of day 20 stay
        assert expire_due() == {"accounts": 1, "points": 7, "failed": 0}
        assert balance(account) == 5
        assert expire_due()["points"] == 0  # idempotent
        txn = LedgerTransaction.objects.get(kind="points.expiry")
        assert ledger.verify_transaction(transaction=txn)
        codes = {p.account.code for p in txn.postings.select_related("account")}
        assert any(c.startswith(scheme.system_code("expiry")) for c in codes)
        t.shift(20 * DAY)  # day 51: the 5 of day 20 lapse too
        assert expire_due()["points"] == 5
        assert balance(account) == 0
        assert system_balances(scheme) == {"issuance": -15, "redemption": 3, "expiry": 12}


def test_a_refund_does_not_renew_points_and_a_scheme_without_expiry_keeps_them(district, household_a, household_b):
    with time_machine.travel(START, tick=False) as t:
        scheme = make_scheme(district)
        account = account_open_for_household(household=household_a)
        credit(scheme, account, 10)
        t.shift(10 * DAY)
        order = spend(scheme, account, 4)
        t.shift(10 * DAY)
        ledger.reverse(transaction=order, memo="取消兑换")  # the 4 come back, still from day 0
        t.shift(11 * DAY)
        assert expirable(account=account, at=clock.now()) == 10
        scheme.expiry_days = None
        scheme.save()
        assert expire_due()["points"] == 0 and balance(account) == 10


def test_expiry_keeps_a_positive_floor(district, household_a):
    with time_machine.travel(START, tick=False) as t:
        scheme = make_scheme(district, floor=3, opening_balance=3)
        account = account_open_for_household(household=household_a)
        credit(scheme, account, 10)
        t.shift(40 * DAY)
        assert expire_due()["points"] == 10
        assert balance(account) == 3


def test_the_command_runs_once_and_refuses_a_future_time(district, household_a):
    with time_machine.travel(START, tick=False) as t:
        scheme = make_scheme(district)
        account = account_open_for_household(household=household_a)
        credit(scheme, account, 8)
        t.shift(40 * DAY)
        out = StringIO()
        call_command("expire_points", "--once", at=(START + 10 * DAY).isoformat(), stdout=out)
        assert "expired 0 points" in out.getvalue()
        call_command("expire_points", "--once", stdout=out)
        assert "expired 8 points on 1 accounts" in out.getvalue()
        with pytest.raises(CommandError, match="future"):
            call_command("expire_points", "--once", at=(START + 50 * DAY).isoformat(), stdout=out)
        with pytest.raises(CommandError, match="ISO"):
            call_command("expire_points", "--once", at="yesterday", stdout=out)
        assert balance(account) == 0


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_runners_at_once_expire_once(district, household_a, household_b):
    scheme = make_scheme(district)
    accounts = [account_open_for_household(household=h) for h in (household_a, household_b)]
    for account in accounts:
        credit(scheme, account, 9)
    later = clock.now() + 31 * DAY
    results = run_together(*[lambda: expire_due(at=later) for _ in range(4)])
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["points"] for r in results) == 18
    assert LedgerTransaction.objects.filter(kind="points.expiry").count() == 2
    assert [balance(a) for a in accounts] == [0, 0]
