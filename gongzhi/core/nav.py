"""The navigation bar: one registry every app adds its entries to, and one rule for what each user sees.

Each app declares its entries in its own `nav.py` (imported the first time a bar is drawn, as admin finds `admin.py`):

    register(NavEntry("volunteering", pgettext_lazy("nav", "志愿服务"), "volunteering:activities", "♥", order=40))

The rule, the same for every role: the entries whose `shows(user)` holds, by `order`; a phone's bar holds at most
`PHONE_TABS` tabs, so when there are more, the first `PHONE_TABS - 1` are tabs and the rest open from a last tab,
"更多" (more). Labels are short on purpose (a fifth of a 390-px phone, in Chinese and in English): the long name
of a page belongs on the page. tests/core/test_nav.py checks every persona's bar; tests/browser/test_nav_phone.py
checks it on a phone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.module_loading import autodiscover_modules
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from gongzhi.core.types import User

PHONE_TABS = 5
MORE_LABEL = pgettext_lazy("nav", "更多")
MORE_ICON = "⋯"


def everyone(user: User) -> bool:
    return True


def holds(rule: str) -> Callable[[User], bool]:
    """Shown to whoever holds `rule` at some area (the accounts backend answers `has_perm` from the area rules)."""

    def shows(user: User) -> bool:
        return user.has_perm(rule)

    shows.__name__ = f"holds({rule!r})"
    return shows


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: StrOrPromise
    url_name: str
    icon: str
    order: int
    shows: Callable[[User], bool] = field(default=everyone, compare=False)


_REGISTRY: dict[str, NavEntry] = {}
_discovered = False


def register(*entries: NavEntry) -> None:
    """Add (or replace, by key) entries of the bar; an app calls this from its nav.py."""
    for entry in entries:
        _REGISTRY[entry.key] = entry


def registered() -> list[NavEntry]:
    global _discovered
    if not _discovered:
        autodiscover_modules("nav")
        _discovered = True
    return sorted(_REGISTRY.values(), key=lambda entry: (entry.order, entry.key))


@dataclass(frozen=True)
class NavBar:
    tabs: list[NavEntry]
    more: list[NavEntry]

    @property
    def slots(self) -> int:
        """Tabs on the phone's bar, the "more" tab included."""
        return len(self.tabs) + (1 if self.more else 0)


def bar_for(user: User) -> NavBar:
    """What `user` sees: every entry they may use, in order, at most PHONE_TABS tabs with "more" as the last."""
    visible = [entry for entry in registered() if entry.shows(user)]
    if len(visible) <= PHONE_TABS:
        return NavBar(tabs=visible, more=[])
    return NavBar(tabs=visible[: PHONE_TABS - 1], more=visible[PHONE_TABS - 1 :])
