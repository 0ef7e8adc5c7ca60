"""Create the PostgreSQL database that DATABASE_URL names when the server answers and the database is missing.

Run by scripts/setup_and_run.sh before `migrate`; does nothing for SQLite or when the database exists. Exits 1 with
a message naming the server and the database when it cannot connect or may not create it."""

from __future__ import annotations

import os
import sys

import dj_database_url
import psycopg
from psycopg import sql


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return 0
    cfg = dj_database_url.parse(url)
    name = cfg["NAME"]
    where = f"{cfg.get('HOST') or 'localhost'}:{cfg.get('PORT') or 5432}"
    params = {
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
        "connect_timeout": 10,
    }
    try:
        with psycopg.connect(dbname=name, **params):
            return 0
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            print(
                f"无法连接 PostgreSQL {where} / cannot reach PostgreSQL at {where}: {str(exc).strip()}", file=sys.stderr
            )
            return 1
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        print(
            f"数据库 {name} 不存在且无法创建 / database {name} does not exist on {where} and could not be created: "
            f"{str(exc).strip()}",
            file=sys.stderr,
        )
        return 1
    print(f"已创建数据库 {name} / created database {name} on {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
