"""The double-entry ledger: accounts with a unit, transactions of postings that sum to zero, reversals.

Not specific to points: the points bank and, later, the donation fund pool both post here. Every write runs in one
database transaction; the touched accounts are locked in primary-key order (so two transfers between the same
accounts in opposite directions cannot deadlock), balances change in the same transaction as their postings, and
postings are never changed — a correction is a reversing transaction pointing at the original.

Amounts are integers in the account's minor unit. A positive amount goes into an account, a negative one out of it.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from gongzhi.core import clock, sqlnames
from gongzhi.core.errors import Conflict, NotFound, ValidationFailed
from gongzhi.core.models_ledger import LedgerAccount, LedgerTransaction, Posting
from gongzhi.core.text import clean_text as _text

if TYPE_CHECKING:
    from gongzhi.core.types import User

__all__ = [
    "LedgerAccount",
    "LedgerTransaction",
    "Posting",
    "account_by_code",
    "account_open",
    "account_set_floor",
    "balance",
    "post",
    "reverse",
    "statement",
    "system_account",
    "verify_account",
    "verify_transaction",
]

# Far below BIGINT's limit, so a sum of many postings cannot overflow in the database.
MAX_AMOUNT = 10**15
STATEMENT_MAX_LIMIT = 500

Line = tuple[LedgerAccount, int]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------------------------------------------------------
# Accounts


@transaction.atomic
def account_open(
    *,
    code: str,
    name: str,
    unit: str,
    kind: str = LedgerAccount.Kind.HOLDER,
    owner_type: str = "",
    owner_id: str | int = "",
    area_code: str = "",
    floor: int = 0,
    allow_negative: bool = False,
) -> LedgerAccount:
    """Open an account, or return it if it is already open with the same terms (idempotent by code)."""
    code = _text(code, field="code", max_length=64, required=True)
    area_code = _text(area_code, field="area_code", max_length=17, required=False)
    values = {
        "name": _text(name, field="name", max_length=128, required=True),
        "unit": _text(unit, field="unit", max_length=16, required=True),
        "kind": kind,
        "owner_type": _text(owner_type, field="owner_type", max_length=64, required=False),
        "owner_id": _text(
            str(owner_id) if _is_int(owner_id) else owner_id, field="owner_id", max_length=64, required=False
        ),
        "area_code": area_code,
        "floor": floor,
        "allow_negative": allow_negative,
    }
    if kind not in LedgerAccount.Kind.values:
        raise ValidationFailed(
            _("未知的账户类型：%(kind)s（可用：system、holder）") % {"kind": kind}, field="kind", details={"kind": kind}
        )
    if area_code and not area_code.isdigit():
        raise ValidationFailed(_("区域编码只能包含数字"), field="area_code")
    if not _is_int(floor) or abs(floor) > MAX_AMOUNT:
        raise ValidationFailed(_("余额下限必须是整数"), field="floor")
    if not isinstance(allow_negative, bool):
        raise ValidationFailed(_("是否允许负余额必须是布尔值"), field="allow_negative")

    existing = LedgerAccount.objects.filter(code=code).first()
    if existing is None:
        try:
            with transaction.atomic():
                return LedgerAccount.objects.create(code=code, **values)
        except IntegrityError:
            # Opened by a concurrent call a moment ago: fall through and compare with it.
            existing = LedgerAccount.objects.get(code=code)
    for key, value in values.items():
        if getattr(existing, key) != value:
            raise Conflict(
                _("账户 %(code)s 已存在，但 %(field)s 不同（现为 %(old)s，请求为 %(new)s）")
                % {"code": code, "field": key, "old": getattr(existing, key), "new": value},
                field=key,
                details={"account": code, "existing": getattr(existing, key), "requested": value},
            )
    return existing


def system_account(*, code: str, name: str, unit: str) -> LedgerAccount:
    """A system account (issuance, redemption, expiry …): it may go negative, it has no holder."""
    return account_open(code=code, name=name, unit=unit, kind=LedgerAccount.Kind.SYSTEM, floor=0, allow_negative=True)


def account_by_code(*, code: str) -> LedgerAccount:
    account = LedgerAccount.objects.filter(code=code).first()
    if account is None:
        raise NotFound(_("账户不存在：%(code)s") % {"code": code}, field="code")
    return account


@transaction.atomic
def account_set_floor(*, account: LedgerAccount, floor: int) -> LedgerAccount:
    """Change an account's floor (a scheme changed its rules). Applies to later spending only: a balance already
    below a raised floor stays, it just cannot be spent from until it is above the floor again."""
    if not _is_int(floor) or abs(floor) > MAX_AMOUNT:
        raise ValidationFailed(_("余额下限必须是整数"), field="floor")
    locked = LedgerAccount.objects.select_for_update().get(pk=account.pk)
    if not locked.allow_negative and locked.balance < min(floor, 0):
        raise ValidationFailed(
            _("账户 %(code)s 当前余额 %(balance)s 低于新的下限 %(floor)s，不能这样透支")
            % {"code": locked.code, "balance": locked.balance, "floor": floor},
            field="floor",
            details={"account": locked.code, "balance": locked.balance, "floor": floor},
        )
    if locked.floor != floor:
        LedgerAccount.objects.filter(pk=locked.pk).update(floor=floor)
        locked.floor = floor
    account.floor = floor
    account.balance = locked.balance
    return locked


# ---------------------------------------------------------------------------------------------------------------
# Posting


def _clean_lines(lines: Any) -> list[Line]:
    if not isinstance(lines, (list, tuple)):
        raise ValidationFailed(_("分录必须是（账户, 金额）的列表"), field="lines")
    if len(lines) < 2:
        raise ValidationFailed(_("一笔交易至少需要两条分录"), field="lines", details={"count": len(lines)})
    cleaned: list[Line] = []
    seen: set[int] = set()
    for i, line in enumerate(lines):
        if not (isinstance(line, (list, tuple)) and len(line) == 2):
            raise ValidationFailed(_("第 %(n)d 条分录必须是（账户, 金额）") % {"n": i + 1}, field=f"lines[{i}]")
        account, amount = line
        if not isinstance(account, LedgerAccount) or account.pk is None:
            raise ValidationFailed(_("第 %(n)d 条分录的账户无效") % {"n": i + 1}, field=f"lines[{i}].account")
        if not _is_int(amount):
            raise ValidationFailed(
                _("第 %(n)d 条分录的金额必须是整数（最小单位）") % {"n": i + 1}, field=f"lines[{i}].amount"
            )
        if amount == 0:
            raise ValidationFailed(_("第 %(n)d 条分录的金额不能为 0") % {"n": i + 1}, field=f"lines[{i}].amount")
        if abs(amount) > MAX_AMOUNT:
            raise ValidationFailed(_("第 %(n)d 条分录的金额超出范围") % {"n": i + 1}, field=f"lines[{i}].amount")
        if account.pk in seen:
            raise ValidationFailed(
                _("账户 %(code)s 在一笔交易中出现了两次，请合并为一条分录") % {"code": account.code},
                field=f"lines[{i}].account",
            )
        seen.add(account.pk)
        cleaned.append((account, amount))
    units = {account.unit for account, _amount in cleaned}
    if len(units) > 1:
        raise ValidationFailed(
            _("一笔交易中的账户单位必须相同（现有：%(units)s）") % {"units": "、".join(sorted(units))},
            field="lines",
            details={"units": sorted(units)},
        )
    total = sum(amount for _account, amount in cleaned)
    if total != 0:
        raise ValidationFailed(
            _("借贷不平：分录合计为 %(total)s，应为 0") % {"total": total}, field="lines", details={"sum": total}
        )
    return cleaned


def _signature(pairs: Iterable[tuple[int, int]]) -> Counter[tuple[int, int]]:
    return Counter((account_id, amount) for account_id, amount in pairs)


def _existing_for_reference(
    reference: str, *, kind: str, lines: list[Line], reverses: LedgerTransaction | None
) -> LedgerTransaction | None:
    """The transaction already posted under this reference, if its content matches; Conflict if it differs."""
    existing = LedgerTransaction.objects.filter(reference=reference).first()
    if existing is None:
        return None
    same = (
        existing.kind == kind
        and existing.reverses_id == (reverses.pk if reverses else None)
        and _signature(existing.postings.values_list("account_id", "amount"))
        == _signature((a.pk, amount) for a, amount in lines)
    )
    if not same:
        raise Conflict(
            _("业务编号 %(ref)s 已用于另一笔不同的交易（#%(id)s）") % {"ref": reference, "id": existing.pk},
            field="reference",
            details={"reference": reference, "transaction": existing.pk},
        )
    return existing


def _check_reversible(original: LedgerTransaction) -> None:
    if original.reverses_id is not None:
        raise ValidationFailed(
            _("交易 #%(id)s 本身是冲正交易，不能再冲正；如需更正请另记一笔") % {"id": original.pk},
            field="transaction",
        )
    if LedgerTransaction.objects.filter(reverses=original).exists():
        raise Conflict(
            _("交易 #%(id)s 已被冲正，不能重复冲正") % {"id": original.pk},
            field="transaction",
            details={"transaction": original.pk},
        )


def post(
    *,
    kind: str,
    lines: Sequence[Line],
    memo: str = "",
    reference: str | None = None,
    actor: User | None = None,
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Post a balanced transaction. The same `reference` again returns the first transaction (idempotent).

    Raises ValidationFailed for bad lines or a holder that would fall below its floor, Conflict for a reference
    reused with different lines or a transaction reversed twice. On any error nothing is written.
    """
    kind = _text(kind, field="kind", max_length=64, required=True)
    memo = _text(memo, field="memo", max_length=255, required=False)
    if reference is not None:
        reference = _text(reference, field="reference", max_length=128, required=True)
    cleaned = _clean_lines(lines)
    if reverses is not None:
        if not isinstance(reverses, LedgerTransaction) or reverses.pk is None:
            raise ValidationFailed(_("冲正的原交易无效"), field="reverses")
        expected = _signature(
            (account_id, -amount) for account_id, amount in reverses.postings.values_list("account_id", "amount")
        )
        if expected != _signature((a.pk, amount) for a, amount in cleaned):
            raise ValidationFailed(
                _("冲正分录必须与原交易 #%(id)s 的分录金额相反") % {"id": reverses.pk}, field="lines"
            )
    if reverses is not None and reverses.reverses_id is not None:
        _check_reversible(reverses)  # a reversal is never reversed (no query: the reversal points at its original)
    if fast_path_available():
        # One statement, no savepoint: it writes all of it or nothing, and a reference or reversal taken by a
        # concurrent post is an ON CONFLICT no-op, not an error that would abort the caller's transaction.
        return _post_pg(kind=kind, lines=cleaned, memo=memo, reference=reference, actor=actor, reverses=reverses)
    # SQLite: several statements in one IMMEDIATE transaction, which holds the database's single write lock, so the
    # reference and reversal checks inside it see every committed post; no unique key can lose a race there. (On
    # PostgreSQL with the switch off — tests and benchmarks — the row locks order posts on shared accounts; a
    # reference or reversal raced on other accounts fails on its unique key, as the database's last guard.)
    with transaction.atomic():
        return _post_orm(kind=kind, lines=cleaned, memo=memo, reference=reference, actor=actor, reverses=reverses)


