"""Pages, phone first: the carer's visit list, an archive, recording a visit; for community and street staff the
archive list with filters and its XLSX export (the same need to know and audit as the API)."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from gongzhi.accounts import rules
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.care import access, schedule, selectors
from gongzhi.care.actions import archives as A
from gongzhi.care.actions import config as C
from gongzhi.care.actions.psych import warning_raise
from gongzhi.care.actions.visits import visit_record
from gongzhi.care.models import CareTag, NeedKind, RiskLevel, TriggerGroup
from gongzhi.core import clock, fsm
from gongzhi.core.errors import DomainError, NotFound, PermissionDenied
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest

LIST_RULES = ("care.view", "care.children")


def _may_list(user: Any) -> bool:
    return any(rules.scope_codes(user, rule) for rule in LIST_RULES)


@page()
@require_GET
def home(request: UserRequest) -> HttpResponse:
    """The carer's phone list: overdue first, then due today, then this week."""
    rows = selectors.carer_tasks(user=request.user)
    counts = schedule.summary(row.task for row in rows)
    return render(request, "care/home.html", {"rows": rows, "counts": counts, "may_list": _may_list(request.user)})


def _filters(request: UserRequest) -> dict[str, Any]:
    g = request.GET
    return {
        "area_code": "".join(ch for ch in g.get("area_code", "") if ch.isdigit())[:17],
        "tag": g.get("tag", "")[:32],
        "risk_level": g.get("risk_level", "")[:16],
        "due": g.get("due", "") if g.get("due", "") in schedule.STATUS_LABELS else "",
    }


@page()
@require_GET
def archive_list(request: UserRequest) -> HttpResponse:
    if not _may_list(request.user):
        raise PermissionDenied(_("您的角色不能使用这个页面"), details={"rule": "care.view"})
    filters = _filters(request)
    archives, tasks, total = selectors.archives_list(user=request.user, request=request, limit=200, **filters)
    rows = [{"archive": a, "task": tasks.get(a.pk)} for a in archives]
    return render(
        request,
        "care/archive_list.html",
        {
            "rows": rows,
            "total": total,
            "filters": filters,
            "tags": CareTag.objects.filter(active=True),
            "levels": RiskLevel.objects.filter(active=True),
            "due_choices": list(schedule.STATUS_LABELS.items()),
            "query": request.GET.urlencode(),
        },
    )


@page()
@require_GET
def archive_export(request: UserRequest) -> HttpResponse:
    """The filtered list as XLSX: what the list shows, audited as an export (`care.archive.export`)."""
    if not _may_list(request.user):
        raise PermissionDenied(_("您的角色不能使用这个页面"), details={"rule": "care.view"})
    archives, tasks, _total = selectors.archives_list(
        user=request.user, request=request, limit=selectors.MAX_LIST, audit_as="export", **_filters(request)
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("关爱档案"))
    sheet.append([_("档案号"), _("姓名"), _("区域编码"), _("风险等级"), _("应走访日期"), _("走访状态"), _("最近走访")])
    for a in archives:
        t = tasks.get(a.pk)
        last = timezone.localtime(a.last_visited_at).strftime("%Y-%m-%d") if a.last_visited_at else ""
        sheet.append([a.pk, a.resident.name, a.area_code, a.risk_level.name, t.due_on.isoformat() if t else "",
                      t.status_label if t else "", last])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="care-{clock.today():%Y%m%d}.xlsx"'
    return response


@page()
@require_GET
def archive_detail(request: UserRequest, archive_id: int) -> HttpResponse:
    archive = access.archive_get(user=request.user, archive_id=archive_id, request=request)
    context = selectors.archive_detail(archive)
    assigned = access.is_assigned(request.user, archive)
    context.update(
        {
            "assigned": assigned,
            "may_warn": rules.allows(request.user, "care.warn", archive.area_code),
            "need_moves": {n.pk: A.NEED.allowed(n, request.user) for n in context["needs"]},
            "levels": RiskLevel.objects.filter(active=True),
        }
    )
    return render(request, "care/archive_detail.html", context)


@page()
@require_http_methods(["GET", "POST"])
def visit_new(request: UserRequest, archive_id: int) -> HttpResponse:
    archive = access.archive_get(user=request.user, archive_id=archive_id, request=request, why="visit")
    error: DomainError | None = None
    if request.method == "POST":
        p = request.POST
        needs = []
        if p.get("need_kind") and p.get("need_description", "").strip():
            needs.append({"kind": p["need_kind"], "description": p["need_description"]})
        try:
            visit_record(
                actor=request.user,
                archive_id=archive.pk,
                findings=p.get("findings", ""),
                lat=p.get("lat") or None,  # type: ignore[arg-type]  # checked by the action
                lng=p.get("lng") or None,  # type: ignore[arg-type]
                risk_level_code=p.get("risk_level") or None,
                risk_reason=p.get("risk_reason", ""),
                needs=needs,
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("走访已记录"))
            return redirect("care:home")
    return render(
        request,
        "care/visit_form.html",
        {"archive": archive, "error": error, "levels": RiskLevel.objects.filter(active=True),
         "need_kinds": NeedKind.choices, "post": request.POST},
        status=422 if error else 200,
    )  # fmt: skip


