"""The ledger's rules, one by one, and every bad input: a clear error and nothing written."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum

from gongzhi.core import ledger
from gongzhi.core.append_only import AppendOnlyError
from gongzhi.core.errors import Conflict, NotFound, ValidationFailed
from gongzhi.core.models_ledger import LedgerAccount, LedgerTransaction, Posting

pytestmark = pytest.mark.django_db


@pytest.fixture
def issuance():
    return ledger.system_account(code="points:issuance", name="积分发行", unit="point")


@pytest.fixture
def alice():
    return ledger.account_open(
        code="points:hh:1", name="一号户", unit="point", owner_type="people.household", owner_id=1, area_code="370211"
    )


@pytest.fixture
def bob():
    return ledger.account_open(
        code="points:hh:2", name="二号户", unit="point", owner_type="people.household", owner_id=2
    )


@pytest.fixture
def cny():
    return ledger.account_open(code="fund:pool", name="基金池", unit="CNY")


def snapshot():
    return (
        sorted(LedgerAccount.objects.values_list("code", "balance")),
        Posting.objects.count(),
        LedgerTransaction.objects.count(),
    )


def award(account, amount, issuance, **kwargs):
    return ledger.post(kind="points.award", lines=[(issuance, -amount), (account, amount)], **kwargs)


# --- accounts -----------------------------------------------------------------------------------------------------


def test_account_open_is_idempotent_and_stores_the_owner(alice):
    again = ledger.account_open(
        code="points:hh:1", name="一号户", unit="point", owner_type="people.household", owner_id="1", area_code="370211"
    )
    assert again.pk == alice.pk
    assert (alice.kind, alice.owner_type, alice.owner_id, alice.balance, alice.floor) == (
        "holder",
        "people.household",
        "1",
        0,
        0,
    )
    assert LedgerAccount.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "别的户"), ("unit", "CNY"), ("floor", -10), ("allow_negative", True), ("area_code", "370212")],
)
def test_account_open_with_conflicting_terms_is_refused(alice, field, value):
    args = {
        "code": "points:hh:1",
        "name": "一号户",
        "unit": "point",
        "owner_type": "people.household",
        "owner_id": 1,
        "area_code": "370211",
    }
    args[field] = value
    with pytest.raises(Conflict) as err:
        ledger.account_open(**args)
    assert err.value.field == field
    assert "points:hh:1" in str(err.value.message)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": "x" * 65}, "code"),
        ({"name": "  "}, "name"),
        ({"unit": ""}, "unit"),
        ({"kind": "bank"}, "kind"),
        ({"floor": 1.5}, "floor"),
        ({"floor": "0"}, "floor"),
        ({"allow_negative": "yes"}, "allow_negative"),
        ({"area_code": "abc"}, "area_code"),
    ],
)
def test_account_open_bad_input(kwargs, field):
    args = {"code": "a:1", "name": "甲", "unit": "point", **kwargs}
    with pytest.raises(ValidationFailed) as err:
        ledger.account_open(**args)
    assert err.value.field == field
    assert LedgerAccount.objects.count() == 0


def test_system_account_may_go_negative(issuance, alice):
    award(alice, 30, issuance)
    issuance.refresh_from_db()
    assert (issuance.kind, issuance.allow_negative, issuance.balance) == ("system", True, -30)
    assert ledger.system_account(code="points:issuance", name="积分发行", unit="point").pk == issuance.pk


def test_account_by_code(alice):
    assert ledger.account_by_code(code="points:hh:1") == alice
    with pytest.raises(NotFound):
        ledger.account_by_code(code="nope")


# --- posting ------------------------------------------------------------------------------------------------------


def test_post_moves_balances_and_records_postings(issuance, alice, bob):
    t1 = award(alice, 100, issuance, memo="清理河道", reference="award:1")
    assert alice.balance == 100  # the caller's object is updated
    t2 = ledger.post(kind="points.transfer", lines=[(alice, -40), (bob, 40)])
    assert ledger.balance(account=alice) == 60
    assert ledger.balance(account=bob) == 40
    assert ledger.balance(account=issuance) == -100
    assert t1.memo == "清理河道" and t1.reference == "award:1" and t1.occurred_at is not None
    assert sorted(t2.postings.values_list("account__code", "amount", "balance_after")) == [
        ("points:hh:1", -40, 60),
        ("points:hh:2", 40, 40),
    ]
    for account in (issuance, alice, bob):
        assert ledger.verify_account(account=account)
    for txn in (t1, t2):
        assert ledger.verify_transaction(transaction=txn)


def test_actor_is_recorded(issuance, alice, district):
    staff = district["street_staff"]
    txn = award(alice, 5, issuance, actor=staff)
    assert txn.actor == staff
    anonymous = award(alice, 5, issuance, actor=None)
    assert anonymous.actor is None


@pytest.mark.parametrize(
    ("make_lines", "field", "text"),
    [
        (lambda i, a, b, c: [(i, -10), (a, 9)], "lines", "借贷不平"),
        (lambda i, a, b, c: [(i, -10)], "lines", "至少需要两条"),
        (lambda i, a, b, c: [], "lines", "至少需要两条"),
        (lambda i, a, b, c: [(i, 0), (a, 0)], "lines[0].amount", "不能为 0"),
        (lambda i, a, b, c: [(i, -10), (a, 10), (b, 0)], "lines[2].amount", "不能为 0"),
        (lambda i, a, b, c: [(i, -10), (c, 10)], "lines", "单位必须相同"),
        (lambda i, a, b, c: [(i, -1.5), (a, 1.5)], "lines[0].amount", "整数"),
        (lambda i, a, b, c: [(i, -True), (a, True)], "lines[1].amount", "整数"),
        (lambda i, a, b, c: [(i, "-10"), (a, "10")], "lines[0].amount", "整数"),
        (lambda i, a, b, c: [(i, -(10**16)), (a, 10**16)], "lines[0].amount", "超出范围"),
        (lambda i, a, b, c: [(i, -10), (a, 5), (a, 5)], "lines[2].account", "出现了两次"),
        (lambda i, a, b, c: [(i, -10), ("points:hh:1", 10)], "lines[1].account", "账户无效"),
        (
            lambda i, a, b, c: [(i, -10), (LedgerAccount(code="unsaved", unit="point"), 10)],
            "lines[1].account",
            "账户无效",
        ),
        (lambda i, a, b, c: [(i, -10, 1), (a, 10)], "lines[0]", "账户, 金额"),
        (lambda i, a, b, c: "not a list", "lines", "列表"),
    ],
)
def test_bad_lines_are_refused_and_change_nothing(issuance, alice, bob, cny, make_lines, field, text):
    award(alice, 50, issuance)
    before = snapshot()
    with pytest.raises(ValidationFailed) as err:
        ledger.post(kind="points.award", lines=make_lines(issuance, alice, bob, cny))
    assert err.value.field == field
    assert text in str(err.value.message)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": ""}, "kind"),
        ({"kind": "k" * 65}, "kind"),
        ({"memo": "m" * 256}, "memo"),
        ({"reference": " "}, "reference"),
    ],
)
def test_bad_fields_are_refused(issuance, alice, kwargs, field):
    before = snapshot()
    args = {"kind": "points.award", "lines": [(issuance, -1), (alice, 1)], **kwargs}
    with pytest.raises(ValidationFailed) as err:
        ledger.post(**args)
    assert err.value.field == field
    assert snapshot() == before


def test_an_account_that_vanished_is_refused(issuance, alice):
    ghost = LedgerAccount(pk=999_999, code="ghost", unit="point")
    with pytest.raises(ValidationFailed):
        ledger.post(kind="x", lines=[(issuance, -1), (ghost, 1)])


def test_spending_below_the_floor_is_refused_with_the_figures(issuance, alice, bob):
    award(alice, 5, issuance)
    before = snapshot()
    with pytest.raises(ValidationFailed) as err:
        ledger.post(kind="points.transfer", lines=[(alice, -10), (bob, 10)])
    assert "余额不足" in str(err.value.message) and "points:hh:1" in str(err.value.message)
    assert err.value.details == {"account": "points:hh:1", "balance": 5, "floor": 0, "needed": 10}
    assert snapshot() == before
    assert alice.balance == 5


def test_a_positive_floor_keeps_a_reserve_and_a_negative_floor_allows_credit(issuance):
    reserve = ledger.account_open(code="r", name="留存", unit="point", floor=20)
    credit = ledger.account_open(code="c", name="透支", unit="point", floor=-30)
    # A new account with a positive floor opens at 0: credits are always allowed, only spending is limited.
    award(reserve, 15, issuance)
    with pytest.raises(ValidationFailed):
        ledger.post(kind="spend", lines=[(reserve, -1), (issuance, 1)])
    award(reserve, 35, issuance)
    ledger.post(kind="spend", lines=[(reserve, -30), (issuance, 30)])
    with pytest.raises(ValidationFailed) as err:
        ledger.post(kind="spend", lines=[(reserve, -1), (issuance, 1)])
    assert err.value.details == {"account": "r", "balance": 20, "floor": 20, "needed": 1}
    ledger.post(kind="spend", lines=[(credit, -30), (issuance, 30)])
    assert ledger.balance(account=credit) == -30
    with pytest.raises(ValidationFailed) as err:
        ledger.post(kind="spend", lines=[(credit, -1), (issuance, 1)])
    assert err.value.details["floor"] == -30


def test_a_stale_account_object_is_checked_against_the_database(issuance, alice, bob):
    award(alice, 10, issuance)
    stale = LedgerAccount.objects.get(pk=alice.pk)
    ledger.post(kind="spend", lines=[(alice, -10), (issuance, 10)])
    assert stale.balance == 10  # stale in memory, but the post locks and reads the row
    with pytest.raises(ValidationFailed):
        ledger.post(kind="spend", lines=[(stale, -10), (issuance, 10)])
    assert ledger.balance(account=alice) == 0


def test_account_set_floor(issuance, alice, bob):
    award(alice, 10, issuance)
    ledger.account_set_floor(account=alice, floor=10)
    assert LedgerAccount.objects.get(pk=alice.pk).floor == 10
    with pytest.raises(ValidationFailed):
        ledger.post(kind="spend", lines=[(alice, -1), (issuance, 1)])
    # Raising the floor above the balance is allowed: the points stay, they just cannot be spent yet.
    ledger.account_set_floor(account=alice, floor=15)
    award(alice, 10, issuance)
    ledger.post(kind="spend", lines=[(alice, -5), (issuance, 5)])
    assert ledger.balance(account=alice) == 15
    # Lowering it into credit is allowed, and refused only if the balance is already below a negative floor.
    ledger.account_set_floor(account=bob, floor=-20)
    ledger.post(kind="spend", lines=[(bob, -20), (issuance, 20)])
    with pytest.raises(ValidationFailed) as err:
        ledger.account_set_floor(account=bob, floor=-10)
    assert err.value.field == "floor"
    with pytest.raises(ValidationFailed):
        ledger.account_set_floor(account=alice, floor="3")
    assert LedgerAccount.objects.get(pk=alice.pk).floor == 15
    assert LedgerAccount.objects.get(pk=bob.pk).floor == -20


# --- idempotency --------------------------------------------------------------------------------------------------


def test_the_same_reference_twice_returns_the_first_transaction(issuance, alice):
    first = award(alice, 10, issuance, reference="award:42")
    before = snapshot()
    again = award(alice, 10, issuance, reference="award:42")
    assert again.pk == first.pk
    assert snapshot() == before
    assert alice.balance == 10


@pytest.mark.parametrize(
    "second",
    [
        lambda i, a, b: ledger.post(kind="points.award", lines=[(i, -11), (a, 11)], reference="award:42"),
        lambda i, a, b: ledger.post(kind="points.award", lines=[(i, -10), (b, 10)], reference="award:42"),
        lambda i, a, b: ledger.post(kind="points.deduct", lines=[(i, -10), (a, 10)], reference="award:42"),
    ],
)
def test_the_same_reference_with_different_content_is_a_conflict(issuance, alice, bob, second):
    first = award(alice, 10, issuance, reference="award:42")
    before = snapshot()
    with pytest.raises(Conflict) as err:
        second(issuance, alice, bob)
    assert err.value.field == "reference"
    assert err.value.details == {"reference": "award:42", "transaction": first.pk}
    assert snapshot() == before


# --- reversal -----------------------------------------------------------------------------------------------------


def test_reverse_negates_the_lines_and_points_at_the_original(issuance, alice, district):
    original = award(alice, 25, issuance, reference="award:7")
    rev = ledger.reverse(transaction=original, memo="申诉成立", actor=district["street_staff"])
    assert rev.reverses == original
    assert rev.kind == "points.award.reversal"
    assert original.reversed_by == rev
    assert sorted(rev.postings.values_list("account__code", "amount")) == [
        ("points:hh:1", -25),
        ("points:issuance", 25),
    ]
    assert ledger.balance(account=alice) == 0 and ledger.balance(account=issuance) == 0
    assert ledger.verify_account(account=alice) and ledger.verify_transaction(transaction=rev)


def test_a_second_reversal_is_a_conflict(issuance, alice):
    original = award(alice, 25, issuance)
    ledger.reverse(transaction=original, memo="错记")
    before = snapshot()
    with pytest.raises(Conflict) as err:
        ledger.reverse(transaction=original, memo="再冲一次")
    assert err.value.field == "transaction"
    assert snapshot() == before


def test_reversing_a_reversal_is_refused(issuance, alice):
    rev = ledger.reverse(transaction=award(alice, 25, issuance), memo="错记")
    before = snapshot()
    with pytest.raises(ValidationFailed) as err:
        ledger.reverse(transaction=rev, memo="撤销冲正")
    assert "本身是冲正交易" in str(err.value.message)
    assert snapshot() == before


def test_a_reversal_needs_a_reason(issuance, alice):
    original = award(alice, 25, issuance)
    with pytest.raises(ValidationFailed) as err:
        ledger.reverse(transaction=original, memo=" ")
    assert err.value.field == "memo"


def test_a_reversal_that_would_overdraw_is_refused(issuance, alice, bob):
    original = award(alice, 25, issuance)
    ledger.post(kind="points.transfer", lines=[(alice, -20), (bob, 20)])
    before = snapshot()
    with pytest.raises(ValidationFailed) as err:
        ledger.reverse(transaction=original, memo="追回")
    assert err.value.details == {"account": "points:hh:1", "balance": 5, "floor": 0, "needed": 25}
    assert snapshot() == before
    assert not LedgerTransaction.objects.filter(reverses=original).exists()


def test_reversal_with_reference_is_idempotent(issuance, alice):
    original = award(alice, 25, issuance)
    first = ledger.reverse(transaction=original, memo="申诉成立", reference="appeal:3")
    assert ledger.reverse(transaction=original, memo="申诉成立", reference="appeal:3").pk == first.pk
    assert ledger.balance(account=alice) == 0


def test_post_with_reverses_must_mirror_the_original(issuance, alice, bob):
    original = award(alice, 25, issuance)
    with pytest.raises(ValidationFailed) as err:
        ledger.post(kind="fix", lines=[(alice, -20), (issuance, 20)], reverses=original)
    assert "相反" in str(err.value.message)
    rev = ledger.post(kind="fix", lines=[(alice, -25), (issuance, 25)], reverses=original, memo="更正")
    assert rev.reverses_id == original.pk


# --- reading ------------------------------------------------------------------------------------------------------


def test_statement_pages_newest_first(issuance, alice):
    for n in range(1, 8):
        award(alice, n, issuance)
    page1 = ledger.statement(account=alice, limit=3)
    assert [p.amount for p in page1] == [7, 6, 5]
    assert [p.balance_after for p in page1] == [28, 21, 15]
    page2 = ledger.statement(account=alice, before_id=page1[-1].id, limit=3)
    assert [p.amount for p in page2] == [4, 3, 2]
    page3 = ledger.statement(account=alice, before_id=page2[-1].id, limit=3)
    assert [p.amount for p in page3] == [1]
    assert page1[0].transaction.kind == "points.award"
    for bad in ({"limit": 0}, {"limit": 501}, {"limit": "5"}, {"before_id": "x"}):
        with pytest.raises(ValidationFailed):
            ledger.statement(account=alice, **bad)


def test_verify_account_notices_a_tampered_balance(issuance, alice):
    award(alice, 10, issuance)
    assert ledger.verify_account(account=alice)
    if connection.vendor == "postgresql":
        # The database refuses a balance that does not match the latest posting (checked at commit, or here
        # when the deferred checks are made immediate).
        with pytest.raises(DatabaseError), transaction.atomic():
            LedgerAccount.objects.filter(pk=alice.pk).update(balance=999)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    else:
        LedgerAccount.objects.filter(pk=alice.pk).update(balance=999)
        assert not ledger.verify_account(account=alice)


# --- append-only and database guards ------------------------------------------------------------------------------


def test_orm_refuses_to_change_or_delete_postings_and_transactions(issuance, alice):
    txn = award(alice, 10, issuance)
    posting = txn.postings.first()
    posting.amount = 99
    with pytest.raises(AppendOnlyError):
        posting.save()
    with pytest.raises(AppendOnlyError):
        posting.delete()
    with pytest.raises(AppendOnlyError):
        Posting.objects.filter(pk=posting.pk).update(amount=99)
    with pytest.raises(AppendOnlyError):
        Posting.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        LedgerTransaction.objects.filter(pk=txn.pk).update(memo="改")
    with pytest.raises(AppendOnlyError):
        txn.delete()
    assert Posting.objects.get(pk=posting.pk).amount == 10


def test_database_refuses_a_zero_posting_and_a_holder_below_its_floor(issuance, alice):
    txn = award(alice, 10, issuance)
    with pytest.raises(DatabaseError), transaction.atomic():
        Posting.objects.create(
            transaction=txn, account=ledger.account_open(code="z", name="z", unit="point"), amount=0, balance_after=0
        )
    with pytest.raises(DatabaseError, match="balance_not_below_floor"), transaction.atomic():
        # A posting that keeps the chain (so the PostgreSQL balance trigger lets the update through to the CHECK).
        other = LedgerTransaction.objects.create(kind="manual")
        Posting.objects.create(transaction=other, account=alice, amount=-11, balance_after=-1)
        LedgerAccount.objects.filter(pk=alice.pk).update(balance=-1)
    assert LedgerAccount.objects.get(pk=alice.pk).balance == 10


def test_database_refuses_a_second_reversal_of_one_transaction(issuance, alice):
    original = award(alice, 10, issuance)
    ledger.reverse(transaction=original, memo="错记")
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerTransaction.objects.create(kind="manual", reverses=original)


pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only")


@pytest.mark.postgres
@pg_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_posting SET amount = amount + 1",
        "UPDATE core_posting SET balance_after = 0",
        "DELETE FROM core_posting",
        "UPDATE core_ledgertransaction SET memo = 'x'",
        "DELETE FROM core_ledgertransaction",
    ],
)
def test_postgres_triggers_refuse_raw_update_and_delete(issuance, alice, sql):
    award(alice, 10, issuance)
    before = snapshot()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert snapshot() == before


@pytest.mark.postgres
@pg_only
def test_postgres_refuses_an_unbalanced_transaction_at_commit(issuance, alice):
    with pytest.raises(DatabaseError, match="not balanced"), transaction.atomic():
        txn = LedgerTransaction.objects.create(kind="manual")
        Posting.objects.create(transaction=txn, account=issuance, amount=-5, balance_after=-5)
        Posting.objects.create(transaction=txn, account=alice, amount=4, balance_after=4)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="not balanced"), transaction.atomic():
        LedgerTransaction.objects.create(kind="manual")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert snapshot()[1:] == (0, 0)


@pytest.mark.postgres
@pg_only
def test_postgres_refuses_a_broken_balance_chain_and_a_balance_without_postings(issuance, alice):
    award(alice, 10, issuance)
    with pytest.raises(DatabaseError, match="does not follow"), transaction.atomic():
        txn = LedgerTransaction.objects.create(kind="manual")
        Posting.objects.create(transaction=txn, account=alice, amount=5, balance_after=100)
    with pytest.raises(DatabaseError, match="differs from its latest posting"), transaction.atomic():
        LedgerAccount.objects.filter(pk=alice.pk).update(balance=11)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the balance check runs at commit otherwise
    with pytest.raises(DatabaseError, match="opens with balance 0"), transaction.atomic():
        LedgerAccount.objects.create(code="rich", name="富", unit="point", balance=100)
    assert Posting.objects.filter(account=alice).aggregate(s=Sum("amount"))["s"] == 10
