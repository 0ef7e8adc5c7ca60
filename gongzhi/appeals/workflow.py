"""The appeal lifecycle: one table of moves on the core state-machine helper, one effect function per move.

reported → registered (or cancelled) → dispatched → accepted (签收; the clock starts) → on site → handled →
verified → closed → rated; plus return (退单), escalate (上报), suspend/resume (挂起), extend (延期) and reopen (返工).
`appeal_transition` is the only code that changes `Appeal.state` one appeal at a time: it hands the move to
`gongzhi.core.fsm.transition`, which locks the row, checks the table and the actor's named rule over the appeal's
area, runs the move's effect (`_accept`, `_close`, … below) and writes an AppealEvent (`_write_event`).
`escalate_overdue` is the sweep's batch form of the `escalate` move: the same table check and escalation, set-wise.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.appeals import measure_facts, policy
from gongzhi.appeals import notify as appeal_notify
from gongzhi.appeals.models import (
    Appeal,
    AppealEvent,
    Category,
    Level,
    Rating,
    State,
    Tier,
)
from gongzhi.appeals.summons import open_summons
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import AreaLevel
from gongzhi.core import fsm, sqlnames
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text as _text

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

S = State
STAY = fsm.STAY  # the move keeps the current state (extend)
BACK = "<"  # the move returns to the state before the suspension (resume; its effect sets the target)

Step = fsm.Step[Appeal, "User"]
AppealMove = fsm.Move[Appeal, "User"]

ACTION_LABELS = {
    "submit": gettext_lazy("上报"),
    "register": gettext_lazy("登记"),
    "cancel": gettext_lazy("作废"),
    "dispatch": gettext_lazy("派遣"),
    "accept": gettext_lazy("签收"),
    "return": gettext_lazy("退单"),
    "arrive": gettext_lazy("到场"),
    "handle": gettext_lazy("处置反馈"),
    "verify": gettext_lazy("核查通过"),
    "fail_verification": gettext_lazy("核查不通过"),
    "close": gettext_lazy("结案"),
    "rate": gettext_lazy("评价"),
    "escalate": gettext_lazy("上报上级"),
    "suspend": gettext_lazy("挂起"),
    "resume": gettext_lazy("恢复办理"),
    "extend": gettext_lazy("延期"),
    "reopen": gettext_lazy("返工"),
    # Timeline entries that do not move the appeal (summons).
    "summon": gettext_lazy("吹哨"),
    "report_in": gettext_lazy("部门报到"),
    "summons_progress": gettext_lazy("部门进展"),
    "summons_result": gettext_lazy("部门反馈结果"),
    "summons_rate": gettext_lazy("评价部门"),
    "deliberation_topic": gettext_lazy("列入议事议题"),
}


def label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


# ---------------------------------------------------------------------------------------------------------------
# Who may make a move: the move's named rule over the appeal's area, with two refinements.

# The reporter may make these on their own appeal (a reporter cancels only what nobody is working on yet).
REPORTER_MAY = frozenset({"cancel", "verify", "fail_verification", "rate"})
# Moves of the handling worker: when the appeal is assigned, only the assignee or a dispatcher may make them.
ASSIGNEE_ONLY = frozenset({"accept", "return", "arrive", "handle"})


def _is_reporter(user: User | None, appeal: Appeal) -> bool:
    return appeal.reporter_id is not None and getattr(user, "pk", None) == appeal.reporter_id


def _may(user: User, appeal: Appeal, action: str) -> bool:
    move = TRANSITIONS[action]
    if action == "rate":
        # The reporter rates; an appeal without a reporter login (12345, walk-in) is rated at the callback.
        if appeal.reporter_id is not None:
            return _is_reporter(user, appeal)
        return rules.allows(user, move.rule, appeal.area_code)
    if action in REPORTER_MAY and _is_reporter(user, appeal):
        return action != "cancel" or appeal.state == S.REPORTED
    if not rules.allows(user, move.rule, appeal.area_code):
        return False
    if action in ASSIGNEE_ONLY and appeal.assignee_id is not None and appeal.assignee_id != user.pk:
        return rules.allows(user, "appeals.dispatch", appeal.area_code)
    return True


def _authorize(user: User, appeal: Appeal, action: str, move: AppealMove) -> PermissionDenied | None:
    if _may(user, appeal, action):
        return None
    if action == "rate":
        return PermissionDenied(_("只有诉求人本人可以评价"), field="action", details={"action": action})
    if action in ASSIGNEE_ONLY and appeal.assignee_id not in (None, user.pk):
        return PermissionDenied(
            _("该诉求已派给其他承办人"), field="action", details={"action": action, "assignee": appeal.assignee_id}
        )
    return PermissionDenied(
        _("您没有权限对该诉求执行「%(action)s」") % {"action": label(action)},
        field="action",
        details={"action": action, "rule": move.rule},
    )


def _visible(user: User, appeal: Appeal) -> bool:
    """Permission before state: someone outside the area learns nothing about the appeal."""
    return rules.allows(user, "appeals.view", appeal.area_code) or _is_reporter(user, appeal)


def _available(appeal: Appeal, action: str) -> bool:
    return action != "rate" or not appeal.rating


# ---------------------------------------------------------------------------------------------------------------
# Routing: who works an appeal at a level


@functools.cache
def _on_duty_sql() -> str:
    """The micro-grid's on-duty worker, as `GridAssignment.objects.filter(...)` would ask it, in plain SQL.

    Every intake asks this; plain SQL skips the ORM's compilation (about 1 ms of CPU). The names come from the
    models, so a renamed column reaches it (tests/appeals/test_route.py compares it with the ORM query).
    """
    from gongzhi.people.models import GridAssignment

    user_model = get_user_model()
    g = {
        name: sqlnames.col(GridAssignment, name) for name in ("pk", "user", "ended_on", "area_code", "kind", "on_duty")
    }
    u_id, u_active = sqlnames.col(user_model, "pk"), sqlnames.col(user_model, "is_active")
    return (
        f"SELECT u.* FROM {sqlnames.table(user_model)} u "  # noqa: S608 - names from the models
        f"JOIN {sqlnames.table(GridAssignment)} g ON g.{g['user']} = u.{u_id} "
        f"WHERE g.{g['ended_on']} IS NULL AND u.{u_active} AND g.{g['area_code']} = %s AND g.{g['kind']} = %s "
        f"AND g.{g['on_duty']} ORDER BY g.{g['pk']} LIMIT 1"
    )


def route(appeal: Appeal, level: str) -> Any:
    """The worker an appeal goes to at `level`: the micro-grid's on-duty worker, else the grid's owner.

    At street level nobody in particular: the appeal waits on the street's dispatch board.
    """
    from gongzhi.people.models import AssignmentKind, GridAssignment

    live = GridAssignment.objects.filter(ended_on__isnull=True, user__is_active=True).select_related("user")
    grid_code = code_at(appeal.area_code, AreaLevel.GRID)
    if level == Level.MICROGRID:
        on_duty = get_user_model().objects.raw(_on_duty_sql(), [appeal.area_code, AssignmentKind.MICROGRID.value])
        for user in on_duty:
            return user
    if level in (Level.MICROGRID, Level.GRID):
        found = live.filter(area_code=grid_code, is_owner=True).first()
        if found is None:
            found = live.filter(area_code=grid_code, on_duty=True).order_by("id").first()
        return found.user if found is not None else None
    return None


def dispatch_in_place(appeal: Appeal, now: dt.datetime, *, assignee: Any, event_data: dict[str, Any]) -> None:
    """The dispatch move on an unsaved appeal: its worker, and the 7-minute arrival for on-site categories.

    Shared by appeal_transition and intake (which registers and dispatches a new appeal in one insert).
    """
    appeal.assignee = assignee
    appeal.dispatched_at = now
    if appeal.category is not None and appeal.category.on_site and appeal.arrived_at is None:
        appeal.arrive_by = policy.arrival_deadline(now, policy.policy_for(appeal.category))
    event_data.update(
        assignee_id=assignee.pk if assignee else None,
        level=appeal.handling_level,
        arrive_by=appeal.arrive_by.isoformat() if appeal.arrive_by else None,
    )


ESCALATION_FIELDS = ["handling_level", "tier", "assignee", "dispatched_at", "due_at", "paused_at", "policy_snapshot"]


def escalate_in_place(
    appeal: Appeal,
    now: dt.datetime,
    *,
    automatic: bool,
    event_data: dict[str, Any],
    assignee_id: Any = ...,
) -> str:
    """The escalation move on an unsaved appeal: one level up, the level's tier and a fresh deadline.

    Shared by appeal_transition and the sweep's batch path, so both escalate the same way.
    `assignee_id` may be given when the caller has already routed (the sweep looks grid owners up once per batch).
    """
    level = policy.next_level(appeal.handling_level)
    if level is None:
        raise ValidationFailed(_("诉求已在街道层级办理，不能再上报"), field="action", details={"action": "escalate"})
    event_data.update(from_level=appeal.handling_level, to_level=level, automatic=automatic)
    appeal.handling_level = level
    appeal.tier = policy.tier_at_least(appeal.tier, level)
    if assignee_id is ...:
        appeal.assignee = route(appeal, level)
    else:
        appeal.assignee_id = assignee_id
    appeal.dispatched_at = now
    _fresh_deadline(appeal, now)
    event_data.update(
        tier=appeal.tier,
        assignee_id=appeal.assignee_id,
        due_at=appeal.due_at.isoformat() if appeal.due_at else None,
    )
    return level


# ---------------------------------------------------------------------------------------------------------------
# The transition function


# ---------------------------------------------------------------------------------------------------------------
# Reading a move's input


def _user(value: Any, *, field: str) -> Any:
    from gongzhi.accounts.models import User

    if value is None or isinstance(value, User):
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed(_("%(field)s 必须是用户编号") % {"field": field}, field=field)
    user = User.objects.filter(pk=value, is_active=True).first()
    if user is None:
        raise ValidationFailed(_("用户不存在：%(id)s") % {"id": value}, field=field)
    return user


def _when(value: Any, *, field: str) -> dt.datetime:
    parsed: dt.datetime | None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = parse_datetime(value)
    else:
        parsed = None
    if parsed is None:
        raise ValidationFailed(_("%(field)s 必须是 ISO 8601 时间") % {"field": field}, field=field)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _snapshot(appeal: Appeal) -> dict[str, Any]:
    if not appeal.policy_snapshot:
        appeal.policy_snapshot = policy.policy_for(appeal.category)
    snapshot: dict[str, Any] = appeal.policy_snapshot
    return snapshot


def _fresh_deadline(appeal: Appeal, now: dt.datetime) -> None:
    appeal.due_at = policy.deadline(now, appeal.tier, _snapshot(appeal))
    appeal.paused_at = None


def _category(value: Any) -> Category:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(_("分类代码必须是文本"), field="category")
    category = Category.objects.filter(code=value.strip(), is_active=True).first()
    if category is None:
        raise ValidationFailed(_("未知的诉求分类：%(code)s") % {"code": value}, field="category")
    return category


def apply_classification(appeal: Appeal, data: Mapping[str, Any]) -> list[str]:
    """Category, tier, level and publicity given at registration or dispatch; returns the changed fields."""
    changed: list[str] = []
    if data.get("category") is not None:
        category = _category(data["category"])
        appeal.category = category
        appeal.tier = category.default_tier
        appeal.handling_level = category.default_level
        changed += ["category", "tier", "handling_level"]
    if data.get("tier") is not None:
        if data["tier"] not in Tier.values:
            raise ValidationFailed(_("分级只能是：%(v)s") % {"v": "、".join(Tier.values)}, field="tier")
        appeal.tier = data["tier"]
        appeal.handling_level = policy.TIER_LEVEL[Tier(data["tier"])]
        changed += ["tier", "handling_level"]
    if data.get("is_public") is not None:
        if not isinstance(data["is_public"], bool):
            raise ValidationFailed(_("is_public 必须是布尔值"), field="is_public")
        appeal.is_public = data["is_public"]
        changed.append("is_public")
    return changed


# ---------------------------------------------------------------------------------------------------------------
# The moves' effects: one function per move, each changing the locked appeal and saying which fields it changed.
# The helper then saves state, version and updated_at with them and `_write_event` writes the AppealEvent.


def _register(step: Step) -> None:
    step.fields.update(apply_classification(step.obj, step.data))


def _dispatch(step: Step) -> None:
    appeal = step.obj
    step.fields.update(apply_classification(appeal, step.data))
    if step.data.get("assignee_id") is not None:
        assignee = _user(step.data["assignee_id"], field="assignee_id")
        if not rules.allows(assignee, "appeals.handle", appeal.area_code):
            raise ValidationFailed(_("%(user)s 不能承办该区域的诉求") % {"user": assignee}, field="assignee_id")
        step.event_data["routing"] = "manual"
    else:
        assignee = route(appeal, appeal.handling_level)
        step.event_data["routing"] = "auto"
    dispatch_in_place(appeal, step.now, assignee=assignee, event_data=step.event_data)
    step.fields.update({"assignee", "dispatched_at", "arrive_by"})


def _accept(step: Step) -> None:
    appeal = step.obj
    if appeal.assignee_id is None:
        appeal.assignee = step.actor
        step.fields.add("assignee")
    if appeal.accepted_at is None:
        appeal.accepted_at = step.now
        step.fields.add("accepted_at")
    _snapshot(appeal)
    if appeal.due_at is None:
        _fresh_deadline(appeal, step.now)
    step.fields.update({"policy_snapshot", "due_at", "paused_at"})
    step.event_data["due_at"] = _iso(appeal.due_at)


def _return(step: Step) -> None:
    appeal = step.obj
    step.event_data["returned_by"] = appeal.assignee_id
    appeal.assignee = None
    appeal.arrive_by = None
    step.fields.update({"assignee", "arrive_by"})


def _arrive(step: Step) -> None:
    appeal = step.obj
    appeal.arrived_at = step.now
    late = appeal.arrive_by is not None and step.now > appeal.arrive_by
    step.event_data.update(late=late, arrive_by=_iso(appeal.arrive_by))
    if step.data.get("location") is not None:
        from gongzhi.appeals.checkin import checkin_location

        step.event_data["location"] = checkin_location(step.data["location"])
    step.fields.add("arrived_at")


def _handle(step: Step) -> None:
    step.obj.handled_at = step.now
    step.fields.add("handled_at")


def _fail_verification(step: Step) -> None:
    appeal = step.obj
    appeal.rework_count += 1
    appeal.handled_at = None
    _fresh_deadline(appeal, step.now)
    step.fields.update({"rework_count", "handled_at", "due_at", "paused_at", "policy_snapshot"})
    step.event_data["due_at"] = _iso(appeal.due_at)


def _close(step: Step) -> None:
    appeal = step.obj
    still_on_case = open_summons(appeal)
    if still_on_case:
        # 事不完、人不撤: a summoned department stays until it has handed back its result.
        raise ValidationFailed(
            _("被召集的部门尚未反馈结果，不能结案：%(depts)s") % {"depts": "、".join(still_on_case)},
            field="action",
            details={"departments": still_on_case},
        )
    appeal.closed_at = step.now
    appeal.closed_on_time = appeal.due_at is None or step.now <= appeal.due_at
    step.event_data.update(on_time=appeal.closed_on_time, published=appeal.is_public)
    step.fields.update({"closed_at", "closed_on_time"})


def _rate(step: Step) -> None:
    appeal = step.obj
    rating = step.data.get("rating")
    if rating not in Rating.values:
        raise ValidationFailed(
            _("评价只能是：%(v)s") % {"v": "、".join(f"{c.label}（{c.value}）" for c in Rating)},
            field="rating",
        )
    appeal.rating = rating
    step.event_data.update(rating=rating, callback=not _is_reporter(step.actor, appeal) and not step.system)
    step.fields.add("rating")
    if rating == Rating.UNSATISFIED:
        step.extra["follow_up"] = "reopen"  # appeal_transition makes it, in the same transaction


def _escalate(step: Step) -> None:
    step.extra["escalated_to"] = escalate_in_place(
        step.obj, step.now, automatic=step.system, event_data=step.event_data
    )
    step.fields.update(ESCALATION_FIELDS)


def _suspend(step: Step) -> None:
    appeal = step.obj
    appeal.suspended_from = step.from_state
    appeal.paused_at = step.now
    step.fields.update({"suspended_from", "paused_at"})


def _resume(step: Step) -> None:
    appeal = step.obj
    step.target = appeal.suspended_from or S.ACCEPTED
    paused = max(0, int((step.now - appeal.paused_at).total_seconds())) if appeal.paused_at else 0
    appeal.paused_seconds += paused
    if appeal.due_at is not None:
        appeal.due_at += dt.timedelta(seconds=paused)
    appeal.paused_at = None
    appeal.suspended_from = ""
    step.event_data.update(paused_seconds=paused, due_at=_iso(appeal.due_at))
    step.fields.update({"paused_seconds", "due_at", "paused_at", "suspended_from"})


def _extend(step: Step) -> None:
    appeal, data = step.obj, step.data
    if (data.get("due_at") is None) == (data.get("days") is None):
        raise ValidationFailed(_("延期请给出新的期限（due_at）或延长天数（days）之一"), field="due_at")
    base = appeal.due_at or step.now
    if data.get("days") is not None:
        days = data["days"]
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 90:
            raise ValidationFailed(_("延长天数必须是 1 到 90 之间的整数"), field="days")
        new_due = policy.add_days(base, days, _snapshot(appeal)["day_unit"])
    else:
        new_due = _when(data["due_at"], field="due_at")
        if new_due <= base:
            raise ValidationFailed(_("新的期限必须晚于原期限"), field="due_at")
    step.event_data.update(old_due_at=_iso(appeal.due_at), due_at=new_due.isoformat())
    appeal.due_at = new_due
    step.fields.update({"due_at", "policy_snapshot"})


def _reopen(step: Step) -> None:
    appeal = step.obj
    appeal.rework_count += 1
    appeal.handled_at = appeal.closed_at = appeal.closed_on_time = None
    appeal.rating = ""
    _fresh_deadline(appeal, step.now)
    step.fields.update({"rework_count", "handled_at", "closed_at", "closed_on_time", "rating", "due_at", "paused_at"})
    step.fields.add("policy_snapshot")
    step.event_data["due_at"] = _iso(appeal.due_at)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _keep_facts(step: Step) -> None:
    """Measures: the facts kept with every move (measure_facts), saved in the move's UPDATE."""
    step.fields.update(measure_facts.after_move(step.obj, step.name, step.now, step.event_data))


