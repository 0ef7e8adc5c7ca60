"""The busy hour of a city of 10 million against a PostgreSQL-backed gunicorn with several workers (issue 15 item 8).

    .venv/bin/python bench/city_load.py [--duration 20] [--rounds 2] [--workers 4] [--connections 16]
                                        [--database-url postgres://postgres@127.0.0.1:5432/gongzhi_pipl_load]

The required load (derivation, docs/deployment.md "Sizing"): 100,000 appeals a day; the busiest hour carries 1/8 of
a day's traffic (a working day's 8 busy hours, the morning peak ≈ 12.5 %), so per second at the busy hour:

    intake        100,000 / day              → 12,500 / h →   3.5 /s
    moves         5 per appeal (accept, arrive, handle, close, rate) → 62,500 / h →  17.4 /s
    list reads    20,000 staff × 150 list views / day = 3,000,000 → 375,000 / h → 104 /s
    task lists    the worker's own list, 2 per appeal → 25,000 / h →   6.9 /s
    -------------------------------------------------------------- appeals part   ≈ 132 /s
    (points reads 17 /s and sign-ups 3.5 /s complete the city's 152 /s; they are not in this run, see below)

The mix is sent in those proportions (per 132 requests: 4 intakes, 17 accepts of distinct dispatched appeals, 104
staff list pages of 50, 7 worker task lists) by wrk with 2 threads, and the sustained throughput is compared with
the appeals part's 132 /s: headroom = measured / required. p50 and p99 are over the whole mix. Prints RESULT lines.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_facts, setup_django
from appeals_http_bench import seed, start_server
from ledger_bench import ensure_database
from request_path_bench import ensure_wrk, fill_dispatched, load_average

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gongzhi_pipl_load"
REQUIRED = {"intake": 3.5, "move": 17.4, "list": 104.0, "tasks": 6.9}
PER_CYCLE = {"intake": 4, "move": 17, "list": 104, "tasks": 7}

LUA = r"""
local reqs = {}
local i = 0
thread_no = 0
local threads = {}
function setup(thread) thread:set("thread_no", #threads); table.insert(threads, thread) end
function init(args)
  local f = io.open(args[1] .. "." .. thread_no, "r")
  for line in f:lines() do
    local method, path, token, body = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)")
    local headers = {["Authorization"] = "Bearer " .. token}
    if body == "-" then body = nil else headers["Content-Type"] = "application/json" end
    table.insert(reqs, wrk.format(method, path, headers, body))
  end
  f:close()
end
function request() i = i + 1; return reqs[((i - 1) % #reqs) + 1] end
function done(summary, latency, requests)
  io.write(string.format("wrk-result %d %f %f %f %d %d\n", summary.requests, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6), summary.errors.status,
    summary.errors.timeout))
end
"""


def write_requests(prefix: str, t: dict[str, str], ids: list[int], body: dict) -> int:
    """Two files (one per wrk thread) of the mix in its proportions; the accepts take disjoint halves of `ids`."""
    halves = [ids[0::2], ids[1::2]]
    cycles = len(halves[1]) // PER_CYCLE["move"]
    for n, pool in enumerate(halves):
        lines, k = [], 0
        for _ in range(cycles):
            cycle = (
                [("POST", "/api/v1/appeals", t["bench-resident"], json.dumps(body, ensure_ascii=False))]
                * PER_CYCLE["intake"]
                + [("GET", "/api/v1/appeals?limit=50", t["bench-street"], "-")] * PER_CYCLE["list"]
                + [("GET", "/api/v1/appeals/tasks", t["bench-worker"], "-")] * PER_CYCLE["tasks"]
            )
            for _ in range(PER_CYCLE["move"]):
                cycle.append(
                    ("POST", f"/api/v1/appeals/{pool[k]}/transitions", t["bench-worker"], '{"action": "accept"}')
                )
                k += 1
            # Interleave so that every second of the run has the mix, not blocks of one kind.
            step = len(cycle) / PER_CYCLE["move"]
            moves, rest = cycle[-PER_CYCLE["move"] :], cycle[: -PER_CYCLE["move"]]
            for j, m in enumerate(moves):
                rest.insert(int(j * step), m)
            lines += rest
        Path(f"{prefix}.{n}").write_text("\n".join("\t".join(x) for x in lines) + "\n", encoding="utf-8")
    return cycles * sum(PER_CYCLE.values()) * 2


def run_wrk(base: str, script: str, prefix: str, *, duration: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", script, base, "--", prefix],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(ln for ln in out.splitlines() if ln.startswith("wrk-result "))
    requests, p50, p99, rps, bad, timeouts = line.split()[1:]
    return {"requests": int(requests), "p50": float(p50), "p99": float(p99), "rps": float(rps), "non2xx": int(bad),
            "timeouts": int(timeouts)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--pool", type=int, default=12_000, help="dispatched appeals per round for the accepts")
    args = parser.parse_args()
    ensure_wrk()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    print("== machine (shared with 7 other helpers while this ran)")
    for k, v in machine_facts().items():
        print(f"{k:>7}: {v}")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    t = seed()
    from gongzhi.accounts.models import User

    worker_id = User.objects.get(username="bench-worker").pk
    body = {"description": "楼下垃圾堆了三天没人清理", "channel": "resident_web", "category": "env-litter",
            "lat": float(t["lat"]), "lng": float(t["lng"]), "contact_phone": "13812345678"}  # fmt: skip
    required = sum(REQUIRED.values())
    proc, base = start_server(args.database_url, args.workers)
    work = tempfile.mkdtemp(prefix="city-load-")
    script = os.path.join(work, "mix.lua")
    Path(script).write_text(LUA)
    try:
        tag = os.urandom(3).hex()
        for rnd in range(args.rounds):
            ids = fill_dispatched(worker_id=worker_id, count=args.pool, tag=f"c{tag}{rnd}")
            prefix = os.path.join(work, f"reqs{rnd}")
            write_requests(prefix, t, ids, body)
            load = load_average()
            r = run_wrk(base, script, prefix, duration=args.duration, connections=args.connections)
            moves = r["requests"] * PER_CYCLE["move"] / sum(PER_CYCLE.values())
            print(
                f"RESULT round {rnd + 1}: {r['rps']:.0f} req/s sustained over {args.duration} s "
                f"({args.workers} gunicorn workers, {args.connections} connections), p50 {r['p50']:.1f} ms, "
                f"p99 {r['p99']:.1f} ms, non-2xx {r['non2xx']}, timeouts {r['timeouts']}; required {required:.0f} "
                f"req/s → headroom {r['rps'] / required:.2f}×; load before {load}",
                flush=True,
            )
            if moves > args.pool:
                print("  !! the accepts wrapped round the pool (repeats answer 409): raise --pool")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    print(f"   load after: {load_average()}")


if __name__ == "__main__":
    main()
