"""吹哨报到: the street (or the grid, for property matters) summons departments onto an appeal.

Each department reports in (报到) by a deadline (default 30 minutes; late report-ins are flagged), posts its
result, and is rated by the street. It stays on the case until the appeal closes ("事不完、人不撤"): an appeal
cannot be closed while a summoned department has not handed back its result. The moves after the summons
(report in, progress, result, rate) are the table `SUMMONS` on the core state-machine helper.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.accounts.models import Membership, Role
from gongzhi.appeals import notify as appeal_notify
from gongzhi.appeals import policy
from gongzhi.appeals.models import FINISHED_STATES, Appeal, AppealEvent, Summons, SummonsState
from gongzhi.core import clock, fsm
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.people.models import Department

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

OPEN_SUMMONS = (SummonsState.SUMMONED, SummonsState.REPORTED_IN)


def _note(
    appeal: Appeal, *, actor: User | None, action: str, note: str, data: dict[str, Any], at: dt.datetime
) -> AppealEvent:
    # Summons do not move the appeal's state; they still belong on its timeline.
    return AppealEvent.objects.create(
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
    *, actor: User, appeal_id: int, departments: list[str], reason: str, report_minutes: int | None = None
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


# ---------------------------------------------------------------------------------------------------------------
# The summons lifecycle: summoned → reported_in (报到) → result (反馈结果) → rated (评价); progress notes stay.

SummonsStep = fsm.Step[Summons, "User"]
# The timeline's name for each move (the table's names are the API's `action`).
EVENT_ACTIONS = {
    "report_in": "report_in",
    "progress": "summons_progress",
    "result": "summons_result",
    "rate": "summons_rate",
}
DEPARTMENT_RULE = "appeals.report_in"


def _authorize(actor: User, summons: Summons, name: str, move: fsm.Move[Summons, User]) -> PermissionDenied | None:
    if move.rule != DEPARTMENT_RULE:
        if rules.allows(actor, move.rule, summons.area_code):
            return None
        return PermissionDenied(
            _("您没有权限访问该区域的这项内容"), details={"rule": move.rule, "area": summons.area_code}
        )
    ok = (
        rules.allows(actor, DEPARTMENT_RULE, summons.area_code)
        and Membership.objects.filter(
            user_id=actor.pk, role=Role.DEPARTMENT, department_id=summons.department_id
        ).exists()
    )
    if ok:
        return None
    return PermissionDenied(
        _("只有被召集的部门「%(dept)s」可以报到或反馈") % {"dept": summons.department.name}, field="summons_id"
    )


def _report_in(step: SummonsStep) -> None:
    summons = step.obj
    summons.reported_at = step.now
    summons.reported_by = step.actor
    summons.late = step.now > summons.report_by
    step.fields.update({"reported_at", "reported_by", "late"})
    step.event_data.update(department=summons.department.code, late=summons.late)


def _progress(step: SummonsStep) -> None:
    if len(step.note) > 2000:
        raise ValidationFailed(_("进展情况太长：最多 2000 个字符"), field="note")
    step.event_data.update(department=step.obj.department.code, summons_id=step.obj.pk)


def _result(step: SummonsStep) -> None:
    result = str(step.data["result"]).strip()
    if len(result) > 4000:
        raise ValidationFailed(_("请填写处理结果（最多 4000 字）"), field="result")
    step.obj.result = result
    step.fields.add("result")
    step.extra["event_note"] = result
    step.event_data["department"] = step.obj.department.code


def _rate(step: SummonsStep) -> None:
    summons, score = step.obj, step.data.get("score")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationFailed(_("评分必须是 1 到 5 的整数"), field="score")
    summons.score = score
    summons.rated_by = step.actor
    summons.rating_note = step.note[:2000]
    step.fields.update({"score", "rated_by", "rating_note"})
    step.extra["event_note"] = summons.rating_note
    step.event_data.update(department=summons.department.code, score=score)


def _write_event(step: SummonsStep) -> AppealEvent:
    summons = step.obj
    event = _note(
        summons.appeal,
        actor=step.actor,
        action=EVENT_ACTIONS[step.name],
        note=step.extra.get("event_note", step.note),
        data=step.event_data,
        at=step.now,
    )
    if step.name == "report_in" and summons.late:
        appeal_notify.reported_in_late(summons, actor=step.actor)
    return event


S = SummonsState
SUMMONS: fsm.Lifecycle[Summons, User, AppealEvent] = fsm.Lifecycle(
    model=Summons,
    moves={
        "report_in": fsm.Move({S.SUMMONED}, S.REPORTED_IN, DEPARTMENT_RULE, _report_in, label=gettext_lazy("部门报到")),
        "progress": fsm.Move(
            {S.REPORTED_IN}, fsm.STAY, DEPARTMENT_RULE, _progress, needs=("note",), label=gettext_lazy("部门进展")
        ),
        "result": fsm.Move(
            {S.REPORTED_IN}, S.RESULT, DEPARTMENT_RULE, _result, needs=("result",), label=gettext_lazy("部门反馈结果")
        ),
        "rate": fsm.Move(
            {S.RESULT}, S.RATED, "appeals.summon", _rate, accepts=frozenset({"score"}), label=gettext_lazy("评价部门")
        ),
    },
    write_event=_write_event,
    authorize=_authorize,
    authorize_first=True,  # a department not summoned learns nothing of the summons' state
    noun=gettext_lazy("吹哨记录"),
    locked=lambda: Summons.objects.select_related("appeal", "department"),
    not_found=gettext_lazy("吹哨记录不存在：%(id)s"),
    pk_field="summons_id",
    field_messages={"note": gettext_lazy("请填写进展情况"), "result": gettext_lazy("请填写处理结果（最多 4000 字）")},
)


def summons_move(*, actor: User, summons_id: int, action: str, note: str = "", **data: Any) -> Summons:
    """Make one move of the summons table (report_in, progress, result, rate) as `actor`."""
    result = fsm.transition(SUMMONS, summons_id, action, actor=actor, data=data, note=(note or "").strip())
    return result.obj


def summons_report_in(*, actor: User, summons_id: int, note: str = "") -> Summons:
    return summons_move(actor=actor, summons_id=summons_id, action="report_in", note=note)


def summons_progress(*, actor: User, summons_id: int, note: str) -> Summons:
    """A department's progress note between report-in and result: on the timeline, no state moves."""
    return summons_move(actor=actor, summons_id=summons_id, action="progress", note=note)


def summons_result(*, actor: User, summons_id: int, result: str) -> Summons:
    return summons_move(actor=actor, summons_id=summons_id, action="result", result=result or "")


def summons_rate(*, actor: User, summons_id: int, score: int, note: str = "") -> Summons:
    return summons_move(actor=actor, summons_id=summons_id, action="rate", note=note, score=score)


def open_summons(appeal: Appeal) -> list[str]:
    """Departments still on the case (summoned or reported in, no result yet)."""
    return list(
        Summons.objects.filter(appeal=appeal, state__in=OPEN_SUMMONS).values_list("department__name", flat=True)
    )