def _write_event(step: Step) -> AppealEvent:
    """The move's AppealEvent, its photos, and the notes it queues (in this transaction: a rollback tells nobody)."""
    appeal = step.obj
    escalated_to = step.extra.get("escalated_to", "")
    try:
        with transaction.atomic():
            event = AppealEvent.objects.create(
                appeal=appeal,
                actor=step.actor,
                action=step.name,
                from_state=step.from_state,
                to_state=step.target,
                note=step.note,
                data=step.event_data,
                escalated_to=escalated_to,
                occurred_at=step.now,
            )
    except IntegrityError as exc:
        # Another sweeper (or a person) escalated this appeal to this level first.
        raise Conflict(
            _("诉求已上报至该层级"), field="action", details={"action": step.name, "level": escalated_to}
        ) from exc
    if step.data.get("photo_ids"):
        from gongzhi.appeals.photos import attach_photos

        attach_photos(appeal=appeal, event=event, photo_ids=step.data["photo_ids"])
    appeal_notify.after_move(appeal, step.name, actor=step.actor, note=step.note, event_data=step.event_data)
    return event


# ---------------------------------------------------------------------------------------------------------------
# The table

CLASSIFY = frozenset({"category", "tier", "is_public"})
NOTE = ("note",)


_TABLE: dict[str, AppealMove] = {
    "register": fsm.Move({S.REPORTED}, S.REGISTERED, "appeals.dispatch", _register, accepts=CLASSIFY),
    "cancel": fsm.Move({S.REPORTED, S.REGISTERED}, S.CANCELLED, "appeals.dispatch", needs=NOTE),
    "dispatch": fsm.Move(
        {S.REPORTED, S.REGISTERED, S.DISPATCHED},
        S.DISPATCHED,
        "appeals.dispatch",
        _dispatch,
        accepts=CLASSIFY | {"assignee_id"},
    ),
    "accept": fsm.Move({S.DISPATCHED}, S.ACCEPTED, "appeals.handle", _accept),
    "return": fsm.Move({S.DISPATCHED, S.ACCEPTED}, S.REGISTERED, "appeals.handle", _return, needs=NOTE),
    "arrive": fsm.Move(
        {S.ACCEPTED}, S.ON_SITE, "appeals.handle", _arrive, accepts=frozenset({"photo_ids", "location"})
    ),
    "handle": fsm.Move(
        {S.ACCEPTED, S.ON_SITE}, S.HANDLED, "appeals.handle", _handle, needs=NOTE, accepts=frozenset({"photo_ids"})
    ),
    "verify": fsm.Move({S.HANDLED}, S.VERIFIED, "appeals.verify"),
    "fail_verification": fsm.Move({S.HANDLED}, S.ACCEPTED, "appeals.verify", _fail_verification, needs=NOTE),
    "close": fsm.Move({S.VERIFIED}, S.CLOSED, "appeals.verify", _close),
    "rate": fsm.Move({S.CLOSED}, S.RATED, "appeals.verify", _rate, accepts=frozenset({"rating"})),
    "escalate": fsm.Move({S.DISPATCHED, S.ACCEPTED, S.ON_SITE}, S.DISPATCHED, "appeals.handle", _escalate, needs=NOTE),
    "suspend": fsm.Move({S.ACCEPTED, S.ON_SITE}, S.SUSPENDED, "appeals.dispatch", _suspend, needs=NOTE),
    "resume": fsm.Move({S.SUSPENDED}, BACK, "appeals.dispatch", _resume),
    "extend": fsm.Move(
        {S.DISPATCHED, S.ACCEPTED, S.ON_SITE, S.SUSPENDED},
        STAY,
        "appeals.dispatch",
        _extend,
        needs=NOTE,
        accepts=frozenset({"due_at", "days"}),
    ),
    "reopen": fsm.Move({S.VERIFIED, S.CLOSED, S.RATED}, S.ACCEPTED, "appeals.dispatch", _reopen, needs=NOTE),
}
TRANSITIONS: dict[str, AppealMove] = {name: replace(move, label=ACTION_LABELS[name]) for name, move in _TABLE.items()}

