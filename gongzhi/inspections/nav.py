"""Inspections' entry of the navigation bar (core.nav): for whoever may see places and inspections."""

from django.utils.translation import pgettext_lazy

from gongzhi.core.nav import NavEntry, holds, register

register(
    NavEntry(
        "inspections", pgettext_lazy("nav", "巡查"), "inspections:today", "✓", order=45, shows=holds("inspections.view")
    )
)
