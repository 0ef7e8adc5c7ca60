"""Points bank throughput on PostgreSQL (issue 4 item 10): awards posted (post_due_award, the sweep's step) and
redemptions (redemption_place: offer row lock + ledger post + stock + order + audit row), as postings/s and as a ratio to pgbench's
TPC-B-like rate on the same server in the same run (target >= 20%); redemption with 32 concurrent clients on 32
accounts and on one account; a passbook page of an account with 100,000 postings (target < 100 ms).

    .venv/bin/python bench/points_bench.py                  # all of it (≈ 2 min)
    .venv/bin/python bench/points_bench.py --seconds 5 --skip-pgbench
    .venv/bin/python bench/points_bench.py --paths both    # each scenario on the fast paths, then the ORM paths

`--paths` picks the paths on PostgreSQL: `fast` (points/fastpath.py and the ledger's one statement, what production
runs), `orm` (the reference paths: `fastpath.ONE_STATEMENT` and `ledger.ONE_STATEMENT` off), or `both`, interleaved
scenario by scenario, each path on its own queued awards and its own event offer.

Reuses bench/ledger_bench.py's harness (throughput, pgbench_tps, time_call). Prints RESULT lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections.abc import Callable

from _common import machine_facts, setup_django
from ledger_bench import Op, bulk_postings, ensure_database, pgbench_tps, scenario_pairs, throughput, time_call

PATHS = {"fast": ("fast",), "orm": ("orm",), "both": ("fast", "orm")}


def use_path(path: str) -> None:
    """The points moves and the ledger on their one-statement paths ("fast") or their ORM paths ("orm")."""
    from gongzhi.core import ledger
    from gongzhi.points import fastpath

    ledger.ONE_STATEMENT = fastpath.ONE_STATEMENT = path == "fast"


DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gz_bench_points"


def build_world(run_id: str, households: int):
    """A street with one community and micro-grid, a scheme, `households` funded accounts, a counter user."""
    from gongzhi.accounts.actions import membership_grant
    from gongzhi.accounts.models import User
    from gongzhi.areas.models import Area
    from gongzhi.core import ledger
    from gongzhi.people.models import Household
    from gongzhi.points.actions.accounts import account_open_for_household
    from gongzhi.points.actions.schemes import rule_upsert, scheme_create
    from gongzhi.points.models import PointsScheme

    # A street without a scheme yet; each client process looks in its own block of codes.
    block = int(run_id[-2:]) % 20 if len(run_id) == 8 else 19
    taken = set(PointsScheme.objects.filter(area_code__startswith="370299").values_list("area_code", flat=True))
    street_code = next(code for i in range(50) if (code := f"370299{block * 50 + i:03d}") not in taken)
    street, _ = Area.objects.get_or_create(
        code=street_code, defaults={"name": f"基准街道{street_code}", "level": "street"}
    )
    community, _ = Area.objects.get_or_create(
        code=f"{street_code}001", defaults={"name": "基准社区", "level": "community", "parent": street}
    )
    grid, _ = Area.objects.get_or_create(
        code=f"{street_code}001001", defaults={"name": "基准网格", "level": "grid", "parent": community}
    )
    micro, _ = Area.objects.get_or_create(
        code=f"{street_code}00100101", defaults={"name": "基准微网格", "level": "microgrid", "parent": grid}
    )
    staff = User.objects.create_user(username=f"bench-staff-{run_id}", password="x")
    membership_grant(actor=None, user=staff, role="street_staff", area=street)
    scheme = scheme_create(actor=staff, area=street, name=f"基准积分{run_id}", publicity_days=0)
    rule_upsert(actor=staff, scheme=scheme, code="bench", dimension="local", name="基准加分", points=10)
    accounts = []
    issuance = ledger.account_by_code(code=scheme.system_code("issuance"))
    for i in range(households):
        hh = Household.objects.create(number=f"B{run_id}-{i}", area=micro, area_code=micro.code, address=f"基准{i}号")
        account = account_open_for_household(household=hh)
        ledger.post(kind="bench.fund", lines=[(issuance, -(10**9)), (account.ledger_account, 10**9)])
        accounts.append(account)
    return {"staff": staff, "scheme": scheme, "accounts": accounts, "street": street}


def published_awards(world, per_account: int) -> list[list[int]]:
    """Awards ready to post (publicity over), inserted set-wise: proposing thousands one by one is not the point."""
    from gongzhi.core import clock
    from gongzhi.points.models import AwardState, PointsAward, PointsRule

    rule = PointsRule.objects.get(scheme=world["scheme"], code="bench")
    now = clock.now() - dt.timedelta(seconds=1)
    queues = []
    for account in world["accounts"][:9]:
        rows = PointsAward.objects.bulk_create(
            [
                PointsAward(
                    scheme=world["scheme"],
                    rule=rule,
                    account=account,
                    area_code=account.area_code,
                    points=1,
                    evidence="bench",
                    state=AwardState.PUBLISHED,
                    period=now.date().replace(day=1),
                    published_at=now,
                    publicity_ends_at=now,
                )
                for _ in range(per_account)
            ]
        )
        queues.append([r.pk for r in rows])
    return queues


def scenario_awards(world, queues) -> Callable[[int], list[Op]]:
    def make(threads: int) -> list[Op]:
        from gongzhi.points.actions.award_sweep import post_due_award

        ops = []
        for i in range(threads):
            ids = iter(queues[i])  # one account per client: awards of different households do not contend

            def op(ids=ids) -> int:
                # What the sweep does per due award (one statement on PostgreSQL, ORM path as fallback).
                post_due_award(award_id=next(ids))
                return 2

            ops.append(op)
        return ops

    return make


def scenario_redeem(world, *, accounts: int) -> Callable[[int], list[Op]]:
    def make(threads: int) -> list[Op]:
        from gongzhi.core import clock
        from gongzhi.points.actions.redemption import redemption_place
        from gongzhi.points.actions.store import event_create, event_offer, item_create

        staff, scheme = world["staff"], world["scheme"]
        event = event_create(
            actor=staff,
            scheme=scheme,
            area=world["street"],
            title="基准兑换日",
            place="德育超市",
            starts_at=clock.now() - dt.timedelta(hours=1),
            ends_at=clock.now() + dt.timedelta(days=1),
        )
        item = item_create(actor=staff, scheme=scheme, name="面粉", price=1, stock=10**6)
        event_offer(actor=staff, event=event, item=item, stock=10**6)
        ops = []
        for i in range(threads):
            account = world["accounts"][i % accounts]

            def op(account=account) -> int:
                redemption_place(actor=staff, account=account, event=event, item=item, quantity=1)
                return 2

            ops.append(op)
        return ops

    return make


def _child(kind: str, index: int, run_id: str, seconds: float, barrier, results) -> None:
    """One client process: its own connection, household and work, started together with the others."""
    from django.db import connections

    connections.close_all()  # never share the parent's socket
    world = build_world(f"{run_id}{index + (10 if kind == 'redeem' else 0):02d}", households=1)
    if kind == "award":
        ids = iter(published_awards(world, per_account=int(400 * seconds) + 50)[0])
        op = scenario_awards(world, [list(ids)])(1)[0]
    else:
        op = scenario_redeem(world, accounts=1)(1)[0]
    op()  # warm-up
    barrier.wait()
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        op()
        done += 1
    results.put(done)
    connections.close_all()


def processes_throughput(kind: str, *, processes: int, seconds: float, run_id: str) -> dict[str, float]:
    """Like throughput() but with one OS process per client: what several app or worker processes reach, without
    the one interpreter lock that all threads of one process share."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    children = [ctx.Process(target=_child, args=(kind, i, run_id, seconds, barrier, results)) for i in range(processes)]
    for c in children:
        c.start()
    total = sum(results.get(timeout=seconds * 20 + 120) for _ in children)
    for c in children:
        c.join()
    return {"tps": total / seconds, "postings_per_s": 2 * total / seconds, "failures": 0, "transactions": total}


