"""The project list (项目清单): co-construction projects with partners, milestones checked off (销号) with evidence,
co-construction agreements (共建协议: each partner claims at least one project a year) and the monthly joint
meeting (联席会) with attendance and decisions. Seeds 003 (郑州路社区: 红色合伙人, one project a year, a monthly
meeting) and 004 (长江瑞城: project list with check-off).

A project's own moves (start, complete, cancel) are `PROJECT`, a `core.fsm` lifecycle; every other write here
writes its `CoBuildEvent` row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.accounts.models import Membership, Role
from gongzhi.core import clock, fsm
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.matching.actions._common import area_by_code
from gongzhi.matching.models import (
    Agreement,
    CoBuildEvent,
    JointMeeting,
    MeetingAttendance,
    MeetingDecision,
    Milestone,
    Project,
    ProjectPartner,
    ProjectState,
)
from gongzhi.people.models import Partner

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

MANAGE = "matching.projects"
CLAIM = "matching.project.claim"
CHECKOFF = "matching.project.checkoff"
MAX_MILESTONES = 30
MAX_PARTNERS = 50
MAX_PHOTOS = 9
MAX_DECISIONS = 30


def actor_partner(actor: User) -> Partner | None:
    """The partner a partner login acts for (its membership's partner), or None."""
    m = (
        Membership.objects.select_related("partner")
        .filter(user_id=actor.pk, role=Role.PARTNER, partner__isnull=False)
        .first()
    )
    return m.partner if m is not None else None


def parse_date(value: object, *, field: str, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(_("请填写%(field)s（YYYY-MM-DD）") % {"field": field}, field=field)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationFailed(_("%(field)s 须为日期（YYYY-MM-DD）") % {"field": field}, field=field)


def _ids(value: object, *, field: str, limit: int) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or len(value) > limit:
        raise ValidationFailed(_("%(field)s 须为最多 %(n)d 个编号的列表") % {"field": field, "n": limit}, field=field)
    out: list[int] = []
    for v in value:
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValidationFailed(_("%(field)s 须为正整数编号") % {"field": field}, field=field)
        if v not in out:
            out.append(v)
    return out


def _partners(ids: list[int], *, field: str) -> list[Partner]:
    found = {p.pk: p for p in Partner.objects.filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(_("共建单位不存在：%(ids)s") % {"ids": "、".join(map(str, missing))}, field=field)
    return [found[i] for i in ids]


def _photos(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_PHOTOS or not all(isinstance(p, str) for p in value):
        raise ValidationFailed(_("佐证材料须为最多 %(n)d 个地址的列表") % {"n": MAX_PHOTOS}, field="photos")
    return [clean_text(p, field="photos", max_length=300) for p in value if p.strip()]


def _event(*, subject: str, subject_id: int, action: str, actor: User | None, project: Project | None = None,
           note: str = "", data: dict[str, Any] | None = None, from_state: str = "", to_state: str = "",
           at: dt.datetime | None = None) -> CoBuildEvent:  # fmt: skip
    return CoBuildEvent.objects.create(project=project, subject=subject, subject_id=subject_id, action=action,
                                       actor=actor, note=note[:1000], data=data or {}, from_state=from_state,
                                       to_state=to_state, at=at or clock.now())  # fmt: skip


# ------------------------------------------------------------------------------------------------ projects


@transaction.atomic
def project_create(
    *,
    actor: User,
    area_code: str,
    title: object,
    summary: object = "",
    partner_ids: object = None,
    milestones: object = None,
    public: object = True,
    starts_on: object = None,
    ends_on: object = None,
    at: dt.datetime | None = None,
) -> Project:
    """A co-construction project of a community (staff of the area), with its partners and milestones."""
    area = area_by_code(area_code)
    rules.require(actor, MANAGE, area.code)
    title = clean_text(title, field="title", max_length=100, required=True)
    if not isinstance(public, bool):
        raise ValidationFailed(_("public 须为 true 或 false"), field="public")
    start, end = parse_date(starts_on, field="starts_on", required=False), parse_date(ends_on, field="ends_on",
                                                                                       required=False)  # fmt: skip
    if start and end and end < start:
        raise ValidationFailed(_("计划完成日期不能早于开始日期"), field="ends_on")
    partners = _partners(_ids(partner_ids, field="partner_ids", limit=MAX_PARTNERS), field="partner_ids")
    if milestones is None:
        milestones = []
    if not isinstance(milestones, list) or len(milestones) > MAX_MILESTONES:
        raise ValidationFailed(_("milestones 须为最多 %(n)d 个节点的列表") % {"n": MAX_MILESTONES}, field="milestones")
    steps: list[tuple[str, dt.date | None]] = []
    for m in milestones:
        if isinstance(m, str):
            m = {"title": m}
        if not isinstance(m, dict):
            raise ValidationFailed(_("每个节点须有 title（及可选的 due_on）"), field="milestones")
        steps.append((clean_text(m.get("title"), field="milestones", max_length=100, required=True),
                      parse_date(m.get("due_on"), field="due_on", required=False)))  # fmt: skip
    if Project.objects.filter(area=area, title=title).exists():
        raise Conflict(_("本区域已有同名项目：%(t)s") % {"t": title}, field="title")
    now = at or clock.now()
    try:
        with transaction.atomic():
            project = Project.objects.create(title=title, summary=clean_text(summary, field="summary", max_length=1000),
                                             area=area, area_code=area.code, public=public, starts_on=start,
                                             ends_on=end, created_by=actor, created_at=now, updated_at=now)  # fmt: skip
    except IntegrityError:
        raise Conflict(_("本区域已有同名项目：%(t)s") % {"t": title}, field="title") from None
    ProjectPartner.objects.bulk_create([ProjectPartner(project=project, partner=p) for p in partners])
    Milestone.objects.bulk_create(
        [Milestone(project=project, title=t, due_on=d, order=i) for i, (t, d) in enumerate(steps, 1)]
    )
    _event(subject="project", subject_id=project.pk, project=project, action="create", actor=actor, at=now,
           to_state=project.state, data={"partners": [p.pk for p in partners], "milestones": len(steps)})  # fmt: skip
    return project


def _project_for(actor: User, project_id: int, *, lock: bool = False) -> Project:
    qs = Project.objects.select_for_update() if lock else Project.objects
    project = qs.filter(pk=project_id).first()
    if project is None:
        raise NotFound(_("共建项目不存在：%(id)s") % {"id": project_id}, field="project_id")
    return project


@transaction.atomic
def milestone_add(*, actor: User, project_id: int, title: object, due_on: object = None) -> Milestone:
    project = _project_for(actor, project_id, lock=True)
    rules.require(actor, MANAGE, project.area_code)
    if project.state in (ProjectState.DONE, ProjectState.CANCELLED):
        raise Conflict(_("项目已销号或撤销，不能再添加节点"), field="project_id")
    if project.milestones.count() >= MAX_MILESTONES:
        raise ValidationFailed(_("一个项目最多 %(n)d 个节点") % {"n": MAX_MILESTONES}, field="title")
    last = project.milestones.order_by("-order").values_list("order", flat=True).first() or 0
    m = Milestone.objects.create(project=project, title=clean_text(title, field="title", max_length=100, required=True),
                                 due_on=parse_date(due_on, field="due_on", required=False), order=last + 1)  # fmt: skip
    _event(subject="milestone", subject_id=m.pk, project=project, action="milestone_add", actor=actor,
           data={"title": m.title})  # fmt: skip
    return m


def _may_check_off(actor: User, project: Project) -> bool:
    if rules.allows(actor, MANAGE, project.area_code):
        return True
    if not rules.allows(actor, CHECKOFF, project.area_code):
        return False
    partner = actor_partner(actor)
    return partner is not None and project.partner_rows.filter(partner=partner).exists()


@transaction.atomic
def milestone_check_off(
    *, actor: User, milestone_id: int, note: object, photos: object = None, at: dt.datetime | None = None
) -> Milestone:
    """销号: a milestone is checked off with evidence (a note, optional photos) by staff of the area or a partner on
    the project; a milestone already checked off is refused (409), and so is one of a project not under way."""
    m = Milestone.objects.select_for_update().filter(pk=milestone_id).first()
    if m is None:
        raise NotFound(_("项目节点不存在：%(id)s") % {"id": milestone_id}, field="milestone_id")
    project = Project.objects.get(pk=m.project_id)
    if not _may_check_off(actor, project):
        raise PermissionDenied(_("您没有权限为该项目销号"), field="milestone_id", details={"rule": CHECKOFF})
    if m.done_at is not None:
        raise Conflict(_("该节点已于 %(at)s 销号") % {"at": timezone.localtime(m.done_at).strftime("%Y-%m-%d")},
                       field="milestone_id")  # fmt: skip
    if project.state != ProjectState.ACTIVE:
        raise Conflict(_("只有推进中的项目可以销号，当前状态：%(s)s") % {"s": project.get_state_display()},
                       field="milestone_id")  # fmt: skip
    m.evidence_note = clean_text(note, field="note", max_length=1000, required=True)
    m.evidence_photos = _photos(photos)
    m.done_at, m.done_by = at or clock.now(), actor
    m.save(update_fields=["evidence_note", "evidence_photos", "done_at", "done_by"])
    _event(subject="milestone", subject_id=m.pk, project=project, action="check_off", actor=actor, at=m.done_at,
           note=m.evidence_note, data={"title": m.title, "photos": m.evidence_photos})  # fmt: skip
    return m


@transaction.atomic
def project_claim(
    *, actor: User, project_id: int, partner_id: int | None = None, at: dt.datetime | None = None
) -> ProjectPartner:
    """A partner claims (认领) a project of a community it has a running agreement with: a partner login for its
    own partner, staff of the area for the partner they name. A second claim of the same project is refused."""
    project = _project_for(actor, project_id, lock=True)
    if not rules.allows(actor, CLAIM, project.area_code):
        raise PermissionDenied(_("您没有权限认领该项目"), field="project_id", details={"rule": CLAIM})
    if rules.allows(actor, MANAGE, project.area_code) and partner_id is not None:
        partner = Partner.objects.filter(pk=partner_id).first()
        if partner is None:
            raise NotFound(_("共建单位不存在：%(id)s") % {"id": partner_id}, field="partner_id")
    else:
        own = actor_partner(actor)
        if own is None:
            raise ValidationFailed(_("请指定认领的共建单位"), field="partner_id")
        if partner_id is not None and partner_id != own.pk:
            raise PermissionDenied(_("只能为本单位认领项目"), field="partner_id")
        partner = own
    if project.state in (ProjectState.DONE, ProjectState.CANCELLED):
        raise Conflict(_("项目已销号或撤销，不能认领"), field="project_id")
    now = at or clock.now()
    day = timezone.localtime(now).date()
    if not any(
        project.area_code.startswith(a.area_code)
        for a in Agreement.objects.filter(partner=partner, signed_on__lte=day, valid_until__gte=day)
    ):
        raise ValidationFailed(_("%(p)s 与该社区没有有效的共建协议") % {"p": partner.name}, field="partner_id")
    row, _created = ProjectPartner.objects.get_or_create(project=project, partner=partner)
    if row.claimed_at is not None:
        raise Conflict(_("%(p)s 已认领该项目") % {"p": partner.name}, field="project_id")
    row.claimed_at, row.claimed_by = now, actor
    row.save(update_fields=["claimed_at", "claimed_by"])
    _event(subject="project", subject_id=project.pk, project=project, action="claim", actor=actor, at=now,
           data={"partner": partner.pk, "partner_name": partner.name})  # fmt: skip
    return row


Step = fsm.Step[Project, "User"]


def _start(step: Step) -> None:
    if step.obj.starts_on is None:
        step.obj.starts_on = timezone.localtime(step.now).date()
        step.fields.add("starts_on")


def _complete(step: Step) -> None:
    open_ = list(step.obj.milestones.filter(done_at__isnull=True).values_list("title", flat=True))
    if open_:
        raise ValidationFailed(_("还有节点未销号：%(t)s") % {"t": "、".join(open_)}, field="action")
    if not step.obj.milestones.exists():
        raise ValidationFailed(_("项目没有任何节点，不能整体销号"), field="action")


def _cancel(step: Step) -> None:
    clean_text(step.note, field="note", max_length=1000, required=True)


PROJECT_MOVES: dict[str, fsm.Move[Project, User]] = {
    "start": fsm.Move({ProjectState.PLANNED}, ProjectState.ACTIVE, MANAGE, _start, label=gettext_lazy("启动")),
    "complete": fsm.Move({ProjectState.ACTIVE}, ProjectState.DONE, MANAGE, _complete, label=gettext_lazy("整体销号")),
    "cancel": fsm.Move(
        {ProjectState.PLANNED, ProjectState.ACTIVE},
        ProjectState.CANCELLED,
        MANAGE,
        _cancel,
        needs=("note",),
        label=gettext_lazy("撤销"),
    ),
}


def _project_event(step: Step) -> CoBuildEvent:
    return _event(subject="project", subject_id=step.obj.pk, project=step.obj, action=step.name, actor=step.actor,
                  note=step.note, from_state=step.from_state, to_state=step.target, at=step.now)  # fmt: skip


PROJECT: fsm.Lifecycle[Project, User, CoBuildEvent] = fsm.Lifecycle(
    model=Project,
    moves=PROJECT_MOVES,
    write_event=_project_event,
    authorize=fsm.rule_check(lambda actor, rule, p: rules.allows(actor, rule, p.area_code)),
    authorize_first=True,
    refused_as=Conflict,
    noun=gettext_lazy("共建项目"),
    updated_field="updated_at",
    not_found=gettext_lazy("共建项目不存在：%(id)s"),
    pk_field="project_id",
    field_labels={"note": gettext_lazy("原因")},
)


def project_move(*, actor: User, project_id: int, action: str, note: str = "",
                 now: dt.datetime | None = None) -> Project:  # fmt: skip
    return fsm.transition(PROJECT, project_id, action, actor=actor, note=note, now=now).obj


# ------------------------------------------------------------------------------------------------ agreements


@transaction.atomic
def agreement_create(
    *,
    actor: User,
    partner_id: object,
    area_code: str,
    signed_on: object,
    valid_until: object,
    commitments: object = "",
) -> Agreement:
    """共建协议 between a partner and a community (staff of the area record it)."""
    area = area_by_code(area_code)
    rules.require(actor, MANAGE, area.code)
    if not isinstance(partner_id, int) or isinstance(partner_id, bool) or partner_id < 1:
        raise ValidationFailed(_("partner_id 须为正整数编号"), field="partner_id")
    partner = _partners([partner_id], field="partner_id")[0]
    signed = parse_date(signed_on, field="signed_on")
    until = parse_date(valid_until, field="valid_until")
    assert signed is not None and until is not None
    if until < signed:
        raise ValidationFailed(_("有效期止不能早于签订日期"), field="valid_until")
    if Agreement.objects.filter(partner=partner, area=area, signed_on__lte=until, valid_until__gte=signed).exists():
        raise Conflict(_("%(p)s 与该社区在这段时间已有共建协议") % {"p": partner.name}, field="signed_on")
    a = Agreement.objects.create(partner=partner, area=area, area_code=area.code, signed_on=signed, valid_until=until,
                                 commitments=clean_text(commitments, field="commitments", max_length=1000),
                                 recorded_by=actor)  # fmt: skip
    _event(subject="agreement", subject_id=a.pk, action="sign", actor=actor,
           data={"partner": partner.pk, "area": area.code, "signed_on": str(signed), "valid_until": str(until)})  # fmt: skip
    return a


# ------------------------------------------------------------------------------------------------ joint meetings


@transaction.atomic
def meeting_record(
    *,
    actor: User,
    area_code: str,
    held_on: object,
    topic: object,
    present_partner_ids: object = None,
    decisions: object = None,
    minutes: object = "",
) -> JointMeeting:
    """The month's 联席会 of a community: who of its agreement partners came (the others are recorded absent) and
    what was decided (optionally naming a project). One record per community and month; a second is refused."""
    area = area_by_code(area_code)
    rules.require(actor, MANAGE, area.code)
    day = parse_date(held_on, field="held_on")
    assert day is not None
    if day > clock.today():
        raise ValidationFailed(_("召开日期不能晚于今天"), field="held_on")
    topic = clean_text(topic, field="topic", max_length=200, required=True)
    present = _ids(present_partner_ids, field="present_partner_ids", limit=MAX_PARTNERS)
    expected = {a.partner_id for a in Agreement.objects.filter(area=area, signed_on__lte=day, valid_until__gte=day)}
    stray = [p for p in present if p not in expected]
    if stray:
        raise ValidationFailed(
            _("以下单位当日没有与该社区的有效共建协议：%(ids)s") % {"ids": "、".join(map(str, stray))},
            field="present_partner_ids",
        )
    if decisions is None:
        decisions = []
    if not isinstance(decisions, list) or len(decisions) > MAX_DECISIONS:
        raise ValidationFailed(_("decisions 须为最多 %(n)d 条的列表") % {"n": MAX_DECISIONS}, field="decisions")
    rows: list[tuple[str, Project | None]] = []
    for d in decisions:
        if isinstance(d, str):
            d = {"text": d}
        if not isinstance(d, dict):
            raise ValidationFailed(_("每条决定须有 text（及可选的 project_id）"), field="decisions")
        project = None
        if d.get("project_id") is not None:
            pid = d["project_id"]
            project = (
                Project.objects.filter(pk=pid, area_code__startswith=area.code).first()
                if isinstance(pid, int)
                else None
            )
            if project is None:
                raise NotFound(_("本社区没有该项目：%(id)s") % {"id": pid}, field="decisions")
        rows.append((clean_text(d.get("text"), field="decisions", max_length=500, required=True), project))
    month = day.replace(day=1)
    if JointMeeting.objects.filter(area=area, month=month).exists():
        raise Conflict(_("本月联席会已登记（%(m)s）") % {"m": month.strftime("%Y-%m")}, field="held_on")
    try:
        with transaction.atomic():
            meeting = JointMeeting.objects.create(area=area, area_code=area.code, month=month, held_on=day,
                                                  topic=topic, recorded_by=actor,
                                                  minutes=clean_text(minutes, field="minutes", max_length=2000))  # fmt: skip
    except IntegrityError:
        raise Conflict(_("本月联席会已登记（%(m)s）") % {"m": month.strftime("%Y-%m")}, field="held_on") from None
    MeetingAttendance.objects.bulk_create(
        [MeetingAttendance(meeting=meeting, partner_id=p, present=p in present) for p in sorted(expected)]
    )
    MeetingDecision.objects.bulk_create([MeetingDecision(meeting=meeting, text=t, project=p) for t, p in rows])
    _event(subject="meeting", subject_id=meeting.pk, action="meeting", actor=actor,
           data={"area": area.code, "month": str(month), "present": len(present), "expected": len(expected),
                 "decisions": len(rows)})  # fmt: skip
    for _text, p in rows:
        if p is not None:
            _event(subject="meeting", subject_id=meeting.pk, project=p, action="decision", actor=actor, note=_text,
                   data={"meeting": meeting.pk, "month": str(month)})  # fmt: skip
    return meeting
