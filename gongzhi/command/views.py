"""The command centre page (/command/): cards with sparklines, alerts, league tables and their XLSX export."""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongzhi.appeals import measures
from gongzhi.command import selectors
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest

EMPTY = "—"


def show(value: Any, kind: str) -> str:
    if value is None:
        return EMPTY
    if kind == "rate":
        return f"{value * 100:.1f}%"
    return str(value)


def _change(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.0f}%"


@page()
@require_GET
def centre(request: UserRequest) -> HttpResponse:
    area = measures.measures_area(user=request.user, code=request.GET.get("area"))
    period = measures.period_parse(request.GET.get("from"), request.GET.get("to"))
    result = selectors.cards(area=area, period=period)
    cards = [
        {
            **card,
            "text": show(card["value"], card["kind"]),
            "before": show(card["previous"], card["kind"]) if card["previous"] is not None else "",
            "change_text": _change(card["change"]),
        }
        for card in result["cards"]
    ]
    context = {
        "area": area,
        "period": period,
        "cards": cards,
        "computed_at": result["computed_at"],
        "alerts": selectors.alerts(area=area)["alerts"],
        "leagues": selectors.leagues(area=area, period=period),
        "sparks": {c["key"]: c["series"] for c in cards if c["series"]},
        "query": {"from": period.start.isoformat(), "to": period.end.isoformat()},
    }
    return render(request, "command/centre.html", context)


@page()
@require_GET
def leagues_export(request: UserRequest) -> HttpResponse:
    """The two league tables as one workbook (sheet per table)."""
    from openpyxl import Workbook

    area = measures.measures_area(user=request.user, code=request.GET.get("area"))
    period = measures.period_parse(request.GET.get("from"), request.GET.get("to"))
    result = selectors.leagues(area=area, period=period, sort=measures.sort_parse(request.GET.get("sort")))
    book = Workbook(write_only=True)
    areas_sheet = book.create_sheet(title=_("下级区域排名"))
    areas_sheet.append([_("区域"), area.name, period.start.isoformat(), period.end.isoformat()])
    areas_sheet.append([_("区域编码"), _("名称"), *selectors.LEAGUE_COLUMNS])
    for row in result["children"]:
        areas_sheet.append([row["code"], row["name"], *[row[k] for k in selectors.LEAGUE_COLUMNS]])
    departments = book.create_sheet(title=_("部门报到及时率"))
    departments.append([_("部门"), _("吹哨次数"), _("应报到"), _("按时报到"), _("报到及时率")])
    for d in result["departments"]:
        departments.append([d["name"], d["summons"], d["due"], d["on_time"], d["punctuality"]])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"command-leagues-{area.code}-{period.start.isoformat()}-{period.end.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
