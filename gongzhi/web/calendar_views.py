"""The working-day calendar page (/calendar/): what counts as a working day in a year, and the staff holiday table.

chinese-calendar stops at 2026; for later years street staff enter the State Council's notice here, otherwise
Monday–Friday is used (and the page says so).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongzhi.core import calendar_actions, clock
from gongzhi.core.errors import DomainError, ValidationFailed
from gongzhi.core.models import CalendarDay
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.core.workdays import package_knows_year, workday_map

RULE = "calendar.manage"


def _year(raw: str | None) -> int:
    today = clock.now().date()
    if not raw:
        return today.year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise ValidationFailed(_("年份应在 2000 到 2100 之间"), field="year")
    return int(raw)


def _exceptions(year: int) -> list[dict[str, Any]]:
    """Days whose status differs from Monday–Friday: holidays on weekdays and make-up workdays at weekends."""
    entries = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "name"))
    days = workday_map(dt.date(year, 1, 1), dt.date(year, 12, 31))
    out = []
    for day, is_workday in days.items():
        if is_workday != (day.weekday() < 5) or day in entries:
            out.append({"date": day, "is_workday": is_workday, "name": entries.get(day, ""), "staff": day in entries})
    return out


def _render(request: HttpRequest, year: int, *, error: DomainError | None = None, form: Any = None) -> HttpResponse:
    package_knows = package_knows_year(year)
    entered = CalendarDay.objects.filter(date__year=year).count()
    context = {
        "year": year,
        "years": [year - 1, year, year + 1],
        "package_knows": package_knows,
        "entered": entered,
        "fallback": not package_knows and not entered,
        "exceptions": _exceptions(year),
        "error": error,
        "form": form or {},
    }
    return render(request, "web/calendar.html", context, status=error.status_code if error else 200)


@page(RULE)
@require_http_methods(["GET", "POST"])
def calendar_page(request: UserRequest) -> HttpResponse:
    try:
        year = _year(request.GET.get("year") or request.POST.get("year"))
    except DomainError as exc:
        return _render(request, clock.now().year, error=exc)
    if request.method == "GET":
        return _render(request, year)
    post = request.POST
    try:
        if post.get("what") == "remove":
            day = calendar_actions.date_span(post.get("date"))[0]
            calendar_actions.calendar_day_remove(actor=request.user, day=day)
            messages.success(request, _("已删除 %(day)s 的录入") % {"day": day.isoformat()})
        else:
            kind = post.get("kind")
            if kind not in ("holiday", "workday"):
                raise ValidationFailed(_("请选择放假或调休上班"), field="kind")
            days = calendar_actions.date_span(post.get("start"), post.get("end"))
            calendar_actions.calendar_days_set(
                actor=request.user, days=days, is_workday=kind == "workday", name=post.get("name", "")
            )
            messages.success(request, _("已保存 %(n)d 天") % {"n": len(days)})
            year = days[0].year
    except DomainError as exc:
        return _render(request, year, error=exc, form=post)
    return redirect(f"{reverse('web:calendar')}?year={year}")
