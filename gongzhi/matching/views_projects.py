"""Pages of the project list (项目清单): the staff page (projects, agreements, the partners who have not claimed a
project this year, joint meetings, and the forms to record each), one project with its check-off form, and the
public progress timeline (no login). Every write calls the same action as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts import rules
from gongzhi.core import clock
from gongzhi.core.errors import DomainError, NotFound
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.matching import selectors
from gongzhi.matching.actions import projects
from gongzhi.matching.models import ProjectState
from gongzhi.people.models import Partner


def _ints(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.strip().isdigit()]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@page()
@require_http_methods(["GET", "POST"])
def project_list(request: UserRequest) -> HttpResponse:
    """项目清单 for staff (and a partner's own projects): lists, and the forms to add a project, an agreement and
    the month's joint meeting."""
    user = request.user
    year = clock.today().year
    manage = user.has_perm(projects.MANAGE)
    context: dict[str, Any] = {
        "projects": list(selectors.projects_list(user=user)[:100]),
        "manage": manage,
        "year": year,
        "unclaimed": selectors.partners_without_claim(user=user, year=year) if manage else [],
        "agreements": list(selectors.agreements_list(user=user)[:100]) if manage else [],
        "meetings": selectors.meetings_list(user=user, limit=12) if manage else [],
        "partners": list(Partner.objects.order_by("name")[:300]) if manage else [],
        "form": request.POST,
    }
    if request.method == "POST":
        what = request.POST.get("form", "")
        try:
            if what == "project":
                projects.project_create(
                    actor=user, area_code=request.POST.get("area", ""), title=request.POST.get("title", ""),
                    summary=request.POST.get("summary", ""), partner_ids=_ints(request.POST.getlist("partner_ids")),
                    milestones=_lines(request.POST.get("milestones", "")),
                    public=request.POST.get("public") == "on",
                )  # fmt: skip
                messages.success(request, _("项目已加入项目清单"))
            elif what == "agreement":
                projects.agreement_create(
                    actor=user, partner_id=(_ints([request.POST.get("partner_id", "")]) or [0])[0],
                    area_code=request.POST.get("area", ""), signed_on=request.POST.get("signed_on", ""),
                    valid_until=request.POST.get("valid_until", ""), commitments=request.POST.get("commitments", ""),
                )  # fmt: skip
                messages.success(request, _("共建协议已登记"))
            elif what == "meeting":
                projects.meeting_record(
                    actor=user, area_code=request.POST.get("area", ""), held_on=request.POST.get("held_on", ""),
                    topic=request.POST.get("topic", ""), minutes=request.POST.get("minutes", ""),
                    present_partner_ids=_ints(request.POST.getlist("present")),
                    decisions=_lines(request.POST.get("decisions", "")),
                )  # fmt: skip
                messages.success(request, _("联席会记录已登记"))
            else:
                raise NotFound(_("未知的表单"), field="form")
        except DomainError as exc:
            context["error"] = exc.message
            context["error_form"] = what
            return render(request, "matching/projects.html", context, status=exc.status_code)
        return redirect("matching:projects")
    return render(request, "matching/projects.html", context)


@page()
@require_GET
def project_detail(request: UserRequest, project_id: int) -> HttpResponse:
    p = selectors.project_get(user=request.user, project_id=project_id)
    allowed = projects.PROJECT.allowed(p, request.user)
    return render(
        request,
        "matching/project_detail.html",
        {
            "p": p,
            "allowed": [(name, projects.PROJECT.label(name)) for name in allowed],
            "may_check_off": p.state == ProjectState.ACTIVE and projects._may_check_off(request.user, p),
            "may_claim": rules.allows(request.user, projects.CLAIM, p.area_code)
            and p.state in (ProjectState.PLANNED, ProjectState.ACTIVE),
            "timeline": selectors.project_timeline(p),
        },
    )


@page()
@require_POST
def project_act(request: UserRequest, project_id: int) -> HttpResponse:
    """Start / complete / cancel, claim, or check off a milestone from the project page."""
    user = request.user
    what = request.POST.get("action", "")
    try:
        if what == "claim":
            pid = _ints([request.POST.get("partner_id", "")])
            projects.project_claim(actor=user, project_id=project_id, partner_id=pid[0] if pid else None)
            messages.success(request, _("已认领"))
        elif what == "check_off":
            photos = _lines(request.POST.get("photos", ""))
            projects.milestone_check_off(actor=user, milestone_id=(_ints([request.POST.get("milestone", "")]) or [0])[0],
                                         note=request.POST.get("note", ""), photos=photos)  # fmt: skip
            messages.success(request, _("节点已销号"))
        else:
            projects.project_move(actor=user, project_id=project_id, action=what, note=request.POST.get("note", ""))
            messages.success(request, _("已完成：%(a)s") % {"a": projects.PROJECT.label(what)})
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        messages.error(request, str(exc.message))
    return redirect("matching:project", project_id=project_id)


@require_GET
def public_timeline(request: HttpRequest, project_id: int) -> HttpResponse:
    """The public progress of a project (no login, phone first): milestones and what was checked off, no names."""
    try:
        p = selectors.public_project(project_id=project_id)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    milestones = list(p.milestones.all())
    return render(
        request,
        "matching/public_timeline.html",
        {"p": p, "milestones": milestones, "done": sum(1 for m in milestones if m.done_at),
         "timeline": selectors.project_timeline(p)},
    )  # fmt: skip
