"""Writes to the staff holiday table (节假日与调休): the State Council's notice entered for years the package lacks."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.models import CalendarDay

if TYPE_CHECKING:
    from gongzhi.core.types import User

# A notice lists one holiday of at most a few weeks; a longer span is almost surely a typo in a year.
MAX_SPAN_DAYS = 31


def date_span(start: Any, end: Any = None) -> list[dt.date]:
    """The days from ``start`` to ``end`` inclusive (ISO strings or dates); ``end`` defaults to ``start``."""
    try:
        first = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start).strip())
    except ValueError as exc:
        raise ValidationFailed(_("日期格式应为 YYYY-MM-DD"), field="start") from exc
    if end in (None, ""):
        last = first
    else:
        try:
            last = end if isinstance(end, dt.date) else dt.date.fromisoformat(str(end).strip())
        except ValueError as exc:
            raise ValidationFailed(_("日期格式应为 YYYY-MM-DD"), field="end") from exc
    if last < first:
        raise ValidationFailed(_("结束日期不能早于开始日期"), field="end")
    if (last - first).days >= MAX_SPAN_DAYS:
        raise ValidationFailed(_("一次最多录入 %(n)d 天") % {"n": MAX_SPAN_DAYS}, field="end")
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


@transaction.atomic
def calendar_days_set(*, actor: User | None, days: list[dt.date], is_workday: bool, name: str) -> list[CalendarDay]:
    """Mark days as holidays (休) or make-up workdays (班); an existing entry for a day is replaced."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("请填写名称，如“春节”或“春节调休上班”"), field="name")
    if len(name) > 64:
        raise ValidationFailed(_("名称最多 64 个字"), field="name")
    if not days:
        raise ValidationFailed(_("请至少选择一天"), field="start")
    saved = []
    for day in days:
        entry, _created = CalendarDay.objects.update_or_create(
            date=day, defaults={"is_workday": is_workday, "name": name}
        )
        saved.append(entry)
    audit_record(
        actor=actor,
        action="core.calendar_days_set",
        target_type="core.calendarday",
        target_id=f"{days[0].isoformat()}..{days[-1].isoformat()}",
        data={"days": [d.isoformat() for d in days], "is_workday": is_workday, "name": name},
    )
    return saved


@transaction.atomic
def calendar_day_remove(*, actor: User | None, day: dt.date) -> None:
    """Drop a staff entry; the day falls back to the package (or Monday–Friday) again."""
    entry = CalendarDay.objects.select_for_update().filter(date=day).first()
    if entry is None:
        raise NotFound(_("%(day)s 没有录入") % {"day": day.isoformat()}, field="date")
    data = {"date": day.isoformat(), "is_workday": entry.is_workday, "name": entry.name}
    entry.delete()
    audit_record(
        actor=actor,
        action="core.calendar_day_remove",
        target_type="core.calendarday",
        target_id=day.isoformat(),
        data=data,
    )
