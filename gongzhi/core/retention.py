"""Retention of what core keeps: the audit log past `AUDIT_RETENTION_DAYS`, export files left behind.

The audit log is append-only for everyone (`AppendOnlyQuerySet` refuses `update` and `delete`); this module is the
one place that removes rows from it, and only those older than the configured period, which settings refuse to set
below the legal minimum (网络安全法 art. 21: network logs kept at least six months; docs/operations.md "Retention").
Each pass that deletes writes one audit row saying how many went and up to when, so the log records its own
pruning.

Exports (roster and inspection workbooks, a roster import's error workbook before it is stored) are written to the
temporary directory and removed once the response has sent them; a worker killed in between leaves the file behind.
`exports_purge` removes such files older than `EXPORT_RETENTION_HOURS`, by the prefixes the exporters use.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import models, transaction

from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.models import AuditEvent

# The prefixes of every temporary file an exporter or importer writes (rosters/exporters.py, rosters/importers.py,
# inspections/exports.py); tests/privacy/test_retention.py checks the list against the code.
EXPORT_PREFIXES = ("roster-", "inspections-export-")  # roster-export-, roster-errors-, roster-….spill
AUDIT_BATCH = 10_000


def audit_cutoff(at: dt.datetime | None = None) -> dt.datetime | None:
    """Audit events before this time are past retention; None while they are kept for ever (0 days)."""
    days = int(settings.AUDIT_RETENTION_DAYS)
    if days <= 0:
        return None
    if days < settings.AUDIT_RETENTION_MIN_DAYS:  # settings refuse this at start-up; a test override may not
        raise ValueError(f"AUDIT_RETENTION_DAYS={days} is below the legal minimum {settings.AUDIT_RETENTION_MIN_DAYS}")
    return (at or clock.now()) - dt.timedelta(days=days)


def audit_purge(*, at: dt.datetime | None = None, batch: int = AUDIT_BATCH) -> int:
    """Delete audit events older than the retention period, in batches; returns how many went."""
    cutoff = audit_cutoff(at)
    if cutoff is None:
        return 0
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                AuditEvent.objects.filter(occurred_at__lt=cutoff).order_by("id").values_list("id", flat=True)[:batch]
            )
            if not ids:
                break
            # The plain QuerySet's delete: the append-only manager refuses it to everyone else.
            n, _ = models.QuerySet(model=AuditEvent).filter(pk__in=ids).delete()
            deleted += n
    if deleted:
        audit_record(
            actor=None,
            action="retention.audit_purged",
            target_type="core.auditevent",
            data={"deleted": deleted, "before": cutoff.isoformat(), "days": int(settings.AUDIT_RETENTION_DAYS)},
        )
    return deleted


def exports_purge(*, at: dt.datetime | None = None, directory: Path | None = None) -> int:
    """Remove export and import spill files older than `EXPORT_RETENTION_HOURS` from the temporary directory."""
    folder = directory or Path(tempfile.gettempdir())
    now = (at or clock.now()).timestamp()
    cutoff = now - int(settings.EXPORT_RETENTION_HOURS) * 3600
    removed = 0
    for path in folder.iterdir():
        if not path.name.startswith(EXPORT_PREFIXES) or not path.is_file():
            continue
        if not path.name.endswith((".xlsx", ".spill")):
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed by its response meanwhile
            continue
    return removed
