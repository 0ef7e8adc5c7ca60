"""Care at size L (issue 13 item 12): the due-visit computation for a street of 100,000 archives (10 % of a
1,000,000-resident district), target < 1 s; a carer's phone list, target p99 < 50 ms.

    .venv/bin/python bench/care_bench.py                                   # PostgreSQL (default URL below)
    .venv/bin/python bench/care_bench.py --database-url sqlite:///var/bench/care.sqlite3

The data is built once per database (bulk inserts: one street, 10 communities × 10 grids × 4 micro-grids,
`--archives` residents with an archive each, one carer per archive out of `--carers`, 2 % with an open event of a
trigger list, a last visit 0–60 days ago) and reused by later runs. Measured:
- street: `schedule.summary_in_area(street)` — the counts overdue / due today / within 7 days / later of every
  active archive (grouped in SQL, triggers corrected one by one); and, for comparison, `schedule.tasks_in_area`,
  every archive's task as a sorted list (checked to give the same counts);
- carer: `selectors.carer_tasks(user=…)` — the carer's phone list with its archives loaded (what the page renders),
  for `--samples` random carers; p50 / p99.
Prints RESULT lines; never part of the test run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

from _common import machine_facts, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gongzhi_care_bench"
STREET = "370299001"


def build(archives: int, carers: int) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from gongzhi.accounts.models import User
    from gongzhi.areas.models import Area, AreaLevel
    from gongzhi.care.models import CareArchive, Carer, RiskLevel, TriggerEvent, VisitTrigger
    from gongzhi.people.models import Resident

    call_command("migrate", verbosity=0)
    if CareArchive.objects.filter(area_code__startswith=STREET).count() >= archives:
        return
    rng = random.Random(1)
    district = Area.objects.get_or_create(code="370299", defaults={"name": "基准区", "level": AreaLevel.DISTRICT})[0]
    street = Area.objects.create(code=STREET, name="基准街道", level=AreaLevel.STREET, parent=district)
    micro: list[Area] = []
    for c in range(1, 11):
        community = Area.objects.create(
            code=f"{STREET}{c:03d}", name=f"社区{c}", level=AreaLevel.COMMUNITY, parent=street
        )
        for g in range(1, 11):
            grid = Area.objects.create(code=f"{community.code}{g:03d}", name=f"网格{c}-{g}", level=AreaLevel.GRID,
                                       parent=community)  # fmt: skip
            micro += Area.objects.bulk_create(
                [Area(code=f"{grid.code}{m:02d}", name=f"微网格{c}-{g}-{m}", level=AreaLevel.MICROGRID, parent=grid)
                 for m in range(1, 5)]
            )  # fmt: skip
    admin = User.objects.create_user(username="care-bench-admin", password="!")
    users = User.objects.bulk_create([User(username=f"care-bench-{i}", password="!") for i in range(carers)])
    levels = list(RiskLevel.objects.values_list("pk", flat=True))
    trigger = VisitTrigger.objects.first()
    now = timezone.now()
    batch = 10_000
    for start in range(0, archives, batch):
        n = min(batch, archives - start)
        areas = [micro[(start + i) % len(micro)] for i in range(n)]
        residents = Resident.objects.bulk_create(
            [Resident(area=a, area_code=a.code, name=f"居民{start + i}", name_pinyin="jumin", name_initials="jm",
                      gender="F", birth_date=dt.date(1940, 1, 1)) for i, a in enumerate(areas)]
        )  # fmt: skip
        rows = CareArchive.objects.bulk_create(
            [CareArchive(resident=r, area_id=r.area_id, area_code=r.area_code, risk_level_id=rng.choice(levels),
                         created_by=admin, created_at=now - dt.timedelta(days=120),
                         last_visited_at=now - dt.timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23)))
             for r in residents]
        )  # fmt: skip
        Carer.objects.bulk_create(
            [Carer(archive=a, user=users[(start + i) % carers], kind="steward") for i, a in enumerate(rows)]
        )
        TriggerEvent.objects.bulk_create(
            [TriggerEvent(archive=a, trigger=trigger, occurred_on=now.date(), due_on=now.date() + dt.timedelta(days=1),
                          reported_by=admin) for a in rows if rng.random() < 0.02]
        )  # fmt: skip


def timed(call, reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--archives", type=int, default=100_000)
    parser.add_argument("--carers", type=int, default=3_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    if args.database_url.startswith("postgres"):
        from ledger_bench import ensure_database

        ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection

    from gongzhi.accounts.models import User
    from gongzhi.care import schedule, selectors

    for k, v in machine_facts().items():
        print(f"{k:>7}: {v}")
    started = time.perf_counter()
    build(args.archives, args.carers)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh bulk loads have no statistics yet (autovacuum would gather them)
    print(f"build (or reuse): {time.perf_counter() - started:.1f} s on {connection.vendor}", flush=True)

    result: dict[str, int] = {}

    def street() -> None:
        result.update(schedule.summary(schedule.tasks_in_area(STREET)))

    counts: dict[str, int] = {}

    def street_counts() -> None:
        counts.update(schedule.summary_in_area(STREET))

    summary_ms = timed(street_counts, args.reps)
    print(f"RESULT care street summary ({sum(counts.values())} archives, {counts}): median "
          f"{statistics.median(summary_ms):.0f} ms, max {max(summary_ms):.0f} ms", flush=True)  # fmt: skip
    street_ms = timed(street, max(1, args.reps // 2))
    assert result == counts, (result, counts)
    print(f"RESULT care street task list (every archive's task, sorted): median {statistics.median(street_ms):.0f} ms, "
          f"max {max(street_ms):.0f} ms", flush=True)  # fmt: skip
    users = list(User.objects.filter(username__startswith="care-bench-").exclude(username="care-bench-admin"))
    rng = random.Random(2)
    picks = [rng.choice(users) for _ in range(args.samples)]
    times = []
    sizes = []
    for user in picks:
        t0 = time.perf_counter()
        rows = selectors.carer_tasks(user=user)
        times.append((time.perf_counter() - t0) * 1000)
        sizes.append(len(rows))
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"RESULT care carer list ({statistics.mean(sizes):.1f} tasks of ≈{args.archives // args.carers} archives): "
          f"p50 {statistics.median(times):.1f} ms, p99 {p99:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
