"""Small checks the deliberation actions share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.core.errors import NotFound, ValidationFailed


def choice(value: Any, choices: Iterable[str], *, field: str) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise ValidationFailed(
            _("%(field)s 取值无效，可选：%(allowed)s") % {"field": field, "allowed": "、".join(allowed)}, field=field
        )
    return str(value)


def integer(value: Any, *, field: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationFailed(
            _("%(field)s 必须是 %(low)s 到 %(high)s 之间的整数") % {"field": field, "low": low, "high": high},
            field=field,
        )
    return value


def area(code: Any, *, field: str = "area") -> Area:
    if not isinstance(code, str) or not code.isdigit():
        raise ValidationFailed(_("请填写区域编码"), field=field)
    found = Area.objects.filter(code=code).first()
    if found is None:
        raise NotFound(_("区域编码 %(code)s 不存在") % {"code": code}, field=field)
    return found
