"""Service matching on PostgreSQL (issue 11 item 12): ranked suggestions against 100,000 resources, grabs per second
on one contested task and on 1,000 tasks under contention (as a ratio to pgbench TPC-B in the same run), and the
micro-wish wall with 10,000 open wishes.

    .venv/bin/python bench/matching_bench.py                 # ≈ 2–3 min on the shared 2-core machine
    .venv/bin/python bench/matching_bench.py --resources 20000 --threads 4 --no-pgbench

- suggestions: `--resources` offers over a district of 20 communities × 10 grids × 5 micro-grids, 10 % serving the
  street, 30 % a community, 30 % a grid, 30 % a micro-grid, spread over the 7 categories; the real
  `selectors.suggestions` for a demand in one micro-grid (candidates: the category's offers serving the micro-grid
  or an area above it), median and p95 of 30 calls.
- grabs: `--volunteers` volunteers press 抢单 on one task from `--threads` threads (the real `demand_move`, with
  its row lock and event row): attempts per second and exactly one winner; then `--tasks` tasks, every thread
  trying every task in its own order: attempts per second and exactly one holder per task.
- wall: `--wishes` open micro-wishes; the page /matching/wishes/ (60 newest, names masked) through the test client,
  median of 20 calls (server time, in process).
Prints RESULT lines; never part of the test run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from collections.abc import Callable
from urllib.parse import urlparse

from _common import machine_facts, setup_django
from ledger_bench import ensure_database, pgbench_tps

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gz_bench_matching"


def run_threads(items: list, threads: int, call: Callable[[object], object]) -> tuple[float, list]:
    from django.db import connections

    barrier = threading.Barrier(threads + 1)
    lock = threading.Lock()
    results: list = []
    chunks = [items[i::threads] for i in range(threads)]

    def worker(chunk: list) -> None:
        try:
            barrier.wait()
            for item in chunk:
                try:
                    out = call(item)
                except Exception as exc:  # counted by the caller
                    out = exc
                with lock:
                    results.append(out)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in pool:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in pool:
        t.join()
    return time.perf_counter() - started, results


def timed(call: Callable[[], object], n: int) -> tuple[float, float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        call()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--volunteers", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--wishes", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--no-pgbench", action="store_true")
    args = parser.parse_args()
    if urlparse(args.database_url).scheme not in ("postgres", "postgresql"):
        raise SystemExit("the matching benchmark needs PostgreSQL (row locks)")
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    for k, v in machine_facts().items():
        print(f"{k:>7}: {v}")
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        print(f"     pg: {cur.fetchone()[0]}")

    from gongzhi.accounts.actions import membership_grant
    from gongzhi.accounts.models import Membership, User
    from gongzhi.areas.models import Area
    from gongzhi.core.errors import Conflict
    from gongzhi.matching import selectors
    from gongzhi.matching.actions.catalogue import catalogue_seed
    from gongzhi.matching.actions.flow import demand_move
    from gongzhi.matching.models import Demand, DemandEvent, Resource, ServiceItem

    rng = random.Random(11)
    run = time.strftime("%Y%m%d%H%M%S")
    catalogue_seed()
    items = list(ServiceItem.objects.all())
    district, _ = Area.objects.get_or_create(code="370211", defaults={"name": "黄岛区", "level": "district"})
    street, _ = Area.objects.get_or_create(code="370211009", defaults={"name": "测试街道", "level": "street",
                                                                        "parent": district})  # fmt: skip
    codes: dict[str, list[str]] = {"community": [], "grid": [], "microgrid": []}
    if not Area.objects.filter(parent=street).exists():
        rows = []
        for c in range(1, 21):
            cc = f"{street.code}{c:03d}"
            rows.append(Area(code=cc, name=f"社区{c}", level="community", parent_id=street.pk))
        Area.objects.bulk_create(rows)
        by_code = {a.code: a.pk for a in Area.objects.filter(parent=street)}
        grids = [Area(code=f"{cc}{g:03d}", name=f"网格{g}", level="grid", parent_id=pk)
                 for cc, pk in by_code.items() for g in range(1, 11)]  # fmt: skip
        Area.objects.bulk_create(grids)
        gpk = {a.code: a.pk for a in Area.objects.filter(level="grid", code__startswith=street.code)}
        Area.objects.bulk_create([Area(code=f"{gc}{m:02d}", name=f"微网格{m}", level="microgrid", parent_id=pk)
                                  for gc, pk in gpk.items() for m in range(1, 6)])  # fmt: skip
    for level in codes:
        codes[level] = list(
            Area.objects.filter(level=level, code__startswith=street.code)
            .order_by("code")
            .values_list("code", flat=True)
        )
    owner = User.objects.create(username=f"bench-owner-{run}", password="!")
    membership_grant(actor=None, user=owner, role="street_staff", area=street)

    # --- suggestions against N resources
    have = Resource.objects.filter(area_code=street.code).count()
    if have < args.resources:
        batch = []
        for i in range(args.resources - have):
            item = items[i % len(items)]
            batch.append(Resource(item=item, category_id=item.category_id, title=f"资源{i}", provider_kind="team",
                                  provider_name=f"队伍{i}", owner=owner, area_id=street.pk, area_code=street.code,
                                  capacity=rng.randint(1, 20), rating_count=(n := rng.randint(0, 10)), rating_sum=rng.randint(n, 5 * n)))  # fmt: skip
            if len(batch) == 5000:
                _add_resources(batch, rng, street.code, codes)
                batch = []
        if batch:
            _add_resources(batch, rng, street.code, codes)
    micro = codes["microgrid"][123]
    micro_area = Area.objects.get(code=micro)
    resident = User.objects.create(username=f"bench-resident-{run}", password="!")
    item = items[0]
    demand = Demand.objects.create(kind="order", item=item, title="bench", requester=resident, entered_by=resident,
                                   requester_name="张三", area=micro_area, area_code=micro)  # fmt: skip
    demand.item = item
    ranked = selectors.suggestions(demand=demand)
    candidates = Resource.objects.filter(category_id=item.category_id, served__area_code__in=[
        micro[:n] for n in (6, 9, 12, 15, 17)]).distinct().count()  # fmt: skip
    median, p95 = timed(lambda: selectors.suggestions(demand=demand), 30)
    print(f"RESULT matching_suggestions resources={Resource.objects.count()} candidates={candidates} "
          f"top={ranked[0].score if ranked else None} median_ms={median:.1f} p95_ms={p95:.1f}")  # fmt: skip

    # --- grabs
    community = Area.objects.get(code=micro[:12])
    volunteers = User.objects.bulk_create(
        [User(username=f"bench-v-{run}-{i}", password="!") for i in range(args.volunteers)]
    )
    Membership.objects.bulk_create([Membership(user=u, role="volunteer", area=community) for u in volunteers])

    def pool_tasks(n: int) -> list[int]:
        made = Demand.objects.bulk_create([
            Demand(kind="order", item=item, title=f"任务{i}", requester=resident, entered_by=resident,
                   requester_name="李四", area=micro_area, area_code=micro, state="accepted")
            for i in range(n)
        ])  # fmt: skip
        return [d.pk for d in made]

    one = pool_tasks(1)[0]
    seconds, results = run_threads(volunteers, args.threads,
                                   lambda u: demand_move(actor=u, demand_id=one, action="grab"))  # fmt: skip
    winners = sum(not isinstance(r, Exception) for r in results)
    other = sum(isinstance(r, Exception) and type(r).__name__ != "Conflict" for r in results)
    one_per_s = len(results) / seconds
    print(f"RESULT matching_grab_one_task volunteers={args.volunteers} threads={args.threads} "
          f"attempts_per_s={one_per_s:.0f} winners={winners} non_conflict_errors={other}")  # fmt: skip

    tasks = pool_tasks(args.tasks)
    crew = volunteers[: args.threads]

    def grab_all(user: object) -> tuple[int, int]:
        order = tasks[:]
        random.Random(user.pk).shuffle(order)  # type: ignore[attr-defined]
        won = tried = 0
        for pk in order:
            tried += 1
            try:
                demand_move(actor=user, demand_id=pk, action="grab")  # type: ignore[arg-type]
                won += 1
            except Conflict:  # someone else got it first
                continue
        return won, tried

    seconds, results = run_threads(crew, args.threads, grab_all)
    won = sum(r[0] for r in results if isinstance(r, tuple))
    tried = sum(r[1] for r in results if isinstance(r, tuple))
    holders_ok = DemandEvent.objects.filter(demand_id__in=tasks, action="grab").count() == len(tasks) == won
    many_per_s = tried / seconds
    print(f"RESULT matching_grab_many_tasks tasks={args.tasks} threads={args.threads} attempts={tried} "
          f"attempts_per_s={many_per_s:.0f} grabs_per_s={won / seconds:.0f} one_holder_each={holders_ok}")  # fmt: skip

    if not args.no_pgbench:
        tps = pgbench_tps(args.database_url, clients=args.threads)
        print(f"RESULT matching_pgbench tpcb_tps={tps:.0f} one_task_ratio={one_per_s / tps:.2f} "
              f"many_tasks_ratio={many_per_s / tps:.2f}")  # fmt: skip

    # --- the wall
    open_wishes = Demand.objects.filter(kind="wish", state="accepted").count()
    if open_wishes < args.wishes:
        Demand.objects.bulk_create([
            Demand(kind="wish", item=item, title=f"心愿{i}", requester=resident, entered_by=resident,
                   requester_name="王小明", area=micro_area, area_code=micro, state="accepted", value_fen=5000)
            for i in range(args.wishes - open_wishes)
        ], batch_size=2000)  # fmt: skip
    client = Client()
    client.force_login(resident)
    assert client.get("/matching/wishes/").status_code == 200
    median, p95 = timed(lambda: client.get("/matching/wishes/"), 20)
    print(f"RESULT matching_wall open_wishes={Demand.objects.filter(kind='wish', state='accepted').count()} "
          f"median_ms={median:.1f} p95_ms={p95:.1f}")  # fmt: skip


def _add_resources(batch: list, rng: random.Random, street: str, codes: dict[str, list[str]]) -> None:
    from gongzhi.matching.models import Resource, ResourceArea

    made = Resource.objects.bulk_create(batch)
    served = []
    for r in made:
        roll = rng.random()
        level = "street" if roll < 0.1 else "community" if roll < 0.4 else "grid" if roll < 0.7 else "microgrid"
        code = street if level == "street" else rng.choice(codes[level])
        served.append(ResourceArea(resource=r, area_code=code, category_id=r.category_id))
    ResourceArea.objects.bulk_create(served)


if __name__ == "__main__":
    main()
