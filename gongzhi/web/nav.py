"""The site's entries of the navigation bar (core.nav): home for everyone, the area map for staff."""

from django.utils.translation import pgettext_lazy

from gongzhi.core.nav import NavEntry, holds, register

register(
    NavEntry("home", pgettext_lazy("nav", "首页"), "web:home", "⌂", order=0),
    NavEntry("areas", pgettext_lazy("nav", "区域地图"), "web:areas", "▦", order=20, shows=holds("people.view")),
)
