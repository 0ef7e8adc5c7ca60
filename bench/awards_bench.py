"""Awards: computing a street's 五星级网格党员 star ratings (issue 14 item 2) from its data.

    .venv/bin/python bench/awards_bench.py                          # SQLite under var/bench, ≈ 1–2 min
    .venv/bin/python bench/awards_bench.py --members 5000 --database-url postgres://postgres@127.0.0.1:5432/gongzhi_awards_bench

The data is built once per database (bulk inserts: one street of 10 communities × 4 grids, `--members` party
members with a login each, a responsibility zone for half of them, 3 claimed micro-wishes, 2 confirmed volunteer
attendances and 3 reported appeals per member on average, spread over the year) and reused by later runs.
Measured: `scoring.party_facts` alone (the grouped reads), the first `scheme_compute` (writes every result and its
event), and a recompute that changes nothing (reads, compares, writes nothing). Median of `--repeat` runs.
Prints RESULT lines; never part of the test run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from decimal import Decimal

from _common import machine_facts, setup_django, sqlite_url

STREET = "370298001"
YEAR = 2025


def build(members: int) -> None:
    from django.utils import timezone

    from gongzhi.accounts.models import Membership, Role, User
    from gongzhi.appeals.models import Appeal
    from gongzhi.areas.models import Area
    from gongzhi.matching.actions.catalogue import catalogue_seed
    from gongzhi.matching.models import Demand, DemandEvent, ServiceItem
    from gongzhi.people.models import PartyMember, PartyOrganization, ResponsibilityZone
    from gongzhi.volunteering.models import Activity, Attendance, Signup, Volunteer

    if PartyMember.objects.filter(area_code__startswith=STREET).count() >= members:
        return
    rng = random.Random(14)
    district, _ = Area.objects.get_or_create(code="370298", defaults={"name": "基准区", "level": "district"})
    street, _ = Area.objects.get_or_create(
        code=STREET, defaults={"name": "基准街道", "level": "street", "parent": district}
    )
    communities, grids = [], []
    for c in range(1, 11):
        code = f"{STREET}{c:03d}"
        com, _ = Area.objects.get_or_create(
            code=code, defaults={"name": f"社区{c}", "level": "community", "parent": street}
        )
        communities.append(com)
        for g in range(1, 5):
            grid, _ = Area.objects.get_or_create(code=f"{code}{g:03d}", defaults={"name": f"社区{c}网格{g}",
                                                                                    "level": "grid", "parent": com})  # fmt: skip
            grids.append(grid)
    catalogue_seed()
    item = ServiceItem.objects.first()
    staff = User.objects.create(username="bench-staff")
    Membership.objects.create(user=staff, role=Role.STREET_STAFF, area=street)
    orgs = {com.pk: PartyOrganization.objects.create(name=f"{com.name}党委", kind="committee", area=com,
                                                     area_code=com.code) for com in communities}  # fmt: skip
    users = User.objects.bulk_create([User(username=f"bench-pm-{i}") for i in range(members)], batch_size=1000)
    users = list(User.objects.filter(username__startswith="bench-pm-").order_by("id"))
    pm = []
    for i, user in enumerate(users):
        com = communities[i % len(communities)]
        pm.append(PartyMember(name=f"党员{i}", name_pinyin="", name_initials="", kind="self_managed",
                              organization=orgs[com.pk], area=com, area_code=com.code, user=user))  # fmt: skip
    PartyMember.objects.bulk_create(pm, batch_size=1000)
    pm = list(PartyMember.objects.filter(area_code__startswith=STREET).order_by("id"))
    by_com = {g.code[:12]: [] for g in grids}
    for g in grids:
        by_com[g.code[:12]].append(g)
    ResponsibilityZone.objects.bulk_create(
        [ResponsibilityZone(party_member=m, area=rng.choice(by_com[m.area_code]), description="责任区")
         for m in pm[::2]], batch_size=1000)  # fmt: skip
    start = timezone.make_aware(dt.datetime(YEAR, 1, 1))

    def when() -> dt.datetime:
        return start + dt.timedelta(minutes=rng.randrange(365 * 24 * 60))

    demands = []
    for _ in range(members * 3):
        m = rng.choice(pm)
        grid = rng.choice(by_com[m.area_code])
        demands.append(Demand(kind="wish", item=item, title="心愿", entered_by=staff, requester_name="王",
                              area=grid, area_code=grid.code, state="closed", holder_id=m.user_id,
                              holder_kind="party"))  # fmt: skip
    Demand.objects.bulk_create(demands, batch_size=1000)
    events = []
    for d in Demand.objects.filter(area_code__startswith=STREET).values_list("pk", "holder_id"):
        t = when()
        events.append(DemandEvent(demand_id=d[0], action="claim", from_state="accepted", to_state="taken",
                                  actor_id=d[1], at=t))  # fmt: skip
        events.append(DemandEvent(demand_id=d[0], action="rate", from_state="fulfilled", to_state="closed",
                                  at=t + dt.timedelta(days=2)))  # fmt: skip
    DemandEvent.objects.bulk_create(events, batch_size=2000)
    Volunteer.objects.bulk_create([Volunteer(user_id=m.user_id, name=m.name, kind="party_member", area_id=m.area_id,
                                             area_code=m.area_code, party_member=m) for m in pm], batch_size=1000)  # fmt: skip
    vols = list(Volunteer.objects.filter(area_code__startswith=STREET).values_list("pk", "area_code"))
    activities = []
    for g in grids:
        for _k in range(20):
            t = when()
            activities.append(Activity(title="活动", area=g, area_code=g.code, organiser=staff, starts_at=t,
                                       ends_at=t + dt.timedelta(hours=3), place="广场", capacity=500,
                                       created_by=staff))  # fmt: skip
    Activity.objects.bulk_create(activities)
    acts = list(Activity.objects.filter(area_code__startswith=STREET).values_list("pk", "area_code", "starts_at"))
    pairs = set()
    for vid, _code in vols:
        for a in rng.sample(acts, 2):
            pairs.add((vid, a))
    Signup.objects.bulk_create([Signup(activity_id=a[0], volunteer_id=v, status="confirmed") for v, a in pairs],
                               batch_size=1000)  # fmt: skip
    signups = {(s[1], s[2]): s[0] for s in Signup.objects.filter(activity__area_code__startswith=STREET)
               .values_list("pk", "activity_id", "volunteer_id")}  # fmt: skip
    Attendance.objects.bulk_create(
        [Attendance(signup_id=signups[(a[0], v)], activity_id=a[0], volunteer_id=v, status="confirmed",
                    checked_in_at=a[2], checked_out_at=a[2] + dt.timedelta(hours=3), hours=Decimal("3"),
                    confirmed_at=a[2] + dt.timedelta(hours=4)) for v, a in pairs], batch_size=1000)  # fmt: skip
    appeals = []
    for i in range(members * 3):
        m = rng.choice(pm)
        grid = rng.choice(by_com[m.area_code])
        appeals.append(Appeal(number=f"B{i:09d}", description="问题", channel="web", area=grid, area_code=grid.code,
                              reporter_id=m.user_id, state="closed", created_at=when()))  # fmt: skip
    Appeal.objects.bulk_create(appeals, batch_size=1000)


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=sqlite_url("awards.sqlite3"))
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    build(args.members)
    print(f"built in {time.perf_counter() - t:.1f}s")
    from gongzhi.accounts.models import User
    from gongzhi.awards import scoring
    from gongzhi.awards.actions.compute import scheme_compute
    from gongzhi.awards.actions.schemes import scheme_create
    from gongzhi.awards.models import Result, Scheme

    staff = User.objects.get(username="bench-staff")
    facts = timed(lambda: scoring.party_facts(street=STREET, starts_on=dt.date(YEAR, 1, 1),
                                              ends_on=dt.date(YEAR + 1, 1, 1)), args.repeat)  # fmt: skip
    firsts = []
    for _ in range(args.repeat):
        name = f"五星级网格党员-{time.time_ns()}"
        scheme = scheme_create(actor=staff, kind="party_stars", name=name, area_code=STREET, period_kind="year",
                               year=YEAR)  # fmt: skip
        t = time.perf_counter()
        counts = scheme_compute(actor=staff, scheme_id=scheme.pk)
        firsts.append(time.perf_counter() - t)
    again = timed(lambda: scheme_compute(actor=staff, scheme_id=scheme.pk), args.repeat)
    n = Result.objects.filter(scheme=scheme).count()
    stars = sorted(Result.objects.filter(scheme=scheme).values_list("stars", flat=True))
    print(f"machine: {machine_facts()}")
    print(f"RESULT members={n} created={counts['created']} star_median={stars[len(stars) // 2]}")
    print(f"RESULT party_facts median={facts * 1000:.0f} ms")
    print(f"RESULT first_compute median={statistics.median(firsts) * 1000:.0f} ms "
          f"({statistics.median(firsts) / n * 1e6:.0f} µs per member)")  # fmt: skip
    print(f"RESULT recompute_unchanged median={again * 1000:.0f} ms; ratio first/facts="
          f"{statistics.median(firsts) / facts:.2f}")  # fmt: skip
    Scheme.objects.count()


if __name__ == "__main__":
    main()
