"""Psychological service in three tiers (前端服务、中端预警、末端干预, seed 002).

Front end: the resident took part in a talk or class (a volunteering activity). Mid end: a warning that a grid
worker or mediator raises with a reason. Back end: a referral to a partner hospital or organisation, with the
person's (or guardian's) consent, or a recorded override by a permitted role; in progress → accepted / rejected
→ done, or revoked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.care import access
from gongzhi.care.actions._common import event, lock_archive
from gongzhi.care.actions.archives import _event_writer, holds
from gongzhi.care.models import (
    ArchiveStatus,
    CareEvent,
    FrontService,
    PsychWarning,
    Referral,
    ReferralStatus,
    WarningStatus,
)
from gongzhi.core import clock, fsm
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.people.models import Partner, PartnerKind

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

REFERRAL_PARTNERS = (PartnerKind.HOSPITAL, PartnerKind.SOCIAL_ORG, PartnerKind.SCHOOL)


def _readable_archive(actor: User, archive_id: int, rule: str) -> Any:
    archive = lock_archive(archive_id)
    access.check_read(actor, archive, why=rule)
    rules.require(actor, rule, archive.area_code)
    if archive.status != ArchiveStatus.ACTIVE:
        raise ValidationFailed(_("档案已结档"), field="archive_id")
    return archive


@transaction.atomic
def front_service_record(*, actor: User, archive_id: int, activity_id: int, note: str = "") -> FrontService:
    from gongzhi.volunteering.models import Activity

    archive = lock_archive(archive_id)
    access.check_read(actor, archive, why="front_service")
    if not (access.is_assigned(actor, archive) or rules.allows(actor, "care.warn", archive.area_code)):
        raise PermissionDenied(_("您没有权限记录心理服务"), field="archive_id")
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(_("活动不存在：%(id)s") % {"id": activity_id}, field="activity_id")
    try:
        with transaction.atomic():
            row = FrontService.objects.create(
                archive=archive, activity=activity, note=clean_text(note, field="note", max_length=300),
                recorded_by=actor,
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(_("已记录参加该活动"), field="activity_id") from None
    event(archive=archive, target=f"front:{row.pk}", action="front_service", actor=actor,
          data={"activity_id": activity.pk})  # fmt: skip
    return row


@transaction.atomic
def warning_raise(*, actor: User, archive_id: int, reason: str) -> PsychWarning:
    archive = _readable_archive(actor, archive_id, "care.warn")
    reason = clean_text(reason, field="reason", max_length=500, required=True)
    warning = PsychWarning.objects.create(archive=archive, reason=reason, raised_by=actor, raised_at=clock.now())
    event(archive=archive, target=f"warning:{warning.pk}", action="raise", actor=actor, to_state=warning.status,
          note=reason)  # fmt: skip
    return warning


def _note(step: fsm.Step[Any, User]) -> None:
    step.obj.note = clean_text(step.note, field="note", max_length=300)
    step.fields.add("note")


WARNING: fsm.Lifecycle[PsychWarning, User, CareEvent] = fsm.Lifecycle(
    model=PsychWarning,
    moves={
        "close": fsm.Move(
            {WarningStatus.OPEN},
            WarningStatus.CLOSED,
            "care.warn",
            _note,
            needs=("note",),
            label=gettext_lazy("解除预警"),
        ),
        # Made by the platform when a referral is opened from the warning.
        "refer": fsm.Move({WarningStatus.OPEN}, WarningStatus.REFERRED, "care.refer", label=gettext_lazy("转介")),
    },
    state_field="status",
    write_event=_event_writer(lambda w: f"warning:{w.pk}", lambda w: w.archive),
    authorize=fsm.rule_check(holds(lambda w: w.archive)),
    visible=lambda actor, w: access.is_assigned(actor, w.archive) or access.reaches_by_area(actor, w.archive),
    locked=lambda: PsychWarning.objects.select_related("archive"),
    lock_of=("self",),
    noun=gettext_lazy("心理预警"),
    pk_field="warning_id",
    field_labels={"note": gettext_lazy("处理说明")},
)


@transaction.atomic
def referral_create(
    *,
    actor: User,
    archive_id: int,
    partner_id: int,
    reason: str,
    consent: bool = False,
    override_reason: str = "",
    warning_id: int | None = None,
) -> Referral:
    """Refer to a partner: with consent, or without it only by a role holding `care.refer_override`, whose
    reason is recorded. A referral with neither is refused and nothing is written."""
    archive = _readable_archive(actor, archive_id, "care.refer")
    reason = clean_text(reason, field="reason", max_length=500, required=True)
    if not isinstance(consent, bool):
        raise ValidationFailed(_("consent 必须是布尔值"), field="consent")
    override_reason = clean_text(override_reason, field="override_reason", max_length=300)
    if not consent:
        if not override_reason:
            raise ValidationFailed(_("转介须经本人或监护人同意；未经同意时，须由有权限的人员填写理由"), field="consent")
        if not rules.allows(actor, "care.refer_override", archive.area_code):
            raise PermissionDenied(
                _("您没有权限在未经同意的情况下转介"), field="override_reason",
                details={"rule": "care.refer_override"},
            )  # fmt: skip
    elif override_reason:
        raise ValidationFailed(_("已经同意的转介不需要填写未经同意的理由"), field="override_reason")
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        raise NotFound(_("转介机构不存在：%(id)s") % {"id": partner_id}, field="partner_id")
    if partner.kind not in REFERRAL_PARTNERS:
        raise ValidationFailed(_("转介机构应为医院、学校或社会组织"), field="partner_id")
    warning = None
    if warning_id is not None:
        warning = PsychWarning.objects.filter(pk=warning_id, archive=archive).first()
        if warning is None:
            raise NotFound(_("心理预警不存在：%(id)s") % {"id": warning_id}, field="warning_id")
    now = clock.now()
    referral = Referral.objects.create(
        archive=archive, warning=warning, partner=partner, reason=reason, consent=consent,
        override_reason=override_reason, override_by=None if consent else actor, created_by=actor,
        created_at=now, updated_at=now,
    )  # fmt: skip
    event(archive=archive, target=f"referral:{referral.pk}", action="create", actor=actor,
          to_state=referral.status, data={"partner_id": partner.pk, "consent": consent,
                                          "override": bool(override_reason)})  # fmt: skip
    if warning is not None and warning.status == WarningStatus.OPEN:
        fsm.transition(WARNING, warning, "refer", actor=actor, system=True, note=str(referral.pk))
    return referral


def _outcome(step: fsm.Step[Referral, User]) -> None:
    step.obj.outcome = clean_text(step.note, field="note", max_length=500)
    step.fields.add("outcome")


_ACTIVE = {ReferralStatus.IN_PROGRESS, ReferralStatus.ACCEPTED}

REFERRAL: fsm.Lifecycle[Referral, User, CareEvent] = fsm.Lifecycle(
    model=Referral,
    moves={
        "accept": fsm.Move(
            {ReferralStatus.IN_PROGRESS}, ReferralStatus.ACCEPTED, "care.refer", label=gettext_lazy("机构接收")
        ),
        "reject": fsm.Move(
            {ReferralStatus.IN_PROGRESS},
            ReferralStatus.REJECTED,
            "care.refer",
            _outcome,
            needs=("note",),
            label=gettext_lazy("机构未接收"),
        ),
        "complete": fsm.Move(
            {ReferralStatus.ACCEPTED},
            ReferralStatus.DONE,
            "care.refer",
            _outcome,
            needs=("note",),
            label=gettext_lazy("干预完成"),
        ),
        "revoke": fsm.Move(
            _ACTIVE, ReferralStatus.REVOKED, "care.refer", _outcome, needs=("note",), label=gettext_lazy("撤销转介")
        ),
    },
    state_field="status",
    updated_field="updated_at",
    write_event=_event_writer(lambda r: f"referral:{r.pk}", lambda r: r.archive),
    authorize=fsm.rule_check(holds(lambda r: r.archive)),
    visible=lambda actor, r: access.is_assigned(actor, r.archive) or access.reaches_by_area(actor, r.archive),
    locked=lambda: Referral.objects.select_related("archive"),
    lock_of=("self",),
    noun=gettext_lazy("心理干预转介"),
    pk_field="referral_id",
    field_labels={"note": gettext_lazy("说明")},
)
