"""manage.py backup / restore: a seeded demo comes back whole into another database; bad input changes nothing."""

import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gongzhi.core import backup
from gongzhi.core.backup import BackupError
from tests.operations.fingerprint import fingerprint
from tests.operations.seeded import seed

ROOT = Path(__file__).resolve().parents[2]
KEY = "test-backup-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
KEPT_ENV = {"PATH", "HOME", "LANG", "LC_ALL", "PGHOST", "PGUSER", "PGPASSWORD", "PGPORT", "TMPDIR"}


def child_env(database_url: str, media_root: Path, key: str = KEY) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in KEPT_ENV}
    return env | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        "BACKUP_KEY": key,
        "CACHE_BACKEND": "locmem",
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def pg_admin():
    params = connection.settings_dict
    return psycopg.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


class Target:
    """An empty database of the test run's engine, outside the test database: a SQLite file or a PG database."""

    def __init__(self, tmp_path: Path, name: str) -> None:
        self.name = f"gongzhi_backup_{name}_{uuid.uuid4().hex[:8]}"
        self.media = tmp_path / f"media-{name}"
        if connection.vendor == "postgresql":
            with pg_admin() as admin:
                admin.execute(f'CREATE DATABASE "{self.name}"')
            p = connection.settings_dict
            self.url = f"postgres://{p['USER']}:{p['PASSWORD'] or ''}@{p['HOST'] or '127.0.0.1'}:{p['PORT'] or 5432}/{self.name}"
        else:
            self.path = tmp_path / f"{self.name}.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def tables(self) -> list[str]:
        if connection.vendor == "postgresql":
            with psycopg.connect(self.url) as conn:
                return [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        if not self.path.exists():
            return []
        with sqlite3.connect(self.path) as conn:
            return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]

    def drop(self) -> None:
        if connection.vendor == "postgresql":
            with pg_admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def targets(tmp_path):
    made: list[Target] = []

    def make(name: str) -> Target:
        made.append(Target(tmp_path, name))
        return made[-1]

    yield make
    for target in made:
        target.drop()


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_a_seeded_demo_is_backed_up_and_restored_whole_into_another_database(tmp_path, media, targets, settings):
    seed(media)
    settings.BACKUP_KEY = KEY
    before = fingerprint()
    assert before["counts"]["people_resident"] > 3000 and before["counts"]["core_posting"] >= 24
    assert len(before["chains"]) == 6 and all(ok for _b, _s, ok in before["ledger"].values())
    out = io.StringIO()
    call_command("backup", "--dir", str(tmp_path / "archives"), stdout=out)
    assert "database:" in out.getvalue() and "backup written" in out.getvalue() and "2 media files" in out.getvalue()
    (archive,) = (tmp_path / "archives").glob("gongzhi-*.gzbackup")
    assert KEY.encode() not in archive.read_bytes() and b"people_resident" not in archive.read_bytes()

    target = targets("restore")
    restored = run(["manage.py", "restore", str(archive)], child_env(target.url, target.media))
    assert restored.returncode == 0, restored.stderr
    assert "match the manifest" in restored.stdout and "2 media files" in restored.stdout
    read = run(["-m", "tests.operations.fingerprint"], child_env(target.url, target.media))
    assert read.returncode == 0, read.stderr
    after = json.loads(read.stdout)
    assert after["counts"] == before["counts"]
    assert after["ledger"] == before["ledger"]
    assert after["chains"] == json.loads(json.dumps(before["chains"], default=str))
    assert after["states"] == before["states"] and after["people"] == before["people"]
    for name in ("rosters/户籍名册.xlsx", "appeals/photo.jpg"):
        assert (target.media / name).read_bytes() == (media / name).read_bytes()

    # Again into the same, now full, database: refused, nothing changed.
    again = run(["manage.py", "restore", str(archive)], child_env(target.url, tmp_path / "media-empty"))
    assert again.returncode != 0
    assert "the target database is not empty" in again.stderr and "nothing was changed" in again.stderr
    assert json.loads(run(["-m", "tests.operations.fingerprint"], child_env(target.url, target.media)).stdout) == after

    # The wrong key, and a corrupted archive, into an empty database: refused, the database stays empty.
    empty = targets("empty")
    wrong = run(["manage.py", "restore", str(archive)], child_env(empty.url, empty.media, key="not-the-key"))
    assert wrong.returncode != 0 and "BACKUP_KEY is not the key" in wrong.stderr
    corrupt = tmp_path / archive.name.replace(".gzbackup", "-corrupt.gzbackup")
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x40
    corrupt.write_bytes(bytes(data))
    broken = run(["manage.py", "restore", str(corrupt)], child_env(empty.url, empty.media))
    assert broken.returncode != 0 and "is corrupt or was altered" in broken.stderr
    assert empty.tables() == [] and not empty.media.exists()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(tmp_path, media, settings, district):
    (media / "kept.txt").write_text("already here")
    settings.BACKUP_KEY = KEY
    result = backup.backup_create(directory=tmp_path, secret=KEY)
    before = fingerprint()
    with pytest.raises(CommandError, match="the target database is not empty"):
        call_command("restore", str(result.path), stdout=io.StringIO())
    assert fingerprint() == before
    assert (media / "kept.txt").read_text() == "already here"


