"""Writes for the party organisation tree and party members' zones and posts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.models import Area
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.people.models import (
    PARTY_ORG_CHILD,
    PartyMember,
    PartyOrganization,
    PartyOrgKind,
    ResponsibilityZone,
    ServicePost,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User


@transaction.atomic
def party_org_create(
    *, actor: User, name: str, kind: str, area: Area, parent: PartyOrganization | None = None
) -> PartyOrganization:
    """社区党委 → 小区党支部 → 楼栋党小组 → 党员中心户; each level sits inside its parent's area."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("名称不能为空"), field="name")
    if kind not in PartyOrgKind.values:
        raise ValidationFailed(_("未知的党组织类型：%(k)s") % {"k": kind}, field="kind")
    if parent is None and kind != PartyOrgKind.COMMITTEE:
        raise ValidationFailed(_("只有社区党委可以没有上级组织"), field="parent")
    if parent is not None:
        expected = PARTY_ORG_CHILD.get(PartyOrgKind(parent.kind))
        if expected != kind:
            raise ValidationFailed(
                _("%(p)s下应建立%(c)s") % {"p": parent.get_kind_display(), "c": expected.label if expected else "—"},
                field="kind",
            )
        if not area.code.startswith(parent.area_code):
            raise ValidationFailed(_("下级组织的区域必须在上级组织的区域之内"), field="area")
    rules.require(actor, "party.manage", area.code)
    try:
        with transaction.atomic():
            org = PartyOrganization.objects.create(name=name, kind=kind, parent=parent, area=area, area_code=area.code)
    except IntegrityError:
        raise Conflict(_("该区域已有同名党组织"), field="name") from None
    audit_record(actor=actor, action="party_org.create", target=org, area_code=area.code)
    return org


@transaction.atomic
def responsibility_zone_add(*, actor: User, member: PartyMember, area: Area, description: str) -> ResponsibilityZone:
    description = (description or "").strip()
    if not description:
        raise ValidationFailed(_("请写明责任范围"), field="description")
    rules.require(actor, "party.manage", area.code)
    zone = ResponsibilityZone.objects.create(party_member=member, area=area, description=description)
    audit_record(actor=actor, action="party.zone_add", target=zone, area_code=area.code)
    return zone


@transaction.atomic
def service_post_add(*, actor: User, member: PartyMember, area: Area, name: str, schedule: str = "") -> ServicePost:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("岗位名称不能为空"), field="name")
    rules.require(actor, "party.manage", area.code)
    post = ServicePost.objects.create(party_member=member, area=area, name=name, schedule=schedule.strip())
    audit_record(actor=actor, action="party.post_add", target=post, area_code=area.code)
    return post
