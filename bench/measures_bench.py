"""Measures of a street over 1,000,000 appeals on PostgreSQL (issue 3 item 14: target under 300 ms).

    .venv/bin/python bench/measures_bench.py                       # seed once (≈ 3–5 min), then time
    .venv/bin/python bench/measures_bench.py --reseed --appeals 200000

Seeds (COPY) one street of 10 communities × 10 grids × 4 micro-grids with 40,000 households, `--appeals` appeals
received over the 365 days before today in realistic states (closed/rated, open, suspended, cancelled, reworked)
and about five events each (submit, dispatch, accept, close, rate, plus extensions and unsatisfied ratings), and
20,000 summons. Then times, in the same process and run:
- GET /healthz (the trivial endpoint: one SELECT 1);
- measures_for() of the street for the last full month (the league table of 10 communities, the previous month,
  the weekly trend) and for the whole last year;
- GET /api/v1/appeals/measures for the last full month with a bearer token (the whole request).
No index is added beyond the models' own; the figures are what the shipped schema gives. The appeal rows carry the
facts the measures count (responded_on_time, ratings_total/ratings_satisfied, extended_at) consistent with the events
written, as the workflow keeps them; `--check-facts` recomputes them from the events (measure_facts.backfill) and
reports any difference.
Prints RESULT lines; never part of the test run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import time
from collections.abc import Iterable
from typing import Any

from _common import machine_facts, setup_django, summary
from ledger_bench import ensure_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gz_bench_measures"
DISTRICT, STREET = "370298", "370298001"
CHUNK = 50_000


def _text(value: Any) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dt.datetime):
        value = value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy_rows(model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """COPY rows (dicts by field attname) into the model's table; missing fields take the field's default."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    # Defaults are turned into COPY text once; only the values a row gives are converted per row.
    defaults = [_text(None if f.null and not f.has_default() else f.get_default()) for f in fields]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    count = 0
    buffer = io.StringIO()
    sql = f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN'
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            buffer.write(
                "\t".join(
                    _text(row[name]) if name in row else default for name, default in zip(names, defaults, strict=True)
                )
            )
            buffer.write("\n")
            count += 1
            if count % CHUNK == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return count


