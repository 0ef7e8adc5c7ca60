"""Escalation of overdue visits (the periodic sweep `sweep_care_visits`): a visit overdue by
`CARE_ESCALATE_OWNER_DAYS` (default 3) goes to the grid's owner (网格责任人), by `CARE_ESCALATE_COMMUNITY_DAYS`
(default 7) to the community's workers, through the notifications outbox. Each overdue visit (its due date)
notifies each level once; a visit made resets it (the next due date is another one)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Membership, Role
from gongzhi.care import schedule
from gongzhi.care.models import VisitEscalation
from gongzhi.core import clock
from gongzhi.notifications.actions import Note, notify_many
from gongzhi.people.models import GridAssignment

GRID_CODE_LENGTH = 15
OWNER, COMMUNITY = 1, 2


def margins() -> dict[int, int]:
    return {
        OWNER: int(getattr(settings, "CARE_ESCALATE_OWNER_DAYS", 3)),
        COMMUNITY: int(getattr(settings, "CARE_ESCALATE_COMMUNITY_DAYS", 7)),
    }


def _owners(grid_codes: set[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    rows = GridAssignment.objects.filter(area_code__in=grid_codes, is_owner=True, ended_on__isnull=True)
    for code, user_id in rows.values_list("area_code", "user_id"):
        out[code].append(user_id)
    return out


def _community_workers(codes: set[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    rows = Membership.objects.filter(role=Role.COMMUNITY_WORKER, area__code__in=codes, user__is_active=True)
    for code, user_id in rows.values_list("area__code", "user_id"):
        out[code].append(user_id)
    return out


def escalate_overdue(*, at: dt.datetime | None = None, area_code: str = "") -> dict[str, int]:
    """One pass: every active archive's task, and a notification for each level a visit is newly overdue for."""
    today = clock.today() if at is None else at.date()
    margin = margins()
    tasks = [t for t in schedule.tasks_for(area_code=area_code, today=today) if t.status == "overdue"]
    due: list[tuple[schedule.Task, int]] = []
    for task in tasks:
        late = (today - task.due_on).days
        for level in (OWNER, COMMUNITY):
            if late >= margin[level]:
                due.append((task, level))
    if not due:
        return {"overdue": len(tasks), "escalated": 0, "notified": 0}
    done = set(
        VisitEscalation.objects.filter(archive_id__in={t.archive_id for t, _l in due}).values_list(
            "archive_id", "due_on", "level"
        )
    )
    todo = [(t, lvl) for t, lvl in due if (t.archive_id, t.due_on, lvl) not in done]
    owners = _owners({t.area_code[:GRID_CODE_LENGTH] for t, lvl in todo if lvl == OWNER})
    workers = _community_workers({t.area_code[: schedule.COMMUNITY_CODE_LENGTH] for t, lvl in todo if lvl == COMMUNITY})
    escalated = notified = 0
    for task, level in todo:
        users = (
            owners.get(task.area_code[:GRID_CODE_LENGTH], [])
            if level == OWNER
            else workers.get(task.area_code[: schedule.COMMUNITY_CODE_LENGTH], [])
        )
        days = (today - task.due_on).days
        title = (
            _("关爱走访已超期 %(days)d 天（档案 #%(id)s），请督促关爱人走访")
            if level == OWNER
            else _("关爱走访超期 %(days)d 天仍未走访（档案 #%(id)s），请社区跟进")
        ) % {"days": days, "id": task.archive_id}
        link = reverse("care:archive", args=[task.archive_id])
        try:
            with transaction.atomic():
                VisitEscalation.objects.create(
                    archive_id=task.archive_id, due_on=task.due_on, level=level, notified=len(users)
                )
                notify_many(
                    notes=[
                        Note(
                            user_id=u,
                            kind="care.visit_overdue",
                            title=title,
                            link=link,
                            data={"archive_id": task.archive_id, "due_on": task.due_on.isoformat(), "level": level},
                        )
                        for u in users
                    ]
                )
        except IntegrityError:
            continue  # another sweep got there first
        escalated += 1
        notified += len(users)
    return {"overdue": len(tasks), "escalated": escalated, "notified": notified}
