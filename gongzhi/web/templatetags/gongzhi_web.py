"""Navigation and role labels for the page layout; links appear only for rules the user holds somewhere."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import Role

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_links(context: dict[str, Any]) -> list[dict[str, Any]]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return []
    items = [("web:home", _("首页"), "⌂")]
    # Appeals are everybody's daily work: workers open their tasks, departments their console, others their own.
    if rules.scope_codes(user, "appeals.handle"):
        items.append(("appeals:tasks", _("任务"), "⚑"))
    elif rules.scope_codes(user, "appeals.report_in"):
        items.append(("appeals_staff:department", _("报到"), "⚑"))
    else:
        items.append(("appeals:mine", _("诉求"), "⚑"))
    if rules.scope_codes(user, "people.view"):
        items += [("web:areas", _("区域地图"), "▦"), ("people:residents", _("居民查询"), "⌕")]
    # Activities are a public call for volunteers: every signed-in user may find them.
    items.append(("volunteering:activities", _("志愿服务"), "♥"))
    if getattr(user, "resident_id", None) or rules.scope_codes(user, "points.view"):
        items.append(("points:me", _("积分"), "✚"))
    if rules.scope_codes(user, "party.view"):
        items.append(("people:party", _("党组织"), "★"))
    # Registrations and rosters are occasional office work: they live on the home page, not in the bar.
    links = []
    for name, label, icon in items:
        url = reverse(name)
        active = request.path == url if url == "/" else request.path.startswith(url)
        links.append({"url": url, "label": label, "icon": icon, "active": active})
    return links


@register.simple_tag(takes_context=True)
def role_labels(context: dict[str, Any]) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    codes = sorted(rules.roles_of(user), key=lambda code: Role.values.index(code))
    labels = [str(Role(code).label) for code in codes]
    if user.is_superuser and Role.ADMIN not in codes:
        labels.append(str(Role.ADMIN.label))
    return "、".join(labels) or _("未分配角色")