def seed(n_appeals: int, *, rng: random.Random) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from gongzhi.appeals.models import Appeal, AppealEvent, Summons
    from gongzhi.areas.models import Area
    from gongzhi.people.models import Department, Household

    with transaction.atomic():
        district = Area.objects.create(code=DISTRICT, name="基准区", level="district")
        street = Area.objects.create(code=STREET, name="基准街道", level="street", parent=district)
        micro: list[Area] = []
        for c in range(1, 11):
            community = Area.objects.create(
                code=f"{STREET}{c:03d}", name=f"基准{c}社区", level="community", parent=street
            )
            for g in range(1, 11):
                grid = Area.objects.create(
                    code=f"{community.code}{g:03d}", name=f"{community.name}{g}网格", level="grid", parent=community
                )
                micro += [
                    Area(code=f"{grid.code}{m:02d}", name=f"{grid.name}{m}微网格", level="microgrid", parent=grid)
                    for m in range(1, 5)
                ]
        Area.objects.bulk_create(micro)
        micro = list(Area.objects.filter(level="microgrid", code__startswith=STREET))
        now = timezone.now()
        copy_rows(
            Household,
            (
                {
                    "number": f"BH{i:07d}",
                    "area_id": (m := micro[i % len(micro)]).pk,
                    "area_code": m.code,
                    "address": f"{m.name}{i}号",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(40_000)
            ),
        )
        departments = [Department.objects.create(code=f"bd{i}", name=f"部门{i}", kind="政府部门") for i in range(20)]

    start = timezone.now() - dt.timedelta(days=365)
    snapshot = {"arrival_minutes": 7, "days": {"minor": 1, "major": 3, "hard": 5}, "day_unit": "natural"}
    states = (
        ["rated"] * 50
        + ["closed"] * 20
        + ["accepted"] * 8
        + ["on_site"] * 2
        + ["dispatched"] * 5
        + ["suspended"] * 5
        + ["registered"] * 5
        + ["cancelled"] * 5
    )
    plan: list[tuple[str, dt.datetime, bool, bool, str, str]] = []  # state, created, reworked, extended, rating, area

    def appeals() -> Iterable[dict[str, Any]]:
        for i in range(n_appeals):
            m = micro[rng.randrange(len(micro))]
            created = start + dt.timedelta(seconds=rng.randrange(365 * 86400))
            state = rng.choice(states)
            tier, days = rng.choice([("minor", 1), ("minor", 1), ("major", 3), ("hard", 5)])
            row: dict[str, Any] = {
                "number": f"BM{i:09d}",
                "description": "基准诉求",
                "channel": "resident_web",
                "area_id": m.pk,
                "area_code": m.code,
                "state": state,
                "tier": tier,
                "handling_level": {"minor": "microgrid", "major": "grid", "hard": "street"}[tier],
                "created_at": created,
                "updated_at": created,
            }
            reworked = extended = False
            rating = ""
            if state not in ("registered", "cancelled"):
                dispatched = created + dt.timedelta(minutes=rng.randrange(1, 30))
                row.update(dispatched_at=dispatched, arrive_by=dispatched + dt.timedelta(minutes=7))
                if state != "dispatched":
                    accepted = dispatched + dt.timedelta(seconds=rng.randrange(30, 900))
                    due = accepted + dt.timedelta(days=days)
                    extended = rng.random() < 0.03
                    if extended:
                        due += dt.timedelta(days=3)
                    row.update(
                        accepted_at=accepted,
                        due_at=due,
                        policy_snapshot=snapshot,
                        responded_on_time=accepted <= row["arrive_by"],
                    )
                    if extended:  # the extend event is the fifth step, 3 hours apart (see events())
                        row["extended_at"] = created + dt.timedelta(hours=4 * 3)
                    if state == "suspended":
                        row.update(paused_at=accepted + dt.timedelta(hours=5), suspended_from="accepted")
                    if state in ("closed", "rated"):
                        closed = accepted + dt.timedelta(hours=rng.uniform(2, 24 * days * 1.3))
                        reworked = rng.random() < 0.06
                        row.update(
                            handled_at=closed - dt.timedelta(hours=1),
                            closed_at=closed,
                            closed_on_time=closed <= due,
                            rework_count=1 if reworked else 0,
                            # A reworked appeal was rated 不满意 once (see events()).
                            ratings_total=int(reworked),
                        )
                        if state == "rated":
                            rating = "satisfied" if rng.random() < 0.85 else "basically"
                            row.update(rating=rating, ratings_total=int(reworked) + 1, ratings_satisfied=1)
            plan.append((state, created, reworked, extended, rating, m.code))
            yield row

    t = time.perf_counter()
    with transaction.atomic():
        copy_rows(Appeal, appeals())
    print(f"seeded {n_appeals} appeals in {time.perf_counter() - t:.1f} s", flush=True)

    first_id = Appeal.objects.filter(number="BM000000000").values_list("pk", flat=True).get()

    def events() -> Iterable[dict[str, Any]]:
        for offset, (state, created, reworked, extended, rating, _code) in enumerate(plan):
            appeal_id = first_id + offset
            steps = [("submit", "", "reported")]
            if state == "cancelled":
                steps.append(("cancel", "reported", "cancelled"))
            elif state != "registered":
                steps += [("register", "reported", "registered"), ("dispatch", "registered", "dispatched")]
                if state != "dispatched":
                    steps.append(("accept", "dispatched", "accepted"))
                if extended:
                    steps.append(("extend", "accepted", "accepted"))
                if reworked:
                    steps += [("rate", "closed", "rated"), ("reopen", "rated", "accepted")]
                if state in ("closed", "rated"):
                    steps += [("handle", "accepted", "handled"), ("verify", "handled", "verified")]
                    steps.append(("close", "verified", "closed"))
                if state == "rated":
                    steps.append(("rate", "closed", "rated"))
            seen_rate = False
            for k, (action, src, dst) in enumerate(steps):
                data: dict[str, Any] = {}
                if action == "rate":
                    data = {"rating": rating if seen_rate or not reworked else "unsatisfied"}
                    seen_rate = True
                yield {
                    "appeal_id": appeal_id,
                    "action": action,
                    "from_state": src,
                    "to_state": dst,
                    "data": data,
                    "occurred_at": created + dt.timedelta(hours=k * 3),
                }

    t = time.perf_counter()
    with transaction.atomic():
        n_events = copy_rows(AppealEvent, events())
    print(f"seeded {n_events} events in {time.perf_counter() - t:.1f} s", flush=True)

    def summons() -> Iterable[dict[str, Any]]:
        picked = rng.sample(range(len(plan)), 20_000)
        for offset in picked:
            created, code = plan[offset][1], plan[offset][5]
            at = created + dt.timedelta(hours=2)
            reported = at + dt.timedelta(minutes=rng.randrange(5, 50)) if rng.random() < 0.95 else None
            yield {
                "appeal_id": first_id + offset,
                "department_id": departments[offset % len(departments)].pk,
                "area_code": code,
                "state": "reported_in" if reported else "summoned",
                "reason": "基准吹哨",
                "summoned_at": at,
                "report_by": at + dt.timedelta(minutes=30),
                "reported_at": reported,
                "late": bool(reported and reported > at + dt.timedelta(minutes=30)),
            }

    with transaction.atomic():
        copy_rows(Summons, summons())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def check_facts() -> None:
    """Recompute the measure facts from the events (in a transaction rolled back) and compare their totals."""
    from django.db import transaction
    from django.db.models import Count, Max, Min, Q, Sum

    from gongzhi.appeals.measure_facts import backfill
    from gongzhi.appeals.models import Appeal, AppealEvent

    def totals() -> dict[str, Any]:
        return Appeal.objects.aggregate(
            responded=Count("pk", filter=Q(responded_on_time=True)),
            late=Count("pk", filter=Q(responded_on_time=False)),
            ratings=Sum("ratings_total"),
            satisfied=Sum("ratings_satisfied"),
            extended=Count("extended_at"),
            extended_first=Min("extended_at"),
            extended_last=Max("extended_at"),
        )

    seeded = totals()
    with transaction.atomic():
        backfill(Appeal, AppealEvent)
        derived = totals()
        transaction.set_rollback(True)
    print(f"facts seeded: {seeded}\nfacts from events: {derived}\nRESULT facts consistent: {seeded == derived}")


def timed(fn: Any, n: int) -> dict[str, float]:
    fn()  # warm-up: caches, plans, connection
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return summary(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("-n", type=int, default=20, help="timed repetitions of each case")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database again")
    parser.add_argument("--check-facts", action="store_true", help="compare the seeded facts with the events")
    args = parser.parse_args()

    if args.reseed:
        import psycopg
        from ledger_bench import with_database

        name = args.database_url.rsplit("/", 1)[1]
        with psycopg.connect(with_database(args.database_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from gongzhi.accounts.actions import api_token_issue, membership_grant
    from gongzhi.accounts.models import User
    from gongzhi.appeals import measures
    from gongzhi.appeals.models import Appeal
    from gongzhi.areas.models import Area

    print("== machine")
    for k, v in machine_facts().items():
        print(f"{k:>7}: {v}")
    call_command("migrate", verbosity=0)
    existing = Appeal.objects.filter(area_code__startswith=STREET).count()
    if existing != args.appeals:
        if existing:
            raise SystemExit(f"{existing} appeals already seeded; run with --reseed")
        t = time.perf_counter()
        seed(args.appeals, rng=random.Random(20260322))
        print(f"seeded in {time.perf_counter() - t:.1f} s", flush=True)
    if args.check_facts:
        check_facts()
    street = Area.objects.get(code=STREET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('appeals_appeal'))")
        size = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM appeals_appealevent")
        n_events = cursor.fetchone()[0]
    print(f"appeals: {args.appeals} in street {STREET} ({size} with indexes), events: {n_events}")

    today = timezone.localdate()
    month_end = today.replace(day=1)
    month = measures.Period((month_end - dt.timedelta(days=1)).replace(day=1), month_end)
    year = measures.Period(month_end - dt.timedelta(days=364), month_end)

    user = User.objects.filter(username="bench-measures").first()
    if user is None:
        user = User.objects.create_user(username="bench-measures", password="bench-pass-1234")
        membership_grant(actor=None, user=user, role="street_staff", area=street)
    _token, raw = api_token_issue(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/v1/appeals/measures?area={STREET}&from={month.start}&to={month.end}"
    assert client.get(url).status_code == 200

    with CaptureQueriesContext(connection) as queries:
        result = measures.measures_for(area=street, period=month)
    total = result["total"]
    print(
        f"last month {month.start}..{month.end}: received {total['received']}, response "
        f"{total['response_rate']:.3f}, on time {total['on_time_rate']:.3f}, satisfaction "
        f"{total['satisfaction_rate']:.3f}, {len(result['children'])} communities, {len(queries)} queries"
    )
    cases = {
        "healthz": lambda: client.get("/healthz"),
        "measures_month": lambda: measures.measures_for(area=street, period=month),
        "measures_year": lambda: measures.measures_for(area=street, period=year),
        "api_month": lambda: client.get(url),
    }
    results = {name: timed(fn, args.n) for name, fn in cases.items()}
    for name, r in results.items():
        print(f"RESULT measures {name}: median {r['median']:.1f} ms, p95 {r['p95']:.1f} ms (n={r['n']})")
    ratio = results["api_month"]["median"] / results["healthz"]["median"]
    verdict = "PASS" if results["api_month"]["median"] < 300 else "FAIL"
    print(f"RESULT measures api_month / healthz = {ratio:.0f}x; target < 300 ms: {verdict}")


if __name__ == "__main__":
    main()
