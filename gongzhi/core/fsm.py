"""One state-machine helper for every lifecycle: a table of moves and one `transition()`.

A lifecycle (appeals, summons, registrations, roster imports, awards, …) declares its moves once:

    MOVES = {"confirm": Move(sources={"pending"}, target="confirmed", rule="registrations.confirm",
                             needs=("resident",), effect=_confirm, label=gettext_lazy("确认"))}
    REGISTRATION = Lifecycle(model=Registration, moves=MOVES, state_field="status", write_event=_event,
                             authorize=rule_check(holds), noun=gettext_lazy("注册申请"))

and every change of state goes through `transition(REGISTRATION, registration, "confirm", actor=…, data=…)`, which
in one transaction: locks the row (`select_for_update`; on SQLite the transaction itself serialises writers),
checks the optimistic version where the lifecycle keeps one, refuses a move the table does not allow from the
current state with an error naming the moves that are allowed, checks the move's named rule, checks the fields the
move needs, runs the move's effect, saves the row and writes the lifecycle's event row. Nothing else writes the
state column.

Core does not import the apps: the actor type (`A`, the user model) and the event row type (`E`) are type
parameters, and the rule check and the event writer are given by the lifecycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

M = TypeVar("M", bound=models.Model)
A = TypeVar("A")  # the actor: the user model (core does not import accounts)
E = TypeVar("E")  # what the lifecycle's event writer returns: its event row

Text = str | Promise  # a label: a string or a lazy translation

STAY = "="  # a move whose target is the state it starts from (extend, progress notes)


@dataclass(frozen=True)
class Move(Generic[M, A]):
    """One row of a transition table.

    `rule` names the permission (a name of `gongzhi.accounts.rules.RULES`, or one the lifecycle's `authorize`
    knows). `needs` are the inputs that must be given and not blank (`"note"` is the move's note, anything else a
    key of the move's data); `accepts` are the further data keys the move takes, so an unknown key is refused
    before anything is read. `effect` changes the locked row (and may write rows of its own); it records the
    fields it changed in `step.fields` and may set `step.target` when the table's target is decided at run time.
    """

    sources: Collection[str]
    target: str
    rule: str
    effect: Callable[[Step[M, A]], None] | None = None
    needs: tuple[str, ...] = ()
    accepts: frozenset[str] = frozenset()
    label: Text = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", frozenset(self.sources))
        object.__setattr__(self, "accepts", frozenset(self.accepts) | {n for n in self.needs if n != "note"})


@dataclass
class Step(Generic[M, A]):
    """What one move is doing: handed to the effect, then to the event writer, then returned in the result."""

    obj: M
    name: str
    move: Move[M, A]
    actor: A | None
    data: Mapping[str, Any]
    note: str
    now: dt.datetime
    system: bool
    from_state: str
    target: str
    fields: set[str] = field(default_factory=set)
    event_data: dict[str, Any] = field(default_factory=dict)  # the event row's JSON data
    extra: dict[str, Any] = field(default_factory=dict)  # what an effect passes to the event writer or the caller


@dataclass(frozen=True)
class Result(Generic[M, A, E]):
    obj: M
    event: E
    step: Step[M, A]


Authorize = Callable[[A, M, str, Move[M, A]], PermissionDenied | None]


@dataclass(frozen=True)
class Lifecycle(Generic[M, A, E]):
    """A model's moves and how this lifecycle locks, checks and records them.

    - `write_event(step)` writes the lifecycle's own append-only event row (each app has its own table).
    - `authorize(actor, obj, name, move)` returns the PermissionDenied to raise, or None when the actor may make
      the move (`rule_check` builds one from a "holds rule at area" function). It is not asked for system moves.
      It is asked after the state check, unless `authorize_first`: then right after the lock, so that someone
      without the rule learns nothing about the row's state (summons, registrations).
    - `visible(actor, obj)`: when given and false, the row is reported as not found (someone outside the area
      learns nothing about it, not even its state); checked before the version and the state.
    - `available(obj, name)`: a further guard on a move the table allows from the state (e.g. "not rated yet").
    - `locked()`: the queryset the row is locked from (add `select_related` here); default the model's manager.
    - `before_save(step)`: runs after every move's effect, before the row is saved (facts the lifecycle keeps up
      to date on every move, such as the appeals' measures).
    - `lock_of`: passed to `select_for_update(of=…)` (`("self",)` locks only this row when `locked()` joins others).
    - `refused_as`: the error class of a refused move (422 ValidationFailed; a lifecycle whose refusal means
      "someone else got there first", such as a decided registration, may answer 409 Conflict).
    - `field_labels` name a needed field in "请填写「move」的<label>"; `field_messages` replace that whole message
      for a field the lifecycle words its own way ("驳回时请说明原因").
    - `not_found` (with `%(id)s`) and `pk_field` say what a missing row's NotFound reads and which field it names.
    """

    model: type[M]
    moves: Mapping[str, Move[M, A]]
    write_event: Callable[[Step[M, A]], E]
    authorize: Authorize[A, M] | None = None
    authorize_first: bool = False
    noun: Text = ""
    state_field: str = "state"
    version_field: str | None = None
    updated_field: str | None = None
    visible: Callable[[A, M], bool] | None = None
    available: Callable[[M, str], bool] | None = None
    locked: Callable[[], models.QuerySet[M]] | None = None
    lock_of: tuple[str, ...] = ()
    refused_as: type[ValidationFailed] | type[Conflict] = ValidationFailed
    before_save: Callable[[Step[M, A]], None] | None = None
    not_found: Text = ""
    pk_field: str = "id"
    field_labels: Mapping[str, Text] = field(default_factory=dict)
    field_messages: Mapping[str, Text] = field(default_factory=dict)

    def state_of(self, obj: M) -> str:
        return str(getattr(obj, self.state_field))

    def state_label(self, obj: M) -> str:
        display = getattr(obj, f"get_{self.state_field}_display", None)
        return str(display()) if callable(display) else self.state_of(obj)

    def label(self, name: str) -> str:
        move = self.moves.get(name)
        return str(move.label) if move is not None and move.label else name

    def allowed(self, obj: M, actor: A | None = None) -> list[str]:
        """The moves the table allows from the row's state (in table order); with `actor`, only those they may make."""
        state = self.state_of(obj)
        names = [n for n, m in self.moves.items() if state in m.sources and self._available(obj, n)]
        if actor is None or self.authorize is None:
            return names
        return [n for n in names if self.authorize(actor, obj, n, self.moves[n]) is None]

    def _available(self, obj: M, name: str) -> bool:
        return self.available is None or self.available(obj, name)

    def refused(self, obj: M, name: str) -> ValidationFailed | Conflict:
        """The error for a move the table does not allow now, naming the moves it does allow."""
        allowed = self.allowed(obj)
        return self.refused_as(
            _("%(noun)s当前状态为「%(state)s」，不能执行「%(action)s」；可执行的操作：%(allowed)s")
            % {
                "noun": self.noun,
                "state": self.state_label(obj),
                "action": self.label(name),
                "allowed": "、".join(f"{self.label(a)}（{a}）" for a in allowed) or _("无"),
            },
            field="action",
            details={"state": self.state_of(obj), "action": name, "allowed": allowed},
        )

    def move(self, name: str) -> Move[M, A]:
        move = self.moves.get(name)
        if move is None:
            raise ValidationFailed(
                _("未知的操作：%(action)s；全部操作：%(all)s") % {"action": name, "all": "、".join(self.moves)},
                field="action",
            )
        return move

    def lock(self, pk: Any) -> M:
        queryset = self.locked() if self.locked is not None else self.model._default_manager.all()
        obj = queryset.select_for_update(of=self.lock_of).filter(pk=pk).first()
        if obj is None:
            raise self._not_found(pk)
        return obj

    def _not_found(self, pk: Any) -> NotFound:
        message = self.not_found or _("%(noun)s不存在：%(id)s")
        return NotFound(str(message) % {"noun": self.noun, "id": pk}, field=self.pk_field)


def rule_check(holds: Callable[[A, str, M], bool]) -> Authorize[A, M]:
    """An `authorize` from "does the actor hold this named rule over this row" (e.g. over its area)."""

    def authorize(actor: A, obj: M, name: str, move: Move[M, A]) -> PermissionDenied | None:
        if holds(actor, move.rule, obj):
            return None
        label = str(move.label) if move.label else name
        return PermissionDenied(
            _("您没有权限执行「%(action)s」") % {"action": label},
            field="action",
            details={"action": name, "rule": move.rule},
        )

    return authorize


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ([], {}, ())


def check_data(lifecycle: Lifecycle[M, A, E], name: str, data: Mapping[str, Any]) -> Move[M, A]:
    """The move of `name`, refusing an unknown move or a data key the move does not take (no row is read)."""
    move = lifecycle.move(name)
    unknown = sorted(set(data) - move.accepts)
    if unknown:
        raise ValidationFailed(
            _("操作「%(action)s」不接受参数：%(keys)s") % {"action": lifecycle.label(name), "keys": "、".join(unknown)},
            field=unknown[0],
        )
    return move


def transition(
    lifecycle: Lifecycle[M, A, E],
    obj: M | int,
    name: str,
    *,
    actor: A | None,
    data: Mapping[str, Any] | None = None,
    note: str = "",
    system: bool = False,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    savepoint: bool = True,
) -> Result[M, A, E]:
    """Make the move `name` on the row `obj` (an instance or a primary key) and return the locked, saved row.

    `system=True` is a move made by the platform (a sweep, a follow-up move): no actor, no permission check.
    `now` dates the move (default `clock.now()`). `savepoint=False` joins the caller's transaction without a
    savepoint of its own (two statements fewer on a hot path whose caller rolls back on any error anyway).
    Errors, in the order they are checked: unknown move or data key (ValidationFailed); not signed in
    (PermissionDenied); no such row or not visible to the actor (NotFound); stale `expected_version` (Conflict);
    move not allowed from the state (ValidationFailed naming the allowed moves); rule not held (PermissionDenied);
    a needed field missing (ValidationFailed on that field); then whatever the effect or the event writer raise.
    """
    data = dict(data or {})
    move = check_data(lifecycle, name, data)
    pk = obj.pk if isinstance(obj, models.Model) else obj
    with transaction.atomic(savepoint=savepoint):
        if not system and (actor is None or not getattr(actor, "is_authenticated", False)):
            raise PermissionDenied(_("请先登录"), field="action")
        row = lifecycle.lock(pk)
        if not system and lifecycle.visible is not None and actor is not None and not lifecycle.visible(actor, row):
            raise lifecycle._not_found(pk)
        if lifecycle.authorize_first:
            _authorize(lifecycle, row, name, move, actor, system)
        if expected_version is not None:
            if lifecycle.version_field is None:
                raise TypeError(f"{lifecycle.model.__name__} keeps no version")
            if expected_version != getattr(row, lifecycle.version_field):
                raise Conflict(
                    _("%(noun)s已被他人更新，请刷新后重试") % {"noun": lifecycle.noun},
                    field="version",
                    details={"version": getattr(row, lifecycle.version_field), "state": lifecycle.state_of(row)},
                )
        from_state = lifecycle.state_of(row)
        if from_state not in move.sources or not lifecycle._available(row, name):
            raise lifecycle.refused(row, name)
        if not lifecycle.authorize_first:
            _authorize(lifecycle, row, name, move, actor, system)
        for needed in move.needs:
            if _blank(note if needed == "note" else data.get(needed)):
                message = lifecycle.field_messages.get(needed) or _("请填写「%(action)s」的%(field)s") % {
                    "action": lifecycle.label(name),
                    "field": lifecycle.field_labels.get(needed, needed),
                }
                raise ValidationFailed(message, field=needed)
        step: Step[M, A] = Step(
            obj=row,
            name=name,
            move=move,
            actor=None if system else actor,
            data=data,
            note=note,
            now=now or clock.now(),
            system=system,
            from_state=from_state,
            target=from_state if move.target == STAY else move.target,
        )
        if move.effect is not None:
            move.effect(step)
        if lifecycle.before_save is not None:
            lifecycle.before_save(step)
        _save(lifecycle, step)
        event = lifecycle.write_event(step)
        return Result(obj=row, event=event, step=step)


def _authorize(
    lifecycle: Lifecycle[M, A, E], row: M, name: str, move: Move[M, A], actor: A | None, system: bool
) -> None:
    if not system and lifecycle.authorize is not None and actor is not None:
        denied = lifecycle.authorize(actor, row, name, move)
        if denied is not None:
            raise denied


def _save(lifecycle: Lifecycle[M, A, E], step: Step[M, A]) -> None:
    row = step.obj
    if step.target == step.from_state and not step.fields and not (lifecycle.version_field or lifecycle.updated_field):
        return  # a move that changes nothing on the row (a progress note): only its event is written
    fields = {*step.fields, lifecycle.state_field}
    setattr(row, lifecycle.state_field, step.target)
    if lifecycle.version_field is not None:
        setattr(row, lifecycle.version_field, getattr(row, lifecycle.version_field) + 1)
        fields.add(lifecycle.version_field)
    if lifecycle.updated_field is not None:
        setattr(row, lifecycle.updated_field, step.now)
        fields.add(lifecycle.updated_field)
    row.save(update_fields=sorted(fields))
