"""Retention of uploaded roster workbooks (PIPL art. 19: kept no longer than their purpose needs).

An uploaded workbook holds the ID and phone numbers of everyone in it in clear text; once its import has finished
(done, rejected or failed) and `UPLOAD_RETENTION_DAYS` have passed, the daily `sweep_retention` deletes the file,
its error workbook and its progress file, and empties the job's kept bad-row reasons. The job row stays, with its
counts and a note, so the history of who imported what remains; the page and the API then say the file is gone.
A job still running, or rejected and still waiting for "import the good rows" inside the period, keeps its file.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.rosters.models import RUNNING_STATUSES, ImportJob
from gongzhi.rosters.progress import progress_clear

BATCH = 500


def _delete_files(storage: Storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


def upload_cutoff(at: dt.datetime | None = None) -> dt.datetime:
    return (at or clock.now()) - dt.timedelta(days=int(settings.UPLOAD_RETENTION_DAYS))


def expired_jobs(at: dt.datetime | None = None) -> list[int]:
    """Finished jobs past the period that still hold a file: their ids, oldest first."""
    cutoff = upload_cutoff(at)
    ended_before = Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    return list(
        ImportJob.objects.filter(ended_before)
        .exclude(status__in=RUNNING_STATUSES)
        .exclude(file="", error_file="")
        .order_by("id")
        .values_list("id", flat=True)[:BATCH]
    )


def uploads_purge(*, at: dt.datetime | None = None) -> int:
    """Delete the workbooks of finished imports past the period; returns how many jobs lost their files."""
    purged = 0
    while ids := expired_jobs(at):
        for job_id in ids:
            with transaction.atomic():
                job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
                if job is None or job.status in RUNNING_STATUSES:
                    continue
                names = [f.name for f in (job.file, job.error_file) if f and f.name]
                # The files go after the commit: a rolled-back pass leaves the row pointing at a file that exists.
                transaction.on_commit(functools.partial(_delete_files, job.file.storage, names))
                job.file.name, job.error_file.name = "", ""
                job.errors = []
                note = _("上传文件与错误清单已按保留期限删除")
                job.message = f"{job.message}\n{note}".strip()
                job.save(update_fields=["file", "error_file", "errors", "message"])
                progress_clear(job.pk)
                audit_record(
                    actor=None,
                    action="retention.upload_deleted",
                    target=job,
                    area_code=job.area_code,
                    data={"files": len(names), "days": int(settings.UPLOAD_RETENTION_DAYS)},
                )
                purged += 1
    return purged
