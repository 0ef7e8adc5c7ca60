"""Points' entry of the navigation bar (core.nav): a resident's own points, or the staff's points pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import pgettext_lazy

from gongzhi.core.nav import NavEntry, register

if TYPE_CHECKING:
    from gongzhi.accounts.models import User


def _has_points(user: User) -> bool:
    return bool(user.resident_id) or user.has_perm("points.view")


register(NavEntry("points", pgettext_lazy("nav", "积分"), "points:me", "✚", order=50, shows=_has_points))
