"""The bridge's boxes on the pages of the two apps it joins (core/panels.py): neither app imports this one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gongzhi.accounts import rules
from gongzhi.care.actions.archives import NEED
from gongzhi.care.models import CareArchive, NeedStatus
from gongzhi.carelink import selectors
from gongzhi.carelink.actions import KINDS, RULE
from gongzhi.core.panels import Panel, register
from gongzhi.matching.models import Demand, ServiceItem


def archive_panel(request: HttpRequest, archive: Any) -> Panel | None:
    """On a care archive's page (already read under need to know): the needs that became demands, and for each
    open need a form to make it a micro-wish or an errand, when the reader may."""
    if not isinstance(archive, CareArchive):
        return None
    user = request.user
    links = selectors.links_of_archive(archive)
    may = rules.allows(user, RULE, archive.area_code)
    needs = list(archive.needs.select_related("visit").order_by("id"))
    open_needs = [
        n
        for n in needs
        if n.status == NeedStatus.OPEN and may and "to_demand" in NEED.allowed(n, user)  # type: ignore[arg-type]
    ]
    if not links and not open_needs:
        return None
    items = list(ServiceItem.objects.filter(active=True).select_related("category")) if open_needs else []
    return Panel(
        "carelink/_archive_panel.html",
        {
            "linked": [(n, links[n.pk]) for n in needs if n.pk in links],
            "open_needs": open_needs,
            "items": items,
            "kinds": [(k.value, k.label) for k in KINDS],
        },
    )


def demand_panel(request: HttpRequest, demand: Any) -> Panel | None:
    """On a demand's page (already visible to the reader by matching's rules): where it came from."""
    if not isinstance(demand, Demand):
        return None
    found = selectors.origin(request.user, demand, request=request)
    if found is None:
        return None
    return Panel("carelink/_demand_panel.html", {"origin": found})


register("care.archive", archive_panel)
register("matching.demand", demand_panel)
