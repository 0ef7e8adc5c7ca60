"""The command centre's entry of the navigation bar (core.nav): for staff who view an area's appeals and people
(a department reads its own summons elsewhere, so it gets no entry)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import pgettext_lazy

from gongzhi.core.nav import NavEntry, register

if TYPE_CHECKING:
    from gongzhi.core.types import User


def _commands(user: User) -> bool:
    return user.has_perm("appeals.view") and user.has_perm("people.view")


register(NavEntry("command", pgettext_lazy("nav", "指挥"), "command:centre", "◎", order=65, shows=_commands))
