"""Deliberation's entry of the navigation bar (core.nav): everyone takes part in their own community's 有事您说话."""

from django.utils.translation import pgettext_lazy

from gongzhi.core.nav import NavEntry, holds, register

register(
    NavEntry(
        "deliberation",
        pgettext_lazy("nav", "议事"),
        "deliberation:home",
        "💬",
        order=45,
        shows=holds("deliberation.participate"),
    )
)
