"""Writes for the people who work the grids and the organisations that serve them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core import clock, pii
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.people.models import AssignmentKind, Compound, Department, GridAssignment, Partner, PartnerKind

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

_MICROGRID_KINDS = {AssignmentKind.MICROGRID}


@transaction.atomic
def grid_assignment_add(
    *,
    actor: User,
    user: User,
    area: Area,
    kind: str,
    compound: Compound | None = None,
    is_owner: bool = False,
    on_duty: bool = False,
    occupation: str = "",
) -> GridAssignment:
    if kind not in AssignmentKind.values:
        raise ValidationFailed(_("未知的人员类型：%(k)s") % {"k": kind}, field="kind")
    if area.level not in (AreaLevel.GRID, AreaLevel.MICROGRID):
        raise ValidationFailed(_("只能配置到网格或微网格"), field="area")
    if kind in _MICROGRID_KINDS and area.level != AreaLevel.MICROGRID:
        raise ValidationFailed(_("微网格员必须配置到微网格"), field="area")
    if is_owner and area.level != AreaLevel.GRID:
        raise ValidationFailed(_("网格责任人只能设在网格"), field="is_owner")
    if compound is not None and not (
        area.code.startswith(compound.area_code) or compound.area_code.startswith(area.code)
    ):
        raise ValidationFailed(_("小区不在该网格范围内"), field="compound")
    rules.require(actor, "assignments.manage", area.code)
    try:
        with transaction.atomic():
            assignment = GridAssignment.objects.create(
                user=user,
                area=area,
                area_code=area.code,
                kind=kind,
                compound=compound,
                is_owner=is_owner,
                on_duty=on_duty,
                occupation=occupation.strip(),
            )
    except IntegrityError:
        if is_owner and GridAssignment.objects.filter(area=area, is_owner=True, ended_on__isnull=True).exists():
            raise Conflict(_("该网格已有责任人，请先结束原责任人的配置"), field="is_owner") from None
        raise Conflict(_("该人员已以同一身份配置在此区域"), field="user") from None
    audit_record(
        actor=actor,
        action="assignment.add",
        target=assignment,
        area_code=area.code,
        data={"user": user.pk, "kind": kind, "owner": is_owner},
    )
    return assignment


@transaction.atomic
def grid_assignment_end(*, actor: User, assignment: GridAssignment) -> GridAssignment:
    assignment = GridAssignment.objects.select_for_update().get(pk=assignment.pk)
    rules.require(actor, "assignments.manage", assignment.area_code)
    if assignment.ended_on is not None:
        raise Conflict(_("该配置已结束"))
    assignment.ended_on = clock.today()
    assignment.on_duty = False
    assignment.save(update_fields=["ended_on", "on_duty"])
    audit_record(actor=actor, action="assignment.end", target=assignment, area_code=assignment.area_code)
    return assignment


def compound_deployment(*, compound: Compound) -> dict[str, int]:
    """Counts for the "2+7+N" view of a compound: full-time grid workers, welfare posts, and everyone else."""
    active = GridAssignment.objects.filter(compound=compound, ended_on__isnull=True)
    full_time = active.filter(kind=AssignmentKind.FULL_TIME).count()
    welfare = active.filter(kind=AssignmentKind.WELFARE_POST).count()
    return {"full_time": full_time, "welfare_post": welfare, "others": active.count() - full_time - welfare}


def _clean_org(name: str, contact_phone: str, areas: list[Area], actor: User) -> tuple[str, str]:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("名称不能为空"), field="name")
    if not areas:
        raise ValidationFailed(_("请至少选择一个服务区域"), field="areas")
    for area in areas:
        rules.require(actor, "orgs.manage", area.code)
    return name, pii.normalize_phone(contact_phone) if contact_phone else ""


@transaction.atomic
def department_register(
    *, actor: User, code: str, name: str, kind: str, areas: list[Area], contact_name: str = "", contact_phone: str = ""
) -> Department:
    name, phone = _clean_org(name, contact_phone, areas, actor)
    if Department.objects.filter(code=code).exists():
        raise Conflict(_("部门代码 %(c)s 已存在") % {"c": code}, field="code")
    dept = Department(code=code, name=name, kind=kind.strip(), contact_name=contact_name.strip())
    dept.set_phone(phone)
    dept.save()
    dept.areas.set(areas)
    audit_record(actor=actor, action="department.register", target=dept)
    return dept


@transaction.atomic
def partner_register(
    *,
    actor: User,
    name: str,
    kind: str,
    areas: list[Area],
    contact_name: str = "",
    contact_phone: str = "",
    in_alliance: bool = False,
) -> Partner:
    name, phone = _clean_org(name, contact_phone, areas, actor)
    if kind not in PartnerKind.values:
        raise ValidationFailed(_("未知的单位类型：%(k)s") % {"k": kind}, field="kind")
    if Partner.objects.filter(name=name).exists():
        raise Conflict(_("共建单位 %(n)s 已登记") % {"n": name}, field="name")
    partner = Partner(name=name, kind=kind, contact_name=contact_name.strip(), in_alliance=in_alliance)
    partner.set_phone(phone)
    partner.save()
    partner.areas.set(areas)
    audit_record(actor=actor, action="partner.register", target=partner)
    return partner
