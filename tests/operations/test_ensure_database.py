"""scripts/ensure_database.py, run by README's first command before `migrate`: a PostgreSQL DATABASE_URL naming a
database that does not exist yet gets it created; a second run, SQLite, or an existing database change nothing;
a server that does not answer is a clear message and exit status 1."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
from django.db import connection

from tests.concurrency import postgres_only

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure_database.py"


def _run(url: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=url)
    return subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def test_sqlite_is_left_alone():
    done = _run("sqlite:///var/never-created.sqlite3")
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""


def test_a_server_that_does_not_answer_is_a_clear_failure():
    done = _run("postgres://postgres@127.0.0.1:1/gongzhi_nowhere")
    assert done.returncode == 1
    assert "cannot reach PostgreSQL at 127.0.0.1:1" in done.stderr and "无法连接" in done.stderr


@postgres_only
def test_a_missing_database_is_created_once():
    settings = connection.settings_dict
    name = f"gz_ensure_{uuid.uuid4().hex[:10]}"
    base = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    try:
        first = _run(f"{base}/{name}")
        assert first.returncode == 0, first.stderr
        assert f"created database {name}" in first.stdout
        again = _run(f"{base}/{name}")
        assert again.returncode == 0 and again.stdout == ""
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
