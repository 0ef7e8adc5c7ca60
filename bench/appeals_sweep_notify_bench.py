"""What the notifications add to the deadline sweep: 10,000 overdue appeals escalated micro-grid → grid (each
grid's owner gets one note per appeal and channel), with the notifications on and off.

Usage: .venv/bin/python bench/appeals_sweep_notify_bench.py [--due 10000] [--off] [--outbox-orm] [--database-url URL]
--outbox-orm writes the outbox rows by the ORM writer on PostgreSQL too (the reference path), to see what the
json_to_recordset writer saves (docs/architecture.md, "Fast paths").
Default channels (inbox, email): two outbox rows per appeal. Prints lines starting with RESULT. The database is
rebuilt (SQLite file under var/bench by default; on PostgreSQL the tables involved are truncated).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import VAR, setup_django, sqlite_url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--off", action="store_true", help="escalate without queueing notifications")
    parser.add_argument("--outbox-orm", action="store_true", help="outbox rows by the ORM writer on PostgreSQL too")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url
    if url is not None and url.startswith("postgres"):
        from ledger_bench import ensure_database

        ensure_database(url)
    if url is None:
        (VAR / "appeals_sweep_notify.sqlite3").unlink(missing_ok=True)
        url = sqlite_url("appeals_sweep_notify.sqlite3")
    setup_django(url)

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from gongzhi.appeals import notify as appeal_notify
    from gongzhi.appeals.actions import sweep_deadlines
    from gongzhi.appeals.models import Appeal
    from gongzhi.core import clock
    from gongzhi.notifications.models import OutboxMessage
    from gongzhi.people.models import GridAssignment
    from tests import factories

    if args.off:
        appeal_notify.escalated = lambda appeals, actor=None: 0
    if args.outbox_orm:
        from gongzhi.notifications import actions as notification_actions

        def orm_insert(rows, now, *, returning=True):  # type: ignore[no-untyped-def]
            return [m.pk for m in notification_actions._insert_orm(rows, now)]

        notification_actions.outbox_insert = orm_insert
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE appeals_appealevent, appeals_appeal, notifications_outboxmessage, people_gridassignment, "
                "accounts_membership, accounts_user, areas_area CASCADE"
            )
    areas = factories.build_area_tree()
    for code, area in areas.items():
        if area.level == "grid":
            owner = factories.UserFactory(username=f"owner{code}", role="grid_worker", at=area)
            GridAssignment.objects.create(user=owner, area=area, area_code=code, kind="full_time", is_owner=True)
    micro = [a for a in areas.values() if a.level == "microgrid"]
    now = clock.now()
    snapshot = {"arrival_minutes": 7, "days": {"minor": 1, "major": 3, "hard": 5}, "day_unit": "natural"}
    Appeal.objects.bulk_create(
        [
            Appeal(
                number=f"B-{i:08d}",
                description="bench",
                channel="api",
                area=micro[i % len(micro)],
                area_code=micro[i % len(micro)].code,
                state="accepted",
                tier="minor",
                handling_level="microgrid",
                due_at=now - dt.timedelta(minutes=1 + i % 600),
                accepted_at=now - dt.timedelta(days=1),
                policy_snapshot=snapshot,
            )
            for i in range(args.due)
        ],
        batch_size=2_000,
    )
    started = time.perf_counter()
    result = sweep_deadlines(at=now)
    elapsed = time.perf_counter() - started
    assert len(result.escalated) == args.due
    print(
        f"RESULT sweep ({connection.vendor}, notifications {'off' if args.off else 'on'}"
        f"{', outbox by the ORM' if args.outbox_orm else ''}) escalated "
        f"{args.due:,} appeals in {elapsed:.2f} s; outbox rows {OutboxMessage.objects.count():,}"
    )


if __name__ == "__main__":
    main()