@page()
@require_POST
def need_move(request: UserRequest, need_id: int, action: str) -> HttpResponse:
    result = fsm.transition(A.NEED, need_id, action, actor=request.user, note=request.POST.get("note", ""))
    appeal = result.step.extra.get("appeal")
    if appeal is not None:
        messages.success(request, _("已转为诉求 %(number)s") % {"number": appeal.number})
    return redirect(reverse("care:archive", args=[result.obj.archive_id]))


@page()
@require_POST
def warning_new(request: UserRequest, archive_id: int) -> HttpResponse:
    warning_raise(actor=request.user, archive_id=archive_id, reason=request.POST.get("reason", ""))
    messages.success(request, _("已发起心理预警"))
    return redirect(reverse("care:archive", args=[archive_id]))


@page()
@require_GET
def photo(request: UserRequest, photo_id: int) -> FileResponse:
    row = selectors.photo_get(user=request.user, photo_id=photo_id, request=request)
    return FileResponse(row.image.open("rb"), content_type=row.content_type)


def _config_context(user: Any) -> dict[str, Any]:
    context = selectors.config()
    context["may_configure"] = bool(rules.scope_codes(user, "care.configure"))
    context["communities"] = list(
        Area.objects.filter(rules.scope_q(user, "care.manage", field="code"), level=AreaLevel.COMMUNITY).order_by(
            "code"
        )
    )
    context["groups"] = TriggerGroup.choices
    return context


@page()
@require_GET
def configuration(request: UserRequest) -> HttpResponse:
    """The care lists; street staff edit tags, risk levels and triggers here, a community its visit schedule (the
    same actions and rules as POST /api/v1/care/config/…)."""
    if not (_may_list(request.user) or rules.scope_codes(request.user, "care.manage")):
        raise PermissionDenied(_("您的角色不能使用这个页面"), details={"rule": "care.view"})
    return render(request, "care/config.html", _config_context(request.user))


def _number(value: str | None) -> int | str | None:
    """A form's number: an int when it is one, else the text as typed (the action names the field in its error)."""
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() else value


CONFIG_SAVED = {
    "tag": gettext_lazy("关爱标签已保存"),
    "risk_level": gettext_lazy("风险等级已保存"),
    "trigger": gettext_lazy("走访触发事件已保存"),
    "schedule": gettext_lazy("社区走访周期已保存"),
}


@page()
@require_POST
def configuration_save(request: UserRequest, what: str) -> HttpResponse:
    """One form of the configuration page: a tag, a risk level, a trigger or a community's schedule."""
    if what not in CONFIG_SAVED:
        raise NotFound(_("您要找的页面不存在"))
    p = request.POST
    actor = request.user
    try:
        if what == "tag":
            C.tag_save(actor=actor, code=p.get("code", ""), name=p.get("name", ""), is_child=p.get("is_child") == "on",
                       order=_number(p.get("order")) or 0, active=p.get("active") == "on")  # type: ignore[arg-type]  # fmt: skip
        elif what == "risk_level":
            C.risk_level_save(
                actor=actor, code=p.get("code", ""), name=p.get("name", ""), rank=_number(p.get("rank")),  # type: ignore[arg-type]
                interval_days=_number(p.get("interval_days")), color=p.get("color") or "#999999",  # type: ignore[arg-type]
                active=p.get("active") == "on",
            )  # fmt: skip
        elif what == "trigger":
            C.trigger_save(
                actor=actor, code=p.get("code", ""), name=p.get("name", ""), group=p.get("group", ""),
                within_days=_number(p.get("within_days")), order=_number(p.get("order")) or 0,  # type: ignore[arg-type]
                active=p.get("active") == "on",
            )  # fmt: skip
        else:
            C.schedule_set(actor=actor, community_code=p.get("community_code", ""), level_code=p.get("risk_level", ""),
                           interval_days=_number(p.get("interval_days")))  # type: ignore[arg-type]  # fmt: skip
    except DomainError as exc:
        text = str(exc.message)
        messages.error(request, f"{exc.field}: {text}" if exc.field and exc.field not in text else text)
    else:
        messages.success(request, str(CONFIG_SAVED[what]))
    return redirect(reverse("care:config"))
