"""Checks of the plain values the points actions take (integers in a range), shared by every subject."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gongzhi.core.errors import ValidationFailed

MAX_POINTS = 10_000


def integer(value: Any, *, field: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed(_("%(field)s 必须是整数") % {"field": field}, field=field)
    if minimum is not None and value < minimum:
        raise ValidationFailed(_("%(field)s 不能小于 %(min)d") % {"field": field, "min": minimum}, field=field)
    if maximum is not None and value > maximum:
        raise ValidationFailed(_("%(field)s 不能大于 %(max)d") % {"field": field, "max": maximum}, field=field)
    return value


def optional_positive(value: Any, *, field: str) -> int | None:
    if value is None:
        return None
    return integer(value, field=field, minimum=1, maximum=10**6)