# ---------------------------------------------------------------------------------------------------------------
# The two paths of a post. `_post_orm` is the reference (SQLite runs it; so does PostgreSQL when the switch is off);
# `_post_pg` is the PostgreSQL fast path, one statement, kept for the ledger and points throughput targets
# (docs/benchmarks.md). tests/core/test_ledger_paths.py runs both on the same PostgreSQL data and compares every row
# they write. Both lock the accounts in id order and write the postings in id order.

# The one switch: turned off by the equivalence tests and `bench/ledger_bench.py --paths orm` to run the ORM path on
# PostgreSQL.
ONE_STATEMENT = True


def fast_path_available() -> bool:
    """Whether `post` takes the one-statement PostgreSQL path."""
    return ONE_STATEMENT and transaction.get_connection().vendor == "postgresql"


# The locked account rows' columns, under our own names in the CTEs below (not model fields).
_LOCKED = ("id", "code", "name", "unit", "floor", "balance", "allow_negative")


def _locked_columns(alias: str) -> str:
    return ", ".join(
        f"{alias}.{sqlnames.col(LedgerAccount, 'pk' if name == 'id' else name)} AS {name}" for name in _LOCKED
    )


# The whole post in one round trip. `locked` takes the row locks in primary-key order (the same order for every
# writer, so no deadlock cycle) and, under READ COMMITTED, reads each row's latest committed version; `verdict`
# applies the floor rule to those; only when it holds are the transaction, postings and balances written. A
# reference or reversal already taken makes the transaction insert a no-op (ON CONFLICT), and with it the rest.
# The CHECK constraint on the balance and the triggers of migrations 0003/0004 remain the last guard.
@functools.cache
def pg_post_ctes(
    *,
    count_sql: str,
    kind_sql: str,
    memo_sql: str,
    reference_sql: str,
    reverses_sql: str = "NULL",
    from_sql: str = "",
    gate_sql: str = "TRUE",
) -> str:
    """The ledger's part of a one-statement write on PostgreSQL, for callers that add their own rows to the same
    statement (the points bank posting an award with its state change, a redemption with its stock and order).

    Follows the caller's `v(id, amount)` CTE (the lines) and defines `locked` (columns id, code, name, unit, floor,
    balance, allow_negative, amount), `verdict`, `txn` (column id: the new transaction's, no row when nothing was
    posted), `ins` and `upd`. The caller's rows must hang off `txn`, so that nothing at all is written when the post
    is refused. Named parameters: %(actor)s, %(at)s, plus the caller's in the *_sql expressions; `gate_sql` adds
    the caller's own conditions (stock, state) to the verdict. Every table and column name comes from the models.
    """
    accounts, txns, postings = (sqlnames.table(m) for m in (LedgerAccount, LedgerTransaction, Posting))
    account_pk, balance = sqlnames.col(LedgerAccount, "pk"), sqlnames.col(LedgerAccount, "balance")
    txn_columns, txn_values = sqlnames.insert(
        LedgerTransaction,
        {
            "kind": kind_sql,
            "memo": memo_sql,
            "reference": reference_sql,
            "reverses": reverses_sql,
            "actor": "%(actor)s",
            "occurred_at": "%(at)s",
        },
    )
    posting_columns, posting_values = sqlnames.insert(
        Posting,
        {"transaction": "txn.id", "account": "l.id", "amount": "l.amount", "balance_after": "l.balance + l.amount"},
    )
    return f"""
lockrows AS MATERIALIZED (
    -- The ids as one array parameter, not a join: when a row was changed by a concurrent commit, PostgreSQL
    -- re-checks the conditions on its newest version (EvalPlanQual), and a re-check through a join with a CTE
    -- or subquery can drop the row, which would make every contended post look refused.
    SELECT {_locked_columns("a")}
    FROM {accounts} a WHERE a.{account_pk} = ANY(ARRAY(SELECT id FROM v)) ORDER BY a.{account_pk} FOR UPDATE
),
locked AS MATERIALIZED (SELECT r.*, v.amount FROM lockrows r JOIN v ON v.id = r.id),
verdict AS (
    SELECT count(*) = {count_sql} AND count(DISTINCT unit) = 1
        AND bool_and(amount > 0 OR allow_negative OR balance + amount >= floor) AS ok
    FROM locked
),
txn AS (
    INSERT INTO {txns} ({txn_columns})
    SELECT {txn_values}
    FROM verdict{from_sql} WHERE verdict.ok AND ({gate_sql})
    ON CONFLICT DO NOTHING RETURNING {sqlnames.col(LedgerTransaction, "pk")} AS id
),
ins AS (
    INSERT INTO {postings} ({posting_columns})
    SELECT {posting_values} FROM txn CROSS JOIN locked l ORDER BY l.id
),
upd AS (
    UPDATE {accounts} a SET {balance} = l.balance + l.amount FROM locked l, txn WHERE a.{account_pk} = l.id
)"""  # noqa: S608 - names from the models, values as parameters


