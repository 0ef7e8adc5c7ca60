"""Residents' rights pages: "my data" (download a copy, ask for a correction) and the workers' correction queue."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core.errors import DomainError, NotFound, PermissionDenied
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.privacy import actions, exports, selectors
from gongzhi.privacy.models import CorrectionStatus, Subject


def _mine_context(request: UserRequest) -> dict[str, object]:
    return {
        "subjects": Subject.choices,
        "corrections": list(selectors.corrections_of(request.user)[:50]),
        "is_resident": request.user.resident_id is not None,
    }


@page()
@require_http_methods(["GET", "POST"])
def mine(request: UserRequest) -> HttpResponse:
    """A copy of one's own data to download, and the correction requests with a form for a new one."""
    if request.method == "POST":
        try:
            actions.correction_request(
                actor=request.user,
                subject=request.POST.get("subject", ""),
                description=request.POST.get("description", ""),
            )
        except PermissionDenied:
            raise
        except DomainError as exc:
            context = _mine_context(request) | {"error": exc.message, "form": request.POST}
            return render(request, "privacy/mine.html", context, status=exc.status_code)
        messages.success(request, _("更正申请已提交，社区工作者处理后会通知您"))
        return redirect("privacy:mine")
    return render(request, "privacy/mine.html", _mine_context(request))


@page()
@require_GET
def download(request: UserRequest, fmt: str) -> HttpResponse:
    body, mime = exports.data_export(actor=request.user, fmt=fmt, request=request)
    response = HttpResponse(body, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(request.user, fmt)}"'
    return response


def _queue_context(request: UserRequest) -> dict[str, object]:
    status = request.GET.get("status", "")
    status = status if status in CorrectionStatus.values else ""
    rows = selectors.queue(user=request.user, status=status)
    return {
        "rows": [(c, actions.CORRECTION.allowed(c, request.user)) for c in rows],
        "status": status,
        "statuses": CorrectionStatus.choices,
    }


@page("privacy.handle")
@require_GET
def queue(request: UserRequest) -> HttpResponse:
    return render(request, "privacy/queue.html", _queue_context(request))


@page("privacy.handle")
@require_POST
def move(request: UserRequest, request_id: int, action: str) -> HttpResponse:
    try:
        actions.correction_move(
            actor=request.user,
            request_id=request_id,
            move=action,
            reason=request.POST.get("reason", ""),
            resolution=request.POST.get("resolution", ""),
        )
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        context = _queue_context(request) | {"error": exc.message, "error_for": request_id}
        return render(request, "privacy/queue.html", context, status=exc.status_code)
    messages.success(request, _("已处理更正申请"))
    return redirect("privacy:queue")
