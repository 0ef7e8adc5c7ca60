"""The page write of the bridge: the form in the care archive's panel posts here (the same action as the API)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.care.models import CareNeed
from gongzhi.carelink.actions import need_to_demand
from gongzhi.carelink.selectors import need_to_know
from gongzhi.core.errors import DomainError
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest


def _int(value: str | None) -> int | str | None:
    if value is None or value == "":
        return None
    return int(value) if value.isdigit() else value


@page()
@require_POST
def need_demand(request: UserRequest, need_id: int) -> HttpResponse:
    need = CareNeed.objects.select_related("archive").filter(pk=need_id).first()
    # Back to the archive only for a reader with need to know (anyone else learns nothing of it).
    archive_id = need.archive_id if need is not None and need_to_know(request.user, need.archive) else None
    p = request.POST
    try:
        link = need_to_demand(
            actor=request.user, need_id=need_id, kind=p.get("kind", ""), item_id=_int(p.get("item_id")),
            title=p.get("title") or None, description=p.get("description", ""), value_yuan=p.get("value") or None,
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("已转为%(kind)s：%(title)s") % {"kind": link.demand.get_kind_display(), "title": link.demand.title},
        )
    if archive_id is None:
        return redirect(reverse("care:home"))
    return redirect(reverse("care:archive", args=[archive_id]))
