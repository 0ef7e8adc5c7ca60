"""The appeal lifecycle: one explicit table and one transition function.

reported → registered (or cancelled) → dispatched → accepted (签收; the clock starts) → on site → handled →
verified → closed → rated; plus return (退单), escalate (上报), suspend/resume (挂起), extend (延期) and reopen (返工).
`appeal_transition` is the only code that changes `Appeal.state`: it locks the row, checks the table and the
actor's named rule over the appeal's area, applies the move and writes an AppealEvent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

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
from gongzhi.core import clock
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text as _text

S = State
STAY = "="  # the move keeps the current state (extend)
BACK = "<"  # the move returns to the state before the suspension (resume)

# Who may make a move: a named rule over the appeal's area, or the reporter for their own appeal.
REPORTER = "reporter"


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    target: str
    rule: str
    reporter_may: bool = False
    # Moves of the handling worker: when the appeal is assigned, only the assignee or a dispatcher may make them.
    assignee_only: bool = False
    needs_note: bool = False


TRANSITIONS: dict[str, Move] = {
    "register": Move(frozenset({S.REPORTED}), S.REGISTERED, "appeals.dispatch"),
    "cancel": Move(frozenset({S.REPORTED, S.REGISTERED}), S.CANCELLED, "appeals.dispatch", True, needs_note=True),
    "dispatch": Move(frozenset({S.REPORTED, S.REGISTERED, S.DISPATCHED}), S.DISPATCHED, "appeals.dispatch"),
    "accept": Move(frozenset({S.DISPATCHED}), S.ACCEPTED, "appeals.handle", assignee_only=True),
    "return": Move(
        frozenset({S.DISPATCHED, S.ACCEPTED}), S.REGISTERED, "appeals.handle", assignee_only=True, needs_note=True
    ),
    "arrive": Move(frozenset({S.ACCEPTED}), S.ON_SITE, "appeals.handle", assignee_only=True),
    "handle": Move(
        frozenset({S.ACCEPTED, S.ON_SITE}), S.HANDLED, "appeals.handle", assignee_only=True, needs_note=True
    ),
    "verify": Move(frozenset({S.HANDLED}), S.VERIFIED, "appeals.verify", True),
    "fail_verification": Move(frozenset({S.HANDLED}), S.ACCEPTED, "appeals.verify", True, needs_note=True),
    "close": Move(frozenset({S.VERIFIED}), S.CLOSED, "appeals.verify"),
    "rate": Move(frozenset({S.CLOSED}), S.RATED, "appeals.verify", True),
    "escalate": Move(frozenset({S.DISPATCHED, S.ACCEPTED, S.ON_SITE}), S.DISPATCHED, "appeals.handle", needs_note=True),
    "suspend": Move(frozenset({S.ACCEPTED, S.ON_SITE}), S.SUSPENDED, "appeals.dispatch", needs_note=True),
    "resume": Move(frozenset({S.SUSPENDED}), BACK, "appeals.dispatch"),
    "extend": Move(
        frozenset({S.DISPATCHED, S.ACCEPTED, S.ON_SITE, S.SUSPENDED}), STAY, "appeals.dispatch", needs_note=True
    ),
    "reopen": Move(frozenset({S.VERIFIED, S.CLOSED, S.RATED}), S.ACCEPTED, "appeals.dispatch", needs_note=True),
}

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
}


def label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def allowed_actions(appeal: Appeal, user: Any = None) -> list[str]:
    """The moves the table allows from the appeal's state; with `user`, only those this user may make."""
    moves = [name for name, move in TRANSITIONS.items() if appeal.state in move.sources]
    if appeal.state == S.RATED and appeal.rating:
        moves = [m for m in moves if m != "rate"]
    if user is None:
        return moves
    return [m for m in moves if _may(user, appeal, m)]


def _is_reporter(user: Any, appeal: Appeal) -> bool:
    return appeal.reporter_id is not None and getattr(user, "pk", None) == appeal.reporter_id


