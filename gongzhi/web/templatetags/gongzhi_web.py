"""The page layout's navigation bar (the registry and its rule are core.nav) and the user's role labels."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import Role
from gongzhi.core.nav import MORE_ICON, MORE_LABEL, NavEntry, bar_for

register = template.Library()


def _link(entry: NavEntry, path: str) -> dict[str, Any]:
    url = reverse(entry.url_name)
    active = path == url if url == "/" else path.startswith(url)
    return {"key": entry.key, "url": url, "label": entry.label, "icon": entry.icon, "active": active}


@register.simple_tag(takes_context=True)
def nav_bar(context: dict[str, Any]) -> dict[str, Any] | None:
    """The bar of core.nav for the signed-in user: `tabs`, and `more` (the rest, behind the last tab) if any.

    Registrations and rosters are occasional office work: they live on the home page, not in the bar.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return None
    bar = bar_for(user)
    more = [_link(entry, request.path) for entry in bar.more]
    return {
        "tabs": [_link(entry, request.path) for entry in bar.tabs],
        "more": more,
        "more_active": any(link["active"] for link in more),
        "more_label": MORE_LABEL,
        "more_icon": MORE_ICON,
    }


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
