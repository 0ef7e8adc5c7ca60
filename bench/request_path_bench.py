"""The request path (issue 10 item 9): the cheapest authenticated call, intake and a status change over HTTP, each
against GET /healthz of the same server in the same run.

    .venv/bin/python bench/request_path_bench.py [--duration 8] [--rounds 3] [--connections 16] [--database-url URL]

As served in production: gunicorn (2 sync workers, DEBUG off, CONN_MAX_AGE 60, the database cache and the database
task queue of gongzhi.settings) on PostgreSQL, load from wrk (Debian's package, installed here when missing) in a
second process with 16 connections. The cases run in interleaved rounds (healthz, ping, intake, status change,
healthz, …) so that noise from the shared machine hits all of them alike; the load average (`uptime`) is printed
before every wrk run. Cases:

- `GET /healthz` — plain Django view (`SELECT 1`), no auth: the floor of the stack;
- `GET /api/v1/ping` — bearer token, ninja, `{"ok": true}`;                      target ≥ 60 % of healthz;
- `POST /api/v1/appeals` — a resident at a map point with a subcategory: registered and dispatched to the on-duty
  worker in the same request, answer 201 with the detail;                          target ≥ 50 % of ping;
- `POST /api/v1/appeals/{id}/transitions {"action": "accept"}` — the on-duty worker accepts (签收) a dispatched
  appeal, a different one per request (a pool of dispatched appeals is filled before each round);
                                                                                   target ≥ 50 % of ping.

It also counts the SQL statements of one create through Django's test client in this process, with the same
cache and task backends (target ≤ 10, BEGIN and COMMIT included). The database (default gz_bench_reqpath) is
seeded on first use and reused. Prints lines starting with RESULT.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_facts, setup_django
from appeals_http_bench import MICRO, seed, start_server
from ledger_bench import ensure_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gz_bench_reqpath"
PATTERN = "wrk-result "


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("== installing wrk from Debian (apt-get update; apt-get install -y wrk)", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    )
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed and apt-get could not install it")
    return found


def load_average() -> str:
    out = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    return out.split("load average:")[-1].strip() if "load average:" in out else out.strip()


# One Lua script for every case: the method, the body and the path (a list of paths taken in turn by each thread,
# the threads on disjoint slices) come from the command line; done() prints what the Python side parses.
LUA = r"""
local paths, method, body = {}, "GET", nil
local counter = 0
local threads = {}
thread_no = 0  -- a global: setup() sets it per thread (a local here would hide it)

function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end

function init(args)
  method = args[1]
  if args[2] ~= "-" then body = args[2] end
  for i = 3, #args do table.insert(paths, args[i]) end
  if method == "POST" then wrk.headers["Content-Type"] = "application/json" end
end

