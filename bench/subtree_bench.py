"""Subtree queries over an area tree of 100,000+ areas (issue 2 item 3: "fast subtree queries at 100,000+ areas").

Builds a tree with no boundaries into a fresh SQLite file (or the database in DATABASE_URL): 1 district,
10 streets, 25 communities each, 20 grids each and 20 micro-grids per grid (≈ 105,000 areas), then times:
- `area_subtree(street).count()`, `area_subtree(community).count()` and listing a grid's subtree;
- `GET /api/v1/areas?parent=<community>` and `GET /api/v1/areas/{microgrid}` through Django's test Client,
  against `GET /healthz` in the same process.
Prints RESULT lines; never part of the test run.
"""

from __future__ import annotations

import argparse
import time

from _common import VAR, machine_facts, manage, setup_django, sqlite_url, summary


def build_tree(streets: int, communities: int, grids: int, micros: int) -> int:
    from django.db import transaction

    from gongzhi.areas.models import Area

    rows: list[Area] = []
    with transaction.atomic():
        district = Area.objects.create(code="370211", name="黄岛区", level="district")
        for s in range(1, streets + 1):
            street = Area.objects.create(code=f"370211{s:03d}", name=f"街道{s}", level="street", parent=district)
            for c in range(1, communities + 1):
                community = Area.objects.create(
                    code=f"{street.code}{c:03d}", name=f"社区{s}-{c}", level="community", parent=street
                )
                grid_rows = [
                    Area(code=f"{community.code}{g:03d}", name=f"网格{g}", level="grid", parent=community)
                    for g in range(1, grids + 1)
                ]
                Area.objects.bulk_create(grid_rows)
                for grid in grid_rows:
                    rows.extend(
                        Area(code=f"{grid.code}{m:02d}", name=f"微网格{m}", level="microgrid", parent=grid)
                        for m in range(1, micros + 1)
                    )
                if len(rows) > 20000:
                    Area.objects.bulk_create(rows)
                    rows.clear()
        Area.objects.bulk_create(rows)
    return Area.objects.count()


def time_call(fn, n: int) -> dict[str, float]:
    for _ in range(5):
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return summary(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or sqlite_url("subtree.sqlite3")
    if url.startswith("sqlite:///") and not args.database_url:
        (VAR / "subtree.sqlite3").unlink(missing_ok=True)
    manage("migrate", "-v0", database_url=url, quiet=True)
    manage("createcachetable", database_url=url, quiet=True)
    setup_django(url)

    from django.test import Client

    from gongzhi.areas.models import Area
    from gongzhi.areas.selectors import area_subtree

    started = time.perf_counter()
    total = build_tree(10, 25, 20, 20)
    print(f"built {total} areas in {time.perf_counter() - started:.1f} s")
    print(" ".join(f"{k}={v}" for k, v in machine_facts().items()))

    street = Area.objects.get(code="370211005")
    community = Area.objects.get(code="370211005013")
    grid = Area.objects.get(code="370211005013007")
    client = Client()
    cases = {
        "subtree count, a street (≈10,500 areas)": lambda: area_subtree(area=street).count(),
        "subtree count, a community (≈420 areas)": lambda: area_subtree(area=community).count(),
        "subtree rows, a grid (21 areas)": lambda: list(area_subtree(area=grid).values_list("code", flat=True)),
        "GET /api/v1/areas?parent=<community>": lambda: client.get(f"/api/v1/areas?parent={community.code}"),
        "GET /api/v1/areas/<microgrid>": lambda: client.get("/api/v1/areas/37021100501300707"),
        "GET /healthz": lambda: client.get("/healthz"),
    }
    results = {name: time_call(fn, args.n) for name, fn in cases.items()}
    base = results["GET /healthz"]["median"]
    for name, r in results.items():
        print(f"RESULT {name}: median {r['median']:.2f} ms, p95 {r['p95']:.2f} ms, ×{r['median'] / base:.1f} healthz")


if __name__ == "__main__":
    main()