def fill_postings(account, n: int) -> float:
    """n postings on a points account (and n on the issuance account), set-wise, interleaved as real posting would."""
    from gongzhi.core import ledger

    issuance = ledger.account_by_code(code=account.scheme.system_code("issuance"))
    started = time.perf_counter()
    bulk_postings(
        holder=account.ledger_account,
        source=issuance,
        n=n,
        kind="points.award",
        memo="参加人居环境整治 +1",
        analyze=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--skip-pgbench", action="store_true")
    parser.add_argument("--only", default="", help="run only the scenarios whose name contains this")
    parser.add_argument("--pgbench-db", default="gz_bench_pgbench", help="scratch database for pgbench (re-created)")
    parser.add_argument("--postings", type=int, default=100_000, help="passbook size (0: skip the passbook)")
    parser.add_argument("--processes", type=int, default=4, help="client processes for the *_procs rows (0: skip)")
    parser.add_argument("--paths", choices=sorted(PATHS), default="fast", help="which paths (default fast)")
    args = parser.parse_args()

    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("the points benchmark needs PostgreSQL")
    call_command("migrate", verbosity=0)
    for k, v in machine_facts().items():
        print(f"{k:>7}: {v}")
    print(f"   load: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        print(f"     pg: {cur.fetchone()[0]}")

    run_id = time.strftime("%Y%m%d%H%M%S")
    world = build_world(run_id, households=32)
    base = None
    if not args.skip_pgbench:
        base = pgbench_tps(args.database_url, seconds=args.pgbench_seconds, database=args.pgbench_db)
        print(f"RESULT pgbench_tpcb_c8_j2 tps={base:.0f}")

    def report(name: str, path: str, threads: int, r: dict) -> None:
        ratio = f" ratio_postings_to_pgbench_tps={r['postings_per_s'] / base:.1%}" if base else ""
        print(
            f"RESULT points_{name} path={path} threads={threads} txn_per_s={r['tps']:.0f} "
            f"postings_per_s={r['postings_per_s']:.0f} failures={r['failures']}{ratio} "
            f"load={os.getloadavg()[0]:.1f}",
            flush=True,
        )

    # Enough queued awards per account for a single client at 400/s (measured: well under that); one set per path.
    paths = PATHS[args.paths]
    queues = {path: published_awards(world, per_account=int(400 * args.seconds) + 50) for path in paths}
    for name, make, threads in [
        # The bare ledger (a 2-line core.ledger.post) in the same minute, to show what the points layer adds.
        ("ledger_post_1", lambda path: scenario_pairs(f"{run_id}:pairs1:{path}"), 1),
        ("award_post_1", lambda path: scenario_awards(world, queues[path][:1]), 1),
        ("award_post_8", lambda path: scenario_awards(world, queues[path][1:9]), 8),
        ("redeem_1", lambda path: scenario_redeem(world, accounts=1), 1),
        ("redeem_8_on_8", lambda path: scenario_redeem(world, accounts=8), 8),
        ("redeem_32_on_32", lambda path: scenario_redeem(world, accounts=32), 32),
        ("redeem_32_on_1", lambda path: scenario_redeem(world, accounts=1), 32),
    ]:
        if args.only not in name:
            continue
        for path in paths:
            use_path(path)
            report(name, path, threads, throughput(make(path), threads=threads, seconds=args.seconds))
    if args.processes:
        for kind in ("award", "redeem"):
            for i, path in enumerate(paths):
                use_path(path)  # before the fork: the children inherit it
                r = processes_throughput(
                    kind, processes=args.processes, seconds=args.seconds, run_id=f"{run_id[-5:]}{i}"
                )
                report(f"{kind}_procs{args.processes}_own_accounts", path, args.processes, r)
    use_path("fast")

    from gongzhi.points import statements

    if not args.postings:
        return
    account = world["accounts"][-1]
    built = fill_postings(account, args.postings)
    n = account.ledger_account.postings.count()
    print(f"RESULT passbook_build postings={n} seconds={built:.1f}")
    first = time_call(lambda: statements.passbook(account=account, limit=50), 200)
    ids = list(account.ledger_account.postings.order_by("-id").values_list("id", flat=True)[:: n // 10])
    deep = ids[-1]
    deep_page = time_call(lambda: statements.passbook(account=account, before_id=deep, limit=50), 200)
    pdf_lines = time_call(lambda: statements.passbook_for_print(account=account), 10)
    print(f"RESULT passbook_first_page postings={n} median_ms={first['median']:.2f} p95_ms={first['p95']:.2f}")
    print(f"RESULT passbook_deep_page postings={n} median_ms={deep_page['median']:.2f} p95_ms={deep_page['p95']:.2f}")
    print(f"RESULT passbook_pdf_rows rows=2000 median_ms={pdf_lines['median']:.1f}")


if __name__ == "__main__":
    main()
