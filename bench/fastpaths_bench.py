"""Is each PostgreSQL fast path of appeals and notifications still needed? Each one against the ORM/Python path it
stands in for, interleaved in one process (Django test client, PostgreSQL): CPU and wall time per request.

    .venv/bin/python bench/fastpaths_bench.py [--database-url URL] [--rounds 30]

Cases: GET /api/v1/appeals?limit=100 as a street officer with the PostgreSQL JSON rows (appeals/rows_pg.py) and with
the Python rows; POST /api/v1/appeals (two outbox rows) with the outbox's PostgreSQL writer and with the ORM writer;
20,000 outbox rows (the sweep's 10,000 escalations on two channels, rolled back) by each writer. The database is the
HTTP bench's (seeded on first use by appeals_http_bench.seed). Prints lines starting with RESULT; the rule these
figures feed is docs/architecture.md, "Fast paths".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_facts, setup_django
from ledger_bench import ensure_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gz_perf_bench_http"


class Rollback(Exception):
    pass


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rounds", type=int, default=30, help="rounds of 5 requests per case, cases interleaved")
    args = parser.parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client

    print("== machine")
    for k, v in machine_facts().items():
        print(f"{k:>7}: {v}")
    print(f"   load: {os.getloadavg()}")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from appeals_http_bench import MICRO, STREET, seed

    tokens = seed()
    settings.ALLOWED_HOSTS = ["*"]

    from gongzhi.appeals import rows_pg
    from gongzhi.areas.models import Area
    from gongzhi.core import clock
    from gongzhi.notifications import actions as outbox

    micro = Area.objects.get(code=MICRO)
    body = json.dumps(
        {
            "description": "楼下垃圾堆了三天没人清理",
            "channel": "resident_web",
            "category": "env-litter",
            "lat": micro.point_lat,
            "lng": micro.point_lng,
            "contact_phone": "13812345678",
        }
    )
    client = Client()
    resident, street = f"Bearer {tokens['bench-resident']}", f"Bearer {tokens['bench-street']}"

    def intake() -> None:
        r = client.post("/api/v1/appeals", body, content_type="application/json", HTTP_AUTHORIZATION=resident)
        assert r.status_code == 201, r.content

    def staff_list() -> None:
        r = client.get("/api/v1/appeals", {"area": STREET, "limit": 100}, HTTP_AUTHORIZATION=street)
        assert r.status_code == 200 and len(r.json()["items"]) == 100

    from gongzhi.accounts.models import User

    user_id = User.objects.get(username="bench-resident").pk
    notes = [
        outbox.Note(
            user_id=user_id, kind="appeal.escalated", title="诉求已上报网格", link=f"/appeals/{i}/", data={"i": i}
        )
        for i in range(10_000)
    ]

    def many_rows(write: Callable[[list[dict[str, Any]], Any], Any]) -> Callable[[], None]:
        def run() -> None:
            try:
                with transaction.atomic():
                    write(outbox.outbox_rows(notes, ["inbox", "email"]), clock.now())
                    raise Rollback
            except Rollback:
                pass

        return run

    pg_insert, pg_rows = outbox.outbox_insert, rows_pg.available

    def orm_insert(rows: list[dict[str, Any]], now: Any, *, returning: bool = True) -> list[int]:
        return [m.pk for m in outbox._insert_orm(rows, now)]

    def use(insert: Any = pg_insert, rows: Any = pg_rows) -> None:
        outbox.outbox_insert, rows_pg.available = insert, rows  # type: ignore[assignment]

    cases: dict[str, tuple[Callable[[], None], Callable[[], None], int]] = {
        "list of 100, PostgreSQL rows": (staff_list, lambda: use(), 5),
        "list of 100, Python rows": (staff_list, lambda: use(rows=lambda: False), 5),
        "intake, outbox PostgreSQL writer": (intake, lambda: use(), 5),
        "intake, outbox ORM writer": (intake, lambda: use(insert=orm_insert), 5),
        "20,000 outbox rows, PostgreSQL writer": (
            many_rows(lambda r, n: outbox._insert_pg(r, n, returning=False)),
            use,
            1,
        ),
        "20,000 outbox rows, ORM writer": (many_rows(outbox._insert_orm), use, 1),
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for fn, setup, _n in cases.values():  # warm up
        setup()
        fn()
    for rnd in range(args.rounds):
        for name, (fn, setup, n) in cases.items():
            if n == 1 and rnd >= max(3, args.rounds // 6):
                continue  # the 20,000-row cases take seconds: a few rounds are enough
            setup()
            samples[name] += [timed(fn) for _ in range(n)]
    use()
    print(f"   load: {os.getloadavg()}")
    for name, xs in samples.items():
        cpu, wall = statistics.median(x[1] for x in xs), statistics.median(x[0] for x in xs)
        print(f"RESULT {name}: CPU median {cpu:.2f} ms, wall median {wall:.2f} ms (n={len(xs)})")


if __name__ == "__main__":
    main()
