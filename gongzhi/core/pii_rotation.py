"""Rotating PII_KEY: every encrypted field re-encrypted and every lookup hash recomputed under the new key.

The platform runs with PII_KEY = the new key and PII_KEY_PREVIOUS = the old one while `manage.py rotate_pii_key`
walks every model with `<name>_encrypted` fields (and their `<name>_hash` siblings) in primary-key order, a batch per
transaction, the batch's rows locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's one writer) so a concurrent edit
is never overwritten with a stale value. Meanwhile `pii.decrypt` reads either key and lookups match either hash
(`pii.lookup_hashes`). After each batch the run records the last primary key done in its PiiKeyRotation row, so a
run that stopped — an error, a kill, a reboot — resumes there. A second run is refused while the first holds the
row (locked, or its heartbeat fresher than the lease). docs/operations.md "Rotating PII_KEY".
"""

import datetime as dt
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import DatabaseError, models, transaction

from gongzhi.core import clock, pii
from gongzhi.core.models import PiiKeyRotation

LEASE_SECONDS = 300
BATCH_SIZE = 500
ENCRYPTED, HASH = "_encrypted", "_hash"


class RotationError(Exception):
    """A rotation refused or stopped; the message says why in Chinese and English."""


@dataclass(frozen=True)
class FieldGroup:
    """The personal-data columns of one model: bases with `<base>_encrypted`, some also with `<base>_hash`."""

    model: type[models.Model]
    bases: tuple[str, ...]
    hashed: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def columns(self) -> list[str]:
        return [b + ENCRYPTED for b in self.bases] + [b + HASH for b in self.hashed]


def field_groups() -> list[FieldGroup]:
    """Every concrete model with encrypted fields, found by the naming convention (so a new one is not missed)."""
    groups = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = {f.attname for f in model._meta.concrete_fields}
        bases = tuple(sorted(n.removesuffix(ENCRYPTED) for n in names if n.endswith(ENCRYPTED)))
        if bases:
            groups.append(FieldGroup(model, bases, tuple(b for b in bases if b + HASH in names)))
    return sorted(groups, key=lambda g: g.label)


def _needs_recovery(group: FieldGroup) -> models.Q | None:
    """Rows with a hash but no encrypted value (registrations from before the number was kept)."""
    q = None
    for base in group.hashed:
        part = models.Q(**{base + ENCRYPTED: ""}) & ~models.Q(**{base + HASH: ""})
        q = part if q is None else q | part
    return q


def _recover(base: str, stored_hash: str, groups: Iterable[FieldGroup]) -> str | None:
    """The value behind `stored_hash`, from another row that holds it encrypted under the same hash."""
    for group in groups:
        if base in group.hashed:
            token = (
                group.model._base_manager.filter(**{base + HASH: stored_hash})
                .exclude(**{base + ENCRYPTED: ""})
                .values_list(base + ENCRYPTED, flat=True)
                .first()
            )
            if token:
                return pii.decrypt(token)
    return None


def _rewrite(group: FieldGroup, row: dict[str, Any], groups: list[FieldGroup]) -> tuple[dict[str, Any], list[str]]:
    """The columns of `row` under the current key, and the bases whose value could not be recovered."""
    new: dict[str, Any] = {}
    lost = []
    for base in group.bases:
        token = row[base + ENCRYPTED]
        plain = None
        if token:
            try:
                plain = pii.decrypt(token)
            except InvalidToken:
                raise RotationError(
                    f"{group.label} #{row['pk']} 的 {base} 在 PII_KEY 与 PII_KEY_PREVIOUS 下都无法解密 / "
                    f"{group.label} #{row['pk']} {base} decrypts under neither PII_KEY nor PII_KEY_PREVIOUS: is "
                    "PII_KEY_PREVIOUS the key in use before this rotation?"
                ) from None
            if not pii.is_current(token):
                new[base + ENCRYPTED] = pii.encrypt(plain)
        elif base in group.hashed and row[base + HASH]:
            plain = _recover(base, row[base + HASH], groups)
            if plain is None:
                lost.append(base)
            else:
                new[base + ENCRYPTED] = pii.encrypt(plain)
        if base in group.hashed and plain is not None:
            fresh = pii.lookup_hash(plain)
            if fresh != row[base + HASH]:
                new[base + HASH] = fresh
    return new, lost


