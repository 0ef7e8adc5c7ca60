"""Reads of the Open311 endpoint: services from the category tree, the public requests and their updates.

What Open311 shows is public: appeals marked public (公示) and those a client sent in through Open311.
Cases from the hotline, the resident pages or grid patrols stay with staff. Contact data is never read here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from gongzhi.appeals.models import (
    FINISHED_STATES,
    Appeal,
    AppealEvent,
    AppealPhoto,
    Category,
    Channel,
    State,
)
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.models import AuditEvent

DEFAULT_SPAN = dt.timedelta(days=90)
RELEASED = dt.datetime(2026, 11, 22, tzinfo=ZoneInfo("Asia/Shanghai"))
MAX_RESULTS = 1000
OPEN, CLOSED = "open", "closed"
CLOSED_STATES = frozenset(FINISHED_STATES)


def open311_status(state: str) -> str:
    return CLOSED if state in CLOSED_STATES else OPEN


def _states_for(status: str) -> list[str]:
    if status == CLOSED:
        return sorted(CLOSED_STATES)
    return sorted(set(State.values) - CLOSED_STATES)


# ---------------------------------------------------------------------------------------------------------------
# Services


def services_list() -> list[Category]:
    """Every active 小类 whose 大类 is active too, in the tree's order."""
    return list(
        Category.objects.filter(parent__isnull=False, is_active=True, parent__is_active=True)
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )


