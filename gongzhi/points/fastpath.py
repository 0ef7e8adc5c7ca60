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
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection

from gongzhi.core import clock, ledger
from gongzhi.core.models import AuditEvent
from gongzhi.points.models import SYSTEM_SHARDS, AwardEvent, EventItem, PointsAccount, PointsAward, RedemptionOrder

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

_AWARDS = PointsAward._meta.db_table
_EVENTS = AwardEvent._meta.db_table
_ACCOUNTS = PointsAccount._meta.db_table
_OFFERS = EventItem._meta.db_table
_ORDERS = RedemptionOrder._meta.db_table
_AUDIT = AuditEvent._meta.db_table
_LEDGER_ACCOUNTS = ledger.LedgerAccount._meta.db_table


# First key of this module's two-key advisory locks (the second is the holder's ledger account id).
HOLDER_LOCK_SPACE = 0x504F  # "PO"


def available() -> bool:
    return connection.vendor == "postgresql"


def _system_code_sql(scheme_id: str, account_id: str, purpose: str) -> str:
    # actions.schemes.system_code with the shard picked by system_account(spread=account id), in SQL.
    return (
        f"'points:scheme:' || {scheme_id} || ':{purpose}' || "
        f"CASE WHEN {account_id} %% {SYSTEM_SHARDS} = 0 THEN '' ELSE ':' || ({account_id} %% {SYSTEM_SHARDS}) END"
    )


_AWARD_POST = (
    f"""
WITH aw AS MATERIALIZED (
    SELECT w.id, w.points, w.source_type, w.source_id, w.account_id, w.scheme_id, w.state, w.publicity_ends_at,
           r.name AS rule_name, pa.ledger_account_id
    FROM {_AWARDS} w JOIN points_pointsrule r ON r.id = w.rule_id JOIN {_ACCOUNTS} pa ON pa.id = w.account_id
    WHERE w.id = %(award)s FOR UPDATE OF w
),
-- The state as locked (the row's latest version), not as of the statement's snapshot.
ok_award AS (SELECT * FROM aw WHERE state = 'published' AND publicity_ends_at <= %(at)s),
v(id, amount) AS (
    SELECT s.id, -o.points FROM ok_award o
        JOIN {_LEDGER_ACCOUNTS} s ON s.code = {_system_code_sql("o.scheme_id", "o.account_id", "issuance")}
    UNION ALL
    SELECT o.ledger_account_id, o.points FROM ok_award o
),"""  # noqa: S608
    + ledger.pg_post_ctes(
        count_sql="2",
        kind_sql="CASE WHEN aw.points < 0 THEN 'points.deduction' ELSE 'points.award' END",
        memo_sql="left(aw.rule_name || ' ' || CASE WHEN aw.points > 0 THEN '+' ELSE '' END || aw.points, 255)",
        reference_sql=(
            "CASE WHEN aw.source_type <> '' THEN 'points:src:' || aw.source_type || ':' || aw.source_id "
            "ELSE 'points:award:' || aw.id END"
        ),
        from_sql=", ok_award aw",
    )
    + f""",
moved AS (
    UPDATE {_AWARDS} w SET state = 'posted', transaction_id = txn.id, posted_at = %(at)s, updated_at = %(at)s
    FROM txn WHERE w.id = %(award)s RETURNING w.id
),
logged AS (
    INSERT INTO {_EVENTS} (award_id, action, from_state, to_state, actor_id, note, occurred_at)
    SELECT moved.id, 'post', 'published', 'posted', %(actor)s, %(note)s, %(at)s FROM moved
)
SELECT (SELECT id FROM txn)"""  # noqa: S608
)


