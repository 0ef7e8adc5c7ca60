"""Pages: the grid worker's phone (what is due, the inspection form that survives a lost connection) and the
community and street staff's lists (places, inspections, rectification orders), the committees' roll-up and the
Excel export. Writes from the phone go through the JSON API (static/js/inspection_form.js); the staff's moves on an
order post here and call the same action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.accounts import rules
from gongzhi.areas.models import Area
from gongzhi.core import clock
from gongzhi.core.errors import DomainError, NotFound, ValidationFailed
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.inspections import exports, selectors
from gongzhi.inspections.actions.places import place_get
from gongzhi.inspections.actions.rectifications import RECTIFICATION, rectification_act
from gongzhi.inspections.models import OPEN_RECTIFICATION, PlaceKind, RectificationState

PER_PAGE = 50


def _date(raw: str | None, field: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(_("日期格式应为 YYYY-MM-DD"), field=field) from None


def _area(request: UserRequest, rule: str = "inspections.view") -> Area:
    """The area of the page's filter (?area=), default the top of the user's reach."""
    code = (request.GET.get("area") or "").strip()
    if not code:
        tops = rules.scope_codes(request.user, rule)
        code = (
            tops[0]
            if tops and tops[0]
            else (Area.objects.filter(parent__isnull=True).values_list("code", flat=True).first() or "")
        )
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise NotFound(_("区域不存在：%(code)s") % {"code": code}, field="area")
    rules.require(request.user, rule, area.code)
    return area


@page("inspections.view")
@require_GET
def today(request: UserRequest) -> HttpResponse:
    """The grid worker's phone: inspections due (overdue, today, within 7 days) and orders to re-inspect."""
    mine = request.GET.get("all") != "1"
    places = selectors.places_list(user=request.user, mine=mine)
    due = selectors.due_list(user=request.user, places=places)
    orders = selectors.rectifications_list(user=request.user, mine=mine).filter(state__in=OPEN_RECTIFICATION)
    today = timezone.localdate(clock.now())
    return render(
        request,
        "inspections/today.html",
        {"due": due, "orders": list(orders[:100]), "mine": mine, "today": today},
    )


@page("inspections.inspect")
@require_GET
def inspect(request: UserRequest, place_id: int, template_id: int) -> HttpResponse:
    place = place_get(actor=request.user, place_id=place_id, rule="inspections.inspect")
    template = selectors.template_get(template_id=template_id)
    if place.kind not in template.place_kinds:
        raise ValidationFailed(
            _("清单「%(t)s」不适用于%(kind)s") % {"t": template.name, "kind": place.get_kind_display()},
            field="template_id",
        )
    order = None
    raw = request.GET.get("rectification")
    if raw:
        if not raw.isdigit():
            raise ValidationFailed(_("rectification_id 须为整改单编号"), field="rectification_id")
        order = selectors.rectification_get(user=request.user, rectification_id=int(raw))
        if order.place_id != place.pk:
            raise NotFound(_("该场所没有这张整改单：%(id)s") % {"id": raw}, field="rectification_id")
    items = list(template.items.all())
    config = {
        "api": reverse("api:submit_inspection"),
        "place": place.pk,
        "template": template.pk,
        "rectification": order.pk if order else None,
        "items": [{"key": i.key, "kind": i.kind, "required": i.required, "condition": i.condition} for i in items],
        "today_url": reverse("inspections:today"),
        "inspection_url": reverse("inspections:inspection", args=[0]),
    }
    return render(
        request,
        "inspections/inspect.html",
        {"place": place, "template": template, "items": items, "order": order, "config": config},
    )


@page("inspections.view")
@require_GET
def places(request: UserRequest) -> HttpResponse:
    area = _area(request)
    kind = request.GET.get("kind") or ""
    if kind and kind not in PlaceKind.values:
        raise ValidationFailed(_("场所类型只能是：%(v)s") % {"v": "、".join(PlaceKind.values)}, field="kind")
    q = (request.GET.get("q") or "").strip()[:50]
    rows = selectors.places_list(user=request.user, area_code=area.code, kind=kind, q=q)
    listing = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/places.html",
        {
            "area": area,
            "kind": kind,
            "q": q,
            "kinds": PlaceKind.choices,
            "listing": listing,
            "can_export": rules.allows(request.user, "inspections.export", area.code),
            "can_unmask": rules.allows(request.user, "people.unmask", area.code),
        },
    )


@page("inspections.view")
@require_GET
def records(request: UserRequest) -> HttpResponse:
    area = _area(request)
    since, until = _date(request.GET.get("from"), "from"), _date(request.GET.get("to"), "to")
    template = request.GET.get("template") or ""
    failed = request.GET.get("failed") == "1"
    rows = selectors.inspections_list(
        user=request.user, area_code=area.code, template_code=template, failed_only=failed, since=since, until=until
    )
    listing = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/records.html",
        {
            "area": area,
            "listing": listing,
            "templates": selectors.templates_current(),
            "template": template,
            "failed": failed,
            "since": since,
            "until": until,
        },
    )


@page("inspections.view")
@require_GET
def inspection(request: UserRequest, inspection_id: int) -> HttpResponse:
    found = selectors.inspection_get(user=request.user, inspection_id=inspection_id)
    return render(request, "inspections/inspection.html", {"inspection": found, "answers": found.answers.all()})


@page("inspections.view")
@require_GET
def rectifications(request: UserRequest) -> HttpResponse:
    area = _area(request)
    state = request.GET.get("state") or ""
    overdue = request.GET.get("overdue") == "1"
    committee = request.GET.get("committee") or ""
    rows = selectors.rectifications_list(
        user=request.user, area_code=area.code, state=state, overdue=overdue, committee=committee
    )
    listing = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate(clock.now())
    entries = [
        {"order": r, "overdue": selectors.is_overdue(r, today), "allowed": RECTIFICATION.allowed(r, request.user)}
        for r in listing
    ]
    committees = sorted({t.committee for t in selectors.templates_current()})
    return render(
        request,
        "inspections/rectifications.html",
        {
            "area": area,
            "listing": listing,
            "entries": entries,
            "states": RectificationState.choices,
            "state": state,
            "overdue": overdue,
            "committee": committee,
            "committees": committees,
        },
    )


@page("inspections.view")
@require_POST
def rectification_action(request: UserRequest, rectification_id: int) -> HttpResponse:
    action = request.POST.get("action") or ""
    try:
        rectification_act(
            actor=request.user,
            rectification_id=rectification_id,
            action=action,
            deadline=request.POST.get("deadline") or None,
            note=request.POST.get("note") or "",
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("整改单已更新"))
    back = request.POST.get("next") or ""
    return redirect(back if back.startswith("/inspections/") else reverse("inspections:rectifications"))


@page("inspections.view")
@require_GET
def rollup(request: UserRequest) -> HttpResponse:
    area = _area(request)
    today = timezone.localdate(clock.now())
    since = _date(request.GET.get("from"), "from") or today.replace(day=1)
    until = _date(request.GET.get("to"), "to") or today
    result = selectors.rollup(user=request.user, area=area, since=since, until=until)
    return render(request, "inspections/rollup.html", result)


@page("inspections.export")
@require_GET
def export(request: UserRequest) -> Any:
    area = _area(request, "inspections.export")
    return exports.response(actor=request.user, area=area, unmasked=request.GET.get("unmasked") == "1", request=request)
