"""Pages: the one decorator every server-rendered view wears, and the one error page every view shows.

`@page(rule)` asks for a login and, with a rule, that the user holds it somewhere (through Django's
`user.has_perm`, which the accounts backend answers from the area rules, so core knows no roles). A view that
cannot go on raises a domain error (`core.errors`); `DomainErrorMiddleware` (core.middleware) turns it into this
module's `error_page` — the same page, in the user's language, with the error's status — or, under /api/, into
the API's JSON error body. The 404 and 403 handlers (`handler404`/`handler403` in gongzhi.urls) show the same page
for Django's own Http404 and PermissionDenied.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404
from django.utils.translation import gettext as _

from gongzhi.core.errors import DomainError, NotFound, PermissionDenied

View = TypeVar("View", bound=Callable[..., HttpResponseBase])

API_PREFIX = "/api/"
ERROR_TEMPLATE = "core/error.html"


def _title(status: int) -> str:
    titles = {403: _("没有权限"), 404: _("未找到"), 409: _("操作冲突"), 429: _("操作过于频繁")}
    return titles.get(status, _("请求有误"))


def error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """The page that says why the user cannot go on: status, a title for it, and the error's own message."""
    status = exc.status_code
    context = {"status": status, "title": _title(status), "message": exc.message}
    return render(request, ERROR_TEMPLATE, context, status=status)


def error_response(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A domain error as the caller reads it: the JSON error body under /api/, the error page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(exc.as_dict(), status=exc.status_code, json_dumps_params={"ensure_ascii": False})
    return error_page(request, exc)


def page(rule: str | None = None) -> Callable[[View], View]:
    """Login required; with `rule`, the user must hold it at some area. Domain errors the view raises become the
    error page (by the middleware), so a view raises instead of rendering its own refusal."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if rule is not None and not request.user.has_perm(rule):
                raise PermissionDenied(_("您的角色不能使用这个页面"), details={"rule": rule})
            return view(request, *args, **kwargs)

        return cast(View, login_required(wrapper))

    return decorate


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 (an unknown address or a view's Http404), as the same error page or JSON body."""
    message = exception.args[0] if exception.args and isinstance(exception.args[0], str) else ""
    if isinstance(exception, Resolver404) or not message:
        message = _("您要找的页面不存在")
    return error_response(request, NotFound(message))


def forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's own PermissionDenied (raised by Django or a library), as the same error page or JSON body."""
    message = exception.args[0] if exception.args and isinstance(exception.args[0], str) else ""
    return error_response(request, PermissionDenied(message or _("您没有权限访问这个页面")))