@pytest.fixture
def archive(tmp_path, media, transactional_db):
    (media / "a.txt").write_text("一个文件")
    return backup.backup_create(directory=tmp_path / "archives", secret=KEY).path


def restore_into_nothing(path: Path, key: str = KEY) -> None:
    with backup.opened(path, key):
        pass


def test_the_wrong_key_is_named(archive):
    with pytest.raises(BackupError, match=r"BACKUP_KEY is not the key .* was made with"):
        restore_into_nothing(archive, "another-key")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b[: len(b) - 10], "truncated|corrupt"),
        (lambda b: b[: len(b) // 2], "truncated|corrupt"),
        (lambda b: b + b"extra", "data after its end"),
        (lambda b: b[:200] + bytes([b[200] ^ 1]) + b[201:], "corrupt or was altered"),
        (lambda b: b"PK\x03\x04" + b[4:], "is not a Gongzhi backup archive"),
        (lambda b: b"", "is not a Gongzhi backup archive"),
    ],
)
def test_a_damaged_archive_is_refused_with_the_reason(archive, damage, message):
    damaged = archive.with_name("damaged.gzbackup")
    damaged.write_bytes(damage(archive.read_bytes()))
    with pytest.raises(BackupError, match=message):
        restore_into_nothing(damaged)


def test_a_backup_inside_a_transaction_is_refused(tmp_path, db):
    with pytest.raises(BackupError, match="cannot be taken inside a database transaction"):
        backup.backup_create(directory=tmp_path, secret=KEY)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_archive_is_named(tmp_path):
    with pytest.raises(BackupError, match="cannot read the archive"):
        restore_into_nothing(tmp_path / "nope.gzbackup")


def test_an_archive_of_another_engine_is_refused(archive, monkeypatch, tmp_path):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    monkeypatch.setattr(backup, "_engine", lambda alias: other)
    with pytest.raises(BackupError, match=f"cannot be restored into {other}"):
        backup.backup_restore(archive=archive, secret=KEY, media_root=tmp_path / "m")


def test_a_chunked_stream_round_trips_across_chunk_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "CHUNK_BYTES", 1000)
    payload = os.urandom(4321)
    path = tmp_path / "x.gzbackup"
    with path.open("wb") as out:
        writer = backup.EncryptingWriter(out, KEY)
        writer.write(payload[:1500])
        writer.write(payload[1500:])
        writer.finish()
    plain = io.BytesIO()
    backup.decrypt_to(path, KEY, plain)
    assert plain.getvalue() == payload


UTC = dt.UTC


def at(day: str, hour: int = 2) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def test_retention_keeps_the_newest_of_each_recent_day_and_week(tmp_path):
    stamps = [at(f"2026-11-{d:02d}") for d in range(1, 31)] + [at("2026-11-30", 5)]
    for stamp in stamps:
        (tmp_path / backup.archive_name(stamp)).write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not an archive")
    removed = backup.prune(tmp_path, keep_daily=3, keep_weekly=3)
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == [
        "gongzhi-20261122T020000Z.gzbackup",  # the newest of ISO week 47 (Sunday the 22nd)
        "gongzhi-20261128T020000Z.gzbackup",  # days: the 28th, 29th (also week 48's newest) and 30th
        "gongzhi-20261129T020000Z.gzbackup",
        "gongzhi-20261130T050000Z.gzbackup",  # the newest of the 30th, the newest of all, week 49
        "notes.txt",
    ]
    assert len(removed) == len(stamps) - 4


def test_retention_refuses_to_keep_nothing(tmp_path):
    with pytest.raises(CommandError, match="keep at least 1 daily archive"):
        call_command("backup", "--dir", str(tmp_path), "--keep-daily", "0")
    assert list(tmp_path.iterdir()) == []


def test_backup_prunes_after_writing_and_reports_it(tmp_path, media, transactional_db, settings):
    settings.BACKUP_KEY = KEY
    old = tmp_path / backup.archive_name(dt.datetime(2020, 1, 1, tzinfo=UTC))
    old.write_bytes(b"old")
    out = io.StringIO()
    call_command("backup", "--dir", str(tmp_path), "--keep-daily", "1", "--keep-weekly", "0", stdout=out)
    assert not old.exists() and f"pruned {old.name}" in out.getvalue() and "1 archives pruned" in out.getvalue()
    assert len(backup.archives(tmp_path)) == 1
