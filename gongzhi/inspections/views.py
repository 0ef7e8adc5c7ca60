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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts import rules
from gongzhi.areas.models import Area
from gongzhi.core import clock
from gongzhi.core.errors import DomainError, NotFound, ValidationFailed
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.inspections import exports, selectors
from gongzhi.inspections.actions.checklists import template_publish
from gongzhi.inspections.actions.places import place_get
from gongzhi.inspections.actions.rectifications import RECTIFICATION, rectification_act
from gongzhi.inspections.models import OPEN_RECTIFICATION, ItemKind, PlaceKind, RectificationState, Severity

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


# --- checklist templates: the list and the editor (publishing a new version, as POST /api/v1/inspections/templates)

EXTRA_ROWS = 3
ITEM_FIELDS = ("key", "text", "kind", "severity", "choices", "condition", "appeal_category", "order")


def _may_configure(user: Any) -> bool:
    return bool(rules.scope_codes(user, "inspections.configure"))


@page("inspections.view")
@require_GET
def templates(request: UserRequest) -> HttpResponse:
    return render(
        request,
        "inspections/templates.html",
        {"templates": selectors.templates_current(), "may_configure": _may_configure(request.user), "tab": "templates"},
    )


def _condition_text(condition: dict[str, Any] | None) -> str:
    if not condition:
        return ""
    if "result" in condition:
        return f"{condition['item']}={condition['result']}"
    value = condition.get("value")
    shown = "true" if value is True else "false" if value is False else str(value)
    return f"{condition['item']}:{shown}"


def _condition_of(text: str) -> dict[str, Any] | None:
    """`item=fail` (a result of an earlier item) or `item:value` (its value: true/false, a number or a choice)."""
    text = text.strip()
    if not text:
        return None
    if "=" in text:
        item, result = text.split("=", 1)
        return {"item": item.strip(), "result": result.strip()}
    if ":" in text:
        item, raw = text.split(":", 1)
        raw = raw.strip()
        value: Any = raw
        if raw in ("true", "false"):
            value = raw == "true"
        else:
            try:
                value = int(raw)
            except ValueError:
                try:
                    value = float(raw)
                except ValueError:
                    value = raw
        return {"item": item.strip(), "value": value}
    return {"item": text}  # refused by the action, naming the item's condition


def _rows_of_template(template: Any) -> list[dict[str, Any]]:
    rows = [
        {
            "key": i.key, "text": i.text, "kind": i.kind, "required": i.required, "severity": str(i.severity),
            "choices": " | ".join(i.choices or []), "condition": _condition_text(i.condition),
            "appeal_category": i.appeal_category, "order": str(n + 1), "delete": False,
        }
        for n, i in enumerate(template.items.all())
    ]  # fmt: skip
    return rows + [_blank_row(len(rows) + k + 1) for k in range(EXTRA_ROWS)]


def _blank_row(order: int) -> dict[str, Any]:
    return {"key": "", "text": "", "kind": "yes_no", "required": True, "severity": "1", "choices": "",
            "condition": "", "appeal_category": "", "order": str(order), "delete": False}  # fmt: skip


def _posted_rows(post: Any) -> list[dict[str, Any]]:
    count = min(int(post.get("rows") or 0) if str(post.get("rows") or "").isdigit() else 0, 220)
    rows = []
    for i in range(count):
        row: dict[str, Any] = {f: (post.get(f"item-{i}-{f}") or "").strip() for f in ITEM_FIELDS}
        row["required"] = post.get(f"item-{i}-required") == "on"
        row["delete"] = post.get(f"item-{i}-delete") == "on"
        rows.append(row)
    return rows


def _number(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _items_of_rows(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[int]]:
    """The action's items from the kept rows (not deleted, not blank), in the order asked; and each item's row."""
    kept = [(n, r) for n, r in enumerate(rows) if not r["delete"] and (r["key"] or r["text"])]
    kept.sort(key=lambda nr: (int(nr[1]["order"]) if nr[1]["order"].isdigit() else 10_000, nr[0]))
    items = []
    for _n, r in kept:
        item: dict[str, Any] = {"key": r["key"], "text": r["text"], "kind": r["kind"], "required": r["required"],
                                "severity": _number(r["severity"])}  # fmt: skip
        if r["choices"]:
            item["choices"] = [c.strip() for c in r["choices"].split("|") if c.strip()]
        condition = _condition_of(r["condition"])
        if condition is not None:
            item["condition"] = condition
        if r["appeal_category"]:
            item["appeal_category"] = r["appeal_category"]
        items.append(item)
    return items, [n for n, _r in kept]


@page("inspections.configure")
@require_http_methods(["GET", "POST"])
def template_edit(request: UserRequest, code: str) -> HttpResponse:
    """Edit a template as a form; saving publishes the next version (the same `template_publish` and rule as the
    API) and the inspections done with earlier versions keep theirs."""
    current = selectors.templates_current().filter(code=code).first()
    if current is None:
        raise NotFound(_("巡查清单不存在：%(id)s") % {"id": code}, field="code")
    error: DomainError | None = None
    error_row: int | None = None
    if request.method == "POST":
        p = request.POST
        rows = _posted_rows(p)
        header = {
            "name": p.get("name", ""), "committee": p.get("committee", ""),
            "place_kinds": p.getlist("place_kinds"), "frequency_days": _number(p.get("frequency_days", "").strip()),
            "severity_threshold": _number(p.get("severity_threshold", "").strip()),
            "rectify_days": _number(p.get("rectify_days", "").strip()),
        }  # fmt: skip
        items, item_rows = _items_of_rows(rows)
        try:
            template = template_publish(
                actor=request.user, code=code, items=items, base_version=_number(p.get("base_version", "").strip()),  # type: ignore[arg-type]
                **header,  # type: ignore[arg-type]
            )  # fmt: skip
        except DomainError as exc:
            error = exc
            where = exc.field or ""
            if where.startswith("items[") and "]" in where:
                index = where[6 : where.index("]")]
                if index.isdigit() and int(index) < len(item_rows):
                    error_row = item_rows[int(index)]
        else:
            messages.success(request, _("已发布「%(name)s」v%(v)d") % {"name": template.name, "v": template.version})
            return redirect(reverse("inspections:templates"))
        form = {**header, "base_version": p.get("base_version", "")}
    else:
        rows = _rows_of_template(current)
        form = {
            "name": current.name, "committee": current.committee, "place_kinds": list(current.place_kinds),
            "frequency_days": current.frequency_days, "severity_threshold": current.severity_threshold,
            "rectify_days": current.rectify_days, "base_version": current.version,
        }  # fmt: skip
    return render(
        request,
        "inspections/template_edit.html",
        {
            "current": current,
            "form": form,
            "rows": rows,
            "row_count": len(rows),
            "error": error,
            "error_row": error_row,
            "kinds": ItemKind.choices,
            "severities": Severity.choices,
            "place_kinds": PlaceKind.choices,
            "tab": "templates",
        },
    )
