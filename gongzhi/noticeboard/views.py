"""The public board page (/board/<area_code>/): no login, phone first; staff with board.manage may withdraw."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.accounts import rules
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.noticeboard import actions, selectors

PAGE_SIZE = 30


@require_GET
def board(request: HttpRequest, area_code: str) -> HttpResponse:
    try:
        area = selectors.board_area(code=area_code)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    before = request.GET.get("before", "")
    before_id = int(before) if before.isdigit() and 0 < int(before) <= actions.MAX_ID else None
    notices = selectors.board_notices(area=area, before_id=before_id, limit=PAGE_SIZE)
    context = {
        "area": area,
        "notices": notices,
        "may_manage": rules.allows(request.user, "board.manage", area.code),
        "next_before_id": notices[-1].pk if len(notices) == PAGE_SIZE else None,
    }
    return render(request, "noticeboard/board.html", context)


@require_POST
@page()
def withdraw(request: UserRequest, area_code: str, notice_id: int) -> HttpResponse:
    # No permission → 403 page, unknown notice → 404 page (core.middleware); a missing reason comes back as a message.
    try:
        actions.notice_withdraw(actor=request.user, notice_id=notice_id, reason=request.POST.get("reason", ""))
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("公示已撤下"))
    return redirect("noticeboard:board", area_code=area_code)
