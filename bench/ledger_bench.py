"""Ledger throughput on PostgreSQL, as a ratio to pgbench's TPC-B-like rate on the same server in the same run,
and a statement of an account with 100,000 postings (issue 4 item 10).

    .venv/bin/python bench/ledger_bench.py                 # all of it (≈ 2 min)
    .venv/bin/python bench/ledger_bench.py --seconds 5 --skip-pgbench
    .venv/bin/python bench/ledger_bench.py --paths both   # each scenario on the fast path, then the ORM path

`--paths` picks `core.ledger.post`'s path on PostgreSQL: `fast` (the one statement, what production runs), `orm`
(the reference path, `ledger.ONE_STATEMENT = False`), or `both`, interleaved scenario by scenario, each path on its
own fresh accounts.

Scenarios (each a simple 2-line `core.ledger.post`, one transaction per call):
- single: one client, transfers between two holders;
- pairs8: 8 threads, each on its own pair of holders (nothing shared);
- issue8: 8 threads awarding to 8 holders from one shared issuance account (the award pattern: one hot row);
- one8:   8 threads spending from one holder into one redemption account (everything on one row).

The harness is reusable: `throughput(make_ops, threads=…, seconds=…)` takes a factory returning one callable per
thread; each call does one business transaction and returns how many postings it wrote. The points benchmark
imports it with its own award and redemption calls, and `pgbench_tps()` for the baseline.
Prints RESULT lines; never part of the test run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from _common import machine_facts, setup_django, summary

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gz_bench_ledger"
PGBENCH_DB = "gz_bench_pgbench"

Op = Callable[[], int]
PATHS = {"fast": ("fast",), "orm": ("orm",), "both": ("fast", "orm")}


def use_path(path: str) -> None:
    """Switch `core.ledger.post` to its one-statement path ("fast") or its ORM path ("orm")."""
    from gongzhi.core import ledger

    ledger.ONE_STATEMENT = path == "fast"


# --- databases ----------------------------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{name}"))


def ensure_database(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def pgbench_binary() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    if not candidates:
        raise SystemExit("pgbench not found: apt-get install -y postgresql-contrib (or postgresql-client)")
    return str(candidates[-1])


def pgbench_tps(
    url: str, *, clients: int = 8, jobs: int = 2, seconds: int = 20, scale: int = 4, database: str = PGBENCH_DB
) -> float:
    """pgbench's built-in TPC-B-like transaction on a scratch database of the same server; transactions/s."""
    scratch = with_database(url, database)
    ensure_database(scratch)
    binary = pgbench_binary()
    subprocess.run([binary, "-i", "-q", "-s", str(scale), scratch], check=True, capture_output=True)
    out = subprocess.run(
        [binary, "-c", str(clients), "-j", str(jobs), "-T", str(seconds), scratch],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)", out)
    if not match:
        raise SystemExit(f"could not read pgbench's output:\n{out}")
    return float(match.group(1))


# --- the harness --------------------------------------------------------------------------------------------------


def throughput(make_ops: Callable[[int], list[Op]], *, threads: int, seconds: float) -> dict[str, float]:
    """Run `threads` clients for `seconds`; returns transactions/s, postings/s and failures.

    make_ops(threads) returns one callable per thread (prepared before the clock starts). Each client first makes one
    warm-up call (connection set-up), then all start together at a barrier.
    """
    from django.db import connections

    ops = make_ops(threads)
    counts = [[0, 0, 0] for _ in range(threads)]  # transactions, postings, failures
    barrier = threading.Barrier(threads + 1)
    stop = threading.Event()

    def client(i: int) -> None:
        try:
            ops[i]()
            barrier.wait()
            while not stop.is_set():
                try:
                    counts[i][1] += ops[i]()
                    counts[i][0] += 1
                except Exception:  # a refused post (e.g. funds used up) is counted, not fatal
                    counts[i][2] += 1
        finally:
            connections.close_all()

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    txns = sum(c[0] for c in counts)
    return {
        "tps": txns / elapsed,
        "postings_per_s": sum(c[1] for c in counts) / elapsed,
        "failures": sum(c[2] for c in counts),
        "transactions": txns,
    }


# --- ledger scenarios ---------------------------------------------------------------------------------------------