function request()
  local path = paths[1]
  if #paths > 1 then
    local n = counter * 2 + thread_no + 1
    path = paths[((n - 1) % #paths) + 1]
    counter = counter + 1
  end
  return wrk.format(method, path, nil, body)
end

function done(summary, latency, requests)
  local bad = summary.errors.status
  io.write(string.format("wrk-result %d %d %f %f %f %d\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6), bad))
end
"""


def wrk(
    base: str,
    paths: list[str],
    *,
    duration: int,
    connections: int,
    token: str,
    method: str = "GET",
    body: dict | None = None,
    script: str,
) -> dict:
    """Requests/s and latency (ms) from wrk, 2 threads; non-2xx/3xx answers are counted as errors."""
    args = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "-s",
        script,
        *(["-H", f"Authorization: Bearer {token}"] if token else []),
        base + paths[0],
        "--",
        method,
        json.dumps(body, ensure_ascii=False) if body is not None else "-",
        *paths,
    ]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith(PATTERN))
    requests, _duration, p50, p99, rps, bad = line[len(PATTERN) :].split()
    return {"rps": float(rps), "requests": int(requests), "p50": float(p50), "p99": float(p99), "non2xx": int(bad)}


def fill_dispatched(*, worker_id: int, count: int, tag: str) -> list[int]:
    """`count` appeals dispatched to the bench worker in its micro-grid, as intake would leave them; their ids."""
    from django.db import connection
    from setwise import insert_series

    from gongzhi.appeals.models import Appeal, Category, Channel, Level, State, Tier
    from gongzhi.areas.models import Area

    micro = Area.objects.get(code=MICRO)
    litter = Category.objects.get(code="env-litter")
    first = Appeal.objects.order_by("-id").values_list("id", flat=True).first() or 0
    insert_series(
        Appeal,
        start=0,
        stop=count,
        exprs={
            "number": f"'BS-{tag}-' || lpad(i::text, 7, '0')",
            "description": "'基准诉求：签收'",
            "channel": f"'{Channel.RESIDENT_WEB.value}'",
            "category_id": str(litter.pk),
            "area_id": str(micro.pk),
            "area_code": f"'{MICRO}'",
            "state": f"'{State.DISPATCHED.value}'",
            "tier": f"'{Tier.MINOR.value}'",
            "handling_level": f"'{Level.MICROGRID.value}'",
            "assignee_id": str(worker_id),
            "dispatched_at": "now()",
            "arrive_by": "now() + interval '7 minutes'",
            "version": "2",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Appeal._meta.db_table}")
    return list(
        Appeal.objects.filter(pk__gt=first, number__startswith=f"BS-{tag}-").order_by("id").values_list("id", flat=True)
    )


def statements_per_create(token: str, body: dict) -> tuple[int, list[str]]:
    """One create through Django's test client in this process (same settings as the server): its statements,
    BEGIN and COMMIT included (Django records them with the statements)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.post("/api/v1/appeals", json.dumps(body), content_type="application/json")  # warm
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/appeals", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    sql = [q["sql"] for q in ctx.captured_queries]
    return len(sql), sql


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (gthread when > 1; 1 is gunicorn's sync worker)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="the cases are run this many times, interleaved")
    parser.add_argument("--pool", type=int, default=16_000, help="dispatched appeals filled per status-change round")
    args = parser.parse_args()
    ensure_wrk()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.conf import settings
    from django.core.management import call_command

    print("== machine")
    for k, v in machine_facts().items():
        print(f"{k:>7}: {v}")
    print(f"   load: {load_average()}")
    print(f"workers: {args.workers} x {args.threads} thread(s)")
    print(f"  cache: {settings.CACHES['default']['BACKEND']}; tasks: {settings.TASKS['default']['BACKEND']}")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    t = seed()
    from gongzhi.accounts.models import User

    worker_id = User.objects.get(username="bench-worker").pk
    body = {
        "description": "楼下垃圾堆了三天没人清理",
        "channel": "resident_web",
        "category": "env-litter",
        "lat": float(t["lat"]),
        "lng": float(t["lng"]),
        "contact_phone": "13812345678",
    }
    statements, sql = statements_per_create(t["bench-resident"], body)
    print(f"RESULT statements per create: {statements} (target <= 10; BEGIN and COMMIT included)")
    for s in sql:
        print(f"    {s[:140]}")

    proc, base = start_server(args.database_url, args.workers, args.threads)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    results: dict[str, list[dict]] = {"healthz": [], "ping": [], "intake": [], "status": []}
    try:
        import urllib.request

        for path, token, data in (  # warm both workers and check the answers
            ("/api/v1/ping", t["bench-resident"], None),
            ("/api/v1/appeals", t["bench-resident"], body),
        ):
            req = urllib.request.Request(
                base + path,
                data=json.dumps(data).encode() if data else None,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(req, timeout=30) as r:
                assert r.status in (200, 201), (path, r.status)
        tag = os.urandom(3).hex()
        for rnd in range(args.rounds):
            ids = fill_dispatched(worker_id=worker_id, count=args.pool, tag=f"{tag}{rnd}")
            cases = {
                "healthz": {"paths": ["/healthz"], "token": ""},
                "ping": {"paths": ["/api/v1/ping"], "token": t["bench-resident"]},
                "intake": {"paths": ["/api/v1/appeals"], "token": t["bench-resident"], "method": "POST", "body": body},
                "status": {
                    "paths": [f"/api/v1/appeals/{i}/transitions" for i in ids],
                    "token": t["bench-worker"],
                    "method": "POST",
                    "body": {"action": "accept"},
                },
            }
            for name, case in cases.items():
                load = load_average()
                r = wrk(base, duration=args.duration, connections=args.connections, script=script.name, **case)
                r["load"] = load
                results[name].append(r)
                print(
                    f"  round {rnd + 1} {name}: {r['rps']:.0f} req/s, p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, "
                    f"non-2xx {r['non2xx']} (load before: {load})",
                    flush=True,
                )
                if name == "status" and r["requests"] > len(ids):
                    print(f"  !! the pool of {len(ids)} appeals ran out: raise --pool")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        os.unlink(script.name)

    for rnd in range(args.rounds):
        h, p, i, s = (results[n][rnd]["rps"] for n in ("healthz", "ping", "intake", "status"))
        print(
            f"RESULT round {rnd + 1}: healthz {h:.0f}, ping {p:.0f}, intake {i:.0f}, status {s:.0f} req/s; "
            f"ping/healthz {p / h:.0%} (>= 60%), intake/ping {i / p:.0%} (>= 50%), status/ping {s / p:.0%} (>= 50%); "
            f"load {results['healthz'][rnd]['load']}"
        )
    errors = {n: sum(r["non2xx"] for r in rs) for n, rs in results.items()}
    print(f"RESULT non-2xx answers: {json.dumps(errors)}")
    print(f"   load after: {load_average()}")


if __name__ == "__main__":
    main()
