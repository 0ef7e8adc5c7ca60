"""吹哨报到: the street (or the grid, for property matters) summons departments onto an appeal.

Each department reports in (报到) by a deadline (default 30 minutes; late report-ins are flagged), posts its
result, and is rated by the street. It stays on the case until the appeal closes ("事不完、人不撤"): an appeal
cannot be closed while a summoned department has not handed back its result.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import Membership, Role
from gongzhi.appeals import notify as appeal_notify
from gongzhi.appeals import policy
from gongzhi.appeals.models import FINISHED_STATES, Appeal, AppealEvent, Summons, SummonsState
from gongzhi.core import clock
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.people.models import Department

OPEN_SUMMONS = (SummonsState.SUMMONED, SummonsState.REPORTED_IN)


def _note(appeal: Appeal, *, actor: Any, action: str, note: str, data: dict[str, Any], at: dt.datetime) -> None:
    # Summons do not move the appeal's state; they still belong on its timeline.
    AppealEvent.objects.create(
        appeal=appeal,
        actor=actor,
        action=action,
        from_state=appeal.state,
        to_state=appeal.state,
        note=note,
        data=data,
        occurred_at=at,
    )


@transaction.atomic
def summons_create(
    *, actor: Any, appeal_id: int, departments: list[str], reason: str, report_minutes: int | None = None
) -> list[Summons]:
    appeal = Appeal.objects.select_for_update().filter(pk=appeal_id).first()
    if appeal is None or not rules.allows(actor, "appeals.view", appeal.area_code):
        raise NotFound(_("诉求不存在：%(id)s") % {"id": appeal_id}, field="appeal_id")
    rules.require(actor, "appeals.summon", appeal.area_code)
    if appeal.state in FINISHED_STATES:
        raise ValidationFailed(_("诉求已办结或作废，不能再吹哨"), field="appeal_id")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写吹哨事由"), field="reason")
    if len(reason) > 2000:
        raise ValidationFailed(_("吹哨事由太长：最多 2000 个字符"), field="reason")
    if not departments or not isinstance(departments, list) or len(departments) > 20:
        raise ValidationFailed(_("请选择 1 到 20 个部门"), field="departments")
    found = {d.code: d for d in Department.objects.filter(code__in=departments)}
    missing = [c for c in departments if c not in found]
    if missing:
        raise ValidationFailed(_("部门不存在：%(codes)s") % {"codes": "、".join(missing)}, field="departments")
    minutes = report_minutes or policy.deployment_policy()["summons_report_minutes"]
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 24 * 60:
        raise ValidationFailed(_("报到时限必须是 1 到 1440 分钟"), field="report_minutes")
    already = set(
        Summons.objects.filter(appeal=appeal, department__code__in=departments).values_list(
            "department__code", flat=True
        )
    )
    if already:
        raise Conflict(_("这些部门已被召集：%(codes)s") % {"codes": "、".join(sorted(already))}, field="departments")
    now = clock.now()
    created = [
        Summons.objects.create(
            appeal=appeal,
            department=found[code],
            area_code=appeal.area_code,
            reason=reason,
            summoned_by=actor,
            summoned_at=now,
            report_by=now + dt.timedelta(minutes=minutes),
        )
        for code in dict.fromkeys(departments)
    ]
    _note(
        appeal,
        actor=actor,
        action="summon",
        note=reason,
        data={"departments": list(dict.fromkeys(departments)), "report_minutes": minutes},
        at=now,
    )
    appeal_notify.summoned(appeal, created, actor=actor, reason=reason)
    return created


def _summons_for_update(summons_id: int) -> Summons:
    summons = Summons.objects.select_for_update().select_related("appeal", "department").filter(pk=summons_id).first()
    if summons is None:
        raise NotFound(_("吹哨记录不存在：%(id)s") % {"id": summons_id}, field="summons_id")
    return summons


def _require_department(actor: Any, summons: Summons) -> None:
    ok = (
        rules.allows(actor, "appeals.report_in", summons.area_code)
        and Membership.objects.filter(
            user_id=getattr(actor, "pk", None), role=Role.DEPARTMENT, department_id=summons.department_id
        ).exists()
    )
    if not ok:
        raise PermissionDenied(
            _("只有被召集的部门「%(dept)s」可以报到或反馈") % {"dept": summons.department.name}, field="summons_id"
        )


@transaction.atomic
def summons_report_in(*, actor: Any, summons_id: int, note: str = "") -> Summons:
    summons = _summons_for_update(summons_id)
    _require_department(actor, summons)
    if summons.state != SummonsState.SUMMONED:
        raise ValidationFailed(_("该部门已报到"), field="summons_id", details={"state": summons.state})
    now = clock.now()
    summons.state = SummonsState.REPORTED_IN
    summons.reported_at = now
    summons.reported_by = actor
    summons.late = now > summons.report_by
    summons.save(update_fields=["state", "reported_at", "reported_by", "late"])
    _note(
        summons.appeal,
        actor=actor,
        action="report_in",
        note=note,
        data={"department": summons.department.code, "late": summons.late},
        at=now,
    )
    if summons.late:
        appeal_notify.reported_in_late(summons, actor=actor)
    return summons


@transaction.atomic
def summons_progress(*, actor: Any, summons_id: int, note: str) -> Summons:
    """A department's progress note between report-in and result: on the timeline, no state moves."""
    summons = _summons_for_update(summons_id)
    _require_department(actor, summons)
    if summons.state != SummonsState.REPORTED_IN:
        raise ValidationFailed(
            _("报到后、反馈结果前才能填写进展"), field="summons_id", details={"state": summons.state}
        )
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("请填写进展情况"), field="note")
    if len(note) > 2000:
        raise ValidationFailed(_("进展情况太长：最多 2000 个字符"), field="note")
    _note(
        summons.appeal,
        actor=actor,
        action="summons_progress",
        note=note,
        data={"department": summons.department.code, "summons_id": summons.pk},
        at=clock.now(),
    )
    return summons


