"""A grid worker's open tasks, soonest deadline first: the read behind the "my tasks" page and its API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import F, QuerySet

from gongzhi.appeals.models import Appeal, State

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

# States in which the assignee still has something to do.
TASK_STATES = (State.DISPATCHED, State.ACCEPTED, State.ON_SITE, State.SUSPENDED)


def worker_tasks(*, user: User, limit: int = 100) -> QuerySet[Appeal]:
    """The appeals assigned to ``user`` that are still open, the most urgent first.

    The arrival deadline counts before the closing deadline for appeals not yet on site; appeals without
    any deadline come last.
    """
    return (
        Appeal.objects.filter(assignee_id=user.pk, state__in=TASK_STATES)
        .select_related("category")
        .order_by(F("due_at").asc(nulls_last=True), F("arrive_by").asc(nulls_last=True), "id")[:limit]
    )
