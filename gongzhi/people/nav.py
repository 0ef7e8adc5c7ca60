"""The people pages' entries of the navigation bar (core.nav): resident search for staff, the party tree."""

from django.utils.translation import pgettext_lazy

from gongzhi.core.nav import NavEntry, holds, register

register(
    NavEntry(
        "people.residents",
        pgettext_lazy("nav", "居民查询"),
        "people:residents",
        "⌕",
        order=30,
        shows=holds("people.view"),
    ),
    NavEntry("people.party", pgettext_lazy("nav", "党组织"), "people:party", "★", order=60, shows=holds("party.view")),
)
