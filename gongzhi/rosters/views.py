"""Pages: upload a roster, watch its progress, download errors, export what you may see."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts import rules
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core import clock
from gongzhi.core.errors import DomainError, PermissionDenied
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.rosters import actions, exporters, selectors
from gongzhi.rosters.models import ImportJob, ImportMode, RosterKind

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

EXPORT_AREA_LIMIT = 500


def _export_areas(user: User) -> list[Area]:
    if not rules.scope_codes(user, selectors.EXPORT_RULE):
        return []
    scope = rules.scope_q(user, selectors.EXPORT_RULE, field="code")
    levels = [AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.GRID]
    return list(Area.objects.filter(scope, level__in=levels).order_by("code")[:EXPORT_AREA_LIMIT])


def _index_context(request: UserRequest, **extra: Any) -> dict[str, Any]:
    return {
        "kinds": RosterKind.choices,
        "modes": ImportMode.choices,
        "jobs": selectors.jobs_recent(user=request.user),
        "export_areas": _export_areas(request.user),
        "can_unmask": bool(rules.scope_codes(request.user, "people.unmask")),
        "selected_kind": request.POST.get("kind", RosterKind.RESIDENTS),
        "selected_mode": request.POST.get("mode", ImportMode.ALL_OR_NOTHING),
        **extra,
    }


@page()
@require_http_methods(["GET", "POST"])
def index(request: UserRequest) -> HttpResponse:
    selectors.require_importer(request.user)
    if request.method == "POST":
        try:
            job = actions.roster_import_start(
                actor=request.user,
                kind=request.POST.get("kind", ""),
                mode=request.POST.get("mode", ImportMode.ALL_OR_NOTHING),
                upload=request.FILES.get("file"),
            )
        except DomainError as exc:
            context = _index_context(request, error=exc.message, error_details=exc.details)
            return render(request, "rosters/index.html", context, status=exc.status_code)
        return redirect("rosters:job", job_id=job.pk)
    return render(request, "rosters/index.html", _index_context(request))


def _job_context(job: ImportJob) -> dict[str, Any]:
    return {"job": job, "progress": selectors.job_progress(job)}


@page()
@require_GET
def job_detail(request: UserRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get(user=request.user, job_id=job_id)
    return render(request, "rosters/job.html", _job_context(job))


@page()
@require_GET
def job_status(request: UserRequest, job_id: int) -> HttpResponse:
    """The part of the job page that htmx polls while the job runs."""
    job = selectors.job_get(user=request.user, job_id=job_id)
    return render(request, "rosters/_job_status.html", _job_context(job))


@page()
@require_POST
def job_commit(request: UserRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get(user=request.user, job_id=job_id)
    try:
        actions.roster_import_commit_good_rows(actor=request.user, job=job)
    except DomainError as exc:
        context = {**_job_context(job), "error": exc.message}
        return render(request, "rosters/job.html", context, status=exc.status_code)
    return redirect("rosters:job", job_id=job.pk)


@page()
@require_GET
def job_errors(request: UserRequest, job_id: int) -> HttpResponse | FileResponse:
    job = selectors.job_get(user=request.user, job_id=job_id)
    if not job.error_file:
        raise Http404(_("这个导入任务没有错误清单"))
    return FileResponse(
        job.error_file.open("rb"),
        as_attachment=True,
        filename=f"errors-{job.pk}-{job.original_name}",
        content_type=exporters.XLSX_MIME,
    )


@page()
@require_GET
def template_download(request: UserRequest, kind: str) -> HttpResponse:
    if kind not in RosterKind.values:
        raise Http404(_("未知的名册类型"))
    response = HttpResponse(exporters.template_workbook(kind), content_type=exporters.XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response


@page()
@require_POST
def export(request: UserRequest) -> HttpResponse | FileResponse:
    """POST, not GET: an unmasked export writes to the audit log."""
    kind = request.POST.get("kind", "")
    code = request.POST.get("area", "").strip()
    try:
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise PermissionDenied(_("区域编码 %(c)s 不存在或不在您的范围内") % {"c": code or "—"})
        path, _rows = actions.roster_export(
            actor=request.user, kind=kind, area=area, unmasked=request.POST.get("unmasked") == "1", request=request
        )
    except DomainError as exc:
        if not selectors.can_import(request.user):
            raise
        context = _index_context(request, export_error=exc.message)
        return render(request, "rosters/index.html", context, status=exc.status_code)
    return exporters.file_response(path, f"{kind}-{area.code}-{clock.today():%Y%m%d}.xlsx")
