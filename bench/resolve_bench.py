"""(c) Point → micro-grid resolutions per second over the L district's area tree (target ≥ 50,000/s).

The area tree comes from the demo generator (areas only, no residents, no database), exactly as seed_demo --size L
lays it out, so the figure does not wait for an L database to exist.
"""

from __future__ import annotations

import argparse
import time

from _common import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--size", default="L")
    args = parser.parse_args()
    setup_django()
    import numpy as np

    from gongzhi.areas.geometry import AreaResolver
    from gongzhi.areas.tiling import box_polygon
    from gongzhi.people.demo.generator import DISTRICT_BOX, build_plan

    plan = build_plan(args.size)
    rows = [(a.code, a.level, box_polygon(a.box)) for a in plan.areas]
    micro = sum(1 for a in plan.areas if a.level == "microgrid")
    started = time.perf_counter()
    resolver = AreaResolver(rows)
    build = time.perf_counter() - started

    rng = np.random.default_rng(2025)
    x0, y0, x1, y1 = DISTRICT_BOX
    lngs = rng.uniform(x0, x1, args.points)
    lats = rng.uniform(y0, y1, args.points)

    started = time.perf_counter()
    many = resolver.resolve_many(lats, lngs)
    t_many = time.perf_counter() - started

    started = time.perf_counter()
    single = [resolver.resolve(lat, lng) for lat, lng in zip(lats.tolist(), lngs.tolist(), strict=True)]
    t_single = time.perf_counter() - started

    assert many == single, "resolve_many and resolve disagree"
    to_micro = sum(1 for c in many if c is not None and len(c) == 17)
    print(
        f"RESULT resolver over {len(rows):,} areas ({micro:,} micro-grids): built in {build:.2f} s; "
        f"{to_micro:,}/{args.points:,} points fell in a micro-grid"
    )
    print(f"RESULT resolve_many: {args.points / t_many:,.0f} points/s ({t_many:.2f} s for {args.points:,})")
    print(f"RESULT resolve loop: {args.points / t_single:,.0f} points/s ({t_single:.2f} s for {args.points:,})")


if __name__ == "__main__":
    main()
