"""Encrypted, dated backups of the database and the media files; their retention; restore into an empty database.

An archive is a gzip-compressed tar stream (manifest.json, the database snapshot, media/…) encrypted in 1 MiB
chunks with AES-256-GCM under a key derived from BACKUP_KEY (HKDF-SHA256, a fresh salt per archive). Each chunk's
nonce carries its number and a last-chunk flag, and the header is authenticated with every chunk, so a wrong key, a
flipped byte, reordered, dropped or truncated chunks are all refused. Restore decrypts and checks the whole archive
before it touches the target, and refuses a target database that has any table or a media directory with files.

SQLite is copied with its online backup API (a consistent snapshot while the platform keeps writing); PostgreSQL
with `pg_dump --format=custom` under a snapshot exported from a REPEATABLE READ transaction, in which the row
counts of the manifest are taken too, so the counts describe exactly the dumped data. docs/operations.md.
"""

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connections

MAGIC = b"GONGZHI-BACKUP-1\n"
SALT_BYTES = 16
PREFIX_BYTES = 7
CHECK_BYTES = 16
HEADER_BYTES = len(MAGIC) + SALT_BYTES + PREFIX_BYTES + CHECK_BYTES
CHUNK_BYTES = 1 << 20
FORMAT_VERSION = 1
SUFFIX = ".gzbackup"
NAME_RE = re.compile(r"^gongzhi-(\d{8}T\d{6}Z)" + re.escape(SUFFIX) + "$")
SQLITE_FILE = "database/db.sqlite3"
PG_FILE = "database/db.dump"

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why in Chinese and English."""


def _quiet(_message: str) -> None:
    pass


# ---------------------------------------------------------------------------------------------------------------
# The encrypted container


def _keys(secret: str, salt: bytes) -> tuple[bytes, bytes]:
    material = HKDF(algorithm=hashes.SHA256(), length=64, salt=salt, info=b"gongzhi-backup-v1").derive(secret.encode())
    return material[:32], material[32:]


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """A write-only stream that encrypts what it is given into `out`, chunk by chunk."""

    def __init__(self, out: IO[bytes], secret: str) -> None:
        super().__init__()
        salt, self._prefix = os.urandom(SALT_BYTES), os.urandom(PREFIX_BYTES)
        key, check_key = _keys(secret, salt)
        self._aead = AESGCM(key)
        self._header = MAGIC + salt + self._prefix + hmac.new(check_key, b"key-check", "sha256").digest()[:CHECK_BYTES]
        self._out = out
        self._buffer = bytearray()
        self._counter = 0
        out.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK_BYTES:
            self._emit(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), chunk, self._header)
        self._out.write((b"\x01" if last else b"\x00") + struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1

    def finish(self) -> None:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()


def decrypt_to(source: Path, secret: str, out: IO[bytes]) -> None:
    """Decrypt the archive `source` into `out`, or raise BackupError saying what is wrong with it."""
    name = source.name
    try:
        stream = source.open("rb")
    except OSError as exc:
        raise BackupError(f"无法读取备份文件 {source} / cannot read the archive {source}: {exc.strerror}") from None
    with stream:
        header = stream.read(HEADER_BYTES)
        if not header.startswith(MAGIC) or len(header) < HEADER_BYTES:
            raise BackupError(f"{name} 不是公治备份文件 / {name} is not a Gongzhi backup archive")
        salt = header[len(MAGIC) : len(MAGIC) + SALT_BYTES]
        prefix = header[len(MAGIC) + SALT_BYTES : len(MAGIC) + SALT_BYTES + PREFIX_BYTES]
        key, check_key = _keys(secret, salt)
        expected = hmac.new(check_key, b"key-check", "sha256").digest()[:CHECK_BYTES]
        if not hmac.compare_digest(expected, header[-CHECK_BYTES:]):
            raise BackupError(
                f"BACKUP_KEY 与备份 {name} 的密钥不符 / BACKUP_KEY is not the key {name} was made with: "
                "set the key that was in use when the backup was taken"
            )
        aead = AESGCM(key)
        counter = 0
        while True:
            head = stream.read(5)
            if len(head) < 5:
                raise BackupError(f"备份 {name} 不完整（被截断）/ the archive {name} is truncated")
            last, size = head[0] == 1, struct.unpack(">I", head[1:])[0]
            if head[0] not in (0, 1) or size > CHUNK_BYTES + 16:
                raise BackupError(f"备份 {name} 已损坏 / the archive {name} is corrupt (bad chunk header)")
            sealed = stream.read(size)
            try:
                out.write(aead.decrypt(_nonce(prefix, counter, last), sealed, header))
            except InvalidTag:
                raise BackupError(
                    f"备份 {name} 已损坏或被篡改（第 {counter + 1} 块校验失败）/ the archive {name} is corrupt or "
                    f"was altered (chunk {counter + 1} fails its check)"
                ) from None
            counter += 1
            if last:
                break
        if stream.read(1):
            raise BackupError(f"备份 {name} 末尾有多余数据 / the archive {name} has data after its end")


# ---------------------------------------------------------------------------------------------------------------
# Taking a backup


@dataclass(frozen=True)
class BackupResult:
    path: Path
    tables: dict[str, int]
    media_files: int
    size: int
    pruned: list[Path]


def archive_name(at: dt.datetime) -> str:
    return f"gongzhi-{at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}{SUFFIX}"


def _engine(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"不支持的数据库 {vendor} / unsupported database {vendor}")
    return vendor


def _sqlite_snapshot(alias: str, dest: Path, progress: Progress) -> dict[str, int]:
    connection = connections[alias]
    connection.ensure_connection()
    raw = connection.connection
    target = sqlite3.connect(dest)
    try:

        def report(status: int, remaining: int, total: int) -> None:
            progress(f"database: {total - remaining}/{total} pages")

        raw.backup(target, pages=4096, progress=report)
        names = [
            row[0]
            for row in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: target.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}  # noqa: S608
    finally:
        target.close()


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    env["PGDATABASE"] = str(settings_dict["NAME"])
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"找不到 {name}，请安装 PostgreSQL 客户端（apt-get install postgresql-client）/ {name} not found: install "
            "the PostgreSQL client (apt-get install postgresql-client), of the server's major version or newer"
        )
    return found


def _pg_run(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} 失败 / {what} failed: {result.stderr.strip()[-2000:]}")


def _pg_snapshot(alias: str, dest: Path, progress: Progress) -> dict[str, int]:
    connection = connections[alias]
    pg_dump = _pg_tool("pg_dump")
    # A connection of its own: the exported snapshot lives as long as this transaction, whatever Django's
    # default connection is doing.
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        with raw.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
            )
            names = [row[0] for row in cursor.fetchall()]
            counts = {}
            for name in names:
                cursor.execute(f'SELECT COUNT(*) FROM "{name}"')  # noqa: S608 - names from the catalogue
                counts[name] = cursor.fetchone()[0]
            progress(f"database: pg_dump of {len(names)} tables under snapshot {snapshot}")
            args = [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", "-f"]
            _pg_run([*args, str(dest)], _pg_env(connection.settings_dict), "pg_dump")
            cursor.execute("COMMIT")
    finally:
        raw.close()
    return counts


def _media_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_create(
    *,
    directory: Path,
    secret: str,
    alias: str = "default",
    media_root: Path | None = None,
    now: dt.datetime | None = None,
    progress: Progress = _quiet,
) -> BackupResult:
    """Write one archive into `directory` (created if missing) and return what it holds."""
    engine = _engine(alias)
    if connections[alias].in_atomic_block:
        # The snapshot is of committed data, taken by the database itself; inside a transaction SQLite's backup
        # of this very connection would wait for the transaction forever.
        raise BackupError("备份不能在事务中进行 / a backup cannot be taken inside a database transaction")
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    now = now or dt.datetime.now(dt.UTC)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / archive_name(now)
    if final.exists():
        raise BackupError(f"{final} 已存在 / {final} already exists")
    partial = final.with_name(final.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="gongzhi-backup-") as work:
        snapshot = Path(work) / "snapshot"
        if engine == "sqlite":
            tables = _sqlite_snapshot(alias, snapshot, progress)
            db_member = SQLITE_FILE
        else:
            tables = _pg_snapshot(alias, snapshot, progress)
            db_member = PG_FILE
        files = list(_media_files(media_root))
        media = {}
        for index, path in enumerate(files, 1):
            media[path.relative_to(media_root).as_posix()] = {"size": path.stat().st_size, "sha256": _sha256(path)}
            if index % 100 == 0 or index == len(files):
                progress(f"media: {index}/{len(files)} files read")
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": now.isoformat(),
            "engine": engine,
            "database": db_member,
            "database_sha256": _sha256(snapshot),
            "tables": tables,
            "media": media,
        }
        try:
            with partial.open("wb") as out:
                writer = EncryptingWriter(out, secret)
                with tarfile.open(fileobj=writer, mode="w|gz") as tar:
                    body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                    info = tarfile.TarInfo("manifest.json")
                    info.size, info.mtime = len(body), int(now.timestamp())
                    tar.addfile(info, io.BytesIO(body))
                    tar.add(snapshot, arcname=db_member)
                    progress("archive: database written")
                    for index, path in enumerate(files, 1):
                        tar.add(path, arcname="media/" + path.relative_to(media_root).as_posix())
                        if index % 100 == 0 or index == len(files):
                            progress(f"archive: {index}/{len(files)} media files written")
                writer.finish()
                out.flush()
                os.fsync(out.fileno())
            partial.replace(final)
        finally:
            partial.unlink(missing_ok=True)
    return BackupResult(path=final, tables=tables, media_files=len(files), size=final.stat().st_size, pruned=[])


# ---------------------------------------------------------------------------------------------------------------
# Retention


def archives(directory: Path) -> list[tuple[dt.datetime, Path]]:
    """The archives in `directory` by their names' UTC time, oldest first; other files are ignored."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = NAME_RE.match(path.name)
        if match and path.is_file():
            at = dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
            found.append((at, path))
    return sorted(found)