def award_post_due(
    *, award_id: int, at: dt.datetime | None = None, actor: User | None = None, note: str = ""
) -> int | None:
    """Post one published award whose publicity has ended; the ledger transaction's id, or None when nothing was
    written (not due, not published, refused by the ledger, the source already paid) — run the ORM path then."""
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    params: dict[str, Any] = {"award": award_id, "at": at or clock.now(), "actor": actor_id, "note": note}
    with connection.cursor() as cursor:
        cursor.execute(_AWARD_POST, params)
        row = cursor.fetchone()
    return row[0] if row else None


_REDEEM = (
    f"""
WITH queue AS MATERIALIZED (
    -- Many counters redeeming for one household queue here, in the lock manager (first come, first served),
    -- before any row lock; taken first and only here, so it adds no lock-order cycle.
    SELECT pg_advisory_xact_lock(%(lock_space)s, (%(holder)s::bigint %% 2147483647)::int)
),
offer AS MATERIALIZED (
    SELECT e.id, e.stock, i.price * %(quantity)s AS points
    FROM {_OFFERS} e JOIN points_storeitem i ON i.id = e.item_id
    -- The queue as a one-time condition (evaluated before the row lock), not a join: see ledger.pg_post_ctes.
    WHERE (SELECT 1 FROM queue) = 1 AND e.event_id = %(event)s AND e.item_id = %(item)s AND i.is_active
    FOR UPDATE OF e
),
v(id, amount) AS (
    SELECT %(holder)s::bigint, -offer.points FROM offer
    UNION ALL
    SELECT s.id, offer.points FROM offer JOIN {_LEDGER_ACCOUNTS} s ON s.code = %(system_code)s
),"""  # noqa: S608
    + ledger.pg_post_ctes(
        count_sql="2",
        kind_sql="'points.redemption'",
        memo_sql="%(memo)s",
        reference_sql="NULL",
        from_sql=", offer",
        gate_sql=(f"offer.stock >= %(quantity)s AND NOT EXISTS (SELECT 1 FROM {_ORDERS} WHERE pickup_code = %(code)s)"),  # noqa: S608
    )
    + f""",
stocked AS (
    UPDATE {_OFFERS} e SET stock = e.stock - %(quantity)s FROM txn WHERE e.id = (SELECT id FROM offer)
    RETURNING e.stock
),
placed AS (
    INSERT INTO {_ORDERS} (offer_id, account_id, area_code, quantity, points, pickup_code, state, transaction_id,
                           placed_by_id, placed_at)
    SELECT offer.id, %(account)s, %(area)s, %(quantity)s, offer.points, %(code)s, 'placed', txn.id, %(actor)s, %(at)s
    FROM txn, offer
    RETURNING id
),
audited AS (
    INSERT INTO {_AUDIT} (occurred_at, actor_id, action, target_type, target_id, area_code, data)
    SELECT %(at)s, %(actor)s, 'points.redemption.place', 'points.redemptionorder', placed.id::text, %(area)s,
           '{{}}'::jsonb
    FROM placed
)
SELECT (SELECT id FROM txn), (SELECT id FROM placed), offer.id, offer.points, (SELECT stock FROM stocked)
FROM offer"""  # noqa: S608
)


def redemption_place(
    *, actor: User, account: PointsAccount, event: Any, item: Any, quantity: int, pickup_code: str, memo: str
) -> RedemptionOrder | None:
    """One statement: lock the offer, check stock, post account → redemption (floor checked under the row locks),
    take the stock, insert the order and its audit row. None when nothing was written (run the ORM path then)."""
    from gongzhi.points.actions.schemes import system_code

    at = clock.now()
    shard = account.pk % SYSTEM_SHARDS
    params = {
        "lock_space": HOLDER_LOCK_SPACE,
        "event": event.pk,
        "item": item.pk,
        "quantity": quantity,
        "holder": account.ledger_account_id,
        "system_code": system_code(account.scheme, "redemption", shard),
        "memo": memo,
        "code": pickup_code,
        "account": account.pk,
        "area": account.area_code,
        "actor": actor.pk,
        "at": at,
    }
    try:
        with connection.cursor() as cursor:
            cursor.execute(_REDEEM, params)
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
