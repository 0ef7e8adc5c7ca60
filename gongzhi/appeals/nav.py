"""Appeals' entry of the navigation bar (core.nav): everybody's daily work, so second after home.

Workers open their tasks, departments their report-in console, everyone else their own appeals: one of the three.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import pgettext_lazy

from gongzhi.core.nav import NavEntry, register

if TYPE_CHECKING:
    from gongzhi.accounts.models import User


def _handles(user: User) -> bool:
    return user.has_perm("appeals.handle")


def _reports_in(user: User) -> bool:
    return not user.has_perm("appeals.handle") and user.has_perm("appeals.report_in")


def _reports(user: User) -> bool:
    return not user.has_perm("appeals.handle") and not user.has_perm("appeals.report_in")


register(
    NavEntry("appeals.tasks", pgettext_lazy("nav", "任务"), "appeals:tasks", "⚑", order=10, shows=_handles),
    NavEntry(
        "appeals.report_in", pgettext_lazy("nav", "报到"), "appeals_staff:department", "⚑", order=10, shows=_reports_in
    ),
    NavEntry("appeals.mine", pgettext_lazy("nav", "诉求"), "appeals:mine", "⚑", order=10, shows=_reports),
)
