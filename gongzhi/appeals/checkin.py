"""The phone's position at an arrival check-in (到场): checked here, kept in the arrive event's data."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _

from gongzhi.core.errors import ValidationFailed


def checkin_location(value: Any) -> dict[str, float]:
    """`{"lat", "lng", "accuracy"?}` as reported by the browser's geolocation; a clear error for anything else."""
    if not isinstance(value, dict) or set(value) - {"lat", "lng", "accuracy"}:
        raise ValidationFailed(_("到场位置必须包含纬度（lat）和经度（lng）"), field="location")
    out: dict[str, float] = {}
    for name, bound in (("lat", 90.0), ("lng", 180.0), ("accuracy", 100_000.0)):
        raw = value.get(name)
        if raw is None and name == "accuracy":
            continue
        if not isinstance(raw, int | float) or isinstance(raw, bool) or not math.isfinite(raw):
            raise ValidationFailed(_("到场位置的 %(field)s 必须是数字") % {"field": name}, field="location")
        low = 0.0 if name == "accuracy" else -bound
        if not low <= raw <= bound:
            raise ValidationFailed(_("到场位置的 %(field)s 超出范围") % {"field": name}, field="location")
        out[name] = round(float(raw), 6 if name != "accuracy" else 1)
    return out