def services_changeset() -> dt.datetime:
    """When the service list last changed: this release, or a later category edit by street staff."""
    last = (
        AuditEvent.objects.filter(action="appeals.category_update")
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return max(RELEASED, last) if last else RELEASED


def service_get(code: str) -> Category:
    category = (
        Category.objects.filter(code=code, parent__isnull=False, is_active=True, parent__is_active=True)
        .select_related("parent")
        .first()
    )
    if category is None:
        raise NotFound(_("未找到 service_code：%(code)s") % {"code": code}, field="service_code")
    return category


def _yes_no(value: str) -> bool:
    return value == "yes"


def service_attributes(service: Category) -> list[dict[str, Any]]:
    """The service definition's attributes; `maps_to`/`convert` say which appeal_submit keyword each sets."""
    return [
        {
            "variable": True,
            "code": "public",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("选择“是”则办结结果在所在区域的公示栏公开"),
            "order": 1,
            "description": _("是否为公共事项（公示）"),
            "values": [{"key": "yes", "name": _("是")}, {"key": "no", "name": _("否")}],
            "maps_to": "is_public",
            "convert": _yes_no,
        }
    ]


def jurisdiction_get(code: Any) -> Area | None:
    """The street a jurisdiction_id names (None when not given); 404 for anything else."""
    if code is None or code == "":
        return None
    code = str(code).strip()
    street = Area.objects.filter(code=code, level="street").first() if code.isdigit() else None
    if street is None:
        raise NotFound(_("未找到 jurisdiction_id：%(code)s（应为街道编码）") % {"code": code}, field="jurisdiction_id")
    return street


# ---------------------------------------------------------------------------------------------------------------
# Requests


def public_q() -> Q:
    return Q(is_public=True) | Q(channel=Channel.OPEN311)


def _with_details(qs: QuerySet[Appeal]) -> QuerySet[Appeal]:
    return qs.select_related("category", "category__parent").prefetch_related(
        Prefetch("events", queryset=AppealEvent.objects.order_by("occurred_at", "id")),
        Prefetch("photos", queryset=AppealPhoto.objects.filter(kind="report").order_by("id")),
    )


def _datetime(value: Any, field: str) -> dt.datetime | None:
    if value is None or value == "":
        return None
    # A '+' offset in an unencoded query string arrives as a space ("…T09:00:00 08:00").
    text = re.sub(r"(\d) (\d{2}:?\d{2})$", r"\1+\2", str(value).strip())
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = dt.datetime.combine(day, dt.time()) if day else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(
            _("%(field)s 必须是 W3C 日期时间，例如 2026-01-01T00:00:00Z") % {"field": field}, field=field
        )
    if parsed.tzinfo is None:
        parsed = timezone.make_aware(parsed)
    return parsed


def _codes(value: Any) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def date_range(start_date: Any, end_date: Any) -> tuple[dt.datetime, dt.datetime]:
    """The window of a query: by default the last 90 days, as GeoReport v2 says."""
    start = _datetime(start_date, "start_date")
    end = _datetime(end_date, "end_date")
    if end is None:
        end = start + DEFAULT_SPAN if start is not None else clock.now()
    if start is None:
        start = end - DEFAULT_SPAN
    if start > end:
        raise ValidationFailed(_("start_date 不能晚于 end_date"), field="start_date")
    return start, end


def requests_list(
    *,
    jurisdiction: Area | None = None,
    service_request_id: Any = None,
    service_code: Any = None,
    start_date: Any = None,
    end_date: Any = None,
    status: Any = None,
    limit: int = MAX_RESULTS,
    offset: int = 0,
) -> list[Appeal]:
    """GET requests: service_request_id (comma list) overrides every other filter."""
    qs = Appeal.objects.filter(public_q())
    if jurisdiction is not None:
        qs = qs.filter(code_range_q(jurisdiction.code, "area_code"))
    ids = _codes(service_request_id)
    if ids:
        if not all(i.isdigit() and len(i) < 18 for i in ids):
            raise ValidationFailed(_("service_request_id 必须是以逗号分隔的数字"), field="service_request_id")
        return list(_with_details(qs.filter(pk__in=[int(i) for i in ids])).order_by("-created_at", "-id")[:limit])
    codes = _codes(service_code)
    if codes:
        known = set(Category.objects.filter(code__in=codes, parent__isnull=False).values_list("code", flat=True))
        missing = [c for c in codes if c not in known]
        if missing:
            raise NotFound(_("未找到 service_code：%(code)s") % {"code": "、".join(missing)}, field="service_code")
        qs = qs.filter(category__code__in=codes)
    statuses = _codes(status)
    if statuses:
        bad = [s for s in statuses if s not in (OPEN, CLOSED)]
        if bad:
            raise ValidationFailed(_("status 只能是 open 或 closed"), field="status")
        states: set[str] = set()
        for s in statuses:
            states.update(_states_for(s))
        qs = qs.filter(state__in=sorted(states))
    start, end = date_range(start_date, end_date)
    qs = qs.filter(created_at__gte=start, created_at__lte=end)
    return list(_with_details(qs).order_by("-created_at", "-id")[offset : offset + limit])


def request_get(*, request_id: str, jurisdiction: Area | None = None) -> Appeal:
    qs = Appeal.objects.filter(public_q())
    if jurisdiction is not None:
        qs = qs.filter(code_range_q(jurisdiction.code, "area_code"))
    appeal = _with_details(qs.filter(pk=int(request_id))).first() if request_id.isdigit() else None
    if appeal is None:
        raise NotFound(_("未找到 service_request_id：%(id)s") % {"id": request_id}, field="service_request_id")
    return appeal


def request_by_token(*, token: str, jurisdiction: Area | None = None) -> Appeal:
    """A token is the appeal's number (编号) — what a resident is told when the case is taken in."""
    qs = Appeal.objects.filter(public_q(), number=token)
    if jurisdiction is not None:
        qs = qs.filter(code_range_q(jurisdiction.code, "area_code"))
    appeal = qs.first()
    if appeal is None:
        raise NotFound(_("未找到 token：%(token)s") % {"token": token}, field="token")
    return appeal


def updates_list(
    *, jurisdiction: Area | None = None, start_date: Any = None, end_date: Any = None, limit: int = MAX_RESULTS
) -> list[AppealEvent]:
    """The servicerequestupdates extension: every recorded move of a public appeal in the window."""
    start, end = date_range(start_date, end_date)
    qs = AppealEvent.objects.filter(
        occurred_at__gte=start,
        occurred_at__lte=end,
        appeal__in=Appeal.objects.filter(public_q()),
    )
    if jurisdiction is not None:
        qs = qs.filter(code_range_q(jurisdiction.code, "appeal__area_code"))
    return list(
        qs.select_related("appeal")
        .prefetch_related(Prefetch("photos", queryset=AppealPhoto.objects.order_by("id")))
        .order_by("occurred_at", "id")[:limit]
    )


def agencies(appeals: list[Appeal]) -> dict[str, str]:
    """Names of the areas handling the appeals (micro-grid, grid or street code → name), in one query."""
    codes: set[str] = set()
    for appeal in appeals:
        codes.add(agency_code(appeal))
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


def agency_code(appeal: Appeal) -> str:
    """The area whose team works the appeal now: its micro-grid, grid or street."""
    return code_at(appeal.area_code, appeal.handling_level or AreaLevel.MICROGRID)
