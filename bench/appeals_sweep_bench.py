"""The deadline sweep at size: N open appeals, a pass with nothing due, then D due appeals escalated.

Usage: .venv/bin/python bench/appeals_sweep_bench.py [--open 1000000] [--due 10000] [--database-url URL]
Targets (issue 3): a pass with nothing due under 50 ms; 10,000 due appeals escalated in under 5 s.
Prints lines starting with RESULT. The database is rebuilt (SQLite file under var/bench by default).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import VAR, setup_django, sqlite_url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=1_000_000, help="open appeals not yet due")
    parser.add_argument("--due", type=int, default=10_000, help="appeals past their deadline")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url
    if url is None:
        db = VAR / "appeals_sweep.sqlite3"
        db.unlink(missing_ok=True)
        url = sqlite_url("appeals_sweep.sqlite3")
    setup_django(url)

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from gongzhi.appeals.actions import sweep_deadlines
    from gongzhi.appeals.models import Appeal, AppealEvent
    from gongzhi.areas.models import Area
    from gongzhi.core import clock
    from tests import factories

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE appeals_appealevent, appeals_appeal CASCADE")
    if not Area.objects.filter(level="microgrid").exists():
        factories.build_area_tree()
    micro = list(Area.objects.filter(level="microgrid"))
    now = clock.now()
    snapshot = {"arrival_minutes": 7, "days": {"minor": 1, "major": 3, "hard": 5}, "day_unit": "natural"}
    states = ["accepted", "on_site", "dispatched", "closed", "rated"]
    started = time.perf_counter()
    total = args.open + args.due
    for start in range(0, total, 20_000):
        rows = []
        for i in range(start, min(total, start + 20_000)):
            area = micro[i % len(micro)]
            due = i >= args.open
            rows.append(
                Appeal(
                    number=f"B-{i:08d}",
                    description="bench",
                    channel="api",
                    area=area,
                    area_code=area.code,
                    state="accepted" if due else states[i % len(states)],
                    tier="minor",
                    handling_level="microgrid" if due else ("microgrid", "grid", "street")[i % 3],
                    due_at=now - dt.timedelta(minutes=1 + i % 600) if due else now + dt.timedelta(hours=1 + i % 100),
                    accepted_at=now - dt.timedelta(days=1),
                    policy_snapshot=snapshot,
                )
            )
        Appeal.objects.bulk_create(rows, batch_size=5_000)
    print(f"built {total:,} appeals in {time.perf_counter() - started:.0f} s ({connection.vendor})")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    idle = []
    before = now - dt.timedelta(hours=12)  # nothing is due yet at this instant
    for _ in range(20):
        t = time.perf_counter()
        assert not sweep_deadlines(at=before).escalated
        idle.append((time.perf_counter() - t) * 1000)
    print(
        f"RESULT sweep idle pass over {total:,} appeals: median {statistics.median(idle):.1f} ms, max {max(idle):.1f} ms"
    )

    t = time.perf_counter()
    result = sweep_deadlines(at=now)
    elapsed = time.perf_counter() - t
    assert len(result.escalated) == args.due, (len(result.escalated), args.due)
    assert AppealEvent.objects.filter(action="escalate").count() == args.due
    print(
        f"RESULT sweep escalated {args.due:,} due appeals in {elapsed:.2f} s ({elapsed / args.due * 1000:.3f} ms each)"
    )


if __name__ == "__main__":
    main()