@functools.cache
def _post_pg_sql(lines: int) -> str:
    values = ", ".join(f"(%(a{i})s::bigint, %(m{i})s::bigint)" for i in range(lines))
    return (
        f"WITH v(id, amount) AS (VALUES {values}),"  # noqa: S608
        + pg_post_ctes(
            count_sql="%(n)s",
            kind_sql="%(kind)s",
            memo_sql="%(memo)s",
            reference_sql="%(reference)s",
            reverses_sql="%(reverses)s::bigint",
        )
        + f"\nSELECT (SELECT id FROM txn), {', '.join('l.' + name for name in _LOCKED)}, l.amount "  # noqa: S608
        "FROM locked l ORDER BY l.id"
    )


def _post_pg(
    *,
    kind: str,
    lines: list[Line],
    memo: str,
    reference: str | None,
    actor: User | None,
    reverses: LedgerTransaction | None,
) -> LedgerTransaction:
    actor = actor if getattr(actor, "is_authenticated", False) else None
    occurred_at = clock.now()
    params: dict[str, Any] = {"n": len(lines), "kind": kind, "memo": memo, "reference": reference}
    params |= {"reverses": reverses.pk if reverses else None, "actor": actor.pk if actor else None, "at": occurred_at}
    for i, (account, amount) in enumerate(lines):
        params[f"a{i}"], params[f"m{i}"] = account.pk, amount
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(_post_pg_sql(len(lines)), params)
        rows = cursor.fetchall()
    txn_id = rows[0][0] if rows else None
    if txn_id is not None:
        after = {row[1]: row[6] + row[8] for row in rows}
        for account, _amount in lines:
            account.balance = after[account.pk]  # the caller's objects show the new balance without a reload
        txn = LedgerTransaction(
            pk=txn_id,
            kind=kind,
            memo=memo,
            reference=reference,
            reverses=reverses,
            actor=actor,
            occurred_at=occurred_at,
        )
        txn._state.adding = False
        txn._state.db = transaction.get_connection().alias
        return txn
    # Nothing was written. Why: a retry of a posted reference (return it), a reversal already done, or the rules.
    if len(rows) != len(lines):
        raise ValidationFailed(_("分录中的账户不存在"), field="lines")
    if reference is not None:
        existing = _existing_for_reference(reference, kind=kind, lines=lines, reverses=reverses)
        if existing is not None:
            return existing
    if reverses is not None:
        _check_reversible(reverses)
    locked = {row[1]: row[1:8] for row in rows}
    _check_units(locked)
    _check_floors(lines, locked)
    # Not reached while the statement's verdict and the checks above agree (every cause of an empty `txn` raises or
    # returns above, a reference or reversal taken concurrently included: ON CONFLICT waits for its commit, and the
    # reads above see it). Kept as the function's end, so a disagreement fails loudly instead of returning nothing.
    raise Conflict(_("交易未能记账，请重试"), field="reference")


