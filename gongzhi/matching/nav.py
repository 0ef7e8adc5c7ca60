"""Matching's entry of the navigation bar (core.nav): everyone may order a service or see the micro-wish wall."""

from django.utils.translation import pgettext_lazy

from gongzhi.core.nav import NavEntry, register

register(NavEntry("matching", pgettext_lazy("nav", "服务"), "matching:home", "❖", order=45))
