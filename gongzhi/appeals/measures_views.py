"""The measures page (/appeals/measures/): charts per child area, a weekly trend, a league table and its XLSX export."""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from gongzhi.accounts import rules
from gongzhi.appeals import measures
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest

# The league table's columns: (key, label, kind). Kinds: "int" counts, "pct" ratios, "per1000" complaints.
COLUMNS: list[tuple[str, Any, str]] = [
    ("received", gettext_lazy("受理数"), "int"),
    ("response_rate", gettext_lazy("响应率"), "pct"),
    ("on_time_rate", gettext_lazy("按期结案率"), "pct"),
    ("closure_rate", gettext_lazy("办结率"), "pct"),
    ("satisfaction_rate", gettext_lazy("满意率"), "pct"),
    ("rework_rate", gettext_lazy("返工率"), "pct"),
    ("summons", gettext_lazy("吹哨次数"), "int"),
    ("summons_punctuality", gettext_lazy("报到及时率"), "pct"),
    ("households", gettext_lazy("户数"), "int"),
    ("complaints_per_1000", gettext_lazy("千户投诉率"), "per1000"),
    ("complaints_change", gettext_lazy("较上期变化"), "change"),
]
CHART_RATES = ["response_rate", "on_time_rate", "closure_rate", "satisfaction_rate", "rework_rate"]
EMPTY = "—"


def show(value: Any, kind: str) -> str:
    if value is None:
        return EMPTY
    if kind == "int":
        return str(value)
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "per1000":
        return f"{value:.1f}"
    return f"{value * 100:+.1f}%"


def _cells(row: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"label": str(label), "text": show(row.get(key), kind)} for key, label, kind in COLUMNS]


def _read(request: UserRequest) -> dict[str, Any]:
    area = measures.measures_area(user=request.user, code=request.GET.get("area"))
    period = measures.period_parse(request.GET.get("from"), request.GET.get("to"))
    sort = measures.sort_parse(request.GET.get("sort"))
    return measures.measures_for(area=area, period=period, sort=sort)


def _chart_data(result: dict[str, Any]) -> dict[str, Any]:
    def pct(value: float | None) -> float | None:
        return None if value is None else round(value * 100, 1)

    return {
        "areas": [c["name"] for c in result["children"]],
        "rates": [
            {"name": str(measures.MEASURES[key][0]), "data": [pct(c[key]) for c in result["children"]]}
            for key in CHART_RATES
        ],
        "weeks": [w["week"].isoformat() for w in result["trend"]],
        "received": [w["received"] for w in result["trend"]],
        "closure": [pct(w["closure_rate"]) for w in result["trend"]],
        "response": [pct(w["response_rate"]) for w in result["trend"]],
        "labels": {
            "received": _("受理数"),
            "closure": _("办结率"),
            "response": _("响应率"),
            "percent": _("百分比"),
            "count": _("件数"),
        },
    }


@page()
@require_GET
def measures_page(request: UserRequest) -> HttpResponse:
    result = _read(request)
    area = result["area"]
    parent = (
        area.parent if area.parent_id and rules.allows(request.user, measures.VIEW_RULE, area.parent.code) else None
    )
    total, previous = result["total"], result["previous"]
    summary = [
        {"label": str(measures.MEASURES[key][0]), "text": show(total[key], kind), "before": show(previous[key], kind)}
        for key, kind in [
            ("received", "int"),
            ("response_rate", "pct"),
            ("on_time_rate", "pct"),
            ("closure_rate", "pct"),
            ("satisfaction_rate", "pct"),
            ("rework_rate", "pct"),
            ("summons_punctuality", "pct"),
            ("complaints_per_1000", "per1000"),
        ]
    ]
    context = {
        "result": result,
        "area": area,
        "parent": parent,
        "summary": summary,
        "summons": total["summons"],
        "on_time_parts": {
            "due": total["due_total"],
            "deferred": total["deferred"],
            "on_time": total["closed_on_time"],
        },
        "complaints_change": show(result["changes"]["complaints_per_1000"], "change"),
        "columns": [str(label) for _key, label, _kind in COLUMNS],
        "rows": [{"code": c["code"], "name": c["name"], "cells": _cells(c)} for c in result["children"]],
        "total_cells": _cells({**total, "complaints_change": result["changes"]["complaints_per_1000"]}),
        "sorts": [(key, str(label)) for key, (label, _better) in measures.MEASURES.items()],
        "chart": _chart_data(result),
        "query": {
            "from": result["period"].start.isoformat(),
            "to": result["period"].end.isoformat(),
            "sort": result["sort"],
        },
    }
    return render(request, "appeals/measures.html", context)


@page()
@require_GET
def measures_export(request: UserRequest) -> HttpResponse:
    """The league table as a workbook: the area's own row first, then each child area in the page's order."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    result = _read(request)
    area, period = result["area"], result["period"]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_("考核指标"))
    sheet.append([_("区域"), area.name, area.code])
    sheet.append([_("统计周期"), period.start.isoformat(), period.end.isoformat()])
    sheet.append([_("区域编码"), _("名称"), *[str(label) for _key, label, _kind in COLUMNS]])

    def line(code: str, name: str, row: dict[str, Any]) -> list[Any]:
        out: list[Any] = [code, name]
        for key, _label, kind in COLUMNS:
            value = row.get(key)
            cell = WriteOnlyCell(sheet, value=value)
            if value is not None and kind in ("pct", "change"):
                cell.number_format = "0.0%"
            elif value is not None and kind == "per1000":
                cell.number_format = "0.0"
            out.append(cell)
        return out

    sheet.append(
        line(area.code, _("合计"), {**result["total"], "complaints_change": result["changes"]["complaints_per_1000"]})
    )
    for child in result["children"]:
        sheet.append(line(child["code"], child["name"], child))
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"measures-{area.code}-{period.start.isoformat()}-{period.end.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