APPEAL: fsm.Lifecycle[Appeal, User, AppealEvent] = fsm.Lifecycle(
    model=Appeal,
    moves=TRANSITIONS,
    write_event=_write_event,
    authorize=_authorize,
    noun=gettext_lazy("诉求"),
    version_field="version",
    updated_field="updated_at",
    visible=_visible,
    available=_available,
    before_save=_keep_facts,
    not_found=gettext_lazy("诉求不存在：%(id)s"),
    pk_field="appeal_id",
    field_labels={"note": gettext_lazy("理由或说明")},
)


def needs_note(action: str) -> bool:
    return "note" in TRANSITIONS[action].needs


def allowed_actions(appeal: Appeal, user: User | None = None) -> list[str]:
    """The moves the table allows from the appeal's state; with `user`, only those this user may make."""
    return APPEAL.allowed(appeal, user)


def refuse(appeal: Appeal, action: str) -> ValidationFailed | Conflict:
    return APPEAL.refused(appeal, action)


def appeal_transition(
    *,
    actor: User | None,
    appeal: Appeal | int,
    action: str,
    note: str = "",
    system: bool = False,
    expected_version: int | None = None,
    as_of: dt.datetime | None = None,
    **data: Any,
) -> Appeal:
    """Move an appeal by one action of the table. `system=True` is the sweep and automatic routing (no user).

    `as_of` (system moves only) dates the move, so a sweep run for a given instant judges and records as of then.
    An unsatisfied rating reopens the appeal in the same transaction.
    """
    fsm.check_data(APPEAL, action, data)
    note = _text(note, field="note")
    with transaction.atomic():
        result = fsm.transition(
            APPEAL,
            appeal,
            action,
            actor=actor,
            data=data,
            note=note,
            system=system,
            expected_version=expected_version,
            now=as_of if (system and as_of is not None) else None,
            savepoint=False,
        )
        if result.step.extra.get("follow_up") == "reopen":
            return appeal_transition(
                actor=None, appeal=result.obj.pk, action="reopen", note=_("诉求人评价不满意，自动返工"), system=True
            )
    return result.obj


