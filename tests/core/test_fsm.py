"""The state-machine helper itself (gongzhi.core.fsm), on a toy lifecycle over the registration model.

The lifecycle here is the test's own (not accounts'): pending → confirmed | rejected, back to pending by "reopen",
and a "remark" move that stays; events are audit rows. Each test names the guarantee it checks.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override

from gongzhi.accounts import rules
from gongzhi.accounts.models import Registration, User
from gongzhi.core import fsm
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from tests.conftest import COMMUNITY_A

Step = fsm.Step[Registration, User]


def _confirm(step: Step) -> None:
    step.obj.reason = step.data["reason"]
    step.fields.add("reason")
    step.event_data["reason"] = step.data["reason"]


def _reject(step: Step) -> None:
    step.obj.reason = step.note
    step.fields.add("reason")
    if step.note == "boom":
        # The effect writes a row of its own, then fails: neither it nor the move may remain.
        AuditEvent.objects.create(action="effect.partial", data={})
        raise ValidationFailed("effect failed", field="note")


def _write_event(step: Step) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=step.actor,
        action=f"toy.{step.name}",
        target_type="accounts.registration",
        target_id=str(step.obj.pk),
        data={"from": step.from_state, "to": step.target, **step.event_data},
    )


def _written() -> int:
    return AuditEvent.objects.filter(action__in=["toy.confirm", "toy.reject", "toy.remark", "effect.partial"]).count()


def _holds(actor: User, rule: str, registration: Registration) -> bool:
    return rules.allows(actor, rule, registration.community.code)


TOY: fsm.Lifecycle[Registration, User, AuditEvent] = fsm.Lifecycle(
    model=Registration,
    noun="注册申请",
    state_field="status",
    moves={
        "confirm": fsm.Move(
            {"pending"}, "confirmed", "registrations.confirm", effect=_confirm, needs=("reason",), label="确认"
        ),
        "reject": fsm.Move(
            {"pending"}, "rejected", "registrations.confirm", effect=_reject, needs=("note",), label="驳回"
        ),
        "reopen": fsm.Move({"confirmed", "rejected"}, "pending", "registrations.confirm", label="重新打开"),
        "remark": fsm.Move({"pending", "confirmed"}, fsm.STAY, "registrations.confirm", label="备注"),
    },
    write_event=_write_event,
    authorize=fsm.rule_check(_holds),
    locked=lambda: Registration.objects.select_related("community"),
    field_labels={"note": "理由"},
)


@pytest.fixture
def registration(district) -> Registration:
    user = User.objects.create_user(username="applicant", password="x" * 12)
    return Registration.objects.create(
        user=user, full_name="申请人", id_number_hash="h", address="某路 1 号", community=district.areas[COMMUNITY_A]
    )


def _move(
    registration: Registration, name: str, actor: Any, **kwargs: Any
) -> fsm.Result[Registration, User, AuditEvent]:
    return fsm.transition(TOY, registration, name, actor=actor, **kwargs)


def test_a_move_changes_the_state_runs_the_effect_and_writes_the_event(district, registration):
    worker = district["community_worker_a"]
    result = _move(registration, "confirm", worker, data={"reason": "核对无误"})
    registration.refresh_from_db()
    assert (registration.status, registration.reason) == ("confirmed", "核对无误")
    assert result.obj.status == "confirmed"
    assert result.event.action == "toy.confirm"
    assert result.event.data == {"from": "pending", "to": "confirmed", "reason": "核对无误"}
    assert result.step.from_state == "pending"


def test_a_refused_move_names_the_allowed_moves_chinese_first(district, registration):
    worker = district["community_worker_a"]
    with pytest.raises(ValidationFailed) as info:
        _move(registration, "reopen", worker)
    err = info.value
    assert err.details == {"state": "pending", "action": "reopen", "allowed": ["confirm", "reject", "remark"]}
    assert str(err.message) == (
        "注册申请当前状态为「待确认」，不能执行「重新打开」；可执行的操作：确认（confirm）、驳回（reject）、备注（remark）"
    )
    with override("en"), pytest.raises(ValidationFailed) as english:
        _move(registration, "reopen", worker)
    assert str(english.value.message).startswith("注册申请: the state is “Pending”")
    assert "确认（confirm）" in str(english.value.message)
    assert _written() == 0


def test_an_unknown_move_or_data_key_is_refused_before_the_row_is_read(district, registration):
    worker = district["community_worker_a"]
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationFailed) as unknown:
        _move(registration, "approve", worker)
    assert str(unknown.value.message) == "未知的操作：approve；全部操作：confirm、reject、reopen、remark"
    with CaptureQueriesContext(connection) as more, pytest.raises(ValidationFailed) as extra:
        _move(registration, "reject", worker, note="x", data={"colour": "red"})
    assert extra.value.field == "colour"
    assert len(queries) == len(more) == 0


def test_the_row_is_locked_for_update_inside_the_transaction(district, registration):
    seen: list[tuple[bool, bool]] = []

    def locked() -> Any:
        queryset = Registration.objects.select_related("community")
        seen.append((connection.in_atomic_block, queryset.query.select_for_update))
        return queryset

    spied = dataclasses.replace(TOY, locked=locked)
    with CaptureQueriesContext(connection) as queries:
        fsm.transition(spied, registration, "remark", actor=district["community_worker_a"])
    assert seen == [(True, False)]  # asked for inside the transaction; the helper adds select_for_update
    selects = [q["sql"] for q in queries.captured_queries if 'FROM "accounts_registration"' in q["sql"]]
    assert len(selects) == 1
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in selects[0]
    else:  # SQLite: the transaction serialises writers; Django leaves FOR UPDATE out of the SQL
        assert connection.vendor == "sqlite"


def test_nothing_is_written_when_the_effect_raises(district, registration):
    with pytest.raises(ValidationFailed, match="effect failed"):
        _move(registration, "reject", district["community_worker_a"], note="boom")
    registration.refresh_from_db()
    assert registration.status == "pending" and registration.reason == ""
    assert _written() == 0


def test_nothing_is_written_when_the_event_row_fails(district, registration):
    def failing(step: Step) -> AuditEvent:
        raise RuntimeError("event table refused")

    broken = dataclasses.replace(TOY, write_event=failing)
    with pytest.raises(RuntimeError):
        fsm.transition(broken, registration, "confirm", actor=district["community_worker_a"], data={"reason": "r"})
    registration.refresh_from_db()
    assert (registration.status, registration.reason) == ("pending", "")


def test_a_missing_needed_field_is_refused_on_that_field(district, registration):
    worker = district["community_worker_a"]
    with pytest.raises(ValidationFailed) as note:
        _move(registration, "reject", worker, note="  ")
    assert note.value.field == "note"
    assert str(note.value.message) == "请填写「驳回」的理由"
    own_words = dataclasses.replace(TOY, field_messages={"note": "驳回时请说明原因"})
    with pytest.raises(ValidationFailed, match="驳回时请说明原因"):
        fsm.transition(own_words, registration, "reject", actor=worker)
    with pytest.raises(ValidationFailed) as reason:
        _move(registration, "confirm", worker, data={"reason": ""})
    assert reason.value.field == "reason"
    registration.refresh_from_db()
    assert registration.status == "pending"


def test_the_rule_is_checked_and_system_moves_skip_it(district, registration):
    with pytest.raises(PermissionDenied) as denied:
        _move(registration, "remark", district["community_worker_b"])
    assert denied.value.details == {"action": "remark", "rule": "registrations.confirm"}
    with pytest.raises(PermissionDenied):
        _move(registration, "remark", None)
    result = _move(registration, "remark", None, system=True)
    assert result.event.actor is None
    assert TOY.allowed(registration, district["community_worker_b"]) == []
    assert TOY.allowed(registration, district["community_worker_a"]) == ["confirm", "reject", "remark"]


def test_the_rule_comes_before_the_state_when_the_lifecycle_says_so(district, registration):
    outsider = district["community_worker_b"]
    with pytest.raises(ValidationFailed):
        _move(registration, "reopen", outsider)  # by default the state is checked first
    with pytest.raises(PermissionDenied):
        fsm.transition(dataclasses.replace(TOY, authorize_first=True), registration, "reopen", actor=outsider)


def test_a_stay_move_keeps_the_state_and_writes_only_its_event(district, registration):
    with CaptureQueriesContext(connection) as queries:
        result = _move(registration, "remark", district["community_worker_a"])
    assert result.step.target == "pending"
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert result.event.action == "toy.remark"
    registration.refresh_from_db()
    assert registration.status == "pending"


def test_a_missing_row_is_not_found(district):
    with pytest.raises(NotFound):
        fsm.transition(TOY, 999_999, "remark", actor=district["community_worker_a"])


def test_versions_are_checked_where_the_lifecycle_keeps_one(district, registration):
    with pytest.raises(TypeError):
        _move(registration, "remark", district["community_worker_a"], expected_version=1)


def test_the_version_is_checked_and_bumped(district):
    from gongzhi.appeals.actions import appeal_submit
    from gongzhi.appeals.models import Appeal, AppealEvent
    from tests.conftest import MICRO_A

    appeal = appeal_submit(
        actor=district["community_worker_a"], description="井盖松动", channel="walk_in", area_code=MICRO_A
    ).appeal
    assert appeal.state == "reported"

    def event(step: fsm.Step[Appeal, User]) -> AppealEvent:
        return AppealEvent.objects.create(
            appeal=step.obj, action=step.name, from_state=step.from_state, to_state=step.target, occurred_at=step.now
        )

    lifecycle: fsm.Lifecycle[Appeal, User, AppealEvent] = fsm.Lifecycle(
        model=Appeal,
        moves={"touch": fsm.Move({"reported"}, fsm.STAY, "appeals.dispatch")},
        write_event=event,
        version_field="version",
        updated_field="updated_at",
        noun="诉求",
    )
    before = appeal.version
    with pytest.raises(Conflict) as stale:
        fsm.transition(lifecycle, appeal, "touch", actor=None, system=True, expected_version=before + 1)
    assert stale.value.details == {"version": before, "state": "reported"}
    result = fsm.transition(lifecycle, appeal, "touch", actor=None, system=True, expected_version=before)
    assert result.obj.version == before + 1
    appeal.refresh_from_db()
    assert appeal.version == before + 1


def test_lock_of_locks_only_the_named_rows(district, registration):
    only_row = dataclasses.replace(TOY, lock_of=("self",))
    with CaptureQueriesContext(connection) as queries:
        fsm.transition(only_row, registration, "remark", actor=district["community_worker_a"])
    selects = [q["sql"] for q in queries.captured_queries if 'FROM "accounts_registration"' in q["sql"]]
    if connection.features.has_select_for_update_of:
        assert 'FOR UPDATE OF "accounts_registration"' in selects[0]  # the joined community is read, not held
