"""Roster imports and exports. An import is a job: started from a page, the API or the command line, run by the
background worker (or in the command itself), validated in full before anything is written. The job's status
moves only through the table `ROSTER_IMPORT` on the core state-machine helper."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.files import File
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.codes import deepest_code_in
from gongzhi.areas.models import Area
from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ValidationFailed
from gongzhi.rosters import exporters, importers, selectors
from gongzhi.rosters.columns import SHEETS

# The job's lifecycle and the worker's run live in import_job (the task calls it; this module enqueues the task).
from gongzhi.rosters.import_job import ROSTER_IMPORT as ROSTER_IMPORT
from gongzhi.rosters.import_job import Progress as Progress
from gongzhi.rosters.import_job import enqueue_run
from gongzhi.rosters.import_job import roster_import_commit_good_rows as roster_import_commit_good_rows
from gongzhi.rosters.import_job import roster_import_run as roster_import_run
from gongzhi.rosters.models import ImportJob, ImportMode, RosterKind

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def _common_scope(codes: list[str]) -> str:
    """The longest area code covering every code the importer reaches ('' when that is everything)."""
    if not codes or "" in codes:
        return ""
    prefix = os.path.commonprefix(codes)  # noqa: RUF071 - area codes are prefixes by design
    return deepest_code_in(prefix)


def _clean_choice(value: str, choices: Any, field: str, message: str) -> str:
    value = (value or "").strip()
    if value not in choices.values:
        raise ValidationFailed(message % {"v": value or "—"}, field=field)
    return value


def roster_import_start(
    *, actor: User, kind: str, upload: Any, mode: str = ImportMode.ALL_OR_NOTHING, enqueue: bool = True
) -> ImportJob:
    """Check the file's type and headers now (a wrong file is refused at once), then queue the row-by-row work."""
    kind = _clean_choice(
        kind, RosterKind, "kind", _("名册类型应为 households、residents 或 party_members，而不是 %(v)s")
    )
    mode = _clean_choice(mode, ImportMode, "mode", _("导入方式应为 all_or_nothing 或 good_rows，而不是 %(v)s"))
    selectors.require_importer(actor, kind)
    if upload is None:
        raise ValidationFailed(_("请选择要上传的 Excel 文件"), field="file")
    if getattr(upload, "size", 0) and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(_("文件过大（最多 50 MB），请拆分后上传"), field="file")
    upload.seek(0)
    importers.check_file(upload, kind)
    upload.seek(0)
    name = os.path.basename(getattr(upload, "name", "") or "roster.xlsx")
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            mode=mode,
            created_by=actor,
            original_name=name[:200],
            area_code=_common_scope(rules.scope_codes(actor, SHEETS[kind].rule)),
            created_at=clock.now(),
        )
        # The stored name is ours: uploaded names may carry anything.
        job.file.save(f"{kind}-{clock.now():%Y%m%d%H%M%S}.xlsx", File(upload), save=False)
        job.save()
        if enqueue:
            transaction.on_commit(lambda: enqueue_run(job.pk))
    return job


def roster_export(
    *, actor: User, kind: str, area: Area, unmasked: bool = False, request: HttpRequest | None = None
) -> tuple[Path, int]:
    """An xlsx of what `actor` may see below `area`, masked unless they may unmask (then it is audited)."""
    qs = selectors.export_queryset(user=actor, kind=kind, area=area)
    if unmasked:
        rules.require(actor, "people.unmask", area.code)
    path, count = exporters.write_export(kind, qs, unmasked=unmasked)
    audit_record(
        actor=actor,
        action="roster.export_unmasked" if unmasked else "roster.export",
        target=area,
        area_code=area.code,
        data={"kind": kind, "rows": count},
        request=request,
    )
    return path, count
