"""Care's entry of the navigation bar (core.nav): for assigned carers and whoever reads archives of an area."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import pgettext_lazy

from gongzhi.accounts import rules
from gongzhi.core.nav import NavEntry, register

if TYPE_CHECKING:
    from gongzhi.core.types import User


def _cares(user: User) -> bool:
    if any(rules.scope_codes(user, rule) for rule in ("care.view", "care.children")):
        return True
    from gongzhi.care.models import Carer

    return Carer.objects.filter(user_id=user.pk, ended_on__isnull=True).exists()


register(NavEntry("care", pgettext_lazy("nav", "关爱"), "care:home", "❀", order=45, shows=_cares))