def overdue_q(at: dt.datetime) -> Q:
    return Q(state__in=[S.DISPATCHED, S.ACCEPTED, S.ON_SITE], due_at__lte=at)


def _grid_handlers(grid_codes: set[str]) -> dict[str, int]:
    """Each grid's owner, else its first on-duty worker (as `route` chooses), in one query."""
    from gongzhi.people.models import GridAssignment

    rows = (
        GridAssignment.objects.filter(ended_on__isnull=True, user__is_active=True, area_code__in=grid_codes)
        .filter(Q(is_owner=True) | Q(on_duty=True))
        .order_by("-is_owner", "id")
        .values_list("area_code", "user_id")
    )
    handlers: dict[str, int] = {}
    for code, user_id in rows:
        handlers.setdefault(code, user_id)
    return handlers


def escalate_overdue(*, ids: list[int], at: dt.datetime) -> list[int]:
    """The sweep's batch form of the `escalate` move, for rows the caller has locked in its transaction.

    Same table check, same escalation (escalate_in_place) and the same event rows as appeal_transition, in a
    handful of queries per batch instead of several per appeal. The once-per-level constraint on events still
    refuses a double escalation: the caller falls back to one appeal at a time if the batch insert fails.
    """
    move = TRANSITIONS["escalate"]
    appeals = list(
        Appeal.objects.filter(overdue_q(at), pk__in=ids, handling_level__in=[Level.MICROGRID, Level.GRID]).order_by(
            "pk"
        )
    )
    handlers = _grid_handlers(
        {code_at(a.area_code, AreaLevel.GRID) for a in appeals if a.handling_level == Level.MICROGRID}
    )
    note = _("超过办结期限，系统自动上报")
    events = []
    fresh_snapshot = [not a.policy_snapshot for a in appeals]
    for appeal in appeals:
        if appeal.state not in move.sources:  # overdue_q matches the table; this keeps them from drifting apart
            raise refuse(appeal, "escalate")
        data: dict[str, Any] = {}
        to_grid = appeal.handling_level == Level.MICROGRID
        level = escalate_in_place(
            appeal,
            at,
            automatic=True,
            event_data=data,
            assignee_id=handlers.get(code_at(appeal.area_code, AreaLevel.GRID)) if to_grid else None,
        )
        events.append(
            AppealEvent(
                appeal=appeal,
                action="escalate",
                from_state=appeal.state,
                to_state=move.target,
                note=note,
                data=data,
                escalated_to=level,
                occurred_at=at,
            )
        )
        appeal.state = move.target
        appeal.version += 1
        appeal.updated_at = at
        appeal.responded_on_time = measure_facts.responded_on_time(appeal)  # measures: re-dispatched now
    # Escalated at one instant, appeals of one grid and tier share every new value: one UPDATE per group
    # (bulk_update's CASE per row costs ~1 ms an appeal). An appeal whose snapshot was only taken now is
    # written on its own.
    groups: dict[tuple[Any, ...], list[int]] = {}
    for appeal, snapshot_was_empty in zip(appeals, fresh_snapshot, strict=True):
        if snapshot_was_empty:
            appeal.save(update_fields=[*ESCALATION_FIELDS, "state", "version", "updated_at", "responded_on_time"])
            continue
        key = (appeal.handling_level, appeal.tier, appeal.assignee_id, appeal.due_at, appeal.responded_on_time)
        groups.setdefault(key, []).append(appeal.pk)
    for (level, tier, assignee_id, due_at, responded), pks in groups.items():
        Appeal.objects.filter(pk__in=pks).update(
            handling_level=level,
            tier=tier,
            assignee_id=assignee_id,
            due_at=due_at,
            dispatched_at=at,
            paused_at=None,
            responded_on_time=responded,
            state=move.target,
            version=F("version") + 1,
            updated_at=at,
        )
    AppealEvent.objects.bulk_create(events, batch_size=500)
    appeal_notify.escalated(appeals)  # one note per appeal, inserted in bulk
    return [a.pk for a in appeals]