def _may(user: Any, appeal: Appeal, action: str) -> bool:
    move = TRANSITIONS[action]
    if action == "rate":
        # The reporter rates; an appeal without a reporter login (12345, walk-in) is rated at the callback.
        if appeal.reporter_id is not None:
            return _is_reporter(user, appeal)
        return rules.allows(user, move.rule, appeal.area_code)
    if move.reporter_may and _is_reporter(user, appeal):
        # A reporter may withdraw only what nobody is working on yet.
        return action != "cancel" or appeal.state == S.REPORTED
    if not rules.allows(user, move.rule, appeal.area_code):
        return False
    if move.assignee_only and appeal.assignee_id is not None and appeal.assignee_id != user.pk:
        return rules.allows(user, "appeals.dispatch", appeal.area_code)
    return True


def refuse(appeal: Appeal, action: str) -> ValidationFailed:
    allowed = allowed_actions(appeal)
    return ValidationFailed(
        _("诉求当前状态为「%(state)s」，不能执行「%(action)s」；可执行的操作：%(allowed)s")
        % {
            "state": appeal.get_state_display(),
            "action": label(action),
            "allowed": "、".join(f"{label(a)}（{a}）" for a in allowed) or _("无"),
        },
        field="action",
        details={"state": appeal.state, "action": action, "allowed": allowed},
    )


# ---------------------------------------------------------------------------------------------------------------
# Routing: who works an appeal at a level


def route(appeal: Appeal, level: str) -> Any:
    """The worker an appeal goes to at `level`: the micro-grid's on-duty worker, else the grid's owner.

    At street level nobody in particular: the appeal waits on the street's dispatch board.
    """
    from gongzhi.people.models import AssignmentKind, GridAssignment

    live = GridAssignment.objects.filter(ended_on__isnull=True, user__is_active=True).select_related("user")
    grid_code = code_at(appeal.area_code, AreaLevel.GRID)
    if level == Level.MICROGRID:
        # Every intake asks this; the same query in plain SQL skips the ORM's compilation (about 1 ms of CPU).
        users, assignments = get_user_model()._meta.db_table, GridAssignment._meta.db_table
        on_duty = get_user_model().objects.raw(
            f"SELECT u.* FROM {users} u JOIN {assignments} g ON g.user_id = u.id "  # noqa: S608 - our own names
            "WHERE g.ended_on IS NULL AND u.is_active AND g.area_code = %s AND g.kind = %s AND g.on_duty "
            "ORDER BY g.id LIMIT 1",
            [appeal.area_code, AssignmentKind.MICROGRID.value],
        )
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


def appeal_get_for_update(*, appeal_id: int) -> Appeal:
    appeal = Appeal.objects.select_for_update().filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound(_("诉求不存在：%(id)s") % {"id": appeal_id}, field="appeal_id")
    return appeal


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
    return appeal.policy_snapshot


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


def apply_classification(appeal: Appeal, data: dict[str, Any]) -> list[str]:
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


KNOWN_DATA = {
    "register": {"category", "tier", "is_public"},
    "dispatch": {"assignee_id", "category", "tier", "is_public"},
    "rate": {"rating"},
    "extend": {"due_at", "days"},
    "handle": {"photo_ids"},
    "arrive": {"photo_ids", "location"},
}


