"""Reads for roster imports and exports, limited to what the user may reach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.models import Area
from gongzhi.areas.selectors import code_range_q
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.people.models import Household, PartyMember, Resident
from gongzhi.rosters.columns import SHEETS
from gongzhi.rosters.models import ImportJob, ImportStatus, RosterKind
from gongzhi.rosters.progress import progress_read

if TYPE_CHECKING:
    from gongzhi.accounts.models import User


def can_import(user: User) -> bool:
    return any(rules.scope_codes(user, sheet.rule) for sheet in SHEETS.values())


def require_importer(user: User, kind: str | None = None) -> None:
    wanted = [SHEETS[kind].rule] if kind in SHEETS else [s.rule for s in SHEETS.values()]
    if not any(rules.scope_codes(user, rule) for rule in wanted):
        raise PermissionDenied(_("您没有导入名册的权限"))


def job_get(*, user: User, job_id: int) -> ImportJob:
    """The importer sees their own jobs; whoever holds the import rule above the job's area sees them too."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("导入任务不存在"))
    if job.created_by_id != user.pk and not rules.allows(user, SHEETS[job.kind].rule, job.area_code):
        raise PermissionDenied(_("您没有权限查看这个导入任务"))
    return job


def jobs_recent(*, user: User, limit: int = 20) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(created_by=user).order_by("-created_at", "-id")[:limit]


@dataclass
class JobProgress:
    phase: str
    label: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        if self.total <= 0:
            return 0
        return min(100, round(100 * self.done / self.total))


def job_progress(job: ImportJob) -> JobProgress:
    if job.status == ImportStatus.IMPORTING:
        live = progress_read(job.pk) or {}
        total = live.get("total", job.total_rows - job.error_count)
        return JobProgress(job.status, str(job.get_status_display()), live.get("done", 0), total)
    if job.status == ImportStatus.DONE:
        written = job.created_count + job.updated_count + job.unchanged_count
        return JobProgress(job.status, str(job.get_status_display()), written, written)
    if job.status in (ImportStatus.REJECTED, ImportStatus.FAILED):
        return JobProgress(job.status, str(job.get_status_display()), job.processed_rows, job.total_rows)
    return JobProgress(job.status, str(job.get_status_display()), job.processed_rows, job.total_rows)


EXPORT_RULE = "people.export"


def export_queryset(*, user: User, kind: str, area: Area) -> QuerySet[Any]:
    """What `user` may export below `area`."""
    rules.require(user, EXPORT_RULE, area.code)
    model: dict[str, type[Household | Resident | PartyMember]] = {
        RosterKind.HOUSEHOLDS: Household,
        RosterKind.RESIDENTS: Resident,
        RosterKind.PARTY_MEMBERS: PartyMember,
    }
    if kind not in model:
        raise ValidationFailed(_("未知的名册类型：%(k)s") % {"k": kind}, field="kind")
    return model[kind].objects.filter(rules.scope_q(user, EXPORT_RULE)).filter(code_range_q(area.code, "area_code"))
