"""Pages, phone first: my demands and the order form, the micro-wish wall (party members claim there), the grab
list, the dispatch page with explained suggestions, one demand with its moves, the lists with filters and XLSX
export, and the resource list with the offer form. Every write calls the same action as the API."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts import rules
from gongzhi.core.errors import DomainError, PermissionDenied, ValidationFailed
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.matching import selectors
from gongzhi.matching.actions.demands import demand_create, wish_cap_fen
from gongzhi.matching.actions.flow import DEMAND, demand_move
from gongzhi.matching.actions.resources import resource_create, resource_review
from gongzhi.matching.models import DemandKind, DemandState, ProviderKind

EXPORT_LIMIT = 20_000


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _back(request: UserRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@page()
@require_GET
def home(request: UserRequest) -> HttpResponse:
    """Where every role starts: my demands (as resident or holder) and the way to the pages my roles open."""
    user = request.user
    mine = list(selectors.demands_list(user=user, mine=True)[:50])
    return render(
        request,
        "matching/home.html",
        {
            "mine": mine,
            "can_request": user.has_perm("matching.request"),
            "can_dispatch": user.has_perm("matching.dispatch") or user.has_perm("matching.accept"),
            "can_take": user.has_perm("matching.claim") or user.has_perm("matching.grab"),
            "can_view": user.has_perm("matching.view"),
            "can_offer": user.has_perm("matching.offer"),
            "hours": selectors.hours_served(user=user),
        },
    )


@page("matching.request")
@require_http_methods(["GET", "POST"])
def new_demand(request: UserRequest) -> HttpResponse:
    kind = request.POST.get("kind") or request.GET.get("kind") or DemandKind.ORDER
    context: dict[str, Any] = {
        "kinds": DemandKind.choices,
        "kind": kind,
        "categories": selectors.categories_with_items(),
        "cap": wish_cap_fen(resident.area_code) / 100 if (resident := request.user.resident) is not None else None,
        "form": request.POST,
    }
    if request.method == "POST":
        try:
            demand = demand_create(
                actor=request.user,
                kind=kind,
                item_id=_int(request.POST.get("item_id")) or 0,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                resident_id=_int(request.POST.get("resident_id")),
                value_yuan=request.POST.get("value") or None,
                photo=request.FILES.get("photo"),
            )
        except DomainError as exc:
            context["error"] = exc.message
            context["error_field"] = exc.field
            return render(request, "matching/new_demand.html", context, status=exc.status_code)
        messages.success(request, _("已提交：%(t)s") % {"t": demand.title})
        return redirect("matching:demand", demand_id=demand.pk)
    return render(request, "matching/new_demand.html", context)


@page()
@require_GET
def demand_detail(request: UserRequest, demand_id: int) -> HttpResponse:
    demand = selectors.demand_get(user=request.user, demand_id=demand_id)
    allowed = DEMAND.allowed(demand, request.user)
    return render(
        request,
        "matching/demand_detail.html",
        {
            "d": demand,
            "allowed": allowed,
            "labels": {name: DEMAND.label(name) for name in allowed},
            "events": demand.events.select_related("actor").order_by("at", "id"),
        },
    )


@page()
@require_POST
def demand_action(request: UserRequest, demand_id: int) -> HttpResponse:
    """One move from a page's button or form (the same `demand_move` as the API's transitions)."""
    action = request.POST.get("action", "")
    data: dict[str, Any] = {}
    if action == "fulfil":
        data["hours"] = request.POST.get("hours") or None
        photos = [p.strip() for p in request.POST.get("photos", "").splitlines() if p.strip()]
        if photos:
            data["photos"] = photos
    elif action == "rate":
        data["score"] = _int(request.POST.get("score"))
        data["comment"] = request.POST.get("comment", "")
    elif action == "dispatch" and request.POST.get("resource_id"):
        data["resource_id"] = _int(request.POST.get("resource_id"))
    elif action == "merge":
        data["into"] = _int(request.POST.get("into"))
    data = {k: v for k, v in data.items() if v is not None}
    try:
        demand = demand_move(actor=request.user, demand_id=demand_id, action=action, data=data,
                             note=request.POST.get("note", ""))  # fmt: skip
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已%(a)s：%(t)s") % {"a": DEMAND.label(action), "t": demand.title})
    return _back(request, reverse("matching:demand", args=[demand_id]))


@page()
@require_GET
def wish_wall(request: UserRequest) -> HttpResponse:
    """The public micro-wish wall: open wishes with the name masked; party members of the area claim here."""
    wishes = list(selectors.wish_wall(area_code=request.GET.get("area", "")))
    return render(
        request,
        "matching/wishes.html",
        {"wishes": wishes, "can_claim": request.user.has_perm("matching.claim")},
    )


@page()
@require_GET
def tasks(request: UserRequest) -> HttpResponse:
    """The volunteer's grab list and the party member's claim list: what is in the pool of their areas."""
    user = request.user
    if not (user.has_perm("matching.claim") or user.has_perm("matching.grab")):
        raise PermissionDenied(_("您的角色不能使用这个页面"))
    return render(
        request,
        "matching/tasks.html",
        {
            "rows": list(selectors.grab_list(user=user)),
            "held": list(selectors.demands_list(user=user, state=DemandState.TAKEN).filter(holder_id=user.pk)),
            "action": "claim" if user.has_perm("matching.claim") else "grab",
        },
    )


@page()
@require_GET
def dispatch(request: UserRequest) -> HttpResponse:
    """The dispatch queue (派单 and 接单) with each demand's ranked suggestions and why they rank so."""
    user = request.user
    if not (user.has_perm("matching.dispatch") or user.has_perm("matching.accept")):
        raise PermissionDenied(_("您的角色不能使用这个页面"))
    queue = list(selectors.dispatch_queue(user=user, limit=50))
    rows = []
    for d in queue:
        can_dispatch = d.state == DemandState.ORDERED and rules.allows(user, "matching.dispatch", d.area_code)
        rows.append({"d": d, "suggestions": selectors.suggestions(demand=d, limit=3) if can_dispatch else []})
    return render(request, "matching/dispatch.html", {"rows": rows})