@transaction.atomic
def appeal_transition(
    *,
    actor: Any,
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
    """
    if action not in TRANSITIONS:
        raise ValidationFailed(
            _("未知的操作：%(action)s；全部操作：%(all)s") % {"action": action, "all": "、".join(TRANSITIONS)},
            field="action",
        )
    unknown = sorted(set(data) - KNOWN_DATA.get(action, set()))
    if unknown:
        raise ValidationFailed(
            _("操作「%(action)s」不接受参数：%(keys)s") % {"action": label(action), "keys": "、".join(unknown)},
            field=unknown[0],
        )
    note = _text(note, field="note")
    appeal = appeal_get_for_update(appeal_id=appeal if isinstance(appeal, int) else appeal.pk)
    move = TRANSITIONS[action]
    if not system:
        if actor is None or not getattr(actor, "is_authenticated", False):
            raise PermissionDenied(_("请先登录"), field="action")
        # Permission before state: someone outside the area learns nothing about the appeal.
        if not (rules.allows(actor, "appeals.view", appeal.area_code) or _is_reporter(actor, appeal)):
            raise NotFound(_("诉求不存在：%(id)s") % {"id": appeal.pk}, field="appeal_id")
    if expected_version is not None and expected_version != appeal.version:
        raise Conflict(
            _("诉求已被他人更新，请刷新后重试"),
            field="version",
            details={"version": appeal.version, "state": appeal.state},
        )
    if appeal.state not in move.sources or (action == "rate" and appeal.rating):
        raise refuse(appeal, action)
    if not system and not _may(actor, appeal, action):
        if action == "rate":
            raise PermissionDenied(_("只有诉求人本人可以评价"), field="action", details={"action": action})
        if move.assignee_only and appeal.assignee_id not in (None, actor.pk):
            raise PermissionDenied(
                _("该诉求已派给其他承办人"), field="action", details={"action": action, "assignee": appeal.assignee_id}
            )
        raise PermissionDenied(
            _("您没有权限对该诉求执行「%(action)s」") % {"action": label(action)},
            field="action",
            details={"action": action, "rule": move.rule},
        )
    if move.needs_note and not note:
        raise ValidationFailed(_("请填写「%(action)s」的理由或说明") % {"action": label(action)}, field="note")

    now = as_of if (system and as_of is not None) else clock.now()
    from_state = appeal.state
    target = from_state if move.target == STAY else move.target
    fields = ["state", "version", "updated_at"]
    event_data: dict[str, Any] = {}
    escalated_to = ""
    follow_up: str | None = None

    if action == "register":
        fields += apply_classification(appeal, data)
    elif action == "dispatch":
        fields += apply_classification(appeal, data)
        if "assignee_id" in data and data["assignee_id"] is not None:
            assignee = _user(data["assignee_id"], field="assignee_id")
            if not rules.allows(assignee, "appeals.handle", appeal.area_code):
                raise ValidationFailed(_("%(user)s 不能承办该区域的诉求") % {"user": assignee}, field="assignee_id")
            event_data["routing"] = "manual"
        else:
            assignee = route(appeal, appeal.handling_level)
            event_data["routing"] = "auto"
        dispatch_in_place(appeal, now, assignee=assignee, event_data=event_data)
        fields += ["assignee", "dispatched_at", "arrive_by"]
    elif action == "accept":
        if appeal.assignee_id is None:
            appeal.assignee = actor
            fields.append("assignee")
        if appeal.accepted_at is None:
            appeal.accepted_at = now
            fields.append("accepted_at")
        _snapshot(appeal)
        if appeal.due_at is None:
            _fresh_deadline(appeal, now)
        fields += ["policy_snapshot", "due_at", "paused_at"]
        event_data["due_at"] = appeal.due_at.isoformat() if appeal.due_at else None
    elif action == "return":
        event_data["returned_by"] = appeal.assignee_id
        appeal.assignee = None
        appeal.arrive_by = None
        fields += ["assignee", "arrive_by"]
    elif action == "arrive":
        appeal.arrived_at = now
        late = appeal.arrive_by is not None and now > appeal.arrive_by
        event_data.update(late=late, arrive_by=appeal.arrive_by.isoformat() if appeal.arrive_by else None)
        if data.get("location") is not None:
            from gongzhi.appeals.checkin import checkin_location

            event_data["location"] = checkin_location(data["location"])
        fields.append("arrived_at")
    elif action == "handle":
        appeal.handled_at = now
        fields.append("handled_at")
    elif action == "fail_verification":
        appeal.rework_count += 1
        appeal.handled_at = None
        _fresh_deadline(appeal, now)
        fields += ["rework_count", "handled_at", "due_at", "paused_at", "policy_snapshot"]
        event_data["due_at"] = appeal.due_at.isoformat() if appeal.due_at else None
    elif action == "close":
        still_on_case = open_summons(appeal)
        if still_on_case:
            # 事不完、人不撤: a summoned department stays until it has handed back its result.
            raise ValidationFailed(
                _("被召集的部门尚未反馈结果，不能结案：%(depts)s") % {"depts": "、".join(still_on_case)},
                field="action",
                details={"departments": still_on_case},
            )
        appeal.closed_at = now
        appeal.closed_on_time = appeal.due_at is None or now <= appeal.due_at
        event_data.update(on_time=appeal.closed_on_time, published=appeal.is_public)
        fields += ["closed_at", "closed_on_time"]
    elif action == "rate":
        rating = data.get("rating")
        if rating not in Rating.values:
            raise ValidationFailed(
                _("评价只能是：%(v)s") % {"v": "、".join(f"{c.label}（{c.value}）" for c in Rating)},
                field="rating",
            )
        appeal.rating = rating
        event_data.update(rating=rating, callback=not _is_reporter(actor, appeal) and not system)
        fields.append("rating")
        if rating == Rating.UNSATISFIED:
            follow_up = "reopen"
    elif action == "escalate":
        escalated_to = escalate_in_place(appeal, now, automatic=system, event_data=event_data)
        fields += ESCALATION_FIELDS
    elif action == "suspend":
        appeal.suspended_from = from_state
        appeal.paused_at = now
        fields += ["suspended_from", "paused_at"]
    elif action == "resume":
        target = appeal.suspended_from or S.ACCEPTED
        paused = max(0, int((now - appeal.paused_at).total_seconds())) if appeal.paused_at else 0
        appeal.paused_seconds += paused
        if appeal.due_at is not None:
            appeal.due_at += dt.timedelta(seconds=paused)
        appeal.paused_at = None
        appeal.suspended_from = ""
        event_data.update(paused_seconds=paused, due_at=appeal.due_at.isoformat() if appeal.due_at else None)
        fields += ["paused_seconds", "due_at", "paused_at", "suspended_from"]
    elif action == "extend":
        if (data.get("due_at") is None) == (data.get("days") is None):
            raise ValidationFailed(_("延期请给出新的期限（due_at）或延长天数（days）之一"), field="due_at")
        base = appeal.due_at or now
        if data.get("days") is not None:
            days = data["days"]
            if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 90:
                raise ValidationFailed(_("延长天数必须是 1 到 90 之间的整数"), field="days")
            new_due = policy.add_days(base, days, _snapshot(appeal)["day_unit"])
        else:
            new_due = _when(data["due_at"], field="due_at")
            if new_due <= base:
                raise ValidationFailed(_("新的期限必须晚于原期限"), field="due_at")
        event_data.update(old_due_at=appeal.due_at.isoformat() if appeal.due_at else None, due_at=new_due.isoformat())
        appeal.due_at = new_due
        fields += ["due_at", "policy_snapshot"]
    elif action == "reopen":
        appeal.rework_count += 1
        appeal.handled_at = appeal.closed_at = appeal.closed_on_time = None
        appeal.rating = ""
        _fresh_deadline(appeal, now)
        fields += ["rework_count", "handled_at", "closed_at", "closed_on_time", "rating", "due_at", "paused_at"]
        fields.append("policy_snapshot")
        event_data["due_at"] = appeal.due_at.isoformat() if appeal.due_at else None

    fields += measure_facts.after_move(appeal, action, now, event_data)  # measures: facts kept with the move
    photo_ids = data.get("photo_ids")
    appeal.state = target
    appeal.version += 1
    appeal.updated_at = now
    appeal.save(update_fields=sorted(set(fields)))
    try:
        with transaction.atomic():
            event = AppealEvent.objects.create(
                appeal=appeal,
                actor=None if system else actor,
                action=action,
                from_state=from_state,
                to_state=target,
                note=note,
                data=event_data,
                escalated_to=escalated_to,
                occurred_at=now,
            )
    except IntegrityError as exc:
        # Another sweeper (or a person) escalated this appeal to this level first.
        raise Conflict(
            _("诉求已上报至该层级"), field="action", details={"action": action, "level": escalated_to}
        ) from exc
    if photo_ids:
        from gongzhi.appeals.photos import attach_photos

        attach_photos(appeal=appeal, event=event, photo_ids=photo_ids)
    # Queued in this transaction: a move that rolls back tells nobody.
    appeal_notify.after_move(appeal, action, actor=None if system else actor, note=note, event_data=event_data)
    if follow_up == "reopen":
        return appeal_transition(
            actor=actor,
            appeal=appeal.pk,
            action="reopen",
            note=_("诉求人评价不满意，自动返工"),
            system=True,
        )
    return appeal


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
