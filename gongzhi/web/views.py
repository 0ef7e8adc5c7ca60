"""The site's own pages: sign-in and registration, the home page and the area browser (the people pages live in
gongzhi/people/views.py). Each view parses the request, calls a selector or an action, and renders.

Domain errors a view raises become the error page in the user's language (core.middleware): PermissionDenied →
403, NotFound → 404; validation errors are shown next to the form that caused them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_stubs_ext import StrOrPromise

from gongzhi.accounts import actions as account_actions
from gongzhi.accounts import otp, rules
from gongzhi.accounts.models import Membership, Registration, Role
from gongzhi.appeals.home_links import appeal_links
from gongzhi.areas import selectors as area_selectors
from gongzhi.areas.models import LEVEL_ORDER, Area, AreaLevel
from gongzhi.areas.selectors import code_range_q
from gongzhi.core.errors import DomainError, RateLimited
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.people.models import Household, PartyMember, Resident
from gongzhi.web.forms import RegistrationForm

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

PAGE_SIZE = 50
# Counting every match is a full index scan at district scale (1,000,000 residents); past this we say "more than".
COUNT_CAP = 1000
STAFF_ROLES = {Role.STREET_STAFF, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.MICROGRID_WORKER, Role.ADMIN}
_CODE = re.compile(r"^\d{6,17}$")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _level_order(area: Area) -> int:
    return LEVEL_ORDER.index(AreaLevel(area.level))


# --------------------------------------------------------------------------- sign-in and registration


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    error = None
    status = 200
    if request.method == "POST":
        try:
            user = account_actions.user_sign_in(
                username=request.POST.get("username", ""), password=request.POST.get("password", ""), request=request
            )
        except DomainError as exc:
            error = exc.message
            status = 429 if isinstance(exc, RateLimited) else 400
        else:
            login(request, user)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = ""
            if otp.start(request.session, user)["owed"]:  # the second step comes next (accounts.views)
                return redirect(reverse("accounts:second_factor") + "?" + urlencode({"next": target or "/"}))
            return redirect(target or "web:home")
    context = {"error": error, "username": request.POST.get("username", "")}
    return render(request, "web/login.html", context, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                registration = account_actions.registration_submit(
                    username=data["username"],
                    password=data["password"],
                    full_name=data["full_name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    address=data["address"],
                    community=data["community"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
                status = exc.status_code
            else:
                login(request, registration.user, backend="gongzhi.accounts.backends.UsernameOrPhoneBackend")
                messages.success(request, _("注册申请已提交，社区工作者核对后即可使用居民功能"))
                return redirect("web:home")
    return render(request, "web/register.html", {"form": form}, status=status)


# --------------------------------------------------------------------------- home


@dataclass
class RoleCard:
    role: str
    role_label: str
    area: Area
    future: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)


# Lazy: built at import, translated when shown, so an English page shows English.
FUTURE_TEXT: dict[str, StrOrPromise] = {
    Role.DEPARTMENT: gettext_lazy("吹哨报到的报到、进展与结果反馈目前通过接口办理，部门工作台页面将在后续版本上线。"),
    Role.PARTY_MEMBER: gettext_lazy("微心愿领单、党员责任区服务记录将在后续版本上线；现在可以查看所在党组织。"),
    Role.PARTNER: gettext_lazy("资源清单发布和共建项目认领将在后续版本上线；积分商城的赞助商品由街道登记。"),
}


def _scope_summary(user: User) -> dict[str, Any]:
    """Counts of what the user's staff roles reach, each one index range per top area."""
    scope = rules.scope_q(user, "people.view", field="code")
    by_level = dict(Area.objects.filter(scope).values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    area_rows = [(str(AreaLevel(level).label), by_level[level]) for level in LEVEL_ORDER if by_level.get(level)]
    return {
        "areas": area_rows,
        "households": Household.objects.filter(rules.scope_q(user, "people.view")).count(),
        "residents": Resident.objects.filter(rules.scope_q(user, "people.view")).count(),
        "party_members": PartyMember.objects.filter(rules.scope_q(user, "people.view")).count(),
    }


@page()
def home(request: UserRequest) -> HttpResponse:
    user = request.user
    memberships = list(
        Membership.objects.filter(user=user).select_related("area").defer("area__boundary").order_by("area__code")
    )
    staff = [m for m in memberships if m.role in STAFF_ROLES]
    cards = []
    for m in memberships:
        if m.role in STAFF_ROLES or m.role == Role.RESIDENT:
            continue
        card = RoleCard(
            role=m.role, role_label=m.get_role_display(), area=m.area, future=str(FUTURE_TEXT.get(m.role, ""))
        )
        if m.role == Role.PARTY_MEMBER and rules.allows(user, "party.view", m.area.code):
            card.links.append((reverse("people:party"), _("党组织")))
        if m.role in (Role.VOLUNTEER, Role.PARTY_MEMBER):
            card.links.append((reverse("volunteering:activities"), _("志愿服务")))
        cards.append(card)
    resident = None
    if any(m.role == Role.RESIDENT for m in memberships) and user.resident_id:
        resident = (
            Resident.objects.select_related("household", "household__area", "area")
            .prefetch_related("tags")
            .get(pk=user.resident_id)
        )
    registration = Registration.objects.filter(user=user).select_related("community").first()
    context = {
        "staff_memberships": staff,
        "summary": _scope_summary(user) if staff or user.is_superuser else None,
        "can_confirm": bool(rules.scope_codes(user, "registrations.confirm")),
        "can_corrections": bool(rules.scope_codes(user, "privacy.handle")),
        "can_rosters": bool(rules.scope_codes(user, "people.import") or rules.scope_codes(user, "people.export")),
        "can_party": bool(rules.scope_codes(user, "party.view")),
        "is_admin": user.is_superuser or any(m.role == Role.ADMIN for m in memberships),
        "cards": cards,
        "resident": resident,
        "household_size": resident.household.residents.count() if resident and resident.household else 0,
        "registration": registration,
        "has_any_role": bool(memberships) or user.is_superuser,
        "appeal_links": appeal_links(user),
    }
    return render(request, "web/home.html", context)


# --------------------------------------------------------------------------- area browser


def _feature(area: Area, *, url: str | None = None) -> dict[str, Any] | None:
    if not area.boundary:
        return None
    return {
        "type": "Feature",
        "geometry": area.boundary,
        "properties": {"code": area.code, "name": area.name, "level": str(area.get_level_display()), "url": url},
    }


def _child_counts(children: list[Area]) -> dict[str, dict[str, int]]:
    # One range count per child on an indexed code column: cheap even under a street of 1,000,000 residents.
    out = {}
    for child in children:
        out[child.code] = {
            "areas": Area.objects.filter(code_range_q(child.code)).count() - 1,
            "households": Household.objects.filter(code_range_q(child.code, "area_code")).count(),
            "residents": Resident.objects.filter(code_range_q(child.code, "area_code")).count(),
        }
    return out


@page("people.view")
def areas_index(request: UserRequest) -> HttpResponse:
    tops = rules.scope_codes(request.user, "people.view")
    qs = Area.objects.filter(parent__isnull=True) if "" in tops else Area.objects.filter(code__in=tops)
    areas = list(qs.defer("boundary").order_by("code"))
    if len(areas) == 1:
        return redirect("web:area", code=areas[0].code)
    return render(request, "web/areas_index.html", {"areas": areas})


@page("people.view")
def area_detail(request: UserRequest, code: str) -> HttpResponse:
    area = area_selectors.area_get(code=code)
    rules.require(request.user, "people.view", area.code)
    ancestors = [
        (a, rules.allows(request.user, "people.view", a.code)) for a in area_selectors.area_ancestors(area=area)[:-1]
    ]
    children = list(area_selectors.area_children(area=area).order_by("code"))
    counts = _child_counts(children)
    rows = [(child, counts[child.code]) for child in children]
    map_data = {
        "area": _feature(area),
        "children": [f for c in children if (f := _feature(c, url=reverse("web:area", args=[c.code])))],
        "resolve_url": reverse("api:resolve"),
        "area_url": reverse("web:area", args=["0" * 6]).replace("0" * 6, "{code}"),
    }
    households = None
    if area.level == AreaLevel.MICROGRID:
        households = list(
            Household.objects.filter(area=area).annotate(size=Count("residents")).order_by("number")[:100]
        )
    context = {
        "area": area,
        "ancestors": ancestors,
        "rows": rows,
        "map_data": map_data,
        "households": households,
        "child_level": str(AreaLevel(LEVEL_ORDER[_level_order(area) + 1]).label)
        if area.level != AreaLevel.MICROGRID
        else "",
    }
    return render(request, "web/area_detail.html", context)
