"""(d) The residents-of-a-grid page at size L: server time of 200 requests through Django's test Client.

The L database is a cached file (var/bench/L.sqlite3); it is seeded on first use (minutes) and reused afterwards.
Delete the file to re-seed. Target: median under 100 ms.
"""

from __future__ import annotations

import argparse
import time

from _common import VAR, manage, setup_django, sqlite_url, summary

L_FILE = "L.sqlite3"


def ensure_l_database(url: str) -> None:
    path = VAR / L_FILE
    ready = VAR / (L_FILE + ".ready")
    if path.exists() and ready.exists():
        print(f"using cached L database {path} (delete it to re-seed)")
        return
    for suffix in ("", "-wal", "-shm"):
        (VAR / (L_FILE + suffix)).unlink(missing_ok=True)
    manage("migrate", "-v0", database_url=url)
    manage("createcachetable", database_url=url)
    wall, peak = manage("seed_demo", "--size", "L", "--no-progress", database_url=url)
    print(f"RESULT seed L on fresh SQLite: {wall:.1f} s wall; peak RSS {peak:.0f} MB")
    ready.write_text(f"{wall:.1f}\n")


def timed(client, path: str, n: int, **headers) -> dict[str, float]:
    for _ in range(10):  # warm caches, connections and the URL resolver
        response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path, **headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return summary(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    url = sqlite_url(L_FILE)
    ensure_l_database(url)
    setup_django(url)
    from django.test import Client

    from gongzhi.accounts.models import User
    from gongzhi.areas.models import Area
    from gongzhi.people.demo.logins import DEMO_PASSWORD
    from gongzhi.people.models import Resident

    print(f"L database: {Resident.objects.count():,} residents, {Area.objects.count():,} areas")
    client = Client()
    rows = []

    def api_token(username: str) -> str:
        response = client.post(
            "/api/v1/auth/token", {"username": username, "password": DEMO_PASSWORD}, content_type="application/json"
        )
        assert response.status_code == 201, response.content
        return response.json()["token"]

    cases = [
        ("grid", "370211002001001", "长江瑞城网格 (grid worker)"),
        ("street", "370211001010007", "a 灵山卫 grid (street staff)"),
    ]
    health = timed(client, "/healthz", args.n)
    rows.append(("GET /healthz", health))
    for username, code, label in cases:
        size = Resident.objects.filter(area_code__startswith=code).count()
        token = api_token(username)
        path = f"/api/v1/residents?area={code}&limit=50"
        rows.append(
            (
                f"GET {path} — {label}, {size:,} residents",
                timed(client, path, args.n, HTTP_AUTHORIZATION=f"Bearer {token}"),
            )
        )
        web = Client()
        web.force_login(User.objects.get(username=username))
        page = f"/people/residents/?area={code}"
        rows.append((f"GET {page} — {label} (web page)", timed(web, page, args.n)))
    for label, s in rows:
        ratio = s["median"] / health["median"]
        print(f"RESULT {label}: median {s['median']:.1f} ms, p95 {s['p95']:.1f} ms (n={s['n']}, {ratio:.1f}× healthz)")


if __name__ == "__main__":
    main()
