#!/usr/bin/env bash
# The benchmarks of issue 2, one after another (the machine is shared; never run them in parallel).
# Usage: bash bench/run.sh            — all of them
#        bash bench/run.sh seed|import|resolve|subtree|page|ledger|volunteering|measures|appeals-http|appeals-sweep|points|request-path|fastpaths|inspections|deliberation|matching — one of them
#        (ledger needs PostgreSQL: LEDGER_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/gz_bench_ledger)
# Figures and the machine they ran on go to docs/benchmarks.md by hand; this prints lines starting with RESULT.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
mkdir -p var/bench
which="${1:-all}"

facts() {
  "$PY" - <<'PY'
import sys
sys.path.insert(0, "bench")
from _common import machine_facts, setup_django
setup_django("sqlite:///:memory:")
for k, v in machine_facts().items():
    print(f"{k:>7}: {v}")
PY
}

echo "== machine"; facts
if [[ $which == all || $which == seed ]]; then
  echo "== (a) seed M on a fresh SQLite file (target < 60 s)"
  "$PY" bench/seed_bench.py --size M
fi
if [[ $which == all || $which == import ]]; then
  echo "== (b) import of a 100,000-row workbook (target < 90 s, peak memory < 300 MB)"
  if [ -f bench/import_bench.py ]; then
    "$PY" bench/import_bench.py
  else
    echo "bench/import_bench.py is missing: the roster import benchmark has not been written yet"
  fi
fi
if [[ $which == all || $which == resolve ]]; then
  echo "== (c) point resolutions per second over the L district (target >= 50,000/s)"
  "$PY" bench/resolve_bench.py --points 200000
fi
if [[ $which == all || $which == subtree ]]; then
  echo "== subtree queries over 105,000 areas"
  "$PY" bench/subtree_bench.py -n 200
fi
if [[ $which == all || $which == page ]]; then
  echo "== (d) residents-of-a-grid page at size L (target < 100 ms); seeds var/bench/L.sqlite3 on first use"
  "$PY" bench/page_bench.py -n 200
fi
if [[ $which == all || $which == ledger ]]; then
  echo "== issue 4: ledger postings/s on PostgreSQL as a ratio to pgbench TPC-B (target >= 20%); statement of 100,000 postings (target < 100 ms)"
  "$PY" bench/ledger_bench.py --database-url "${LEDGER_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gz_bench_ledger}"
fi
if [[ $which == all || $which == volunteering ]]; then
  echo "== issue 5: sign-ups/s under contention and check-ins/s at a 500-person event (PostgreSQL)"
  "$PY" bench/volunteering_bench.py --database-url "${VOLUNTEERING_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gz_bench_volunteering}"
fi
if [[ $which == all || $which == matching ]]; then
  echo "== issue 11: suggestions over 100,000 offers (target < 50 ms), grabs/s vs pgbench, the wish wall (target < 100 ms)"
  "$PY" bench/matching_bench.py --database-url "${MATCHING_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gz_bench_matching}"
fi
if [[ $which == all || $which == measures ]]; then
  echo "== issue 3: measures of a street over 1,000,000 appeals on PostgreSQL (target < 300 ms), against GET /healthz"
  "$PY" bench/measures_bench.py --database-url "${MEASURES_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gz_bench_measures}"
fi
if [[ $which == all || $which == appeals-http ]]; then
  echo "== issue 3: appeals over HTTP (gunicorn, wrk): intake >= 35% of GET /api/v1/ping; staff list of 100 >= 200 req/s"
  "$PY" bench/appeals_http_bench.py --database-url "${APPEALS_HTTP_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gz_perf_bench_http}"
fi
if [[ $which == all || $which == appeals-sweep ]]; then
  echo "== issue 3: sweep over 1,000,000 open appeals (idle < 50 ms; 10,000 due < 5 s); worker task list p99 < 50 ms"
  "$PY" bench/appeals_sweep_bench.py --database-url "${APPEALS_SWEEP_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gz_perf_bench_appeals}"
fi
if [[ $which == all || $which == points ]]; then
  echo "== issue 4: points award_post and redemption postings/s vs pgbench TPC-B (target >= 20%); 32 clients on 32 accounts / one account; passbook of 100,000 postings (target < 100 ms)"
  "$PY" bench/points_bench.py --database-url "${POINTS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gz_bench_points}"
fi
if [[ $which == all || $which == request-path ]]; then
  echo "== issue 10 item 9: request path over HTTP (gunicorn 2 workers, wrk 16 connections): ping >= 60% of healthz; intake and a status change >= 50% of ping; <= 10 statements per create"
  "$PY" bench/request_path_bench.py --database-url "${REQUEST_PATH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gz_bench_reqpath}"
fi
if [[ $which == all || $which == fastpaths ]]; then
  echo "== issue 10 item 4: each PostgreSQL fast path of appeals and notifications against the ORM path it stands in for (in process)"
  "$PY" bench/fastpaths_bench.py --database-url "${APPEALS_HTTP_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gz_perf_bench_http}"
  "$PY" bench/appeals_sweep_notify_bench.py --database-url "${SWEEP_NOTIFY_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gz_bench_sweep_notify}"
  "$PY" bench/appeals_sweep_notify_bench.py --outbox-orm --database-url "${SWEEP_NOTIFY_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gz_bench_sweep_notify}"
fi
if [[ $which == all || $which == inspections ]]; then
  echo "== inspections: a 30-item inspection submitted through the API (target < 100 ms server time)"
  "$PY" bench/inspections_bench.py
  "$PY" bench/inspections_bench.py --database-url "${INSPECTIONS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gz_bench_inspections}"
fi
if [[ $which == all || $which == deliberation ]]; then
  echo "== issue 12: 10,000 ballots over HTTP, the tally, appeal clusters over 1,000,000 appeals (PostgreSQL)"
  "$PY" bench/deliberation_bench.py --database-url "${DELIBERATION_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gongzhi_delib_bench}"
fi
echo "== demo logins"
"$PY" manage.py seed_demo --print-logins
