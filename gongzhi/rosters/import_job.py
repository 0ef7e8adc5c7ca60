"""The import job's lifecycle and the worker's run of it (the background task calls `roster_import_run`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from gongzhi.core import fsm
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.rosters import exporters, importers, selectors
from gongzhi.rosters.models import ERRORS_KEPT, ImportJob, ImportMode, ImportStatus
from gongzhi.rosters.progress import progress_clear, progress_write

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

logger = logging.getLogger("gongzhi.rosters.actions")

Progress = Callable[[str, int, int], None]


# ---------------------------------------------------------------------------------------------------------------
# The import job's lifecycle: pending → validating → importing → done; validating → rejected (bad rows,
# all-or-nothing) → pending again when the importer chooses to write the good rows; any running state → failed.
# The worker's moves are system moves; the row-level work between them runs outside these short transactions.

ImportStep = fsm.Step[ImportJob, "User"]
R = ImportStatus
# What validation and writing found, carried into the job row by the move that follows them.
RESULT_FIELDS = frozenset(
    {
        "total_rows",
        "processed_rows",
        "error_count",
        "errors",
        "error_file",
        "created_count",
        "updated_count",
        "unchanged_count",
        "message",
    }
)


def _start(step: ImportStep) -> None:
    step.obj.started_at = step.now
    step.fields.add("started_at")


def _carry(step: ImportStep) -> None:
    for name, value in step.data.items():
        setattr(step.obj, name, value)
        step.fields.add(name)


def _finish(step: ImportStep) -> None:
    _carry(step)
    step.obj.finished_at = step.now
    step.fields.add("finished_at")


def _retry_good_rows(step: ImportStep) -> None:
    job = step.obj
    if job.error_count >= job.total_rows:
        raise Conflict(_("这个文件没有正确的行可以导入"))
    if not job.file:  # rosters/retention.py deleted it after UPLOAD_RETENTION_DAYS
        raise Conflict(_("上传文件已按保留期限删除，请重新上传"))
    job.mode = ImportMode.GOOD_ROWS
    job.processed_rows = job.created_count = job.updated_count = job.unchanged_count = 0
    job.message = ""
    job.started_at = job.finished_at = None
    step.fields.update(
        {
            "mode",
            "processed_rows",
            "created_count",
            "updated_count",
            "unchanged_count",
            "message",
            "started_at",
            "finished_at",
        }
    )
    transaction.on_commit(lambda: enqueue_run(job.pk))


def _authorize(actor: User, job: ImportJob, name: str, move: fsm.Move[ImportJob, User]) -> PermissionDenied | None:
    if job.created_by_id != actor.pk:
        return PermissionDenied(_("只有导入人本人可以确认导入"))
    try:
        selectors.require_importer(actor, job.kind)
    except PermissionDenied as exc:
        return exc
    return None


def _event(step: ImportStep) -> AuditEvent | None:
    """The audit log is the job's event table; a finished run (written or refused) is recorded there."""
    if step.target not in (R.DONE, R.REJECTED):
        return None
    job = step.obj
    return audit_record(
        actor=job.created_by,
        action="roster.import",
        target=job,
        area_code=job.area_code,
        data={
            "kind": job.kind,
            "mode": job.mode,
            "status": job.status,
            "file": job.original_name,
            "total_rows": job.total_rows,
            "created": job.created_count,
            "updated": job.updated_count,
            "unchanged": job.unchanged_count,
            "errors": job.error_count,
        },
    )


RUNNING = {R.PENDING, R.VALIDATING, R.IMPORTING}
ROSTER_IMPORT: fsm.Lifecycle[ImportJob, User, AuditEvent | None] = fsm.Lifecycle(
    model=ImportJob,
    noun=gettext_lazy("导入任务"),
    state_field="status",
    moves={
        "start": fsm.Move({R.PENDING}, R.VALIDATING, "people.import", _start, label=gettext_lazy("开始校验")),
        "import": fsm.Move(
            {R.VALIDATING}, R.IMPORTING, "people.import", _carry, accepts=RESULT_FIELDS, label=gettext_lazy("开始写入")
        ),
        "reject": fsm.Move(
            {R.VALIDATING},
            R.REJECTED,
            "people.import",
            _finish,
            accepts=RESULT_FIELDS,
            label=gettext_lazy("有错误，未写入"),
        ),
        "finish": fsm.Move(
            {R.IMPORTING}, R.DONE, "people.import", _finish, accepts=RESULT_FIELDS, label=gettext_lazy("完成")
        ),
        "fail": fsm.Move(
            RUNNING, R.FAILED, "people.import", _finish, accepts=RESULT_FIELDS, label=gettext_lazy("失败")
        ),
        "retry_good_rows": fsm.Move(
            {R.REJECTED}, R.PENDING, "people.import", _retry_good_rows, label=gettext_lazy("只导入正确的行")
        ),
    },
    write_event=_event,
    authorize=_authorize,
    authorize_first=True,
    refused_as=Conflict,  # the job moved on meanwhile (run twice, committed twice): a conflict, not bad input
    locked=lambda: ImportJob.objects.select_related("created_by"),
    lock_of=("self",),
)