def _write(group: FieldGroup, changes: dict[Any, dict[str, Any]]) -> None:
    manager = group.model._base_manager
    for pk, values in changes.items():
        manager.filter(pk=pk).update(**values)


def _rows(group: FieldGroup, qs: models.QuerySet[Any]) -> list[dict[str, Any]]:
    return list(qs.values("pk", *group.columns))


def bring_forward(model: type[models.Model], base: str, values: Iterable[str]) -> int:
    """Rotate now the rows of `model` whose `<base>_hash` is a previous-key hash of one of `values`.

    For writers that match rows by hash in bulk (the roster importers): afterwards their lookups by the current
    hash find those rows. A no-op when no rotation is under way. Call inside the writer's transaction.
    """
    keys = pii.keys_in_use()
    if len(keys) < 2:
        return 0
    old = [pii.lookup_hashes(v)[1] for v in values if v]
    if not old:
        return 0
    groups = field_groups()
    group = next(g for g in groups if g.model is model)
    qs = model._base_manager.select_for_update().filter(**{base + HASH + "__in": old}).order_by("pk")
    changes = {}
    for row in _rows(group, qs):
        new, _lost = _rewrite(group, row, groups)
        if new:
            changes[row["pk"]] = new
    _write(group, changes)
    return len(changes)


# ---------------------------------------------------------------------------------------------------------------
# The run


def _keys() -> tuple[str, str]:
    keys = pii.keys_in_use()
    if len(keys) < 2:
        raise RotationError(
            "没有要轮换的旧密钥：请把新密钥设为 PII_KEY、旧密钥设为 PII_KEY_PREVIOUS，重启各进程后再运行 / nothing to "
            "rotate from: set PII_KEY to the new key and PII_KEY_PREVIOUS to the old one, restart every process, "
            "then run this again"
        )
    return pii.key_id(keys[0]), pii.key_id(keys[1])


def current_rotation() -> PiiKeyRotation | None:
    """The record of the rotation towards the current PII_KEY, if one was started."""
    return PiiKeyRotation.objects.filter(key_id=pii.key_id(pii.keys_in_use()[0])).first()


def _claim(owner: str, lease_seconds: int, take_over: bool) -> PiiKeyRotation:
    new_id, old_id = _keys()
    now = clock.now()
    with transaction.atomic():
        PiiKeyRotation.objects.get_or_create(key_id=new_id, defaults={"previous_key_id": old_id})
        try:
            state = PiiKeyRotation.objects.select_for_update(nowait=True).get(key_id=new_id)
        except DatabaseError:
            raise RotationError(
                "另一次密钥轮换正在运行（其记录已被锁定），本次未做任何更改 / another rotation is running (its record "
                "is locked); this one changed nothing"
            ) from None
        if state.finished_at is not None:
            return state
        if state.previous_key_id != old_id:
            raise RotationError(
                f"这次轮换从密钥 {state.previous_key_id} 开始，而 PII_KEY_PREVIOUS 现在是 {old_id}；请恢复当时的旧密钥 / "
                f"this rotation started from key {state.previous_key_id} but PII_KEY_PREVIOUS is now {old_id}: set "
                "the old key it started from"
            )
        beat = state.heartbeat_at
        if state.owner and beat is not None and beat > now - dt.timedelta(seconds=lease_seconds) and not take_over:
            raise RotationError(
                f"另一次密钥轮换正在运行（{state.owner}，最近心跳 {beat:%Y-%m-%d %H:%M:%S}），本次未做任何"
                f"更改 / another rotation is running ({state.owner}, last heartbeat {beat.isoformat()}); "
                f"this one changed nothing. If that process is gone, wait {lease_seconds} s or pass --take-over"
            )
        state.owner, state.heartbeat_at = owner, now
        state.save(update_fields=["owner", "heartbeat_at"])
    return state


