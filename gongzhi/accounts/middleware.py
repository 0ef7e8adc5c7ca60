"""The second sign-in step and the staff idle limit, for every page and every session call of the API.

A session that passed the password but still owes the second step (accounts.otp) reaches only the second-step pages
and their API, sign-out, the language switch and static files: a page is redirected to `/account/2fa/?next=…`, an
API call answers 403 with code `second_factor_required`. A staff session idle for more than SESSION_IDLE_MINUTES is
signed out (a page goes to the login page with a message, an API call answers 401). Bearer-token calls carry no
session and pass: their token was issued after the second step.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.accounts import otp
from gongzhi.accounts.models import User
from gongzhi.core.pages import API_PREFIX


@cache
def _open_prefixes() -> tuple[str, ...]:
    """Paths a session that owes the second step may still reach."""
    return (
        reverse("accounts:second_factor"),
        reverse("web:logout"),
        reverse("web:login"),
        reverse("set_language"),
        reverse("admin:logout"),
        API_PREFIX + "v1/auth/otp",
        settings.STATIC_URL or "/static/",
        "/healthz",
        "/metrics",
    )


def _json(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status, json_dumps_params={"ensure_ascii": False})


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if not (isinstance(user, User) and user.is_authenticated):
            return self.get_response(request)
        refused = self._gate(request, user)
        return refused if refused is not None else self.get_response(request)

    def _gate(self, request: HttpRequest, user: User) -> HttpResponseBase | None:
        session = request.session
        value = otp.state(session)
        now = otp._now_ts()
        if value is None:  # a session signed in some other way (Django admin's login, registration, older sessions)
            value = otp.start(session, user)
        else:
            idle = settings.SESSION_IDLE_MINUTES
            if value.get("staff") and idle and now - float(value.get("seen", now)) > idle * 60:
                return self._timed_out(request)
            if now - float(value.get("checked", 0)) >= otp.RECHECK_SECONDS:
                # Written back at most once a minute: a session write per request would make every read a write.
                fresh = otp.evaluate(user)
                value.update(seen=now, checked=now, staff=fresh["staff"], required=fresh["required"])
                if fresh["required"] and not value.get("verified"):
                    value["owed"] = True
                session[otp.SESSION_KEY] = value
        if value.get("owed") and not request.path.startswith(_open_prefixes()):
            if request.path.startswith(API_PREFIX):
                return _json(
                    403, "second_factor_required", _("请先完成两步验证（/api/v1/auth/otp/verify 或 /account/2fa/）")
                )
            target = reverse("accounts:second_factor") + "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return None

    def _timed_out(self, request: HttpRequest) -> HttpResponse:
        minutes = settings.SESSION_IDLE_MINUTES
        logout(request)
        message = _("您已 %(m)d 分钟没有操作，为保护数据已自动退出，请重新登录") % {"m": minutes}
        if request.path.startswith(API_PREFIX):
            return _json(401, "session_expired", message)
        messages.warning(request, message)
        return redirect(reverse("web:login") + "?" + urlencode({"next": request.get_full_path()}))