def _move(job_id: int, name: str, *, savepoint: bool = True, **data: Any) -> ImportJob:
    return fsm.transition(ROSTER_IMPORT, job_id, name, actor=None, system=True, data=data, savepoint=savepoint).obj


def _results(job: ImportJob) -> dict[str, Any]:
    found = {name: getattr(job, name) for name in RESULT_FIELDS}
    found["error_file"] = job.error_file.name or ""
    return found


def roster_import_commit_good_rows(*, actor: User, job: ImportJob) -> ImportJob:
    """After a rejected all-or-nothing run: validate again (the data may have moved on) and write the good rows."""
    return fsm.transition(ROSTER_IMPORT, job, "retry_good_rows", actor=actor).obj


class _Reporter:
    """Sends progress to the job row (validation), the progress file (writing) and an optional callback."""

    def __init__(self, job: ImportJob, callback: Progress | None, every: int = importers.CHUNK) -> None:
        self.job, self.callback, self.every = job, callback, every

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase == ImportStatus.VALIDATING:
            ImportJob.objects.filter(pk=self.job.pk).update(processed_rows=done, total_rows=total)
        else:
            progress_write(self.job.pk, phase=phase, done=done, total=total)
        if self.callback is not None:
            self.callback(phase, done, total)


def roster_import_run(*, job_id: int, on_progress: Progress | None = None) -> ImportJob:
    """Validate every row, write the error workbook, then write the good rows in one transaction (or none)."""
    try:
        job = _move(job_id, "start")
    except Conflict:
        return ImportJob.objects.select_related("created_by").get(
            pk=job_id
        )  # already run (delivered twice) or not waiting
    if job.error_file:
        job.error_file.delete(save=False)
    ctx = importers.Context(actor=job.created_by, kind=job.kind)
    report = _Reporter(job, on_progress)
    v: importers.Validation | None = None
    try:
        with job.file.open("rb") as fh:
            v = importers.validate(source=fh, kind=job.kind, ctx=ctx, progress=report)
        job.total_rows = job.processed_rows = v.total_rows
        job.error_count = v.error_count
        job.errors = v.first_errors(ERRORS_KEPT)
        if v.error_count:
            path = exporters.write_error_workbook(v)
            try:
                with open(path, "rb") as fh:
                    job.error_file.save(f"errors-{job.pk}.xlsx", File(fh), save=False)
            finally:
                path.unlink(missing_ok=True)
        if v.error_count and job.mode == ImportMode.ALL_OR_NOTHING:
            job.message = _("%(n)d 行有错误，未写入任何数据。请下载错误清单修改后重新上传，或选择只导入正确的行。") % {
                "n": v.error_count
            }
            return _move(job_id, "reject", **_results(job))
        job = _move(job_id, "import", **_results(job))
        with transaction.atomic():
            created, updated, unchanged = importers.write(v=v, ctx=ctx, progress=report)
            job.created_count, job.updated_count, job.unchanged_count = created, updated, unchanged
            return _move(job_id, "finish", savepoint=False, **_results(job))  # this transaction rolls back anyway
    except ValidationFailed as exc:
        return _fail(job, str(exc.message))
    except IntegrityError:
        # Another import or an edit created the same household or ID number between our check and our write.
        logger.warning("roster import %s collided with a concurrent write", job_id, exc_info=True)
        return _fail(job, _("导入期间有人同时修改了相同的记录，未写入任何数据。请重新导入。"))
    except Exception:
        logger.exception("roster import %s failed", job_id)
        return _fail(job, _("导入失败：处理文件时出现内部错误，未写入任何数据。请联系管理员。"))
    finally:
        if v is not None:
            v.discard()
        progress_clear(job_id)


def _fail(job: ImportJob, message: str) -> ImportJob:
    job.message = message
    return _move(job.pk, "fail", **_results(job))


# The task sits beside the run it starts, so the lifecycle (whose retry queues a new run) needs no import back.
@task()
def roster_import_task(job_id: int) -> str:
    return roster_import_run(job_id=job_id).status


def enqueue_run(job_id: int) -> None:
    roster_import_task.enqueue(job_id)
