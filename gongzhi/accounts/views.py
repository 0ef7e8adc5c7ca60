"""Pages for the second sign-in step, one's own security settings and API tokens, and the admin's reset.

Each page parses the form, calls an action of accounts.otp_actions / accounts.actions and renders; a domain error is
shown next to the form with its status (429 when the second step is locked). Recovery codes and a new token are
shown once, in the answer to the POST that made them, and never again.
"""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.accounts import actions, otp, otp_actions, totp
from gongzhi.accounts.models import ApiToken, User
from gongzhi.core import clock
from gongzhi.core.errors import DomainError, NotFound, ValidationFailed
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/"
    return target or "/"


def _qr(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=5, border=2)


@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request: UserRequest) -> HttpResponse:
    """The step after the password: enrol an authenticator (first sign-in) or type its code."""
    user = request.user
    state = otp.state(request.session) or otp.start(request.session, user)
    is_enrolled = otp.enrolled(user)
    target = _next(request)
    if is_enrolled and not state.get("owed"):
        return redirect(target)
    context: dict[str, Any] = {"next": target, "required": otp.required(user), "error": None}
    status = 200
    if request.method == "POST":
        code = request.POST.get("code", "")
        try:
            if is_enrolled:
                proof = otp_actions.otp_verify(user=user, code=code, request=request)
            else:
                codes = otp_actions.otp_enrol_confirm(user=user, code=code, request=request)
        except DomainError as exc:
            context["error"] = exc.message
            status = exc.status_code
        else:
            if is_enrolled:
                otp.mark_verified(request.session, user, method=proof.method)
                return redirect(target)
            otp.mark_verified(request.session, user, method="totp")
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": target})
    if is_enrolled:
        return render(request, "accounts/verify.html", context, status=status)
    enrolment = otp_actions.otp_enrol_start(user=user)
    context.update(secret=totp.grouped(enrolment.secret), secret_raw=enrolment.secret, qr_svg=_qr(enrolment.uri))
    return render(request, "accounts/enrol.html", context, status=status)


@page()
@require_http_methods(["GET", "POST"])
def security(request: UserRequest) -> HttpResponse:
    """One's own second factor: status, new recovery codes, turning it off (when not required)."""
    user = request.user
    error = None
    status = 200
    if request.method == "POST":
        code = request.POST.get("code", "")
        try:
            if request.POST.get("action") == "disable":
                otp_actions.otp_disable(user=user, code=code, request=request)
                return redirect("accounts:security")
            codes = otp_actions.otp_recovery_regenerate(user=user, code=code, request=request)
        except DomainError as exc:
            error, status = exc.message, exc.status_code
        else:
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": "/account/security/"})
    context = {
        "enrolled": otp.enrolled(user),
        "required": otp.required(user),
        "codes_left": otp_actions.recovery_codes_left(user),
        "error": error,
    }
    return render(request, "accounts/security.html", context, status=status)


@page()
@require_http_methods(["GET", "POST"])
def tokens(request: UserRequest) -> HttpResponse:
    """One's own API tokens: list, create (the session has passed the second step), revoke."""
    user = request.user
    error, raw, status = None, None, 200
    if request.method == "POST":
        try:
            days_text = (request.POST.get("days") or "").strip()
            days = int(days_text) if days_text.isdigit() else None
            if days_text and days is None:
                raise ValidationFailed(_("有效期应为天数"), field="expires_in_days")
            _token, raw = actions.api_token_issue(
                user=user,
                name=request.POST.get("name", "").strip() or "web",
                proof=otp.session_proof(request.session, user),
                days=days,
            )
        except DomainError as exc:
            error, status = exc.message, exc.status_code
    rows = ApiToken.objects.filter(user=user).order_by("-created_at")
    context = {"tokens": rows, "raw": raw, "error": error, "now": clock.now(), "ttl": settings.API_TOKEN_TTL_DAYS}
    return render(request, "accounts/tokens.html", context, status=201 if raw else status)


@page()
@require_POST
def token_revoke(request: UserRequest, token_id: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=token_id, user=request.user).first()
    if token is None:
        raise NotFound(_("令牌不存在"))
    actions.api_token_revoke(user=request.user, token=token)
    return redirect("accounts:tokens")


@page("accounts.otp_reset")
@require_http_methods(["GET", "POST"])
def reset(request: UserRequest) -> HttpResponse:
    """An administrator removes a user's lost authenticator (audited with the reason)."""
    error, done, status = None, None, 200
    username = request.POST.get("username", "").strip()
    if request.method == "POST":
        try:
            target = User.objects.filter(username=username).first()
            if target is None:
                raise NotFound(_("用户 %(u)s 不存在") % {"u": username}, field="username")
            otp_actions.otp_reset(
                actor=request.user, user=target, reason=request.POST.get("reason", ""), request=request
            )
        except DomainError as exc:
            error, status = exc.message, exc.status_code
        else:
            done = username
    context = {"error": error, "done": done, "username": "" if done else username}
    return render(request, "accounts/reset.html", context, status=status)
