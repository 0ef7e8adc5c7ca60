"""Volunteering on PostgreSQL (issue 5 item 10): sign-ups per second under contention, check-ins per second at a
500-person event.

    .venv/bin/python bench/volunteering_bench.py                       # both (≈ 1 min)
    .venv/bin/python bench/volunteering_bench.py --people 2000 --threads 16

- signup: `--people` volunteers sign up for one activity with `--capacity` places from `--threads` threads at once;
  every call locks the activity row (the real `signup_create`, with its audit row). Checks that exactly `capacity`
  are confirmed and the rest waitlisted in order.
- checkin: a 500-person event; everyone checks in with the organiser's current rotating code from `--threads`
  threads (the real `checkin`: code HMAC, replay row, geofence, attendance, audit row).
Prints RESULT lines; never part of the test run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import threading
import time
from collections.abc import Callable
from urllib.parse import urlparse

from _common import machine_facts, setup_django
from ledger_bench import ensure_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gz_bench_volunteering"


def run_threads(items: list, threads: int, call: Callable[[object], object]) -> tuple[float, list]:
    """Run `call` on every item from `threads` threads started together; (seconds, results in completion order)."""
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


def make_people(n: int, prefix: str, area, actor) -> list:
    from gongzhi.accounts.models import User
    from gongzhi.volunteering.actions.volunteers import volunteer_register

    users = User.objects.bulk_create(
        [User(username=f"{prefix}-{i}", display_name=f"志愿者{i}", password="!") for i in range(n)]
    )
    return [volunteer_register(actor=actor, user=u, name=u.display_name, kind="resident", area=area) for u in users]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=250)
    parser.add_argument("--event", type=int, default=500, help="people checking in at the event")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    if urlparse(args.database_url).scheme not in ("postgres", "postgresql"):
        raise SystemExit("the volunteering benchmark needs PostgreSQL (row locks)")
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    for k, v in machine_facts().items():
        print(f"{k:>7}: {v}")
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        print(f"     pg: {cur.fetchone()[0]}")

    from gongzhi.accounts.actions import membership_grant
    from gongzhi.accounts.models import User
    from gongzhi.areas.models import Area
    from gongzhi.core import clock
    from gongzhi.volunteering import codes
    from gongzhi.volunteering.actions.activities import activity_create
    from gongzhi.volunteering.actions.checkin import checkin
    from gongzhi.volunteering.actions.signups import signup_create
    from gongzhi.volunteering.models import Signup, SignupStatus

    run = time.strftime("%Y%m%d%H%M%S")
    district, _ = Area.objects.get_or_create(code="370211", defaults={"name": "黄岛区", "level": "district"})
    street, _ = Area.objects.get_or_create(
        code="370211001", defaults={"name": "灵山卫街道", "level": "street", "parent": district}
    )
    community, _ = Area.objects.get_or_create(
        code="370211001001", defaults={"name": "灵山卫1社区", "level": "community", "parent": street}
    )
    organiser = User.objects.create(username=f"bench-organiser-{run}", password="!")
    membership_grant(actor=None, user=organiser, role="community_worker", area=community)

    # --- sign-ups under contention
    people = make_people(args.people, f"bench-s-{run}", community, organiser)
    starts = clock.now() + dt.timedelta(days=1)
    activity = activity_create(
        actor=organiser,
        title=f"bench signup {run}",
        area=community,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        place="bench",
        capacity=args.capacity,
    )
    seconds, results = run_threads(
        people,
        args.threads,
        lambda v: signup_create(actor=v.user, activity_id=activity.pk, volunteer=v),
    )
    failures = sum(isinstance(r, Exception) for r in results)
    statuses = list(Signup.objects.filter(activity=activity).order_by("id").values_list("status", flat=True))
    in_order = statuses == [SignupStatus.CONFIRMED] * args.capacity + [SignupStatus.WAITLISTED] * (
        args.people - args.capacity
    )
    print(
        f"RESULT volunteering_signup people={args.people} capacity={args.capacity} threads={args.threads} "
        f"signups_per_s={len(results) / seconds:.0f} seconds={seconds:.2f} failures={failures} "
        f"exactly_capacity_then_waitlist={in_order}"
    )

    # --- a 500-person event checking in
    crowd = make_people(args.event, f"bench-c-{run}", community, organiser)
    starts = clock.now() + dt.timedelta(minutes=5)
    event = activity_create(
        actor=organiser,
        title=f"bench event {run}",
        area=community,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        place="bench",
        capacity=args.event,
        geofence=(35.95, 120.03, 500),
    )
    for v in crowd:
        signup_create(actor=v.user, activity_id=event.pk, volunteer=v)
    seconds, results = run_threads(
        crowd,
        args.threads,
        lambda v: checkin(
            actor=v.user,
            activity_id=event.pk,
            volunteer=v,
            code=codes.make(activity_id=event.pk, salt=event.qr_salt, purpose="in"),
            lat=35.9501,
            lng=120.0301,
        ),
    )
    failures = [r for r in results if isinstance(r, Exception)]
    print(
        f"RESULT volunteering_checkin people={args.event} threads={args.threads} "
        f"checkins_per_s={len(results) / seconds:.0f} seconds={seconds:.2f} failures={len(failures)}"
        + (f" first_failure={failures[0]!r}" if failures else "")
    )


if __name__ == "__main__":
    main()
