"""Deliberation on PostgreSQL (issue 12 item 11): ballots over HTTP, the tally, the appeal-cluster suggestion.

    .venv/bin/python bench/deliberation_bench.py [--voters 10000] [--threads 16] [--appeals 1000000]

- ballots: `--voters` invited residents each cast one ballot with `POST /api/v1/deliberation/votes/{id}/ballots`
  (bearer token, `Idempotency-Key`), from `--threads` client threads against gunicorn (sync workers = cores, DEBUG
  off); p50/p99 latency, the whole run's wall time (target: all within one minute), and the ratio to
  `GET /api/v1/ping` measured the same way on the same server. Checks that every accepted ballot is counted once
  (201 answers = ballot rows = choice rows).
- tally: `selectors.vote_tally` over those ballots (the grouped count and the invited count), median of 30.
- clusters: `selectors.clusters` for one community after `--appeals` appeals are in the table (spread over 50
  communities and two years; the community holds 1/50 of them), median of 5.
The database (default gongzhi_delib_bench) is rebuilt from scratch for the ballots part; the appeals part reuses
its appeals when already there. Prints lines starting with RESULT.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from _common import machine_facts, setup_django
from ledger_bench import ensure_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gongzhi_delib_bench"
ROOT = Path(__file__).resolve().parent.parent
COMMUNITY = "370211001001"


def start_server(database_url: str, workers: int) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=database_url, DEBUG="0", DJANGO_SETTINGS_MODULE="gongzhi.settings")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "gongzhi.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)
            return proc, base
        except OSError:
            time.sleep(0.25)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def seed(voters: int) -> tuple[int, list[str]]:
    """A community, `voters` resident accounts with tokens, a meeting inviting all of them, an open vote."""
    from django.core.management import call_command

    from gongzhi.accounts.models import ApiToken, Membership, User
    from gongzhi.areas.models import Area
    from gongzhi.core import clock
    from gongzhi.deliberation.actions import meetings, votes
    from gongzhi.deliberation.models import Invitation

    call_command("flush", interactive=False, verbosity=0)
    district = Area.objects.create(code="370211", name="黄岛区", level="district")
    street = Area.objects.create(code="370211001", name="灵山卫街道", level="street", parent=district)
    community = Area.objects.create(code=COMMUNITY, name="社区", level="community", parent=street)
    chair = User.objects.create_user(username="chair", password="x")
    Membership.objects.create(user=chair, role="community_worker", area=community)
    users = User.objects.bulk_create([User(username=f"v{i}", password="!") for i in range(voters)])
    Membership.objects.bulk_create([Membership(user=u, role="resident", area=community) for u in users])
    raws = [ApiToken.new_raw() for _ in users]
    ends = clock.now() + dt.timedelta(days=1)
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=u, digest=ApiToken.digest_of(raw), prefix=raw[:8], expires_at=ends)
            for u, raw in zip(users, raws, strict=True)
        ]
    )
    now = clock.now()
    meeting = meetings.meeting_create(
        actor=chair, kind="forum", title="bench", area_code=COMMUNITY, starts_at=now, ends_at=now + dt.timedelta(hours=2),
        capacity=voters,
    )  # fmt: skip
    Invitation.objects.bulk_create([Invitation(meeting=meeting, user=u, kind="resident") for u in users])
    vote = votes.vote_create(
        actor=chair, meeting_id=meeting.pk, question="bench", closes_at=now + dt.timedelta(hours=1), secret=True
    )
    votes.vote_move(actor=chair, vote_id=vote.pk, action="open")
    return vote.pk, raws


def hammer(
    base: str, jobs: list[tuple[str, str, str, dict | None]], threads: int
) -> tuple[float, list[float], list[int]]:
    """Each job (method, path, token, body) on a kept-alive connection per thread; (wall, latencies, statuses)."""
    host = urlparse(base)
    chunks = [jobs[i::threads] for i in range(threads)]
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)

    def worker(chunk: list) -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        mine: list[tuple[float, int]] = []
        barrier.wait()
        for i, (method, path, token, body) in enumerate(chunk):
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            if body is not None:
                headers["Idempotency-Key"] = f"k-{threading.get_ident()}-{i}"
            started = time.perf_counter()
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started, response.status))
        conn.close()
        with lock:
            for latency, status in mine:
                latencies.append(latency)
                statuses.append(status)

    pool = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in pool:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in pool:
        t.join()
    return time.perf_counter() - started, latencies, statuses


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def bench_ballots(args: argparse.Namespace) -> int:
    from gongzhi.deliberation.models import Ballot, BallotChoice

    vote_id, raws = seed(args.voters)
    proc, base = start_server(args.database_url, workers=os.cpu_count() or 2)
    try:
        ping_jobs = [("GET", "/api/v1/ping", raws[i % len(raws)], None) for i in range(min(3000, args.voters))]
        hammer(base, ping_jobs[:200], args.threads)  # warm-up
        ping_wall, ping_lat, _ = hammer(base, ping_jobs, args.threads)
        path = f"/api/v1/deliberation/votes/{vote_id}/ballots"
        jobs = [("POST", path, raw, {"choice": ("yes", "no", "abstain")[i % 3]}) for i, raw in enumerate(raws)]
        wall, lat, statuses = hammer(base, jobs, args.threads)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait()
    accepted = statuses.count(201)
    ballots, choices = (
        Ballot.objects.filter(vote_id=vote_id).count(),
        BallotChoice.objects.filter(vote_id=vote_id).count(),
    )
    print(
        f"RESULT ballots over HTTP: {args.voters} voters, {args.threads} client threads, {wall:.1f} s wall "
        f"({args.voters / wall:.0f}/s; target: all within 60 s); p50 {pct(lat, 0.5):.1f} ms, p99 {pct(lat, 0.99):.1f} ms"
    )
    print(
        f"RESULT ping on the same server: {len(ping_lat) / ping_wall:.0f}/s, p50 {pct(ping_lat, 0.5):.1f} ms, "
        f"p99 {pct(ping_lat, 0.99):.1f} ms; ballot/ping p50 ratio {pct(lat, 0.5) / pct(ping_lat, 0.5):.1f}×, "
        f"throughput ratio {(args.voters / wall) / (len(ping_lat) / ping_wall):.2f}"
    )
    print(
        f"RESULT counted once: 201 answers {accepted}, other answers {len(statuses) - accepted}, "
        f"ballot rows {ballots}, choice rows {choices} -> {'OK' if accepted == ballots == choices else 'MISMATCH'}"
    )
    return vote_id


def bench_tally(vote_id: int) -> None:
    from gongzhi.deliberation import selectors
    from gongzhi.deliberation.models import Vote

    vote = Vote.objects.get(pk=vote_id)
    times = []
    for _ in range(30):
        started = time.perf_counter()
        t = selectors.vote_tally(vote)
        times.append(time.perf_counter() - started)
    print(
        f"RESULT tally of {t.cast} ballots ({t.eligible} invited): median {statistics.median(times) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms (target < 50 ms)"
    )


def bench_clusters(n: int) -> None:
    from django.db import connection

    from gongzhi.accounts.models import User
    from gongzhi.appeals.models import Appeal, Category
    from gongzhi.areas.models import Area
    from gongzhi.core import clock
    from gongzhi.deliberation import selectors

    have = Appeal.objects.count()
    if have < n:
        street = Area.objects.get(code="370211001")
        communities = [Area.objects.get_or_create(code=f"370211001{c:03d}", defaults={"name": f"c{c}", "level": "community", "parent": street})[0] for c in range(1, 51)]  # fmt: skip
        micro = []
        for c in communities:
            grid = Area.objects.get_or_create(
                code=c.code + "001", defaults={"name": "g", "level": "grid", "parent": c}
            )[0]
            micro += [Area.objects.get_or_create(code=grid.code + f"{m:02d}", defaults={"name": "m", "level": "microgrid", "parent": grid})[0] for m in range(1, 11)]  # fmt: skip
        parent = Category.objects.get_or_create(code="bench", defaults={"name": "bench"})[0]
        cats = [Category.objects.get_or_create(code=f"bench-{i}", defaults={"name": f"类{i}", "parent": parent})[0] for i in range(20)]  # fmt: skip
        reporter = User.objects.get(username="chair")
        now = clock.now()
        batch = 20_000
        started = time.perf_counter()
        for start in range(have, n, batch):
            rows = []
            for i in range(start, min(n, start + batch)):
                area = micro[(i * 7919) % len(micro)]
                rows.append(
                    Appeal(
                        number=f"B{i:09d}", description="bench", category=cats[i % len(cats)], channel="api",
                        reporter=reporter, area=area, area_code=area.code, state="closed",
                        created_at=now - dt.timedelta(minutes=(i * 104729) % (730 * 24 * 60)),
                    )
                )  # fmt: skip
            Appeal.objects.bulk_create(rows, batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE appeals_appeal")
        print(f"RESULT inserted {n - have} appeals in {time.perf_counter() - started:.0f} s")
    times = []
    found = []
    for _ in range(5):
        started = time.perf_counter()
        found = selectors.clusters(community_code=COMMUNITY)
        times.append(time.perf_counter() - started)
    print(
        f"RESULT clusters over {Appeal.objects.count()} appeals ({len(found)} suggestions for one community, "
        f"{sum(c.count for c in found)} appeals in them): median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms (target < 2 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--voters", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--skip-ballots", action="store_true", help="only the clusters (reuses the database)")
    args = parser.parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for k, v in machine_facts().items():
        print(f"{k:>7}: {v}")
    if not args.skip_ballots:
        vote_id = bench_ballots(args)
        bench_tally(vote_id)
    if args.appeals:
        bench_clusters(args.appeals)


if __name__ == "__main__":
    main()
