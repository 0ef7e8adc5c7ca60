"""Points' entry of the navigation bar (core.nav): a resident's own points, or the staff's points pages."""

from __future__ import annotations

import functools
import operator
from typing import TYPE_CHECKING

from django.utils.translation import pgettext_lazy

from gongzhi.core.nav import NavEntry, register

if TYPE_CHECKING:
    from gongzhi.accounts.models import User


def _has_points(user: User) -> bool:
    """A resident's own passbook; for staff, only where a points scheme runs within or above their reach (a street
    without one has nothing to show them under this tab)."""
    if user.resident_id:
        return True
    if not user.has_perm("points.view"):
        return False
    from django.db.models import Q

    from gongzhi.accounts import rules
    from gongzhi.areas.codes import ancestor_codes
    from gongzhi.points.models import PointsScheme

    codes = rules.scope_codes(user, "points.view")
    if "" in codes:
        return PointsScheme.objects.exists()
    if not codes:
        return False
    within = [Q(area_code__startswith=code) | Q(area_code__in=ancestor_codes(code)) for code in codes]
    return PointsScheme.objects.filter(functools.reduce(operator.or_, within)).exists()


register(NavEntry("points", pgettext_lazy("nav", "积分"), "points:me", "✚", order=50, shows=_has_points))
