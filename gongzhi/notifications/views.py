"""The inbox page: my messages, newest first, unread ones marked; opening one marks it read."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.errors import NotFound
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.notifications import actions, selectors

PAGE_SIZE = 50


@page()
@require_GET
def inbox(request: UserRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    before = request.GET.get("before", "")
    before_id = int(before) if before.isdigit() and 0 < int(before) <= actions.MAX_ID else None
    rows = selectors.inbox_list(user=request.user, unread_only=unread_only, before_id=before_id, limit=PAGE_SIZE)
    context = {
        "messages_list": rows,
        "unread_only": unread_only,
        "unread_count": selectors.inbox_unread_count(user=request.user),
        "next_before_id": rows[-1].pk if len(rows) == PAGE_SIZE else None,
    }
    return render(request, "notifications/inbox.html", context)


@page()
@require_POST
def mark_read(request: UserRequest, message_id: int) -> HttpResponse:
    try:
        message = actions.inbox_mark_read(user=request.user, message_id=message_id)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    # Follow the message's own link only when it stays on this site.
    if message.link and url_has_allowed_host_and_scheme(message.link, allowed_hosts={request.get_host()}):
        return redirect(message.link)
    return redirect("notifications:inbox")


@page()
@require_POST
def mark_all_read(request: UserRequest) -> HttpResponse:
    actions.inbox_mark_all_read(user=request.user)
    return redirect("notifications:inbox")
