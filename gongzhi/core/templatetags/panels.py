"""`{% load panels %}{% panels "slot" obj %}`: the boxes other apps registered for this slot (core/panels.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from gongzhi.core.panels import panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context: template.Context, slot: str, obj: Any) -> SafeString:
    request = context.get("request")
    if request is None:
        return mark_safe("")
    html = [
        render_to_string(panel.template, {**panel.context, "obj": obj}, request=request)
        for panel in panels_for(slot, request, obj)
    ]
    return mark_safe("".join(html))  # noqa: S308 - each part is a template rendered with autoescape