def _accounts(prefix: str, n: int, *, fund: int = 0):
    from gongzhi.core import ledger

    issuance = ledger.system_account(code=f"bench:{prefix}:issuance", name="发行", unit="point")
    holders = [ledger.account_open(code=f"bench:{prefix}:{i}", name=f"户{i}", unit="point") for i in range(n)]
    if fund:
        for h in holders:
            ledger.post(kind="bench.fund", lines=[(issuance, -fund), (h, fund)])
    return issuance, holders


def scenario_pairs(prefix: str) -> Callable[[int], list[Op]]:
    def make(threads: int) -> list[Op]:
        from gongzhi.core import ledger

        _issuance, holders = _accounts(prefix, 2 * threads, fund=10**9)
        ops = []
        for i in range(threads):
            a, b = holders[2 * i], holders[2 * i + 1]

            def op(a=a, b=b) -> int:
                ledger.post(kind="bench.transfer", lines=[(a, -1), (b, 1)])
                return 2

            ops.append(op)
        return ops

    return make


def scenario_issue(prefix: str) -> Callable[[int], list[Op]]:
    def make(threads: int) -> list[Op]:
        from gongzhi.core import ledger

        issuance, holders = _accounts(prefix, threads)

        def op_for(h):
            def op() -> int:
                ledger.post(kind="bench.award", lines=[(issuance, -1), (h, 1)])
                return 2

            return op

        return [op_for(h) for h in holders]

    return make


def scenario_one(prefix: str) -> Callable[[int], list[Op]]:
    def make(threads: int) -> list[Op]:
        from gongzhi.core import ledger

        _issuance, (holder,) = _accounts(prefix, 1, fund=10**9)
        redemption = ledger.system_account(code=f"bench:{prefix}:redemption", name="兑换", unit="point")

        def op() -> int:
            ledger.post(kind="bench.redeem", lines=[(holder, -1), (redemption, 1)])
            return 2

        return [op] * threads

    return make


# --- statement ----------------------------------------------------------------------------------------------------


def build_long_account(n: int):
    """One holder with n postings (and the issuance account with n more), inserted set-wise in SQL.

    The rows satisfy the PostgreSQL guards (balance chain, balanced transactions), which check them as they go in.
    """

    from gongzhi.core import ledger
    from gongzhi.core.models_ledger import Posting

    issuance = ledger.system_account(code="bench:statement:issuance", name="发行", unit="point")
    holder = ledger.account_open(code="bench:statement:holder", name="长账户", unit="point")
    have = Posting.objects.filter(account=holder).count()
    if have >= n:
        return holder, have, 0.0
    started = time.perf_counter()
    bulk_postings(holder=holder, source=issuance, n=n - have, kind="bench.fill", memo="")
    return holder, n, time.perf_counter() - started


def bulk_postings(*, holder, source, n: int, kind: str, memo: str, analyze: bool = False) -> None:
    """n two-line transactions moving 1 from `source` to `holder`, inserted set-wise in SQL.

    Interleaved as real posting would (holder, source, holder, …); each account's balance_after follows the one
    before, so the PostgreSQL guards accept the rows. (Holder rows all first would leave the newest ids to the
    source account, and the planner then walks the primary key backwards through them for the holder's first
    page: 17 ms, not 0.3.)
    """
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT balance FROM core_ledgeraccount WHERE id = %s FOR UPDATE", [holder.pk])
        (start_h,) = cur.fetchone()
        cur.execute("SELECT balance FROM core_ledgeraccount WHERE id = %s FOR UPDATE", [source.pk])
        (start_s,) = cur.fetchone()
        cur.execute(
            """
            CREATE TEMP TABLE bench_new_txn ON COMMIT DROP AS
            WITH ins AS (
                INSERT INTO core_ledgertransaction (kind, memo, occurred_at)
                SELECT %s, %s, now() FROM generate_series(1, %s)
                RETURNING id
            ) SELECT id, row_number() OVER (ORDER BY id) AS n FROM ins
            """,
            [kind, memo, n],
        )
        cur.execute(
            """
            INSERT INTO core_posting (transaction_id, account_id, amount, balance_after)
            SELECT t.id, x.account, x.amount, x.after
            FROM bench_new_txn t
            CROSS JOIN LATERAL (VALUES (%s, 1, %s + t.n), (%s, -1, %s - t.n)) AS x(account, amount, after)
            ORDER BY t.id, x.amount DESC
            """,
            [holder.pk, start_h, source.pk, start_s],
        )
        cur.execute("UPDATE core_ledgeraccount SET balance = %s WHERE id = %s", [start_h + n, holder.pk])
        cur.execute("UPDATE core_ledgeraccount SET balance = %s WHERE id = %s", [start_s - n, source.pk])
        if analyze:
            cur.execute("ANALYZE core_posting")


