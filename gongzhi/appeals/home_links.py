"""The home page's appeal card: links for residents, grid workers and staff, each shown to whoever may use it.

Staff links (dispatch board, intake, department console, measures, categories, the working-day calendar) show
to whoever holds the page's rule somewhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.appeals.models import Appeal
from gongzhi.appeals.worklists import TASK_STATES

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

STAFF_PAGES = [
    ("appeals_staff:board", "appeals.dispatch", gettext_lazy("诉求调度台")),
    ("appeals_staff:department", "appeals.report_in", gettext_lazy("部门工作台")),
    ("appeals_staff:intake", "appeals.intake", gettext_lazy("代录诉求")),
    ("appeals_measures:page", "appeals.view", gettext_lazy("考核指标")),
    ("appeals_categories:list", "appeals.configure", gettext_lazy("诉求分类维护")),
    ("web:calendar", "calendar.manage", gettext_lazy("工作日历")),
]


def appeal_links(user: User) -> dict[str, Any]:
    links: dict[str, Any] = {
        "resident": [(reverse("appeals:new"), _("我要反映")), (reverse("appeals:mine"), _("我的诉求"))],
        "worker": [],
        "staff": [],
        "open_tasks": None,
    }
    if rules.scope_codes(user, "appeals.handle"):
        links["worker"].append((reverse("appeals:tasks"), _("我的任务")))
        links["open_tasks"] = Appeal.objects.filter(assignee_id=user.pk, state__in=TASK_STATES).count()
    for name, rule, text in STAFF_PAGES:
        if rules.scope_codes(user, rule):
            links["staff"].append((reverse(name), str(text)))
    return links
