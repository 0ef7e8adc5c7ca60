from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.accounts import actions as account_actions
from gongzhi.core.errors import DomainError


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            user = account_actions.user_sign_in(
                username=request.POST.get("username", ""), password=request.POST.get("password", ""), request=request
            )
        except DomainError as exc:
            error = exc.message
        else:
            login(request, user)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "web:home"
            return redirect(target or "web:home")
    return render(request, "web/login.html", {"error": error}, status=400 if error else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {})
