"""The two hot writes of the points bank as one SQL statement each on PostgreSQL: posting a due award (the sweep)
and placing a redemption. Same rules as the ORM paths in actions/award_workflow.py and actions/redemption.py,
which stay the reference (and what SQLite runs); these exist because on a busy server each round trip costs milliseconds, and an award went
through seven of them, a redemption ten.

Every row the statement writes hangs off the ledger transaction it inserts (see core.ledger.pg_post_ctes): when
any check fails (state, publicity, balance above the floor, stock, a source already paid) nothing at all is written
and the function returns None, so the caller runs the ORM path, which raises the exact error. Locks are taken in
one order: the award row (or the event offer row) first, then the ledger accounts in id order.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection

from gongzhi.core import clock, ledger, sqlnames
from gongzhi.core.models import AuditEvent
from gongzhi.core.sqlnames import col, table, value
from gongzhi.points.models import (
    AUDIT_REDEMPTION_PLACE,
    KIND_AWARD,
    KIND_DEDUCTION,
    KIND_REDEMPTION,
    REFERENCE_AWARD,
    REFERENCE_SOURCE,
    SYSTEM_CODE_PREFIX,
    SYSTEM_SHARDS,
    AwardEvent,
    AwardState,
    EventItem,
    OrderState,
    PointsAccount,
    PointsAward,
    PointsRule,
    RedemptionOrder,
    StoreItem,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

LedgerAccount = ledger.LedgerAccount

# First key of this module's two-key advisory locks (the second is the holder's ledger account id).
HOLDER_LOCK_SPACE = 0x504F  # "PO"

# The one switch: turned off by the equivalence tests (tests/points/test_fastpath_equivalence.py) and by
# `bench/points_bench.py --paths orm` to run the ORM paths on PostgreSQL.
ONE_STATEMENT = True

# The award's move that posts it (award_workflow.AWARD_MOVES), written as the event's action.
POST_MOVE = "post"


def available() -> bool:
    """Whether the points moves take their one-statement PostgreSQL paths (the ledger has its own switch)."""
    return ONE_STATEMENT and connection.vendor == "postgresql"


def _system_code_sql(scheme_id: str, account_id: str, purpose: str) -> str:
    # PointsScheme.system_code(purpose, shard) with the shard system_account(spread=account id) picks, in SQL.
    return (
        f"%(system_prefix)s || {scheme_id} || ':' || {value(purpose)} || "
        f"CASE WHEN {account_id} %% {SYSTEM_SHARDS} = 0 THEN '' ELSE ':' || ({account_id} %% {SYSTEM_SHARDS}) END"
    )


@functools.cache
def _award_post_sql() -> str:
    """Lock the award, check it is published and due, post issuance sub-account → account, move it to posted and
    write its event, all hanging off the ledger transaction. Names from the models, states from AwardState."""
    w = {n: f"w.{col(PointsAward, n)}" for n in ("pk", "points", "source_type", "source_id", "account", "scheme")}
    w |= {n: f"w.{col(PointsAward, n)}" for n in ("state", "publicity_ends_at", "rule")}
    event_columns, event_values = sqlnames.insert(
        AwardEvent,
        {
            "award": "moved.id",
            "action": "%(action)s",
            "from_state": value(AwardState.PUBLISHED),
            "to_state": value(AwardState.POSTED),
            "actor": "%(actor)s",
            "note": "%(note)s",
            "occurred_at": "%(at)s",
        },
    )
    award_pk = col(PointsAward, "pk")
    return (
        f"""