@transaction.atomic
def summons_result(*, actor: Any, summons_id: int, result: str) -> Summons:
    summons = _summons_for_update(summons_id)
    _require_department(actor, summons)
    if summons.state != SummonsState.REPORTED_IN:
        raise ValidationFailed(_("请先报到，再反馈处理结果"), field="summons_id", details={"state": summons.state})
    result = (result or "").strip()
    if not result or len(result) > 4000:
        raise ValidationFailed(_("请填写处理结果（最多 4000 字）"), field="result")
    summons.state = SummonsState.RESULT
    summons.result = result
    summons.save(update_fields=["state", "result"])
    _note(
        summons.appeal,
        actor=actor,
        action="summons_result",
        note=result,
        data={"department": summons.department.code},
        at=clock.now(),
    )
    return summons


@transaction.atomic
def summons_rate(*, actor: Any, summons_id: int, score: int, note: str = "") -> Summons:
    summons = _summons_for_update(summons_id)
    rules.require(actor, "appeals.summon", summons.area_code)
    if summons.state != SummonsState.RESULT:
        raise ValidationFailed(_("部门反馈结果后才能评价"), field="summons_id", details={"state": summons.state})
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationFailed(_("评分必须是 1 到 5 的整数"), field="score")
    summons.state = SummonsState.RATED
    summons.score = score
    summons.rated_by = actor
    summons.rating_note = (note or "").strip()[:2000]
    summons.save(update_fields=["state", "score", "rated_by", "rating_note"])
    _note(
        summons.appeal,
        actor=actor,
        action="summons_rate",
        note=summons.rating_note,
        data={"department": summons.department.code, "score": score},
        at=clock.now(),
    )
    return summons


def open_summons(appeal: Appeal) -> list[str]:
    """Departments still on the case (summoned or reported in, no result yet)."""
    return list(
        Summons.objects.filter(appeal=appeal, state__in=OPEN_SUMMONS).values_list("department__name", flat=True)
    )
