"""The deadline sweep and the grid workers' task lists over a million open appeals (PostgreSQL).

    .venv/bin/python bench/appeals_sweep_bench.py [--open 1000000] [--due 10000] [--database-url URL] [--refill]

Targets (issue 3 item 14): a sweep pass with nothing due under 50 ms; 10,000 due appeals escalated in under 5 s;
a grid worker's task list (worklists.worker_tasks, and GET /api/v1/appeals/tasks) p99 under 50 ms.
The first run fills `--open` open appeals (dispatched/accepted/on site, at micro-grid, grid and street level, due
1–100 hours from the fill, spread over `--workers` assignees) set-wise with INSERT … SELECT generate_series, then
VACUUM ANALYZE; later runs reuse them. Every run deletes the previous run's due appeals (and their events) and
inserts `--due` fresh ones (accepted, at micro-grid level, 1–600 minutes past their deadline). Prints RESULT lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_facts, setup_django, summary
from ledger_bench import ensure_database
from setwise import insert_series

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gz_perf_bench_appeals"
BATCH = 100_000
SNAPSHOT = '\'{"arrival_minutes": 7, "days": {"minor": 1, "major": 3, "hard": 5}, "day_unit": "natural"}\'::jsonb'


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.99 * len(ordered)) - 1)]


def fill(n_open: int, n_workers: int) -> None:
    from django.db import connection, transaction

    from gongzhi.accounts.models import User
    from gongzhi.appeals.models import Appeal
    from gongzhi.areas.models import Area
    from tests import factories

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE appeals_appealevent, appeals_summons, appeals_appeal CASCADE")
    if not Area.objects.filter(level="microgrid").exists():
        factories.build_area_tree()
    User.objects.filter(username__startswith="bench-w").delete()
    insert_series(
        User,
        start=0,
        stop=n_workers,
        exprs={
            "username": "'bench-w' || i",
            "password": "'!'",
            "display_name": "'基准网格员' || i",
            "date_joined": "now()",
            "is_active": "TRUE",
        },
    )
    micro = list(Area.objects.filter(level="microgrid").order_by("code").values_list("pk", "code"))
    workers = list(User.objects.filter(username__startswith="bench-w").order_by("pk").values_list("pk", flat=True))
    started = time.perf_counter()
    for start in range(0, n_open, BATCH):
        with transaction.atomic():
            insert_series(
                Appeal,
                start=start,
                stop=min(n_open, start + BATCH),
                exprs={
                    "number": "'BO-' || lpad(i::text, 9, '0')",
                    "description": "'基准诉求 ' || i",
                    "channel": "'api'",
                    "area_id": "(%s::bigint[])[1 + i %% %s]",
                    "area_code": "(%s::text[])[1 + i %% %s]",
                    "state": "(ARRAY['dispatched', 'accepted', 'on_site', 'accepted'])[1 + i %% 4]",
                    "tier": "'minor'",
                    "handling_level": "(ARRAY['microgrid', 'grid', 'street'])[1 + i %% 3]",
                    "assignee_id": "(%s::bigint[])[1 + i %% %s]",
                    "policy_snapshot": SNAPSHOT,
                    "dispatched_at": "now() - interval '1 day'",
                    "accepted_at": "now() - interval '1 day'",
                    "arrive_by": "now() - interval '1 day' + interval '7 minutes'",
                    "due_at": "now() + (1 + i %% 100) * interval '1 hour'",
                    "version": "2",
                    "created_at": "now() - (i %% 365) * interval '1 day'",
                    "updated_at": "now()",
                },
                params=[
                    [m[0] for m in micro],
                    len(micro),
                    [m[1] for m in micro],
                    len(micro),
                    workers,
                    len(workers),
                ],
            )
        print(f"  filled {min(n_open, start + BATCH):,} open appeals", flush=True)
    print(f"filled {n_open:,} open appeals in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE appeals_appeal")
        cursor.execute("VACUUM ANALYZE accounts_user")


def add_due(n_due: int) -> None:
    """Replace the previous run's due appeals with `n_due` fresh ones (events first: they reference them)."""
    from django.db import connection, transaction

    from gongzhi.appeals.models import Appeal
    from gongzhi.areas.models import Area

    micro = list(Area.objects.filter(level="microgrid").order_by("code").values_list("pk", "code"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM appeals_appealevent WHERE appeal_id IN "
            "(SELECT id FROM appeals_appeal WHERE number LIKE 'BD-%%')"
        )
        cursor.execute("DELETE FROM appeals_appeal WHERE number LIKE 'BD-%%'")
        insert_series(
            Appeal,
            start=0,
            stop=n_due,
            exprs={
                "number": "'BD-' || lpad(i::text, 9, '0')",
                "description": "'到期诉求 ' || i",
                "channel": "'api'",
                "area_id": "(%s::bigint[])[1 + i %% %s]",
                "area_code": "(%s::text[])[1 + i %% %s]",
                "state": "'accepted'",
                "tier": "'minor'",
                "handling_level": "'microgrid'",
                "policy_snapshot": SNAPSHOT,
                "dispatched_at": "now() - interval '1 day'",
                "accepted_at": "now() - interval '1 day'",
                "due_at": "now() - (1 + i %% 600) * interval '1 minute'",
                "version": "2",
                "created_at": "now() - interval '1 day'",
                "updated_at": "now()",
            },
            params=[[m[0] for m in micro], len(micro), [m[1] for m in micro], len(micro)],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE appeals_appeal")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=1_000_000, help="open appeals not yet due")
    parser.add_argument("--due", type=int, default=10_000, help="appeals past their deadline")
    parser.add_argument("--workers", type=int, default=1_000, help="assignees the open appeals are spread over")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--refill", action="store_true", help="fill the open appeals again")
    parser.add_argument("-n", type=int, default=500, help="timed task-list reads")
    args = parser.parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from gongzhi.accounts.actions import api_token_issue
    from gongzhi.accounts.models import User
    from gongzhi.appeals.actions import sweep_deadlines
    from gongzhi.appeals.models import Appeal, AppealEvent
    from gongzhi.appeals.worklists import worker_tasks
    from gongzhi.core import clock

    print("== machine")
    for k, v in machine_facts().items():
        print(f"{k:>7}: {v}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(f"     pg: {cursor.fetchone()[0]}")
    print(f"   load: {os.getloadavg()}")
    have = Appeal.objects.filter(number__startswith="BO-").count()
    if args.refill or have != args.open:
        fill(args.open, args.workers)
    t = time.perf_counter()
    add_due(args.due)
    print(f"inserted {args.due:,} due appeals in {time.perf_counter() - t:.1f} s", flush=True)
    total = Appeal.objects.count()
    now = clock.now()

    idle = []
    before = now - dt.timedelta(hours=12)  # nothing is due yet at this instant
    for _ in range(20):
        t = time.perf_counter()
        assert not sweep_deadlines(at=before).escalated
        idle.append((time.perf_counter() - t) * 1000)
    print(
        f"RESULT sweep idle pass over {total:,} appeals: median {statistics.median(idle):.1f} ms, "
        f"max {max(idle):.1f} ms (target < 50 ms)"
    )

    t = time.perf_counter()
    result = sweep_deadlines(at=now)
    elapsed = time.perf_counter() - t
    assert len(result.escalated) == args.due, (len(result.escalated), args.due)
    escalated = AppealEvent.objects.filter(action="escalate", appeal__number__startswith="BD-").count()
    assert escalated == args.due, escalated
    print(
        f"RESULT sweep escalated {args.due:,} due appeals in {elapsed:.2f} s ({elapsed / args.due * 1000:.3f} ms each)"
        f" (target < 5 s)"
    )

    rng = random.Random(14)
    workers = list(User.objects.filter(username__startswith="bench-w").values_list("pk", flat=True))
    picked = User.objects.filter(pk__in=rng.sample(workers, min(50, len(workers))))
    open_each = Appeal.objects.filter(assignee=picked[0]).count()
    sel = []
    for _ in range(args.n):
        user = picked[rng.randrange(len(picked))]
        t = time.perf_counter()
        rows = list(worker_tasks(user=user, limit=100))
        sel.append((time.perf_counter() - t) * 1000)
        assert len(rows) == 100
    s = summary(sel)
    print(
        f"RESULT worker_tasks(limit=100) of one of {len(workers):,} workers (~{open_each:,} open appeals each) over "
        f"{total:,} appeals: median {s['median']:.1f} ms, p95 {s['p95']:.1f} ms, p99 {p99(sel):.1f} ms (n={args.n})"
    )
    clients = [Client(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=u)[1]}") for u in picked[:10]]
    for c in clients:
        assert len(c.get("/api/v1/appeals/tasks?limit=100").json()) == 100
    api = []
    for k in range(args.n):
        c = clients[k % len(clients)]
        t = time.perf_counter()
        response = c.get("/api/v1/appeals/tasks?limit=100")
        api.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    s = summary(api)
    print(
        f"RESULT GET /api/v1/appeals/tasks?limit=100 (whole request, in process): median {s['median']:.1f} ms, "
        f"p95 {s['p95']:.1f} ms, p99 {p99(api):.1f} ms (n={args.n}; target p99 < 50 ms)"
    )


if __name__ == "__main__":
    main()
