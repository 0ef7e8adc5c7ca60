"""Inspections (issue 13 item 12): a 30-item inspection submitted through the API, target under 100 ms server time.

    .venv/bin/python bench/inspections_bench.py                                  # SQLite file in var/bench
    .venv/bin/python bench/inspections_bench.py --database-url postgres://postgres@127.0.0.1:5432/gz_bench_inspections

A 30-item checklist (yes/no, numbers, choices, photos; two items conditional; severities 1–3) is published once; a
grid worker then submits `--runs` inspections of as many places with `POST /api/v1/inspections/inspections` through
Django's test client in this process (the whole request: token check, schema parsing, the Idempotency-Key row, the
action with its 30 answers, audit row, and the response with the answers read back). Three items fail, two at or
above the threshold, so each inspection also opens two rectification orders. `--photo` adds one 1280×960 JPEG
(metadata stripped on the server) to every inspection. Server time is measured around the client call, so it is
the server's own time (no network). Prints RESULT lines; never part of the test run.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import statistics
import time
import uuid
from urllib.parse import urlparse

from _common import machine_facts, setup_django, sqlite_url

ITEMS = 30


def items() -> list[dict]:
    out: list[dict] = []
    for i in range(ITEMS):
        key = f"i{i:02d}"
        kind = ["yes_no", "yes_no", "number", "choice", "yes_no", "photo"][i % 6]
        item: dict = {
            "key": key,
            "text": f"检查项 {i + 1}",
            "kind": kind,
            "severity": 1 + i % 3,
            "required": kind != "photo",
        }
        if kind == "choice":
            item["choices"] = ["好", "中", "差"]
        if i in (7, 19):
            item["condition"] = {"item": f"i{i - 1:02d}", "result": "fail"}
            item["required"] = False
        out.append(item)
    return out


def answers(failing: set[str], photo: str | None) -> list[dict]:
    out = []
    for spec in items():
        key = spec["key"]
        if "condition" in spec and spec["condition"]["item"] not in failing:
            continue
        a: dict = {"item": key, "result": "fail" if key in failing else "pass"}
        if spec["kind"] == "number":
            a["value"] = 4
        elif spec["kind"] == "choice":
            a["value"] = "好"
        elif spec["kind"] == "photo":
            a["result"] = "na"
        out.append(a)
    if photo:
        out[0]["photos"] = [photo]
    return out


def jpeg() -> str:
    from PIL import Image

    image = Image.new("RGB", (1280, 960), (180, 40, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return base64.b64encode(out.getvalue()).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=sqlite_url("inspections.sqlite3"))
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--photo", action="store_true", help="one 1280×960 JPEG per inspection")
    parser.add_argument("--show-sql", action="store_true", help="print the statements of one request")
    parser.add_argument("--due-runs", type=int, default=100, help="then GET /api/v1/inspections/due this often")
    args = parser.parse_args()
    if urlparse(args.database_url).scheme in ("postgres", "postgresql"):
        from ledger_bench import ensure_database

        ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    for k, v in machine_facts().items():
        print(f"{k:>7}: {v}")
    print(f"     db: {connection.vendor}")

    from gongzhi.accounts.actions import api_token_issue, membership_grant
    from gongzhi.accounts.models import User
    from gongzhi.areas.models import Area
    from gongzhi.inspections.actions.checklists import template_publish
    from gongzhi.inspections.actions.places import place_create

    run = time.strftime("%Y%m%d%H%M%S")
    district, _ = Area.objects.get_or_create(code="370211", defaults={"name": "黄岛区", "level": "district"})
    street, _ = Area.objects.get_or_create(
        code="370211001", defaults={"name": "灵山卫街道", "level": "street", "parent": district}
    )
    community, _ = Area.objects.get_or_create(
        code="370211001001", defaults={"name": "灵山卫1社区", "level": "community", "parent": street}
    )
    grid, _ = Area.objects.get_or_create(
        code="370211001001001", defaults={"name": "1网格", "level": "grid", "parent": community}
    )
    micro, _ = Area.objects.get_or_create(
        code="37021100100100101", defaults={"name": "1微网格", "level": "microgrid", "parent": grid}
    )
    admin = User.objects.create(username=f"bench-admin-{run}", password="!", is_superuser=True)
    worker = User.objects.create(username=f"bench-grid-{run}", password="!")
    membership_grant(actor=admin, user=worker, role="grid_worker", area=grid)
    template = template_publish(
        actor=admin,
        code=f"bench{run[-8:]}",
        name="三十项检查",
        committee="食安委",
        place_kinds=["restaurant"],
        frequency_days=30,
        items=items(),
    )
    places = [
        place_create(actor=admin, area=micro.code, name=f"餐馆{run}-{i}", kind="restaurant", lat=36.0, lng=120.0)
        for i in range(args.runs + 5)
    ]
    _token, raw = api_token_issue(user=worker)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    photo = "data:image/jpeg;base64," + jpeg() if args.photo else None
    failing = {"i00", "i01", "i02"}  # severity 1 (below the threshold: no order), 2 and 3 (two orders)
    times: list[float] = []
    cpus: list[float] = []
    statements: list[int] = []
    for n, place in enumerate(places):
        body = {
            "place_id": place.pk,
            "template_id": template.pk,
            "answers": answers(failing, photo),
            "client_key": str(uuid.uuid4()),
            "location": {"lat": 36.0001, "lng": 120.0001, "accuracy": 10},
        }
        payload = json.dumps(body)
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.post(
                "/api/v1/inspections/inspections",
                payload,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=body["client_key"],
            )
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        assert response.status_code == 201, response.content[:300]
        out = response.json()
        assert len(out["rectifications"]) == 2 and out["failed"] == 3, out
        if n == 6 and args.show_sql:
            for q in queries.captured_queries:
                print(q["sql"][:160])
        if n >= 5:  # the first few warm caches (templates, categories, token check)
            times.append(elapsed * 1000)
            cpus.append(cpu * 1000)
            statements.append(len(queries.captured_queries))
    times.sort()
    # The floor the database alone sets on this machine now: the same number of statements as one submission, as
    # trivial `SELECT 1`s in one transaction (round trips and commit; the machine is shared, so this moves too).
    from django.db import transaction

    floor: list[float] = []
    count = int(statistics.median(statements))
    for _ in range(50):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            for _s in range(count):
                cur.execute("SELECT 1")
        floor.append((time.perf_counter() - started) * 1000)
    floor.sort()

    def pct(p: float) -> float:
        return times[min(len(times) - 1, round(p / 100 * (len(times) - 1)))]

    label = "with a photo" if args.photo else "no photo"
    print(
        f"RESULT inspections submit 30 items ({label}, {connection.vendor}): n={len(times)} "
        f"p50={pct(50):.1f} ms p95={pct(95):.1f} ms p99={pct(99):.1f} ms max={times[-1]:.1f} ms "
        f"mean={statistics.mean(times):.1f} ms statements={statistics.median(statements):.0f} target<100 ms"
    )
    cpus.sort()
    print(
        f"RESULT   of which this process's CPU (Django, no database server): p50={cpus[len(cpus) // 2]:.1f} ms "
        f"p95={cpus[int(len(cpus) * 0.95)]:.1f} ms"
    )
    print(f"RESULT database floor ({count} x SELECT 1 in a transaction): p50={floor[len(floor) // 2]:.1f} ms")
    # The due list, computed per request (selectors.due_list): the worker's places just inspected, as the phone's
    # first screen asks for it (mine=false: every place in reach; include_later: every place × template row).
    for query in ("mine=false&include_later=true", "mine=false"):
        due_times: list[float] = []
        due_statements = 0
        rows = 0
        for n in range(args.due_runs + 5):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(f"/api/v1/inspections/due?{query}")
                elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.content[:300]
            if n >= 5:
                due_times.append(elapsed * 1000)
                due_statements = len(queries.captured_queries)
                rows = len(response.json())
        due_times.sort()
        print(
            f"RESULT inspections due list ({query}, {len(places)} places, {connection.vendor}): n={len(due_times)} "
            f"rows={rows} p50={due_times[len(due_times) // 2]:.1f} ms "
            f"p99={due_times[min(len(due_times) - 1, round(0.99 * (len(due_times) - 1)))]:.1f} ms "
            f"statements={due_statements}"
        )
    with open("/proc/loadavg") as f:
        print(f"RESULT load average while measuring: {f.read().split()[0]}")


if __name__ == "__main__":
    main()