def _check_units(locked: dict[int, tuple[Any, ...]]) -> None:
    units = {row[3] for row in locked.values()}
    if len(units) > 1:
        raise ValidationFailed(_("一笔交易中的账户单位必须相同"), field="lines", details={"units": sorted(units)})


def _check_floors(lines: list[Line], locked: dict[int, tuple[Any, ...]]) -> dict[int, int]:
    """The balances after the post, checked against the locked rows; the first line below its floor is refused.

    Only spending is limited: a credit to an account below its floor (new, or the floor was raised) is fine.
    Checked in account-id order, the order both paths lock and write in.
    """
    new_balances: dict[int, int] = {}
    amounts = {account.pk: amount for account, amount in lines}
    for pk in sorted(amounts):
        amount = amounts[pk]
        _id, code, name, _unit, floor, current, allow_negative = locked[pk]
        after = current + amount
        if amount < 0 and not allow_negative and after < floor:
            raise ValidationFailed(
                _("余额不足：账户 %(code)s（%(name)s）余额 %(balance)s，需支出 %(needed)s，不能低于下限 %(floor)s")
                % {"code": code, "name": name, "balance": current, "needed": -amount, "floor": floor},
                field="lines",
                details={"account": code, "balance": current, "floor": floor, "needed": -amount},
            )
        new_balances[pk] = after
    return new_balances


