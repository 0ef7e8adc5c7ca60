"""The RESULT lifecycle on core.fsm: computed → confirmed by staff (or rejected with a reason) → published.

Publishing puts the results on the notice board of their community (one notice per community and publication,
through noticeboard's generic notice_publish) and, when the scheme names a points rule, earns the person points
through the points bank's `award_from_source` — keyed by scheme and person, so an award earns points once
whatever is retried. A grid is no person and earns none.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.areas.codes import code_at
from gongzhi.awards.models import AwardEvent, Result, ResultState, Scheme, SchemeKind
from gongzhi.awards.selectors import CONFIRM, VIEW
from gongzhi.core import fsm
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed

if TYPE_CHECKING:
    from gongzhi.accounts.models import User
    from gongzhi.people.models import Resident

S = ResultState
POINTS_SOURCE_TYPE = "awards.result"


def _confirm(step: fsm.Step[Result, Any]) -> None:
    step.obj.confirmed_by = step.actor
    step.obj.confirmed_at = step.now
    step.fields |= {"confirmed_by", "confirmed_at"}


def _reject(step: fsm.Step[Result, Any]) -> None:
    step.obj.reject_reason = step.note[:500]
    step.fields.add("reject_reason")


def _reopen(step: fsm.Step[Result, Any]) -> None:
    step.obj.reject_reason = ""
    step.fields.add("reject_reason")


def _resident_of(result: Result) -> Resident | None:
    if result.party_member_id:
        return result.party_member.resident if result.party_member else None
    if result.nomination_id and result.nomination is not None:
        return result.nomination.nominee
    return None


def _points(step: fsm.Step[Result, Any]) -> None:
    """Points for the published award, once per scheme and person; a failure is noted, the publication stands."""
    from gongzhi.points.actions.awards import award_from_source

    result = step.obj
    scheme = result.scheme
    if not scheme.points_rule or result.points_award_id or scheme.kind == SchemeKind.GRID_STARS:
        return
    if scheme.kind == SchemeKind.PARTY_STARS and result.stars == 0:
        result.points_note = str(_("未达星级，不计积分"))
        step.fields.add("points_note")
        return
    resident = _resident_of(result)
    if resident is None:
        result.points_note = str(_("未关联居民档案，未计积分"))
        step.fields.add("points_note")
        return
    try:
        with transaction.atomic():
            award = award_from_source(
                source_type=POINTS_SOURCE_TYPE,
                source_id=f"{scheme.pk}:resident:{resident.pk}",
                rule_code=scheme.points_rule,
                resident=resident,
                actor=step.actor,
            )
    except DomainError as exc:
        result.points_note = str(exc.message)[:200]
        step.fields.add("points_note")
        return
    result.points_award_id = award.pk
    result.points_note = ""
    step.fields |= {"points_award_id", "points_note"}
    step.event_data["points_award_id"] = award.pk


def _publish(step: fsm.Step[Result, Any]) -> None:
    step.obj.published_at = step.now
    step.fields.add("published_at")
    _points(step)


def _event(step: fsm.Step[Result, Any]) -> AwardEvent:
    return AwardEvent.objects.create(
        result=step.obj, action=step.name, from_state=step.from_state, to_state=step.target, actor=step.actor,
        note=step.note[:500], data=step.event_data, at=step.now,
    )  # fmt: skip


def _holds(actor: Any, rule: str, result: Result) -> bool:
    return rules.allows(actor, rule, result.area_code)


MOVES: dict[str, fsm.Move[Result, Any]] = {
    "confirm": fsm.Move({S.COMPUTED}, S.CONFIRMED, CONFIRM, _confirm, label=gettext_lazy("确认")),
    "reject": fsm.Move({S.COMPUTED}, S.REJECTED, CONFIRM, _reject, needs=("note",), label=gettext_lazy("驳回")),
    "reopen": fsm.Move({S.REJECTED}, S.COMPUTED, CONFIRM, _reopen, label=gettext_lazy("重新审核")),
    "publish": fsm.Move({S.CONFIRMED}, S.PUBLISHED, CONFIRM, _publish, label=gettext_lazy("公示")),
}

RESULT: fsm.Lifecycle[Result, Any, AwardEvent] = fsm.Lifecycle(
    model=Result,
    moves=MOVES,
    write_event=_event,
    authorize=fsm.rule_check(_holds),
    visible=lambda actor, r: rules.allows(actor, VIEW, r.area_code),
    locked=lambda: Result.objects.select_related("scheme", "party_member__resident", "nomination__nominee"),
    lock_of=("self",),
    noun=gettext_lazy("评选结果"),
    version_field="version",
    refused_as=Conflict,
    field_messages={"note": gettext_lazy("驳回时请说明原因")},
)


def result_move(
    *, actor: User, result_id: int, action: str, note: str = "", expected_version: int | None = None
) -> Result:
    """Confirm, reject (with a reason), reopen or publish one result (publishing also posts its notice)."""
    if action == "publish":
        fsm.check_data(RESULT, action, {})
        published = results_publish(actor=actor, result_ids=[result_id], expected_version=expected_version)
        return published[0]
    return fsm.transition(RESULT, result_id, action, actor=actor, note=note, expected_version=expected_version).obj


def _touches_scope(actor: Any, code: str) -> bool:
    return any(code.startswith(t) or t.startswith(code) for t in rules.scope_codes(actor, CONFIRM))


def _masked(result: Result) -> str:
    member = result.party_member
    if member is not None and not member.shows_identity:
        return result.subject_name[:1] + "**"
    return result.subject_name


def _line(result: Result) -> str:
    if result.scheme.kind == SchemeKind.HONOUR:
        return _("%(name)s（%(votes)d 票）") % {"name": result.subject_name, "votes": result.votes}
    return f"{_masked(result)} {result.star_text}（{result.score} {_('分')}）"


@transaction.atomic
def results_publish(
    *,
    actor: User,
    scheme_id: int | None = None,
    result_ids: list[int] | None = None,
    expected_version: int | None = None,
) -> list[Result]:
    """Publish confirmed results — the given ones, or every confirmed one of the scheme in the actor's reach — and
    put them on the notice board, one notice per community. A result not confirmed is refused (nothing changes)."""
    if result_ids is None:
        if scheme_id is None:
            raise ValidationFailed(_("请给出评选或结果编号"), field="scheme_id")
        scheme = Scheme.objects.filter(pk=scheme_id).first() if 0 < scheme_id <= 2**62 else None
        if scheme is None:
            raise NotFound(_("评选不存在：%(id)s") % {"id": scheme_id}, field="scheme_id")
        if not _touches_scope(actor, scheme.area_code):
            raise PermissionDenied(_("您没有权限公示这项评选的结果"), details={"rule": CONFIRM})
        ids = list(
            Result.objects.filter(scheme=scheme, state=S.CONFIRMED)
            .filter(rules.scope_q(actor, CONFIRM))
            .order_by("area_code", "-score", "-votes", "id")
            .values_list("pk", flat=True)
        )
        if not ids:
            raise ValidationFailed(_("没有已确认、待公示的结果"), field="scheme_id")
    else:
        ids = list(result_ids)
    published = [
        fsm.transition(RESULT, pk, "publish", actor=actor, expected_version=expected_version).obj for pk in ids
    ]
    by_community: dict[str, list[Result]] = defaultdict(list)
    for result in published:
        by_community[code_at(result.area_code, "community")].append(result)
    from gongzhi.noticeboard.actions import notice_publish

    for code, rows in by_community.items():
        scheme = rows[0].scheme
        kind_label = scheme.get_kind_display()
        notice = notice_publish(
            actor=actor,
            area_code=code,
            title=_("「%(name)s」%(period)s 评选结果公示") % {"name": scheme.name, "period": scheme.period_label},
            body=_("%(kind)s评选结果（由平台数据计算并经街道确认）：\n%(lines)s")
            % {"kind": kind_label, "lines": "\n".join(_line(r) for r in rows)},
        )
        Result.objects.filter(pk__in=[r.pk for r in rows]).update(notice_id=notice.pk)
        for r in rows:
            r.notice_id = notice.pk
    audit_record(actor=actor, action="awards.publish", target_type="awards.result", target_id=",".join(map(str, ids)),
                 data={"results": len(published), "notices": len(by_community)})  # fmt: skip
    return published
