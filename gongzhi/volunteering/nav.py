"""Volunteering's entry of the navigation bar (core.nav): activities are a public call, so everyone sees it."""

from django.utils.translation import pgettext_lazy

from gongzhi.core.nav import NavEntry, register

register(NavEntry("volunteering", pgettext_lazy("nav", "志愿服务"), "volunteering:activities", "♥", order=40))
