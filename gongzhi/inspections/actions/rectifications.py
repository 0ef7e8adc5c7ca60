"""Rectification orders (整改单): opened by a failed item, closed by a re-inspection that passes it.

Every change of state is a move of `RECTIFICATION` through `core.fsm.transition()`:

    open / overdue --reinspect_pass--> rectified      (a re-inspection passed the item)
    open / overdue --reinspect_fail--> open           (failed again: a new deadline, the count of failures + 1)
    open / overdue --extend--> open                   (office staff: a new deadline, with a reason)
    open / overdue --cancel--> cancelled              (office staff: opened in error, with a reason)
    open --mark_overdue--> overdue                    (the sweep, when the deadline has passed)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.accounts.models import User
from gongzhi.core import clock, fsm
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.inspections.models import Rectification, RectificationState

S = RectificationState
OPEN = {S.OPEN, S.OVERDUE}
MAX_DEADLINE_DAYS = 180
SYSTEM_ONLY = "system"  # a move only the platform makes (system=True): no one holds it


def parse_deadline(value: Any, *, today: dt.date, field: str = "deadline") -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(_("整改期限须为日期（YYYY-MM-DD）"), field=field) from None
    if not isinstance(value, dt.date):
        raise ValidationFailed(_("整改期限须为日期（YYYY-MM-DD）"), field=field)
    if value < today:
        raise ValidationFailed(_("整改期限不能早于今天"), field=field)
    if value > today + dt.timedelta(days=MAX_DEADLINE_DAYS):
        raise ValidationFailed(_("整改期限最长 %(n)d 天") % {"n": MAX_DEADLINE_DAYS}, field=field)
    return value


def _today(step: fsm.Step[Rectification, User]) -> dt.date:
    return timezone.localdate(step.now)


def _pass(step: fsm.Step[Rectification, User]) -> None:
    step.obj.closed_at = step.now
    step.fields.add("closed_at")
    step.event_data["inspection"] = step.data.get("inspection")


def _fail_again(step: fsm.Step[Rectification, User]) -> None:
    row = step.obj
    row.deadline = parse_deadline(step.data["deadline"], today=_today(step))
    row.reinspections_failed += 1
    step.fields |= {"deadline", "reinspections_failed"}
    step.event_data.update({"inspection": step.data.get("inspection"), "deadline": row.deadline.isoformat()})


def _extend(step: fsm.Step[Rectification, User]) -> None:
    row = step.obj
    row.deadline = parse_deadline(step.data["deadline"], today=_today(step))
    step.fields.add("deadline")
    step.event_data["deadline"] = row.deadline.isoformat()


def _cancel(step: fsm.Step[Rectification, User]) -> None:
    step.obj.closed_at = step.now
    step.fields.add("closed_at")


MOVES: dict[str, fsm.Move[Rectification, User]] = {
    "reinspect_pass": fsm.Move(
        sources=OPEN,
        target=S.RECTIFIED,
        rule="inspections.inspect",
        effect=_pass,
        accepts=frozenset({"inspection"}),
        label=gettext_lazy("复查通过"),
    ),
    "reinspect_fail": fsm.Move(
        sources=OPEN,
        target=S.OPEN,
        rule="inspections.inspect",
        effect=_fail_again,
        needs=("deadline",),
        accepts=frozenset({"inspection"}),
        label=gettext_lazy("复查未通过"),
    ),
    "extend": fsm.Move(
        sources=OPEN,
        target=S.OPEN,
        rule="inspections.rectify",
        effect=_extend,
        needs=("deadline", "note"),
        label=gettext_lazy("延期"),
    ),
    "cancel": fsm.Move(
        sources=OPEN,
        target=S.CANCELLED,
        rule="inspections.rectify",
        effect=_cancel,
        needs=("note",),
        label=gettext_lazy("撤销"),
    ),
    "mark_overdue": fsm.Move(sources={S.OPEN}, target=S.OVERDUE, rule=SYSTEM_ONLY, label=gettext_lazy("标记逾期")),
}


def _event(step: fsm.Step[Rectification, User]) -> AuditEvent:
    return audit_record(
        actor=step.actor,
        action=f"inspections.rectification.{step.name}",
        target=step.obj,
        area_code=step.obj.area_code,
        data={"from": step.from_state, "to": step.target, "note": step.note[:300], **step.event_data},
    )


def _holds(actor: User, rule: str, row: Rectification) -> bool:
    return rule != SYSTEM_ONLY and rules.allows(actor, rule, row.area_code)


RECTIFICATION: fsm.Lifecycle[Rectification, User, AuditEvent] = fsm.Lifecycle(
    model=Rectification,
    moves=MOVES,
    write_event=_event,
    authorize=fsm.rule_check(_holds),
    visible=lambda actor, row: rules.allows(actor, "inspections.view", row.area_code),
    noun=gettext_lazy("整改单"),
    state_field="state",
    updated_field="updated_at",
    not_found=gettext_lazy("整改单不存在：%(id)s"),
    pk_field="rectification_id",
    field_labels={"deadline": gettext_lazy("新的整改期限"), "note": gettext_lazy("原因")},
)

STAFF_MOVES = ("extend", "cancel")


def rectification_act(
    *, actor: User, rectification_id: int, action: str, deadline: Any = None, note: str = ""
) -> Rectification:
    """Office staff's moves on an order (extend, cancel); re-inspections move it through `inspection_submit`."""
    if action not in STAFF_MOVES:
        raise ValidationFailed(
            _("这里只能执行：%(moves)s")
            % {"moves": "、".join(f"{RECTIFICATION.label(m)}（{m}）" for m in STAFF_MOVES)},
            field="action",
        )
    data = {"deadline": deadline} if action == "extend" else {}
    return fsm.transition(RECTIFICATION, rectification_id, action, actor=actor, data=data, note=note or "").obj


def mark_overdue(*, at: dt.datetime | None = None, batch: int = 500) -> int:
    """The sweep: orders still open after their deadline become overdue (one move each, an event each)."""
    now = at or clock.now()
    today = timezone.localdate(now)
    ids = list(
        Rectification.objects.filter(state=S.OPEN, deadline__lt=today)
        .order_by("deadline", "id")
        .values_list("pk", flat=True)[:batch]
    )
    moved = 0
    for pk in ids:
        with transaction.atomic():
            row = Rectification.objects.select_for_update().filter(pk=pk, state=S.OPEN, deadline__lt=today).first()
            if row is None:
                continue
            fsm.transition(RECTIFICATION, row.pk, "mark_overdue", actor=None, system=True, now=now, savepoint=False)
            moved += 1
    return moved