def retained(stamps: list[dt.datetime], *, keep_daily: int, keep_weekly: int) -> set[dt.datetime]:
    """The newest archive always; the newest of each of the last `keep_daily` days that have one; the newest of
    each of the last `keep_weekly` ISO weeks that have one (days and weeks in the platform's time zone)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(settings.TIME_ZONE)
    keep: set[dt.datetime] = set()
    if not stamps:
        return keep
    newest_first = sorted(stamps, reverse=True)
    keep.add(newest_first[0])

    def day(at: dt.datetime) -> Any:
        return at.astimezone(zone).date()

    def week(at: dt.datetime) -> Any:
        return tuple(at.astimezone(zone).isocalendar())[:2]

    for limit, bucket in ((keep_daily, day), (keep_weekly, week)):
        seen: set[Any] = set()
        for at in newest_first:
            key = bucket(at)
            if key not in seen:
                if len(seen) >= limit:
                    break
                seen.add(key)
                keep.add(at)
    return keep


def prune(directory: Path, *, keep_daily: int, keep_weekly: int) -> list[Path]:
    """Delete the archives the retention rule does not keep; return them."""
    if keep_daily < 1 or keep_weekly < 0:
        raise BackupError("保留规则无效：每日至少保留 1 份 / bad retention: keep at least 1 daily archive")
    found = archives(directory)
    keep = retained([at for at, _path in found], keep_daily=keep_daily, keep_weekly=keep_weekly)
    removed = [path for at, path in found if at not in keep]
    for path in removed:
        path.unlink()
    return removed


# ---------------------------------------------------------------------------------------------------------------
# Restoring


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    tables: int
    rows: int
    media_files: int


@contextmanager
def opened(archive: Path, secret: str, progress: Progress = _quiet) -> Iterator[tuple[dict[str, Any], Path]]:
    """Decrypt and unpack `archive` into a temporary directory; yield its manifest and the directory."""
    with tempfile.TemporaryDirectory(prefix="gongzhi-restore-") as work:
        plain = Path(work) / "archive.tar.gz"
        with plain.open("wb") as out:
            decrypt_to(archive, secret, out)
        progress("archive: decrypted and authenticated")
        unpacked = Path(work) / "unpacked"
        try:
            with tarfile.open(plain, mode="r:gz") as tar:
                tar.extractall(unpacked, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"备份内容无法解包 / the archive's contents cannot be unpacked: {exc}") from None
        try:
            manifest = json.loads((unpacked / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise BackupError("备份缺少清单 manifest.json / the archive has no readable manifest.json") from None
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"不支持的备份格式 {manifest.get('format')} / unsupported archive format")
        database = unpacked / manifest["database"]
        if not database.is_file() or _sha256(database) != manifest["database_sha256"]:
            raise BackupError("备份中的数据库文件与清单不符 / the archive's database file does not match its manifest")
        for name, meta in manifest["media"].items():
            path = unpacked / "media" / name
            if not path.is_file() or _sha256(path) != meta["sha256"]:
                raise BackupError(f"备份中的媒体文件 {name} 与清单不符 / media file {name} does not match the manifest")
        progress(f"archive: manifest of {len(manifest['tables'])} tables and {len(manifest['media'])} files checked")
        yield manifest, unpacked


def _target_tables(alias: str) -> list[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        return [row[0] for row in cursor.fetchall()]


def _count(alias: str, table: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - names from the manifest, checked below
        return int(cursor.fetchone()[0])


def check_target_empty(alias: str, media_root: Path) -> None:
    tables = _target_tables(alias)
    if tables:
        shown = ", ".join(tables[:5]) + ("…" if len(tables) > 5 else "")
        raise BackupError(
            f"目标数据库不是空的（已有 {len(tables)} 张表：{shown}），恢复只能写入新建的空数据库，未做任何更改 / the "
            f"target database is not empty ({len(tables)} tables: {shown}); restore only into a new, empty "
            "database — nothing was changed"
        )
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(
            f"媒体目录 {media_root} 不是空的，未做任何更改 / the media directory {media_root} is not empty; restore "
            "into an empty or missing MEDIA_ROOT — nothing was changed"
        )


def backup_restore(
    *, archive: Path, secret: str, alias: str = "default", media_root: Path | None = None, progress: Progress = _quiet
) -> RestoreResult:
    """Bring `archive` back into the empty database `alias` and the empty `media_root`."""
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    engine = _engine(alias)
    with opened(archive, secret, progress) as (manifest, unpacked):
        if manifest["engine"] != engine:
            raise BackupError(
                f"这是 {manifest['engine']} 的备份，不能恢复到 {engine} / this is a {manifest['engine']} backup; it "
                f"cannot be restored into {engine}"
            )
        if any(not re.fullmatch(r"[A-Za-z0-9_]+", name) for name in manifest["tables"]):
            raise BackupError("备份清单中的表名无效 / the manifest names an invalid table")
        check_target_empty(alias, media_root)
        database = unpacked / manifest["database"]
        connection = connections[alias]
        if engine == "sqlite":
            connection.ensure_connection()
            source = sqlite3.connect(database)
            try:
                source.backup(connection.connection, pages=4096)
            finally:
                source.close()
        else:
            pg_restore = _pg_tool("pg_restore")
            args = [pg_restore, "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges"]
            _pg_run([*args, "-d", str(connection.settings_dict["NAME"]), str(database)],
                    _pg_env(connection.settings_dict), "pg_restore")  # fmt: skip
        progress("database: restored")
        counts = {name: _count(alias, name) for name in manifest["tables"]}
        wrong = {
            name: (count, manifest["tables"][name])
            for name, count in counts.items()
            if count != manifest["tables"][name]
        }
        if wrong:
            raise BackupError(f"恢复后的行数与清单不符 / row counts after restore differ from the manifest: {wrong}")
        progress(f"database: {sum(counts.values()):,} rows in {len(counts)} tables match the manifest")
        if manifest["media"]:
            media_root.mkdir(parents=True, exist_ok=True)
            shutil.copytree(unpacked / "media", media_root, dirs_exist_ok=True)
        progress(f"media: {len(manifest['media'])} files restored into {media_root}")
    return RestoreResult(
        manifest=manifest, tables=len(counts), rows=sum(counts.values()), media_files=len(manifest["media"])
    )
