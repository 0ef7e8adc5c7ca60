"""`{% load countdown %}{% countdown_i18n %}`: the countdown's phrases for static/js/countdown.js."""

from __future__ import annotations

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

from gongzhi.core.countdown import countdown_formats, countdown_text

register = template.Library()

SCRIPT_ID = "countdown-i18n"


@register.simple_tag
def countdown_i18n() -> SafeString:
    """The phrases as a JSON script element (#countdown-i18n), in the language of the page."""
    return json_script(countdown_formats(), SCRIPT_ID)


@register.filter
def countdown(seconds: int | None) -> str:
    """`{{ seconds|countdown }}`: the same words as countdown_text."""
    return countdown_text(seconds)