@functools.cache
def _orm_sql(lines: int, lock: bool) -> tuple[str, str, str]:
    """The ORM path's three statements for `lines` accounts (lock, postings, balances), names from the models."""
    accounts, postings = sqlnames.table(LedgerAccount), sqlnames.table(Posting)
    pk, balance = sqlnames.col(LedgerAccount, "pk"), sqlnames.col(LedgerAccount, "balance")
    holes = ", ".join(["%s"] * lines)
    select = (
        f"SELECT {_locked_columns('a')} FROM {accounts} a "  # noqa: S608
        f"WHERE a.{pk} IN ({holes}) ORDER BY a.{pk}{' FOR UPDATE' if lock else ''}"
    )
    columns, values = sqlnames.insert(
        Posting, {"transaction": "%s", "account": "%s", "amount": "%s", "balance_after": "%s"}
    )
    insert = f"INSERT INTO {postings} ({columns}) VALUES " + ", ".join([f"({values})"] * lines)  # noqa: S608
    update = (
        f"UPDATE {accounts} SET {balance} = CASE {pk} "  # noqa: S608
        + " ".join(["WHEN %s THEN %s"] * lines)
        + f" END WHERE {pk} IN ({holes})"
    )
    return select, insert, update


def _post_orm(
    *,
    kind: str,
    lines: list[Line],
    memo: str,
    reference: str | None,
    actor: User | None,
    reverses: LedgerTransaction | None,
) -> LedgerTransaction:
    """The reference path, several statements in the caller's transaction (post() wraps it in one)."""
    # Lock in primary-key order: every writer takes the same order, so no two can wait on each other in a cycle.
    # Plain SQL for the lock, postings and balances (names from the models): it is the ledger's hot loop, and the
    # ORM's overhead was over half of a post's time. (SQLite has no row locks; its IMMEDIATE transactions take the
    # database's single write lock instead.)
    ids = sorted(account.pk for account, _amount in lines)
    connection = transaction.get_connection()
    select, insert, update = _orm_sql(len(ids), connection.features.has_select_for_update)
    with connection.cursor() as cursor:
        cursor.execute(select, ids)
        locked = {row[0]: row for row in cursor.fetchall()}
    if len(locked) != len(ids):
        raise ValidationFailed(_("分录中的账户不存在"), field="lines")
    # Checked under the locks, so a concurrent post of the same reference is seen committed here.
    if reference is not None:
        existing = _existing_for_reference(reference, kind=kind, lines=lines, reverses=reverses)
        if existing is not None:
            return existing
    if reverses is not None:
        _check_reversible(reverses)
    _check_units(locked)
    new_balances = _check_floors(lines, locked)
    amounts = {account.pk: amount for account, amount in lines}

    txn = LedgerTransaction(
        kind=kind,
        memo=memo,
        reference=reference,
        reverses=reverses,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        occurred_at=clock.now(),
    )
    txn.save(force_insert=True)
    # Postings first (in account-id order, as the fast path writes them), then balances: on PostgreSQL a trigger
    # checks each new balance against the latest posting.
    with connection.cursor() as cursor:
        cursor.execute(insert, [v for pk in ids for v in (txn.pk, pk, amounts[pk], new_balances[pk])])
        cursor.execute(update, [v for pk in ids for v in (pk, new_balances[pk])] + ids)
    for account, _amount in lines:
        # The caller's objects show the new balance without a reload.
        account.balance = new_balances[account.pk]
    return txn


