"""`manage.py sweep_retention`: delete what is past its retention period (daily; docs/operations.md "Retention")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gongzhi.core import retention
from gongzhi.core.sweep import SweepCommand
from gongzhi.rosters.retention import uploads_purge


class Command(SweepCommand):
    help = (
        "Delete uploaded roster workbooks UPLOAD_RETENTION_DAYS after their import finished, export files left "
        "behind after EXPORT_RETENTION_HOURS, and audit events older than AUDIT_RETENTION_DAYS (never below the "
        "six months of the Cybersecurity Law; 0 keeps them). 按保留期限删除过期文件与审计日志。"
    )
    interval = 86_400
    at_help = "ISO time: delete what was past its period by then (not later than now)"

    def sweep(self, *, at: dt.datetime | None, options: dict[str, Any]) -> str | None:
        uploads = uploads_purge(at=at)
        exports = retention.exports_purge(at=at)
        audit = retention.audit_purge(at=at)
        return f"retention: {uploads} roster upload(s), {exports} export file(s), {audit} audit event(s) deleted"
