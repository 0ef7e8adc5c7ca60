import datetime as dt
from typing import Literal, cast

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from gongzhi.accounts.auth import api_auth
from gongzhi.areas.selectors import area_get
from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.types import ApiRequest
from gongzhi.rosters import actions, exporters, selectors
from gongzhi.rosters.models import ImportJob

router = Router(tags=["rosters"], auth=api_auth)

Kind = Literal["households", "residents", "party_members"]
Mode = Literal["all_or_nothing", "good_rows"]
JobStatus = Literal["pending", "validating", "importing", "done", "rejected", "failed"]
_XLSX = {"200": {"description": "an .xlsx workbook", "content": {exporters.XLSX_MIME: {}}}}


class RowError(Schema):
    sheet: str
    row: int = Field(..., description="row number in Excel")
    reason: str


class ImportJobOut(Schema):
    id: int
    kind: Kind
    mode: Mode
    status: JobStatus = Field(
        ..., description="rejected = the file had bad rows and nothing was written (all_or_nothing)"
    )
    status_label: str
    file_name: str
    total_rows: int
    processed_rows: int = Field(..., description="rows validated, or rows written while importing")
    percent: int
    created: int
    updated: int
    unchanged: int
    error_count: int
    errors: list[RowError] = Field(..., description="the first 100 bad rows; the error workbook has all")
    message: str
    error_workbook_url: str | None
    can_commit_good_rows: bool
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def build(job: ImportJob) -> "ImportJobOut":
        progress = selectors.job_progress(job)
        return ImportJobOut(
            id=job.pk,
            # cast: the columns hold their choices' values, and the schema validates them again.
            kind=cast(Kind, job.kind),
            mode=cast(Mode, job.mode),
            status=cast(JobStatus, job.status),
            status_label=progress.label,
            file_name=job.original_name,
            total_rows=job.total_rows,
            processed_rows=progress.done,
            percent=progress.percent,
            created=job.created_count,
            updated=job.updated_count,
            unchanged=job.unchanged_count,
            error_count=job.error_count,
            errors=[RowError(**e) for e in job.errors],
            message=job.message,
            error_workbook_url=reverse("api:roster_error_workbook", args=[job.pk]) if job.error_file else None,
            can_commit_good_rows=job.can_commit_good_rows,
            created_at=job.created_at,
            finished_at=job.finished_at,
        )


@router.post(
    "/imports",
    response={202: ImportJobOut},
    summary="Upload a roster workbook; header and file-type errors answer 422 at once, rows are checked in the background",
)
def create_import(
    request: ApiRequest,
    file: File[UploadedFile],
    kind: Form[Kind],
    mode: Form[Mode] = "all_or_nothing",
) -> Status[ImportJobOut]:
    job = actions.roster_import_start(actor=request.auth, kind=kind, mode=mode, upload=file)
    job.refresh_from_db()
    return Status(202, ImportJobOut.build(job))


@router.get("/imports/{job_id}", response=ImportJobOut, summary="Progress and outcome of an import")
def get_import(request: ApiRequest, job_id: int) -> ImportJobOut:
    return ImportJobOut.build(selectors.job_get(user=request.auth, job_id=job_id))


@router.post(
    "/imports/{job_id}/commit-good-rows",
    response={202: ImportJobOut},
    summary="After a rejected import: validate again and write only the good rows",
)
def commit_good_rows(request: ApiRequest, job_id: int) -> Status[ImportJobOut]:
    job = selectors.job_get(user=request.auth, job_id=job_id)
    job = actions.roster_import_commit_good_rows(actor=request.auth, job=job)
    job.refresh_from_db()
    return Status(202, ImportJobOut.build(job))


@router.get(
    "/imports/{job_id}/error-workbook",
    url_name="roster_error_workbook",
    summary="The bad rows with their row numbers and reasons (.xlsx)",
    openapi_extra={"responses": _XLSX},
)
def error_workbook(request: ApiRequest, job_id: int) -> HttpResponse | FileResponse:
    job = selectors.job_get(user=request.auth, job_id=job_id)
    if not job.error_file:
        raise NotFound(_("这个导入任务没有错误清单"))
    return FileResponse(
        job.error_file.open("rb"),
        as_attachment=True,
        filename=f"errors-{job.pk}-{job.original_name}",
        content_type=exporters.XLSX_MIME,
    )


class ExportQuery(Schema):
    kind: Kind
    area: str = Field(..., pattern=r"^\d{6,17}$", description="area code; the export covers its subtree")
    unmasked: bool = Field(False, description="full ID and phone numbers; needs people.unmask and is audited")


@router.get(
    "/exports",
    summary="Download a roster of what you may see below an area (.xlsx, masked unless unmasked=true)",
    openapi_extra={"responses": _XLSX},
)
def export(request: ApiRequest, q: Query[ExportQuery]) -> HttpResponse | FileResponse:
    area = area_get(code=q.area)
    path, _rows = actions.roster_export(
        actor=request.auth, kind=q.kind, area=area, unmasked=q.unmasked, request=request
    )
    return exporters.file_response(path, f"{q.kind}-{area.code}-{clock.today():%Y%m%d}.xlsx")


@router.get(
    "/templates/{kind}",
    summary="A blank template with the fixed headers (.xlsx)",
    openapi_extra={"responses": _XLSX},
)
def template(request: HttpRequest, kind: Kind) -> HttpResponse:
    response = HttpResponse(exporters.template_workbook(kind), content_type=exporters.XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response
