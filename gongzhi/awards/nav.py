"""Awards' entry of the navigation bar (core.nav): staff who see results and residents who vote."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import pgettext_lazy

from gongzhi.core.nav import NavEntry, register

if TYPE_CHECKING:
    from gongzhi.core.types import User


def _shows(user: User) -> bool:
    return user.has_perm("awards.view") or user.has_perm("awards.participate")


register(NavEntry("awards", pgettext_lazy("nav", "评选"), "awards:home", "✪", order=48, shows=_shows))