WITH aw AS MATERIALIZED (
    SELECT {w["pk"]} AS id, {w["points"]} AS points, {w["source_type"]} AS source_type,
           {w["source_id"]} AS source_id, {w["account"]} AS account_id, {w["scheme"]} AS scheme_id,
           {w["state"]} AS state, {w["publicity_ends_at"]} AS publicity_ends_at,
           r.{col(PointsRule, "name")} AS rule_name, pa.{col(PointsAccount, "ledger_account")} AS ledger_account_id
    FROM {table(PointsAward)} w
        JOIN {table(PointsRule)} r ON r.{col(PointsRule, "pk")} = {w["rule"]}
        JOIN {table(PointsAccount)} pa ON pa.{col(PointsAccount, "pk")} = {w["account"]}
    WHERE {w["pk"]} = %(award)s FOR UPDATE OF w
),
-- The state as locked (the row's latest version), not as of the statement's snapshot.
ok_award AS (SELECT * FROM aw WHERE state = {value(AwardState.PUBLISHED)} AND publicity_ends_at <= %(at)s),
v(id, amount) AS (
    SELECT s.{col(LedgerAccount, "pk")}, -o.points FROM ok_award o
        JOIN {table(LedgerAccount)} s
        ON s.{col(LedgerAccount, "code")} = {_system_code_sql("o.scheme_id", "o.account_id", "issuance")}
    UNION ALL
    SELECT o.ledger_account_id, o.points FROM ok_award o
),"""  # noqa: S608 - names from the models, values as parameters
        + ledger.pg_post_ctes(
            count_sql="2",
            kind_sql="CASE WHEN aw.points < 0 THEN %(kind_deduction)s ELSE %(kind_award)s END",
            # award_workflow._post: f"{rule.name} {points:+d}"[:255]
            memo_sql="left(aw.rule_name || ' ' || CASE WHEN aw.points > 0 THEN '+' ELSE '' END || aw.points, 255)",
            # award_workflow.ledger_reference
            reference_sql=(
                "CASE WHEN aw.source_type <> '' THEN %(ref_source)s || aw.source_type || ':' || aw.source_id "
                "ELSE %(ref_award)s || aw.id END"
            ),
            from_sql=", ok_award aw",
        )
        + f""",
moved AS (
    UPDATE {table(PointsAward)} w SET {col(PointsAward, "state")} = {value(AwardState.POSTED)},
        {col(PointsAward, "transaction")} = txn.id, {col(PointsAward, "posted_at")} = %(at)s,
        {col(PointsAward, "updated_at")} = %(at)s
    FROM txn WHERE w.{award_pk} = %(award)s RETURNING w.{award_pk} AS id
),
logged AS (INSERT INTO {table(AwardEvent)} ({event_columns}) SELECT {event_values} FROM moved)
SELECT (SELECT id FROM txn)"""  # noqa: S608
    )


def award_post_due(
    *, award_id: int, at: dt.datetime | None = None, actor: User | None = None, note: str = ""
) -> int | None:
    """Post one published award whose publicity has ended; the ledger transaction's id, or None when nothing was
    written (not due, not published, refused by the ledger, the source already paid) — run the ORM path then."""
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    params: dict[str, Any] = {"award": award_id, "at": at or clock.now(), "actor": actor_id, "note": note}
    params |= {"action": POST_MOVE, "kind_award": KIND_AWARD, "kind_deduction": KIND_DEDUCTION}
    params |= {"ref_source": REFERENCE_SOURCE, "ref_award": REFERENCE_AWARD, "system_prefix": SYSTEM_CODE_PREFIX}
    with connection.cursor() as cursor:
        cursor.execute(_award_post_sql(), params)
        row = cursor.fetchone()
    return row[0] if row else None


@functools.cache
def _redeem_sql() -> str:
    """Queue on the holder, lock the offer, check it and its stock, post account → redemption sub-account, take the
    stock, insert the order and its audit row, all hanging off the ledger transaction. Names from the models."""
    e = {n: f"e.{col(EventItem, n)}" for n in ("pk", "stock", "event", "item")}
    order_columns, order_values = sqlnames.insert(
        RedemptionOrder,
        {
            "offer": "offer.id",
            "account": "%(account)s",
            "area_code": "%(area)s",
            "quantity": "%(quantity)s",
            "points": "offer.points",
            "pickup_code": "%(code)s",
            "state": value(OrderState.PLACED),
            "transaction": "txn.id",
            "placed_by": "%(actor)s",
            "placed_at": "%(at)s",
        },
    )
    audit_columns, audit_values = sqlnames.insert(
        AuditEvent,
        {
            "occurred_at": "%(at)s",
            "actor": "%(actor)s",
            "action": "%(audit_action)s",
            "target_type": "%(target_type)s",
            "target_id": "placed.id::text",
            "area_code": "%(area)s",
            "data": "%(audit_data)s::jsonb",
        },
    )
    stock = col(EventItem, "stock")
    return (
        f"""
WITH queue AS MATERIALIZED (
    -- Many counters redeeming for one household queue here, in the lock manager (first come, first served),
    -- before any row lock; taken first and only here, so it adds no lock-order cycle.
    SELECT pg_advisory_xact_lock(%(lock_space)s, (%(holder)s::bigint %% 2147483647)::int)
),
offer AS MATERIALIZED (
    SELECT {e["pk"]} AS id, {e["stock"]} AS stock, i.{col(StoreItem, "price")} * %(quantity)s AS points
    FROM {table(EventItem)} e JOIN {table(StoreItem)} i ON i.{col(StoreItem, "pk")} = {e["item"]}
    -- The queue as a one-time condition (evaluated before the row lock), not a join: see ledger.pg_post_ctes.
    WHERE (SELECT 1 FROM queue) = 1 AND {e["event"]} = %(event)s AND {e["item"]} = %(item)s
        AND i.{col(StoreItem, "is_active")}
    FOR UPDATE OF e
),
v(id, amount) AS (
    SELECT %(holder)s::bigint, -offer.points FROM offer
    UNION ALL
    SELECT s.{col(LedgerAccount, "pk")}, offer.points FROM offer
        JOIN {table(LedgerAccount)} s ON s.{col(LedgerAccount, "code")} = %(system_code)s
),"""  # noqa: S608 - names from the models, values as parameters
        + ledger.pg_post_ctes(
            count_sql="2",
            kind_sql="%(kind)s",
            memo_sql="%(memo)s",
            reference_sql="NULL",
            from_sql=", offer",
            gate_sql=(
                f"offer.stock >= %(quantity)s AND NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM {table(RedemptionOrder)} WHERE {col(RedemptionOrder, 'pickup_code')} = %(code)s)"
            ),
        )
        + f""",
stocked AS (
    UPDATE {table(EventItem)} e SET {stock} = {e["stock"]} - %(quantity)s
    FROM txn WHERE {e["pk"]} = (SELECT id FROM offer)
    RETURNING {e["stock"]} AS stock
),
placed AS (
    INSERT INTO {table(RedemptionOrder)} ({order_columns})
    SELECT {order_values} FROM txn, offer
    RETURNING {col(RedemptionOrder, "pk")} AS id
),
audited AS (INSERT INTO {table(AuditEvent)} ({audit_columns}) SELECT {audit_values} FROM placed)
SELECT (SELECT id FROM txn), (SELECT id FROM placed), offer.id, offer.points, (SELECT stock FROM stocked)
FROM offer"""  # noqa: S608
    )


def redemption_place(
    *, actor: User, account: PointsAccount, event: Any, item: Any, quantity: int, pickup_code: str, memo: str
) -> RedemptionOrder | None:
    """One statement: lock the offer, check stock, post account → redemption (floor checked under the row locks),
    take the stock, insert the order and its audit row. None when nothing was written (run the ORM path then)."""
    at = clock.now()
    shard = account.pk % SYSTEM_SHARDS
    params = {
        "lock_space": HOLDER_LOCK_SPACE,
        "event": event.pk,
        "item": item.pk,
        "quantity": quantity,
        "holder": account.ledger_account_id,
        "system_code": account.scheme.system_code("redemption", shard),
        "memo": memo,
        "code": pickup_code,
        "account": account.pk,
        "area": account.area_code,
        "actor": actor.pk,
        "at": at,
        "kind": KIND_REDEMPTION,
        "audit_action": AUDIT_REDEMPTION_PLACE,
        "target_type": RedemptionOrder._meta.label_lower,  # as core.audit.audit_record names a target
        "audit_data": json.dumps({}),
    }
    try:
        with connection.cursor() as cursor:
            cursor.execute(_redeem_sql(), params)
            row = cursor.fetchone()
    except IntegrityError:
        # Only a pickup code drawn by a concurrent order in the same instant (1 in 10^12): nothing was written.
        return None
    if row is None or row[0] is None or row[1] is None:
        return None
    txn_id, order_id, offer_id, points, stock = row
    offer = EventItem(pk=offer_id, event=event, item=item, stock=stock)
    order = RedemptionOrder(
        pk=order_id,
        offer=offer,
        account=account,
        area_code=account.area_code,
        quantity=quantity,
        points=points,
        pickup_code=pickup_code,
        state=RedemptionOrder._meta.get_field("state").default,
        transaction_id=txn_id,
        placed_by=actor,
        placed_at=at,
    )
    order._state.adding = False
    order._state.db = connection.alias
    return order