def time_call(fn, n: int) -> dict[str, float]:
    for _ in range(5):
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return summary(samples)


# --- main ---------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seconds", type=float, default=15, help="length of each ledger scenario")
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    parser.add_argument("--skip-pgbench", action="store_true")
    parser.add_argument("--postings", type=int, default=100_000, help="postings in the statement account")
    parser.add_argument("--stale-stats", action="store_true", help="skip ANALYZE before the statement timings")
    parser.add_argument("--only", choices=["throughput", "statement"], default=None)
    parser.add_argument("--paths", choices=sorted(PATHS), default="fast", help="ledger.post's path (default fast)")
    args = parser.parse_args()

    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("the ledger benchmark needs PostgreSQL")
    call_command("migrate", verbosity=0)
    for k, v in machine_facts().items():
        print(f"{k:>7}: {v}")
    print(f"   load: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        print(f"     pg: {cur.fetchone()[0]}")
    connection.close()

    run_id = time.strftime("%Y%m%d%H%M%S")
    if args.only in (None, "throughput"):
        base = None
        if not args.skip_pgbench:
            base = pgbench_tps(args.database_url, seconds=args.pgbench_seconds)
            print(f"RESULT pgbench_tpcb_c8_j2 tps={base:.0f}")
        scenarios = [
            ("single", scenario_pairs, 1),
            ("pairs8", scenario_pairs, 8),
            ("issue8", scenario_issue, 8),
            ("one8", scenario_one, 8),
        ]
        for name, scenario, threads in scenarios:
            for path in PATHS[args.paths]:
                use_path(path)
                r = throughput(scenario(f"{run_id}:{name}:{path}"), threads=threads, seconds=args.seconds)
                ratio = f" ratio_postings_to_pgbench_tps={r['postings_per_s'] / base:.1%}" if base else ""
                print(
                    f"RESULT ledger_{name} path={path} threads={threads} txn_per_s={r['tps']:.0f} "
                    f"postings_per_s={r['postings_per_s']:.0f} failures={r['failures']}{ratio} "
                    f"load={os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        use_path("fast")
    if args.only in (None, "statement"):
        from gongzhi.core import ledger
        from gongzhi.core.models_ledger import Posting

        holder, n, built = build_long_account(args.postings)
        if args.stale_stats:
            print("(statistics as autovacuum left them)")
        else:
            # As autovacuum would eventually: with stale statistics after other accounts' postings were appended,
            # PostgreSQL may walk the primary key backwards for the first page instead (≈ 17–28 ms, measured).
            with connection.cursor() as cur:
                cur.execute("ANALYZE core_posting")
        print(f"RESULT statement_build postings={n} seconds={built:.1f}")
        ids = list(Posting.objects.filter(account=holder).order_by("-id").values_list("id", flat=True)[: n : n // 10])
        deep = ids[-1]
        first = time_call(lambda: ledger.statement(account=holder, limit=50), 200)
        deep_page = time_call(lambda: ledger.statement(account=holder, before_id=deep, limit=50), 200)
        check = time_call(lambda: ledger.verify_account(account=holder), 20)
        print(f"RESULT statement_first_page postings={n} median_ms={first['median']:.2f} p95_ms={first['p95']:.2f}")
        print(
            f"RESULT statement_deep_page postings={n} depth={n - n // 10} median_ms={deep_page['median']:.2f} "
            f"p95_ms={deep_page['p95']:.2f}"
        )
        print(f"RESULT verify_account postings={n} median_ms={check['median']:.2f}")


if __name__ == "__main__":
    main()