def _locked_state(pk: int, owner: str) -> PiiKeyRotation:
    state = PiiKeyRotation.objects.select_for_update().get(pk=pk)
    if state.owner != owner:
        raise RotationError(
            f"另一进程（{state.owner or '无'}）接管了这次轮换，本进程停止 / another process ({state.owner or 'none'}) "
            "took this rotation over; this one stops"
        )
    return state


Progress = Callable[[FieldGroup, int, int], None]  # group, rows done in this batch, rows left at the start


def _quiet(group: FieldGroup, done: int, total: int) -> None:
    pass


def rotate(
    *,
    batch_size: int = BATCH_SIZE,
    lease_seconds: int = LEASE_SECONDS,
    take_over: bool = False,
    progress: Progress = _quiet,
    on_group: Callable[[FieldGroup, int], None] | None = None,
) -> PiiKeyRotation:
    """Run (or resume) the rotation to PII_KEY; return its finished record."""
    if batch_size < 1:
        raise RotationError("批量大小至少为 1 / the batch size must be at least 1")
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:128]
    state = _claim(owner, lease_seconds, take_over)
    if state.finished_at is not None:
        return state
    finished = False
    try:
        groups = field_groups()
        # Rows whose value must be recovered from another model go first, while that model still carries the
        # previous key's hashes.
        recovery = {g.label: bool(q is not None and g.model._base_manager.filter(q).exists())
                    for g in groups if (q := _needs_recovery(g)) is not None}  # fmt: skip
        groups.sort(key=lambda g: (not recovery.get(g.label, False), g.label))
        for group in groups:
            _rotate_group(state.pk, group, groups, owner, batch_size, progress, on_group)
        with transaction.atomic():
            state = _locked_state(state.pk, owner)
            state.finished_at, state.owner, state.heartbeat_at = clock.now(), "", clock.now()
            state.save(update_fields=["finished_at", "owner", "heartbeat_at"])
        finished = True
        return state
    finally:
        if not finished:  # stopped by an error: let a new run resume at once
            PiiKeyRotation.objects.filter(pk=state.pk, owner=owner).update(owner="")


def _rotate_group(
    pk: int,
    group: FieldGroup,
    groups: list[FieldGroup],
    owner: str,
    batch_size: int,
    progress: Progress,
    on_group: Callable[[FieldGroup, int], None] | None,
) -> None:
    manager = group.model._base_manager
    mark = PiiKeyRotation.objects.get(pk=pk).progress.get(group.label, {})
    if mark.get("done"):
        return
    total = manager.filter(pk__gt=mark.get("last", 0)).count()
    if on_group is not None:
        on_group(group, total)
    while True:
        with transaction.atomic():
            state = _locked_state(pk, owner)
            mark = state.progress.get(group.label, {"last": 0, "done": False})
            qs = manager.select_for_update().filter(pk__gt=mark["last"]).order_by("pk")[:batch_size]
            rows = _rows(group, qs)
            changes, lost = {}, []
            for row in rows:
                new, gone = _rewrite(group, row, groups)
                if new:
                    changes[row["pk"]] = new
                lost += [row["pk"]] * bool(gone)
            _write(group, changes)
            if rows:
                mark = {"last": rows[-1]["pk"], "done": len(rows) < batch_size}
            else:
                mark = {"last": mark["last"], "done": True}
            if lost or "unrecovered" in state.progress.get(group.label, {}):
                mark["unrecovered"] = state.progress.get(group.label, {}).get("unrecovered", []) + lost
            state.progress[group.label] = mark
            state.rows_rewritten += len(changes)
            state.heartbeat_at = clock.now()
            state.save(update_fields=["progress", "rows_rewritten", "heartbeat_at"])
        progress(group, len(rows), total)
        if mark["done"]:
            return


def unrecovered(state: PiiKeyRotation) -> dict[str, list[int]]:
    """Rows whose hash could not be recomputed (no stored value, none elsewhere): label → primary keys."""
    return {label: mark["unrecovered"] for label, mark in state.progress.items() if mark.get("unrecovered")}
