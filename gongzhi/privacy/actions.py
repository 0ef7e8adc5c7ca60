"""Writes of residents' rights: asking for a correction, and its lifecycle `CORRECTION` on the state-machine helper.

requested → accepted (受理) | rejected (不予更正, a reason needed); accepted → corrected (已更正, saying what was
changed). A decision is final: handling a request twice is a 409 naming the moves that remain. The rule is
`privacy.handle` over the resident's area, checked before the state (someone outside the area learns nothing of the
request). Every move writes an audit row; the resident is told of each decision in their inbox (the outbox), and
the community workers of the resident's community of each new request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.accounts.models import Membership, Role
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import AreaLevel
from gongzhi.core import fsm
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.notifications.actions import Note, notify, notify_many
from gongzhi.privacy.models import DESCRIPTION_MAX, CorrectionRequest, CorrectionStatus, Subject

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

NOTE_MAX = 1000
OPEN = (CorrectionStatus.REQUESTED, CorrectionStatus.ACCEPTED)


def _text(value: object, *, field: str, message: str, limit: int) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(_("请填写文字"), field=field)
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(message, field=field)
    if len(text) > limit:
        raise ValidationFailed(_("内容过长（最多 %(n)d 字）") % {"n": limit}, field=field)
    return text


@transaction.atomic
def correction_request(*, actor: User, subject: str, description: str) -> CorrectionRequest:
    """The signed-in resident asks for a correction of their own data; one open request per subject."""
    resident = getattr(actor, "resident", None) if actor.is_authenticated else None
    if resident is None:
        raise PermissionDenied(_("只有已确认居民档案的居民可以申请更正个人信息"), details={"rule": "resident"})
    if subject not in Subject.values:
        raise ValidationFailed(_("请选择要更正的内容"), field="subject", details={"allowed": list(Subject.values)})
    text = _text(description, field="description", message=_("请写明哪项信息有误、应当如何更正"), limit=DESCRIPTION_MAX)
    if CorrectionRequest.objects.filter(resident=resident, subject=subject, status__in=OPEN).exists():
        raise Conflict(_("这项内容已有一份正在处理的更正申请，请等待处理结果"), field="subject")
    try:
        with transaction.atomic():
            request = CorrectionRequest.objects.create(
                resident=resident, requested_by=actor, area_code=resident.area_code, subject=subject, description=text
            )
    except IntegrityError as exc:  # the same request sent twice at once: the partial unique index decides
        raise Conflict(_("这项内容已有一份正在处理的更正申请，请等待处理结果"), field="subject") from exc
    audit_record(
        actor=actor,
        action="privacy.correction.requested",
        target=request,
        area_code=request.area_code,
        data={"subject": subject},
    )
    _tell_workers(request)
    return request


def _tell_workers(request: CorrectionRequest) -> None:
    community = code_at(request.area_code, AreaLevel.COMMUNITY)
    workers = (
        Membership.objects.filter(role=Role.COMMUNITY_WORKER, area__code=community, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    link = reverse("privacy:queue")
    notes = [
        Note(
            user_id=user_id,
            kind="privacy.correction.requested",
            title=_("新的个人信息更正申请"),
            body=f"{request.get_subject_display()}：{request.description[:80]}",
            link=link,
            data={"correction_id": request.pk},
        )
        for user_id in workers
    ]
    if notes:
        notify_many(notes=notes)


# ---------------------------------------------------------------------------------------------------------------
# The lifecycle

Step = fsm.Step[CorrectionRequest, "User"]


def _accept(step: Step) -> None:
    step.obj.handled_by, step.obj.decided_at = step.actor, step.now
    step.fields |= {"handled_by", "decided_at"}


def _reject(step: Step) -> None:
    step.obj.reason = _text(step.data.get("reason"), field="reason", message=_("请说明不予更正的理由"), limit=NOTE_MAX)
    step.obj.handled_by, step.obj.decided_at = step.actor, step.now
    step.fields |= {"reason", "handled_by", "decided_at"}


def _correct(step: Step) -> None:
    step.obj.resolution = _text(
        step.data.get("resolution"), field="resolution", message=_("请写明更正了哪些信息"), limit=NOTE_MAX
    )
    step.obj.handled_by, step.obj.corrected_at = step.actor, step.now
    step.fields |= {"resolution", "handled_by", "corrected_at"}


TITLES = {
    CorrectionStatus.ACCEPTED: gettext_lazy("您的个人信息更正申请已受理"),
    CorrectionStatus.REJECTED: gettext_lazy("您的个人信息更正申请不予更正"),
    CorrectionStatus.CORRECTED: gettext_lazy("您的个人信息已更正"),
}


def _event(step: Step) -> AuditEvent:
    request = step.obj
    body = request.reason if step.target == CorrectionStatus.REJECTED else request.resolution
    notify(
        user=request.requested_by,
        kind=f"privacy.correction.{step.target}",
        title=str(TITLES[CorrectionStatus(step.target)]),
        body=f"{request.get_subject_display()}：{body}" if body else request.get_subject_display(),
        link=reverse("privacy:mine"),
        data={"correction_id": request.pk},
    )
    return audit_record(
        actor=step.actor,
        action=f"privacy.correction.{step.target}",
        target=request,
        area_code=request.area_code,
        data={"from": step.from_state, "subject": request.subject},
    )


C = CorrectionStatus
CORRECTION: fsm.Lifecycle[CorrectionRequest, User, AuditEvent] = fsm.Lifecycle(
    model=CorrectionRequest,
    noun=gettext_lazy("更正申请"),
    state_field="status",
    moves={
        "accept": fsm.Move({C.REQUESTED}, C.ACCEPTED, "privacy.handle", _accept, label=gettext_lazy("受理")),
        "reject": fsm.Move(
            {C.REQUESTED}, C.REJECTED, "privacy.handle", _reject, needs=("reason",), label=gettext_lazy("不予更正")
        ),
        "correct": fsm.Move(
            {C.ACCEPTED}, C.CORRECTED, "privacy.handle", _correct, needs=("resolution",), label=gettext_lazy("已更正")
        ),
    },
    write_event=_event,
    authorize=fsm.rule_check(lambda user, rule, req: rules.allows(user, rule, req.area_code)),
    authorize_first=True,  # someone outside the area learns nothing about the request
    refused_as=Conflict,  # a decision is final: handling it again conflicts with the first decision
    locked=lambda: CorrectionRequest.objects.select_related("requested_by"),
    lock_of=("self",),
    field_messages={
        "reason": gettext_lazy("请说明不予更正的理由"),
        "resolution": gettext_lazy("请写明更正了哪些信息"),
    },
)


def correction_move(
    *, actor: User, request_id: int, move: str, reason: str = "", resolution: str = ""
) -> CorrectionRequest:
    """A worker of the resident's area accepts, rejects (with a reason) or closes as corrected (saying what)."""
    data = {"accept": {}, "reject": {"reason": reason}, "correct": {"resolution": resolution}}.get(move)
    if data is None:
        raise ValidationFailed(
            _("未知的操作：%(move)s") % {"move": move}, field="action", details={"allowed": list(CORRECTION.moves)}
        )
    return fsm.transition(CORRECTION, request_id, move, actor=actor, data=data).obj
