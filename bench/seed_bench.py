"""(a) Seed the M demo district into a fresh SQLite file and report the wall time (target < 60 s)."""

from __future__ import annotations

import argparse

from _common import VAR, manage, sqlite_url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="M", choices=["S", "M", "L"])
    args = parser.parse_args()
    name = f"seed_{args.size}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        (VAR / (name + suffix)).unlink(missing_ok=True)
    url = sqlite_url(name)
    manage("migrate", "-v0", database_url=url)
    manage("createcachetable", database_url=url)
    wall, peak = manage("seed_demo", "--size", args.size, "--no-progress", database_url=url)
    target = " (target < 60 s)" if args.size == "M" else ""
    print(
        f"RESULT seed {args.size} on fresh SQLite: {wall:.1f} s wall including start-up{target}; peak RSS {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
