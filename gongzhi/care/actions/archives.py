"""Archives: open, update, close and reopen; carers; the risk level and its dated reasons; needs; trigger events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.accounts.models import User as UserModel
from gongzhi.care import access
from gongzhi.care.actions._common import (
    choice,
    coordinates,
    event,
    lock_archive,
    require_carer_or_manage,
    require_manage,
    risk_level,
)
from gongzhi.care.models import (
    ArchiveStatus,
    CareArchive,
    CareEvent,
    CareNeed,
    Carer,
    CarerKind,
    CareTag,
    NeedKind,
    NeedStatus,
    RiskChange,
    TriggerEvent,
    VisitTrigger,
)
from gongzhi.core import clock, fsm
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.people.models import Resident

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

M = TypeVar("M", bound=models.Model)

# Rules a care move may name besides those of accounts.rules: decided on the archive itself.
CARER_OR_MANAGE = "care.carer_or_manage"  # an assigned carer, or who manages the archive


def holds(archive_of: Callable[[M], CareArchive]) -> Callable[[User, str, M], bool]:
    """`fsm.rule_check`'s question for a care row: may `actor` make a move naming `rule` on the row's archive."""

    def check(actor: User, rule: str, obj: M) -> bool:
        archive = archive_of(obj)
        try:
            if rule == CARER_OR_MANAGE:
                require_carer_or_manage(actor, archive)
                return True
            access.check_read(actor, archive, why="write")
            if not rules.allows(actor, rule, archive.area_code):
                return False
            if rule == "care.manage":
                require_manage(actor, archive)
            return True
        except (PermissionDenied, NotFound):
            return False

    return check


def _tags(codes: Iterable[object]) -> list[CareTag]:
    wanted = list(codes)
    if not wanted:
        raise ValidationFailed(_("请至少选择一个关爱标签"), field="tags")
    found = {t.code: t for t in CareTag.objects.filter(active=True, code__in=[str(c) for c in wanted])}
    unknown = [str(c) for c in wanted if str(c) not in found]
    if unknown:
        allowed = "、".join(f"{t.name}（{t.code}）" for t in CareTag.objects.filter(active=True))
        raise ValidationFailed(
            _("关爱标签「%(v)s」不在列表中；可选：%(allowed)s") % {"v": "、".join(unknown), "allowed": allowed},
            field="tags",
        )
    return list(found.values())


def _user(user_id: object, field: str = "user_id") -> User:
    try:
        pk = int(str(user_id))
    except ValueError:
        raise ValidationFailed(_("%(field)s 必须是整数") % {"field": field}, field=field) from None
    user = UserModel.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise NotFound(_("人员不存在：%(id)s") % {"id": user_id}, field=field)
    return user


def _need_rows(needs: Iterable[Mapping[str, Any]], *, field: str = "needs") -> list[tuple[str, str]]:
    out = []
    for need in needs:
        kind = choice(need.get("kind"), NeedKind.values, field=f"{field}.kind", label=_("需求类别"))
        text = clean_text(need.get("description"), field=f"{field}.description", max_length=500, required=True)
        out.append((kind, text))
    return out


@transaction.atomic
def archive_create(
    *,
    actor: User,
    resident_id: int,
    tags: Iterable[str],
    risk_level_code: str,
    risk_reason: str = "",
    situation: str = "",
    consent: bool = False,
    consent_note: str = "",
    needs: Iterable[Mapping[str, Any]] = (),
    carers: Iterable[Mapping[str, Any]] = (),
    home_lat: float | None = None,
    home_lng: float | None = None,
) -> CareArchive:
    """Open a resident's care archive. A child's archive (a tag marked 儿童) needs the children's role too."""
    resident = Resident.objects.select_related("area").filter(pk=resident_id).first()
    if resident is None or not rules.allows(actor, "care.manage", resident.area_code):
        raise NotFound(_("居民不存在：%(id)s") % {"id": resident_id}, field="resident_id")
    tag_rows = _tags(tags)
    is_child = any(t.is_child for t in tag_rows)
    if is_child and not rules.allows(actor, "care.children", resident.area_code):
        raise PermissionDenied(_("儿童关爱档案仅限儿童主任建立"), field="tags", details={"rule": "care.children"})
    level = risk_level(risk_level_code, field="risk_level")
    if not isinstance(consent, bool):
        raise ValidationFailed(_("consent 必须是布尔值"), field="consent")
    lat, lng = coordinates(home_lat, home_lng)
    need_rows = _need_rows(needs)
    carer_rows = [
        (_user(c.get("user_id"), "carers.user_id"), choice(c.get("kind"), CarerKind.values, field="carers.kind",
                                                            label=_("关爱人类型")))
        for c in carers
    ]  # fmt: skip
    if CareArchive.objects.filter(resident=resident).exists():
        raise Conflict(_("该居民已有关爱档案"), field="resident_id")
    now = clock.now()
    archive = CareArchive(
        resident=resident,
        area=resident.area,
        area_code=resident.area_code,
        is_child=is_child,
        situation=clean_text(situation, field="situation", max_length=5000),
        risk_level=level,
        risk_changed_at=now,
        consent=consent,
        consent_note=clean_text(consent_note, field="consent_note", max_length=200),
        consent_at=now if consent else None,
        home_lat=lat,
        home_lng=lng,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            archive.save()
    except IntegrityError:
        raise Conflict(_("该居民已有关爱档案"), field="resident_id") from None
    archive.tags.set(tag_rows)
    RiskChange.objects.create(
        archive=archive,
        from_level=None,
        to_level=level,
        reason=clean_text(risk_reason, field="risk_reason", max_length=300) or _("建档评估"),
        changed_by=actor,
        changed_at=now,
    )
    for kind, text in need_rows:
        CareNeed.objects.create(archive=archive, kind=kind, description=text, created_by=actor, created_at=now)
    for user, kind in carer_rows:
        Carer.objects.get_or_create(archive=archive, user=user, kind=kind, ended_on=None)
    event(archive=archive, target="archive", action="create", actor=actor, to_state=archive.status,
          data={"tags": [t.code for t in tag_rows], "risk_level": level.code, "consent": consent})  # fmt: skip
    return archive


@transaction.atomic
def archive_update(
    *,
    actor: User,
    archive_id: int,
    situation: str | None = None,
    tags: Iterable[str] | None = None,
    consent: bool | None = None,
    consent_note: str | None = None,
    home_lat: float | None = None,
    home_lng: float | None = None,
) -> CareArchive:
    archive = lock_archive(archive_id)
    require_manage(actor, archive)
    changed: dict[str, Any] = {}
    if situation is not None:
        archive.situation = clean_text(situation, field="situation", max_length=5000)
        changed["situation"] = True
    if tags is not None:
        tag_rows = _tags(tags)
        child = any(t.is_child for t in tag_rows)
        if child and not rules.allows(actor, "care.children", archive.area_code):
            raise PermissionDenied(_("儿童关爱档案仅限儿童主任建立"), field="tags", details={"rule": "care.children"})
        archive.tags.set(tag_rows)
        archive.is_child = child
        changed["tags"] = [t.code for t in tag_rows]
    if consent is not None:
        if not isinstance(consent, bool):
            raise ValidationFailed(_("consent 必须是布尔值"), field="consent")
        archive.consent = consent
        archive.consent_at = clock.now() if consent else None
        changed["consent"] = consent
    if consent_note is not None:
        archive.consent_note = clean_text(consent_note, field="consent_note", max_length=200)
    if home_lat is not None or home_lng is not None:
        archive.home_lat, archive.home_lng = coordinates(home_lat, home_lng)
        changed["home"] = True
    archive.updated_at = clock.now()
    archive.save()
    event(archive=archive, target="archive", action="update", actor=actor, data=changed)
    return archive


@transaction.atomic
def carer_assign(*, actor: User, archive_id: int, user_id: int, kind: str) -> Carer:
    archive = lock_archive(archive_id)
    require_manage(actor, archive)
    user = _user(user_id)
    kind = choice(kind, CarerKind.values, field="kind", label=_("关爱人类型"))
    carer, created = Carer.objects.get_or_create(archive=archive, user=user, kind=kind, ended_on=None)
    if created:
        event(archive=archive, target=f"carer:{carer.pk}", action="assign", actor=actor,
              data={"user_id": user.pk, "kind": kind})  # fmt: skip
    return carer


@transaction.atomic
def carer_end(*, actor: User, carer_id: int) -> Carer:
    carer = Carer.objects.select_for_update().filter(pk=carer_id, ended_on__isnull=True).first()
    if carer is None:
        raise NotFound(_("关爱人不存在或已结束：%(id)s") % {"id": carer_id}, field="carer_id")
    archive = CareArchive.objects.get(pk=carer.archive_id)
    require_manage(actor, archive)
    carer.ended_on = clock.today()
    carer.save(update_fields=["ended_on"])
    event(archive=archive, target=f"carer:{carer.pk}", action="end", actor=actor, data={"user_id": carer.user_id})
    return carer


def risk_change(
    *, actor: User, archive: CareArchive, level_code: str, reason: str, visit_id: int | None = None
) -> RiskChange | None:
    """Re-assess the risk level of a locked archive: a row of its history with the date and the reason.

    The same level again changes nothing (None). Callers check who may (a carer during a visit, or a manager).
    """
    level = risk_level(level_code, field="risk_level")
    reason = clean_text(reason, field="risk_reason", max_length=300)
    if level.pk == archive.risk_level_id:
        return None
    if not reason:
        raise ValidationFailed(_("变更风险等级时请说明原因"), field="risk_reason")
    now = clock.now()
    change = RiskChange.objects.create(
        archive=archive, from_level_id=archive.risk_level_id, to_level=level, reason=reason, visit_id=visit_id,
        changed_by=actor, changed_at=now,
    )  # fmt: skip
    archive.risk_level = level
    archive.risk_changed_at = now
    archive.updated_at = now
    archive.save(update_fields=["risk_level", "risk_changed_at", "updated_at"])
    event(archive=archive, target="archive", action="risk", actor=actor, note=reason,
          data={"from": change.from_level_id, "to": level.code})  # fmt: skip
    return change


@transaction.atomic
def risk_set(*, actor: User, archive_id: int, level_code: str, reason: str) -> RiskChange | None:
    archive = lock_archive(archive_id)
    require_carer_or_manage(actor, archive, field="risk_level")
    return risk_change(actor=actor, archive=archive, level_code=level_code, reason=reason)


@transaction.atomic
def need_add(*, actor: User, archive_id: int, kind: str, description: str, visit_id: int | None = None) -> CareNeed:
    archive = lock_archive(archive_id)
    require_carer_or_manage(actor, archive)
    ((kind, text),) = _need_rows([{"kind": kind, "description": description}], field="need")
    need = CareNeed.objects.create(
        archive=archive, kind=kind, description=text, visit_id=visit_id, created_by=actor, created_at=clock.now()
    )
    event(archive=archive, target=f"need:{need.pk}", action="add", actor=actor, to_state=need.status,
          data={"kind": kind})  # fmt: skip
    return need


@transaction.atomic
def trigger_report(
    *, actor: User, archive_id: int, trigger_code: str, occurred_on: dt.date | None = None, note: str = ""
) -> TriggerEvent:
    """An event of a trigger list happened (illness, a family occasion …): a visit is due within its days."""
    archive = lock_archive(archive_id)
    require_carer_or_manage(actor, archive)
    trigger = VisitTrigger.objects.filter(code=str(trigger_code), active=True).first()
    if trigger is None:
        allowed = "、".join(f"{t.name}（{t.code}）" for t in VisitTrigger.objects.filter(active=True))
        raise ValidationFailed(
            _("触发事件「%(v)s」不在列表中；可选：%(allowed)s") % {"v": trigger_code, "allowed": allowed},
            field="trigger",
        )
    today = clock.today()
    occurred_on = occurred_on or today
    if occurred_on > today:
        raise ValidationFailed(_("发生日期不能晚于今天"), field="occurred_on")
    row = TriggerEvent.objects.create(
        archive=archive, trigger=trigger, occurred_on=occurred_on,
        due_on=occurred_on + dt.timedelta(days=trigger.within_days),
        note=clean_text(note, field="note", max_length=300), reported_by=actor,
    )  # fmt: skip
    event(archive=archive, target=f"trigger:{row.pk}", action="trigger", actor=actor,
          data={"trigger": trigger.code, "due_on": row.due_on.isoformat()})  # fmt: skip
    return row


# --- lifecycles: the archive (close / reopen) and a need (met / withdrawn / turned into an appeal) ---------


def _event_writer(target: Callable[[Any], str], archive_of: Callable[[Any], CareArchive]) -> Callable[..., CareEvent]:
    def write(step: fsm.Step[Any, User]) -> CareEvent:
        return event(
            archive=archive_of(step.obj), target=target(step.obj), action=step.name, actor=step.actor,
            from_state=step.from_state, to_state=step.target, note=step.note, data=step.event_data, at=step.now,
        )  # fmt: skip

    return write


def _close(step: fsm.Step[CareArchive, User]) -> None:
    step.event_data["reason"] = clean_text(step.note, field="note", max_length=300, required=True)


ARCHIVE: fsm.Lifecycle[CareArchive, User, CareEvent] = fsm.Lifecycle(
    model=CareArchive,
    moves={
        "close": fsm.Move(
            {ArchiveStatus.ACTIVE},
            ArchiveStatus.CLOSED,
            "care.manage",
            _close,
            needs=("note",),
            label=gettext_lazy("结档"),
        ),
        "reopen": fsm.Move({ArchiveStatus.CLOSED}, ArchiveStatus.ACTIVE, "care.manage", label=gettext_lazy("重新建档")),
    },
    state_field="status",
    updated_field="updated_at",
    write_event=_event_writer(lambda a: "archive", lambda a: a),
    authorize=fsm.rule_check(holds(lambda a: a)),
    visible=lambda actor, a: access.is_assigned(actor, a) or access.reaches_by_area(actor, a),
    noun=gettext_lazy("关爱档案"),
    pk_field="archive_id",
    field_labels={"note": gettext_lazy("原因")},
)


def _appeal(step: fsm.Step[CareNeed, User]) -> None:
    """The need becomes an appeal of the archive's area, reported by the carer (one tap)."""
    from gongzhi.appeals.actions import appeal_submit
    from gongzhi.appeals.models import Channel

    need = step.obj
    assert step.actor is not None
    kind = NeedKind(need.kind).label
    area_code = need.archive.area_code
    # Staff report as a grid report; a carer without intake (an 爱心管家 volunteer) as a snapshot (随手拍).
    staff = rules.allows(step.actor, "appeals.intake", area_code)
    submitted = appeal_submit(
        actor=step.actor,
        description=f"【{kind}】{need.description}",
        channel=Channel.GRID_REPORT if staff else Channel.SNAPSHOT,
        category=step.data.get("category") or None,
        area_code=area_code,
    )
    need.appeal = submitted.appeal
    step.fields.add("appeal")
    step.event_data["appeal"] = submitted.appeal.number
    step.extra["appeal"] = submitted.appeal


def _to_demand(step: fsm.Step[CareNeed, User]) -> None:
    """The need was handed to the matching flow. Care imports no matching code: the bridge above both
    (`gongzhi.carelink`) creates the demand and makes this move naming it, in one transaction."""
    demand_id = step.data.get("demand_id")
    if isinstance(demand_id, bool) or not isinstance(demand_id, int):
        raise ValidationFailed(_("demand_id 必须是整数"), field="demand_id")
    step.event_data["demand"] = demand_id
    step.event_data["demand_kind"] = str(step.data.get("demand_kind") or "")


NEED: fsm.Lifecycle[CareNeed, User, CareEvent] = fsm.Lifecycle(
    model=CareNeed,
    moves={
        "appeal": fsm.Move(
            {NeedStatus.OPEN},
            NeedStatus.APPEALED,
            CARER_OR_MANAGE,
            _appeal,
            accepts=frozenset({"category"}),
            label=gettext_lazy("转为诉求"),
        ),
        "to_demand": fsm.Move(
            {NeedStatus.OPEN},
            NeedStatus.MATCHED,
            CARER_OR_MANAGE,
            _to_demand,
            needs=("demand_id",),
            accepts=frozenset({"demand_id", "demand_kind"}),
            label=gettext_lazy("转为服务需求"),
        ),
        "meet": fsm.Move(
            {NeedStatus.OPEN, NeedStatus.APPEALED, NeedStatus.MATCHED},
            NeedStatus.MET,
            CARER_OR_MANAGE,
            label=gettext_lazy("已解决"),
        ),
        "withdraw": fsm.Move(
            {NeedStatus.OPEN}, NeedStatus.WITHDRAWN, CARER_OR_MANAGE, needs=("note",), label=gettext_lazy("不再需要")
        ),
    },
    write_event=_event_writer(lambda n: f"need:{n.pk}", lambda n: n.archive),
    authorize=fsm.rule_check(holds(lambda n: n.archive)),
    visible=lambda actor, n: access.is_assigned(actor, n.archive) or access.reaches_by_area(actor, n.archive),
    locked=lambda: CareNeed.objects.select_related("archive"),
    lock_of=("self",),
    state_field="status",
    noun=gettext_lazy("关爱需求"),
    pk_field="need_id",
    field_labels={"note": gettext_lazy("原因")},
)