def reverse(
    *,
    transaction: LedgerTransaction,
    memo: str,
    actor: User | None = None,
    reference: str | None = None,
    kind: str | None = None,
) -> LedgerTransaction:
    """Undo a transaction with a new one of opposite postings, pointing at it. At most once per transaction.

    A reversal can fail for lack of funds (clawing back points already spent): that is refused like any post,
    and the caller decides what to do.
    """
    original = transaction
    if not isinstance(original, LedgerTransaction) or original.pk is None:
        raise ValidationFailed(_("要冲正的交易无效"), field="transaction")
    memo = _text(memo, field="memo", max_length=255, required=True)
    lines = [(p.account, -p.amount) for p in original.postings.select_related("account").order_by("id")]
    return post(
        kind=kind or f"{original.kind}.reversal"[:64],
        lines=lines,
        memo=memo,
        reference=reference,
        actor=actor,
        reverses=original,
    )


# ---------------------------------------------------------------------------------------------------------------
# Reading


def balance(*, account: LedgerAccount) -> int:
    """The stored balance, read fresh from the database."""
    return LedgerAccount.objects.values_list("balance", flat=True).get(pk=account.pk)


def statement(*, account: LedgerAccount, before_id: int | None = None, limit: int = 50) -> list[Posting]:
    """Postings of an account, newest first. Page on with before_id = the last id of the previous page."""
    if not _is_int(limit) or not 1 <= limit <= STATEMENT_MAX_LIMIT:
        raise ValidationFailed(_("每页条数必须在 1 到 %(max)d 之间") % {"max": STATEMENT_MAX_LIMIT}, field="limit")
    if before_id is not None and not _is_int(before_id):
        raise ValidationFailed(_("before_id 必须是整数"), field="before_id")
    rows = Posting.objects.filter(account_id=account.pk)
    if before_id is not None:
        rows = rows.filter(id__lt=before_id)
    return list(rows.select_related("transaction").order_by("-id")[:limit])


def verify_account(*, account: LedgerAccount) -> bool:
    """True when the stored balance equals the sum of the postings and the latest posting's balance_after."""
    stored = balance(account=account)
    total = Posting.objects.filter(account_id=account.pk).aggregate(s=Sum("amount"))["s"] or 0
    last = Posting.objects.filter(account_id=account.pk).order_by("-id").values_list("balance_after", flat=True).first()
    return stored == total and (last is None or last == stored)


def verify_transaction(*, transaction: LedgerTransaction) -> bool:
    """True when the transaction has at least two postings in one unit and they sum to zero."""
    rows = list(transaction.postings.values_list("amount", "account__unit"))
    return len(rows) >= 2 and sum(a for a, _u in rows) == 0 and len({u for _a, u in rows}) == 1
