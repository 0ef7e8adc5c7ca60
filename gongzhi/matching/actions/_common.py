"""Checks the matching actions share: looking up an area or an item by what the caller sent, counting in fen."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.matching.models import ServiceItem


def area_by_code(code: object, *, field: str = "area") -> Area:
    if not isinstance(code, str) or not code.isdigit():
        raise ValidationFailed(_("区域编码须为数字：%(code)s") % {"code": code}, field=field)
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise NotFound(_("区域不存在：%(code)s") % {"code": code}, field=field)
    return area


def active_item(item_id: object, *, field: str = "item_id") -> ServiceItem:
    if not isinstance(item_id, int) or isinstance(item_id, bool) or item_id < 1:
        raise ValidationFailed(_("服务项目编号须为正整数"), field=field)
    item = ServiceItem.objects.select_related("category").filter(pk=item_id, active=True).first()
    if item is None:
        raise NotFound(_("服务项目不存在或已停用：%(id)s") % {"id": item_id}, field=field)
    return item


def fen_from_yuan(value: object, *, field: str) -> int:
    """An amount in yuan (a string or number with at most two decimals) as whole fen; fractions of a fen refused."""
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal, float)):
        raise ValidationFailed(_("%(field)s 须为金额（元）") % {"field": field}, field=field)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(_("%(field)s 须为金额（元）") % {"field": field}, field=field) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed(_("%(field)s 须为不小于 0 的金额") % {"field": field}, field=field)
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValidationFailed(_("%(field)s 最多精确到分（两位小数）") % {"field": field}, field=field)
    return int(fen)
