"""Reads of care that more than one caller needs (API, pages, export): lists under need to know, details."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from gongzhi.areas.selectors import code_range_q
from gongzhi.care import access, schedule
from gongzhi.care.models import (
    ArchiveStatus,
    CareArchive,
    CareNeed,
    Carer,
    CareTag,
    PsychWarning,
    Referral,
    RiskChange,
    RiskLevel,
    SupportPlan,
    TriggerEvent,
    Visit,
    VisitPhoto,
    VisitSchedule,
    VisitTrigger,
)
from gongzhi.core.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from django.http import HttpRequest

    from gongzhi.accounts.models import User

MAX_LIST = 500


def archives_list(
    *,
    user: User,
    area_code: str = "",
    tag: str = "",
    risk_level: str = "",
    due: str = "",
    children: bool | None = None,
    status: str = ArchiveStatus.ACTIVE,
    limit: int = 100,
    offset: int = 0,
    request: HttpRequest | None = None,
    audit_as: str = "list",
) -> tuple[list[CareArchive], dict[int, schedule.Task], int]:
    """The archives the user may read, filtered; with each one's task; the reads audited (one row per list)."""
    qs: QuerySet[CareArchive] = access.archives_readable(user)
    if area_code:
        qs = qs.filter(code_range_q(area_code, "area_code"))
    if tag:
        qs = qs.filter(tags__code=tag)
    if risk_level:
        qs = qs.filter(risk_level__code=risk_level)
    if children is not None:
        qs = qs.filter(is_child=children)
    if status:
        if status not in ArchiveStatus.values:
            raise ValidationFailed(f"status: {'、'.join(ArchiveStatus.values)}", field="status")
        qs = qs.filter(status=status)
    ids = list(qs.values_list("pk", flat=True).distinct())
    tasks = {t.archive_id: t for t in schedule.tasks_for(archive_ids=ids)} if ids else {}
    if due:
        if due not in schedule.STATUS_LABELS:
            raise ValidationFailed(f"due: {'、'.join(schedule.STATUS_LABELS)}", field="due")
        ids = [i for i in ids if i in tasks and tasks[i].status == due]
    # Most urgent first (closed archives, without a task, last).
    far = (9, dt.date.max, 99, 0)
    ids.sort(key=lambda i: tasks[i].urgency() if i in tasks else (*far[:3], i))
    total = len(ids)
    page = ids[offset : offset + min(limit, MAX_LIST)]
    rows = {a.pk: a for a in CareArchive.objects.filter(pk__in=page).select_related("resident", "risk_level")}
    archives = [rows[i] for i in page if i in rows]
    access.audit_list(user, archives, request=request, what=audit_as)
    return archives, tasks, total


@dataclass
class CarerTask:
    task: schedule.Task
    archive: CareArchive


def carer_tasks(*, user: User, today: dt.date | None = None) -> list[CarerTask]:
    """The carer's phone list (their own archives, so no audit row), most urgent first."""
    tasks = schedule.tasks_of_carer(user.pk, today=today)
    rows = CareArchive.objects.filter(pk__in=[t.archive_id for t in tasks]).select_related(
        "resident__household", "risk_level"
    )
    by_id = {a.pk: a for a in rows}
    return [CarerTask(task=t, archive=by_id[t.archive_id]) for t in tasks if t.archive_id in by_id]


def archive_detail(archive: CareArchive) -> dict[str, Any]:
    """Everything about an archive its reader sees (call after access.archive_get)."""
    return {
        "archive": archive,
        "tags": list(archive.tags.all()),
        "carers": list(Carer.objects.filter(archive=archive, ended_on__isnull=True).select_related("user")),
        "needs": list(CareNeed.objects.filter(archive=archive).select_related("appeal").order_by("-id")),
        "risk_changes": list(
            RiskChange.objects.filter(archive=archive).select_related("from_level", "to_level", "changed_by")
        ),
        "visits": list(Visit.objects.filter(archive=archive).select_related("visitor").prefetch_related("photos")[:50]),
        "triggers": list(TriggerEvent.objects.filter(archive=archive).select_related("trigger").order_by("-id")[:20]),
        "task": next(iter(schedule.tasks_for(archive_ids=[archive.pk])), None),
        "plan": SupportPlan.objects.filter(archive=archive)
        .prefetch_related("supporters__carer__user", "reviews")
        .first(),
        "warnings": list(PsychWarning.objects.filter(archive=archive)),
        "referrals": list(Referral.objects.filter(archive=archive).select_related("partner")),
        "front_services": list(archive.front_services.select_related("activity")),
    }


def photo_get(*, user: User, photo_id: int, request: HttpRequest | None = None) -> VisitPhoto:
    photo = VisitPhoto.objects.select_related("visit__archive").filter(pk=photo_id).first()
    if photo is None:
        raise NotFound("photo", field="photo_id")
    access.check_read(user, photo.visit.archive, request=request, why="photo")
    return photo


def config() -> dict[str, Any]:
    return {
        "tags": list(CareTag.objects.all()),
        "risk_levels": list(RiskLevel.objects.all()),
        "triggers": list(VisitTrigger.objects.all()),
        "schedules": list(VisitSchedule.objects.select_related("risk_level", "area")),
    }
