"""The resource list (资源清单, "亮家底"): offers by partners, party members, volunteers, teams and social
organisations; each is reviewed every quarter, and an offer not reviewed for a quarter is flagged to its owner."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import Membership, Role
from gongzhi.areas.models import Area
from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.matching.actions._common import active_item, area_by_code
from gongzhi.matching.models import ProviderKind, Resource, ResourceArea
from gongzhi.people.models import Partner, PartyMember
from gongzhi.volunteering.models import Team, Volunteer

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

OFFER = "matching.offer"
MANAGE = "matching.dispatch"  # office staff manage every offer of their area
MAX_CAPACITY = 10_000
MAX_SERVED = 20
REVIEW_EVERY = dt.timedelta(days=91)  # a quarter


def _provider(
    actor: User, kind: str, area: Area, provider_name: str, team_id: int | None, partner_id: int | None
) -> dict[str, Any]:
    """Who offers: the actor's own partner, party-member or volunteer record, or (staff) a partner, a team or an
    organisation they name."""
    office = rules.allows(actor, MANAGE, area.code)
    if kind == ProviderKind.PARTNER and office and partner_id is not None:
        partner = Partner.objects.filter(pk=partner_id).first()
        if partner is None:
            raise NotFound(_("共建单位不存在：%(id)s") % {"id": partner_id}, field="partner_id")
        return {"partner": partner, "provider_name": partner.name}
    if kind == ProviderKind.PARTNER or (kind == ProviderKind.SOCIAL_ORG and not office):
        membership = (
            Membership.objects.select_related("partner")
            .filter(user_id=actor.pk, role=Role.PARTNER, partner__isnull=False)
            .first()
        )
        if membership is None or membership.partner is None:
            raise PermissionDenied(_("只有共建单位账号可以登记本单位的资源"), field="provider_kind")
        return {"partner": membership.partner, "provider_name": membership.partner.name}
    if kind == ProviderKind.PARTY_MEMBER:
        member = PartyMember.objects.filter(user_id=actor.pk).first()
        if member is None:
            raise PermissionDenied(_("您的账号未关联党员档案"), field="provider_kind")
        return {"party_member": member, "provider_name": member.name}
    if kind == ProviderKind.VOLUNTEER:
        volunteer = Volunteer.objects.filter(user_id=actor.pk).first()
        if volunteer is None:
            raise PermissionDenied(_("请先注册成为志愿者"), field="provider_kind")
        return {"provider_name": volunteer.name}
    if not office:
        raise PermissionDenied(_("队伍与社会组织的资源由社区或街道工作人员登记"), field="provider_kind")
    if kind == ProviderKind.TEAM:
        team = Team.objects.filter(pk=team_id).first() if team_id else None
        if team is None:
            raise ValidationFailed(_("请选择志愿服务队"), field="team_id")
        return {"team": team, "provider_name": team.name}
    name = clean_text(provider_name, field="provider_name", max_length=100, required=True)
    return {"provider_name": name}


@transaction.atomic
def resource_create(
    *,
    actor: User,
    item_id: int,
    title: str,
    provider_kind: str,
    area_code: str,
    served: list[str],
    capacity: int,
    schedule: str = "",
    description: str = "",
    valid_until: dt.date | None = None,
    provider_name: str = "",
    team_id: int | None = None,
    partner_id: int | None = None,
) -> Resource:
    """List an offer. The actor holds `matching.offer` at the offer's area; it serves the areas in `served`."""
    if provider_kind not in ProviderKind.values:
        raise ValidationFailed(
            _("提供方类型须为：%(kinds)s") % {"kinds": "、".join(ProviderKind.values)}, field="provider_kind"
        )
    area = area_by_code(area_code, field="area")
    rules.require(actor, OFFER, area.code)
    item = active_item(item_id)
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not (1 <= capacity <= MAX_CAPACITY):
        raise ValidationFailed(_("每月可服务次数须为 1 到 %(max)d") % {"max": MAX_CAPACITY}, field="capacity")
    if not served or len(served) > MAX_SERVED:
        raise ValidationFailed(_("请选择 1 到 %(max)d 个服务区域") % {"max": MAX_SERVED}, field="served")
    codes = list(dict.fromkeys(served))
    found = set(Area.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound(_("服务区域不存在：%(codes)s") % {"codes": "、".join(map(str, missing))}, field="served")
    today = clock.today()
    if valid_until is not None and valid_until < today:
        raise ValidationFailed(_("有效期止不能早于今天"), field="valid_until")
    resource = Resource.objects.create(
        item=item,
        category_id=item.category_id,
        title=clean_text(title, field="title", max_length=100, required=True),
        provider_kind=provider_kind,
        owner=actor,
        area=area,
        area_code=area.code,
        capacity=capacity,
        schedule=clean_text(schedule, field="schedule", max_length=100),
        description=clean_text(description, field="description", max_length=500),
        valid_from=today,
        valid_until=valid_until,
        **_provider(actor, provider_kind, area, provider_name, team_id, partner_id),
    )
    ResourceArea.objects.bulk_create(
        [ResourceArea(resource=resource, area_code=c, category_id=item.category_id) for c in codes]
    )
    audit_record(actor=actor, action="matching.resource.create", target=resource, area_code=area.code,
                 data={"item": item.pk, "served": codes})  # fmt: skip
    return resource


def _lock_own(actor: User, resource_id: int) -> Resource:
    resource = Resource.objects.select_for_update().filter(pk=resource_id).first()
    if resource is None:
        raise NotFound(_("资源不存在：%(id)s") % {"id": resource_id}, field="resource_id")
    if resource.owner_id != actor.pk and not rules.allows(actor, MANAGE, resource.area_code):
        raise PermissionDenied(_("只能复核本人登记的资源"), field="resource_id")
    return resource


@transaction.atomic
def resource_review(
    *,
    actor: User,
    resource_id: int,
    capacity: int | None = None,
    valid_until: dt.date | None = None,
    active: bool | None = None,
) -> Resource:
    """The quarterly review (亮家底 again): confirm the offer, optionally with a new capacity, validity or withdrawn."""
    resource = _lock_own(actor, resource_id)
    changed = ["reviewed_at", "stale_flagged_at"]
    if capacity is not None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or not (1 <= capacity <= MAX_CAPACITY):
            raise ValidationFailed(_("每月可服务次数须为 1 到 %(max)d") % {"max": MAX_CAPACITY}, field="capacity")
        resource.capacity = capacity
        changed.append("capacity")
    if valid_until is not None:
        if valid_until < clock.today():
            raise ValidationFailed(_("有效期止不能早于今天"), field="valid_until")
        resource.valid_until = valid_until
        changed.append("valid_until")
    if active is not None:
        resource.active = active
        changed.append("active")
    resource.reviewed_at = clock.now()
    resource.stale_flagged_at = None
    resource.save(update_fields=changed)
    audit_record(actor=actor, action="matching.resource.review", target=resource, area_code=resource.area_code,
                 data={"fields": changed[2:]})  # fmt: skip
    return resource


@transaction.atomic
def resources_flag_stale(*, now: dt.datetime | None = None) -> int:
    """Flag every active offer not reviewed for a quarter to its owner (once until it is reviewed)."""
    from gongzhi.notifications.actions import Note, notify_many

    now = now or clock.now()
    stale = list(
        Resource.objects.select_for_update(skip_locked=True)
        .filter(active=True, reviewed_at__lt=now - REVIEW_EVERY, stale_flagged_at__isnull=True)
        .only("pk", "owner_id", "title")
    )
    if not stale:
        return 0
    notes = [
        Note(
            user_id=r.owner_id,
            kind="matching.resource.stale",
            title=str(_("请复核您的资源：%(title)s") % {"title": r.title}),
            body=str(_("资源清单每季度更新一次；请确认服务能力与有效期。")),
            link=f"/matching/resources/?mine=1#r{r.pk}",
        )
        for r in stale
    ]
    notify_many(notes=notes)
    Resource.objects.filter(pk__in=[r.pk for r in stale]).update(stale_flagged_at=now)
    return len(stale)