def _filters(request: UserRequest) -> dict[str, Any]:
    g = request.GET
    return {
        "kind": g.get("kind") if g.get("kind") in DemandKind.values else None,
        "state": g.get("state") if g.get("state") in DemandState.values else None,
        "area_code": g.get("area", "") if g.get("area", "").isdigit() else "",
        "item_id": _int(g.get("item")),
        "overdue": g.get("overdue") == "1",
    }


@page("matching.view")
@require_GET
def lists(request: UserRequest) -> HttpResponse:
    """The demand and resource lists of the area, with filters; `?export=demands|resources` gives an XLSX file."""
    filters = _filters(request)
    demands = selectors.demands_list(user=request.user, **filters)
    resources = selectors.resources_list(user=request.user, category_id=_int(request.GET.get("category")))
    export = request.GET.get("export")
    if export == "demands":
        return _xlsx("demands", _demand_rows(demands[:EXPORT_LIMIT]))
    if export == "resources":
        return _xlsx("resources", _resource_rows(resources[:EXPORT_LIMIT]))
    return render(
        request,
        "matching/lists.html",
        {
            "demands": list(demands[:200]),
            "resources": list(resources.prefetch_related("served")[:200]),
            "kinds": DemandKind.choices,
            "states": DemandState.choices,
            "categories": selectors.categories_with_items(),
            "f": request.GET,
            "query": request.GET.urlencode(),
        },
    )


def _demand_rows(demands: Any) -> list[list[Any]]:
    head = [_("编号"), _("类型"), _("服务项目"), _("需求"), _("居民"), _("区域编码"), _("状态"), _("时限"),
            _("超时"), _("评分"), _("点单时间")]  # fmt: skip
    rows: list[list[Any]] = [head]
    for d in demands:
        rows.append([d.pk, str(d.get_kind_display()), d.item.name, d.title, d.masked_name, d.area_code,
                     str(d.get_state_display()), _naive(d.due_at), _("是") if d.overdue else "", d.rating or "",
                     _naive(d.created_at)])  # fmt: skip
    return rows


def _resource_rows(resources: Any) -> list[list[Any]]:
    head = [_("编号"), _("类别"), _("服务项目"), _("资源名称"), _("提供方"), _("每月次数"), _("服务时间"),
            _("有效期止"), _("最近复核"), _("待复核")]  # fmt: skip
    rows: list[list[Any]] = [head]
    for r in resources:
        rows.append([r.pk, r.category.name, r.item.name, r.title, r.provider_name, r.capacity, r.schedule,
                     r.valid_until or "", _naive(r.reviewed_at), _("是") if selectors.resource_is_stale(r) else ""])  # fmt: skip
    return rows


def _naive(value: dt.datetime | None) -> Any:
    from django.utils import timezone

    return timezone.localtime(value).replace(tzinfo=None) if value else ""


def _xlsx(name: str, rows: list[list[Any]]) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(name)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="matching-{name}.xlsx"'
    return response


@page("matching.offer")
@require_http_methods(["GET", "POST"])
def resources(request: UserRequest) -> HttpResponse:
    """My offers (资源清单), the quarterly review, and the form to list a new one."""
    user = request.user
    context: dict[str, Any] = {
        "mine": list(selectors.resources_list(user=user, mine=True).prefetch_related("served")),
        "categories": selectors.categories_with_items(),
        "kinds": ProviderKind.choices,
        "form": request.POST,
    }
    if request.method == "POST":
        try:
            if request.POST.get("review"):
                resource_review(actor=user, resource_id=_int(request.POST.get("review")) or 0)
                messages.success(request, _("已复核"))
                return redirect("matching:resources")
            served = [c.strip() for c in request.POST.get("served", "").replace("，", ",").split(",") if c.strip()]
            capacity = _int(request.POST.get("capacity"))
            if capacity is None:
                raise ValidationFailed(_("请填写每月可服务次数"), field="capacity")
            valid_until = request.POST.get("valid_until") or None
            resource_create(
                actor=user,
                item_id=_int(request.POST.get("item_id")) or 0,
                title=request.POST.get("title", ""),
                provider_kind=request.POST.get("provider_kind", ""),
                area_code=request.POST.get("area", ""),
                served=served,
                capacity=capacity,
                schedule=request.POST.get("schedule", ""),
                description=request.POST.get("description", ""),
                valid_until=dt.date.fromisoformat(valid_until) if valid_until else None,
                provider_name=request.POST.get("provider_name", ""),
            )
        except ValueError:
            context["error"] = _("有效期止须为日期（YYYY-MM-DD）")
            return render(request, "matching/resources.html", context, status=422)
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "matching/resources.html", context, status=exc.status_code)
        messages.success(request, _("资源已登记"))
        return redirect("matching:resources")
    return render(request, "matching/resources.html", context)


@page()
@require_GET
def pools(request: UserRequest) -> HttpResponse:
    """The fund pools' public ledgers: money in, out and per project (any signed-in user, as on the notice board)."""
    reports = [selectors.pool_report(pool_id=p.pk) for p in selectors.pools_list()[:20]]
    return render(request, "matching/pools.html", {"reports": reports})
