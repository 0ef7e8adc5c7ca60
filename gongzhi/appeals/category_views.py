"""Street staff maintain the category tree (/appeals/categories/): defaults, closure condition and 7135 overrides."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongzhi.accounts import rules
from gongzhi.appeals import actions, policy
from gongzhi.appeals.models import Category, Level, Tier
from gongzhi.core.errors import DomainError, PermissionDenied, ValidationFailed
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest

RULE = "appeals.configure"
# Form fields of the 7135 overrides; empty means "use the deployment's policy".
OVERRIDE_FIELDS = ("days_minor", "days_major", "days_hard", "day_unit", "arrival_minutes")


def _require_configure(request: UserRequest) -> None:
    if not rules.scope_codes(request.user, RULE):
        raise PermissionDenied(_("只有街道工作人员可以维护诉求分类"))


def _effective(category: Category) -> dict[str, Any]:
    """The policy a new appeal of this category gets, for display next to the overrides."""
    return policy.policy_for(category)


@page()
@require_http_methods(["GET"])
def categories_page(request: UserRequest) -> HttpResponse:
    _require_configure(request)
    groups = []
    rows = Category.objects.select_related("parent").order_by("sort_order", "code")
    children: dict[int, list[Category]] = {}
    tops = []
    for category in rows:
        if category.parent_id is None:
            tops.append(category)
        else:
            children.setdefault(category.parent_id, []).append(category)
    for top in tops:
        subs = [{"category": c, "policy": _effective(c)} for c in children.get(top.pk, [])]
        groups.append({"category": top, "subs": subs})
    return render(request, "appeals/categories.html", {"groups": groups})


def overrides_from_form(data: Any) -> dict[str, Any]:
    """The form's override fields as a policy dict; blank fields are left out, bad numbers are refused."""
    out: dict[str, Any] = {}
    days: dict[str, int] = {}
    for tier in Tier.values:
        raw = (data.get(f"days_{tier}") or "").strip()
        if raw:
            if not raw.isdigit():
                raise ValidationFailed(_("天数必须是整数"), field=f"days_{tier}")
            days[tier] = int(raw)
    if days:
        out["days"] = days
    unit = (data.get("day_unit") or "").strip()
    if unit:
        out["day_unit"] = unit
    minutes = (data.get("arrival_minutes") or "").strip()
    if minutes:
        if not minutes.isdigit():
            raise ValidationFailed(_("到场时限必须是整数（分钟）"), field="arrival_minutes")
        out["arrival_minutes"] = int(minutes)
    return policy.validate(out)


def _initial(category: Category) -> dict[str, Any]:
    overrides = category.policy_overrides or {}
    days = overrides.get("days", {})
    return {
        "name": category.name,
        "default_tier": category.default_tier,
        "default_level": category.default_level,
        "closure_condition": category.closure_condition,
        "on_site": category.on_site,
        "is_active": category.is_active,
        "days_minor": days.get("minor", ""),
        "days_major": days.get("major", ""),
        "days_hard": days.get("hard", ""),
        "day_unit": overrides.get("day_unit", ""),
        "arrival_minutes": overrides.get("arrival_minutes", ""),
    }


@page()
@require_http_methods(["GET", "POST"])
def category_edit(request: UserRequest, code: str) -> HttpResponse:
    _require_configure(request)
    category = Category.objects.select_related("parent").filter(code=code).first()
    if category is None:
        raise Http404(_("诉求分类不存在"))
    values = _initial(category)
    error: DomainError | None = None
    if request.method == "POST":
        post = request.POST
        values = {key: post.get(key, "") for key in values}
        values["on_site"] = post.get("on_site") == "on"
        values["is_active"] = post.get("is_active") == "on"
        try:
            changes: dict[str, Any] = {
                "name": post.get("name", ""),
                "default_tier": post.get("default_tier", ""),
                "default_level": post.get("default_level", ""),
                "closure_condition": post.get("closure_condition", ""),
                "on_site": values["on_site"],
                "is_active": values["is_active"],
                "policy_overrides": overrides_from_form(post),
            }
            actions.category_update(actor=request.user, category=category, **changes)
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("已保存分类“%(name)s”") % {"name": category.name})
            return redirect("appeals_categories:list")
    context = {
        "category": category,
        "values": values,
        "error": error,
        "tiers": Tier.choices,
        "levels": Level.choices,
        "day_units": [("natural", _("自然日")), ("workday", _("工作日"))],
        "defaults": policy.deployment_policy(),
    }
    return render(request, "appeals/category_edit.html", context, status=422 if error else 200)
