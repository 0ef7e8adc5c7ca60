"""Panels: one page shows a box that another app draws, without either app importing the other.

A page names a slot and the object it shows — `{% load panels %}{% panels "matching.demand" d %}` — and any app
registers, in its own `panels.py` (found the first time a slot is drawn, as `nav.py` is), a function that returns
the box for that user and object, or None:

    register("matching.demand", demand_origin)   # (request, obj) -> Panel | None

So an app on a higher layer (a bridge between two independent apps, e.g. `gongzhi.carelink`) adds to the pages
of the apps below it; the apps below know only the slot's name. A panel decides itself who may see it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Panel:
    """A box on a page: the template that draws it and its context (the request is added)."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


PanelFn = Callable[[HttpRequest, Any], Panel | None]

_REGISTRY: dict[str, dict[str, PanelFn]] = {}
_discovered = False


def register(slot: str, fn: PanelFn, *, key: str | None = None) -> None:
    """Add (or replace, by key: default the function's module and name) a panel of a slot."""
    _REGISTRY.setdefault(slot, {})[key or f"{fn.__module__}.{fn.__qualname__}"] = fn


def panels_for(slot: str, request: HttpRequest, obj: Any) -> list[Panel]:
    global _discovered
    if not _discovered:
        autodiscover_modules("panels")
        _discovered = True
    found = (fn(request, obj) for _key, fn in sorted(_REGISTRY.get(slot, {}).items()))
    return [panel for panel in found if panel is not None]
