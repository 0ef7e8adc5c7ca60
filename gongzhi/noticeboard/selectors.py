"""Reads of the notice board: the live notices of an area's subtree, newest first, keyset paged."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.areas.selectors import code_range_q
from gongzhi.core.errors import NotFound
from gongzhi.noticeboard.models import Notice


def board_area(*, code: str) -> Area:
    area = Area.objects.filter(code=code).first() if isinstance(code, str) and code.isdigit() else None
    if area is None:
        raise NotFound(_("区域编码 %(code)s 不存在") % {"code": code}, field="area")
    return area


def board_notices(*, area: Area, before_id: int | None = None, limit: int = 50) -> list[Notice]:
    qs: QuerySet[Notice] = Notice.objects.filter(code_range_q(area.code, "area_code"), withdrawn_at__isnull=True)
    if before_id is not None:
        qs = qs.filter(pk__lt=before_id)
    return list(qs.select_related("area").order_by("-id")[:limit])
