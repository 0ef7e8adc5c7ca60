"""Appeals through HTTP, as served in production: gunicorn (sync workers = cores, DEBUG off) on PostgreSQL, load
from wrk in a second process, every figure against trivial endpoints measured in the same run.

    .venv/bin/python bench/appeals_http_bench.py [--duration 10] [--connections 4] [--database-url URL]

Targets (issue 3 item 14):
(a) POST /api/v1/appeals (bearer token, a resident at a map point, category → registered and dispatched at once)
    ≥ 35 % of the requests/s of GET /api/v1/ping (ninja, same token auth and middleware, returns {"ok": true});
    the ratio against GET /healthz (plain Django view, no auth) is printed too;
(b) GET /api/v1/appeals?limit=100 as a street officer ≥ 200 requests/s;
also GET /api/v1/appeals/tasks of a grid worker (for scale; the p99 target at 1,000,000 appeals is in
appeals_sweep_bench.py). The database (default gz_perf_bench_http) is seeded on first use and reused; every intake
run adds appeals to it. Prints lines starting with RESULT.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine_facts, setup_django
from ledger_bench import ensure_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gz_perf_bench_http"
STREET, MICRO = "370211001", "37021100100100101"
LIST_APPEALS = 5_000


def seed() -> dict[str, str]:
    """Areas, one category, an on-duty worker, a street officer, a resident, and appeals in the street."""
    import datetime as dt

    from gongzhi.accounts.actions import api_token_issue
    from gongzhi.appeals.models import Appeal, Category
    from gongzhi.areas.models import Area
    from gongzhi.core import clock
    from gongzhi.people.models import GridAssignment
    from tests import factories

    if not Area.objects.filter(code=MICRO).exists():
        factories.build_area_tree()
    micro = Area.objects.get(code=MICRO)
    if not Category.objects.filter(code="env-litter").exists():
        env = Category.objects.create(code="env", name="环境卫生")
        Category.objects.create(
            code="env-litter",
            name="垃圾堆放",
            parent=env,
            default_tier="minor",
            default_level="microgrid",
            on_site=True,
        )
    users = {}
    for name, role, code in (
        ("bench-resident", None, None),
        ("bench-worker", "microgrid_worker", MICRO),
        ("bench-street", "street_staff", STREET),
    ):
        from gongzhi.accounts.models import User

        user = User.objects.filter(username=name).first()
        if user is None:
            user = factories.UserFactory(username=name, role=role, at=Area.objects.get(code=code) if code else None)
        users[name] = user
    if not GridAssignment.objects.filter(user=users["bench-worker"]).exists():
        GridAssignment.objects.create(
            user=users["bench-worker"], area=micro, area_code=MICRO, kind="microgrid", on_duty=True
        )
    litter = Category.objects.get(code="env-litter")
    have = Appeal.objects.filter(number__startswith="BH-").count()
    if have < LIST_APPEALS:
        now = clock.now()
        micros = list(Area.objects.filter(level="microgrid", code__startswith=STREET))
        Appeal.objects.bulk_create(
            [
                Appeal(
                    number=f"BH-{i:08d}",
                    description="基准诉求：楼下垃圾堆积",
                    address="基准路1号",
                    channel="resident_web",
                    category=litter,
                    area=(m := micros[i % len(micros)]),
                    area_code=m.code,
                    state=("dispatched", "accepted", "closed", "rated")[i % 4],
                    assignee=users["bench-worker"],
                    reporter=users["bench-resident"],
                    tier="minor",
                    handling_level="microgrid",
                    dispatched_at=now - dt.timedelta(hours=2),
                    arrive_by=now - dt.timedelta(hours=2) + dt.timedelta(minutes=7),
                    accepted_at=now - dt.timedelta(hours=1),
                    due_at=now + dt.timedelta(minutes=i),
                    policy_snapshot={"arrival_minutes": 7, "days": {"minor": 1}, "day_unit": "natural"},
                )
                for i in range(have, LIST_APPEALS)
            ],
            batch_size=2_000,
        )
    # bulk_create leaves the planner without statistics (production has autovacuum): without them it sorts the
    # whole street instead of walking the primary key backwards for "newest 100".
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    tokens = {}
    for name, user in users.items():
        _token, raw = api_token_issue(user=user)
        tokens[name] = raw
    tokens["lat"], tokens["lng"] = str(micro.point_lat), str(micro.point_lng)
    return tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database_url: str, workers: int, threads: int = 1) -> tuple[subprocess.Popen, str]:
    port = free_port()
    # No task worker runs beside the bench: WORKER_HEARTBEAT_MAX_AGE=0 keeps /healthz at 200 (same two statements).
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="gongzhi.settings",
        WORKER_HEARTBEAT_MAX_AGE="0",
    )
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "gongzhi.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            *(["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)
            return proc, base
        except OSError:
            time.sleep(0.25)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def wrk(url: str, *, duration: int, connections: int, headers: dict[str, str], body: dict | None = None) -> dict:
    """Requests/s and latency percentiles from wrk (two threads); non-2xx answers are counted as errors."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    script = None
    if body is not None:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(
                'wrk.method = "POST"\n'
                f"wrk.body = {json.dumps(json.dumps(body, ensure_ascii=False))}\n"
                'wrk.headers["Content-Type"] = "application/json"\n'
            )
        args += ["-s", script.name]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    if script is not None:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)

    def pct(p: str) -> str:
        m = re.search(rf"\s{p}%\s+(\S+)", out)
        return m.group(1) if m else "?"

    return {
        "rps": rps,
        "p50": pct("50"),
        "p99": pct("99"),
        "non2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--duration", type=int, default=10, help="seconds per case")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rounds", type=int, default=2, help="the cases are run this many times, interleaved")
    args = parser.parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    print("== machine")
    for k, v in machine_facts().items():
        print(f"{k:>7}: {v}")
    print(f"   load: {os.getloadavg()}")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    t = seed()
    body = {
        "description": "楼下垃圾堆了三天没人清理",
        "channel": "resident_web",
        "category": "env-litter",
        "lat": float(t["lat"]),
        "lng": float(t["lng"]),
        "contact_phone": "13812345678",
    }
    proc, base = start_server(args.database_url, args.workers)
    try:
        cases = {
            "healthz": (f"{base}/healthz", {}, None),
            "ping": (f"{base}/api/v1/ping", {"Authorization": f"Bearer {t['bench-resident']}"}, None),
            "intake": (f"{base}/api/v1/appeals", {"Authorization": f"Bearer {t['bench-resident']}"}, body),
            "staff_list_100": (
                f"{base}/api/v1/appeals?area={STREET}&limit=100",
                {"Authorization": f"Bearer {t['bench-street']}"},
                None,
            ),
            "worker_tasks_100": (
                f"{base}/api/v1/appeals/tasks?limit=100",
                {"Authorization": f"Bearer {t['bench-worker']}"},
                None,
            ),
        }
        for name, (url, headers, data) in cases.items():  # warm both workers and check the answers
            req = urllib.request.Request(
                url,
                data=json.dumps(data).encode() if data else None,
                headers={**headers, "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(req, timeout=30) as r:
                assert r.status in (200, 201), (name, r.status)
                if name == "staff_list_100":
                    assert len(json.loads(r.read())["items"]) == 100
        results: dict[str, list[dict]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, (url, headers, data) in cases.items():
                r = wrk(url, duration=args.duration, connections=args.connections, headers=headers, body=data)
                results[name].append(r)
                print(
                    f"  {name}: {r['rps']:.0f} req/s, p50 {r['p50']}, p99 {r['p99']}, non-2xx {r['non2xx']}"
                    f"{', socket errors ' + r['socket_errors'] if r['socket_errors'] else ''}",
                    flush=True,
                )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)

    best = {name: max(r["rps"] for r in rs) for name, rs in results.items()}
    for name, rs in results.items():
        runs = " / ".join(f"{r['rps']:.0f}" for r in rs)
        print(f"RESULT http {name}: {runs} req/s (p99 of the best run {max(rs, key=lambda r: r['rps'])['p99']})")
    for rnd in range(args.rounds):
        intake, ping, health = (results[n][rnd]["rps"] for n in ("intake", "ping", "healthz"))
        print(
            f"RESULT http round {rnd + 1}: intake / ping = {intake / ping:.0%} (target >= 35%), "
            f"intake / healthz = {intake / health:.0%}; staff list of 100 = {results['staff_list_100'][rnd]['rps']:.0f} "
            f"req/s (target >= 200)"
        )
    print(f"RESULT http best runs: {json.dumps(best)}")


if __name__ == "__main__":
    main()
