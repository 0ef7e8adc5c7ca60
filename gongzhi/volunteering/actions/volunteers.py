"""Volunteers register (themselves or by a community worker), update their profile; 双报到 registrations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.volunteering.actions._common import _area, _choice, _skills
from gongzhi.volunteering.models import (
    PartyRegistration,
    Volunteer,
    VolunteerKind,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User
    from gongzhi.people.models import PartyMember, Resident


@transaction.atomic
def volunteer_register(
    *,
    actor: User,
    user: User,
    name: str,
    kind: str,
    area: Area | None,
    birth_date: dt.date | None = None,
    resident: Resident | None = None,
    party_member: PartyMember | None = None,
    skills: Iterable[str] = (),
    availability: str = "",
) -> Volunteer:
    """Register a person as a volunteer: themself, or by a community worker. The number is "V<district>-<serial>"."""
    area = _area(area)
    if getattr(actor, "pk", None) != getattr(user, "pk", None):
        rules.require(actor, "volunteering.manage", area.code)
    if Volunteer.objects.filter(user_id=user.pk).exists():
        raise Conflict(_("该账号已注册为志愿者"), field="user")
    kind = _choice(kind, VolunteerKind.values, field="kind")
    name = _text(name or (resident.name if resident is not None else ""), field="name", max_length=64, required=True)
    if resident is not None and birth_date is None:
        birth_date = resident.birth_date
    if birth_date is not None and birth_date > clock.today():
        raise ValidationFailed(_("出生日期不能晚于今天"), field="birth_date")
    volunteer = Volunteer(
        user=user,
        resident=resident,
        party_member=party_member,
        name=name,
        kind=kind,
        birth_date=birth_date,
        availability=_text(availability, field="availability", max_length=200),
        area=area,
        area_code=area.code,
    )
    try:
        with transaction.atomic():
            volunteer.save(force_insert=True)
    except IntegrityError:
        raise Conflict(_("该居民或党员已注册为志愿者"), field="resident") from None
    # Derived from the row id: unique without a counter row that every registration would queue on.
    volunteer.number = f"V{code_at(area.code, AreaLevel.DISTRICT)}-{volunteer.pk:06d}"
    volunteer.save(update_fields=["number"])
    volunteer.skills.set(_skills(skills))
    audit_record(actor=actor, action="volunteering.volunteer.register", target=volunteer, area_code=area.code)
    return volunteer


@transaction.atomic
def volunteer_update(
    *, actor: User, volunteer: Volunteer, skills: Iterable[str] | None = None, availability: str | None = None
) -> Volunteer:
    if actor.pk != volunteer.user_id:
        rules.require(actor, "volunteering.manage", volunteer.area_code)
    if availability is not None:
        volunteer.availability = _text(availability, field="availability", max_length=200)
        volunteer.save(update_fields=["availability"])
    if skills is not None:
        volunteer.skills.set(_skills(skills))
    audit_record(actor=actor, action="volunteering.volunteer.update", target=volunteer, area_code=volunteer.area_code)
    return volunteer


@transaction.atomic
def party_registration_upsert(
    *,
    actor: User,
    volunteer: Volunteer,
    community: Area | None,
    year: int,
    hours_owed: Decimal | float | int,
    workplace: str = "",
) -> PartyRegistration:
    """双报到: an in-service party member reports to their home community and owes service hours for the year."""
    community = _area(community, field="community")
    rules.require(actor, "volunteering.manage", community.code)
    if community.level != "community":
        raise ValidationFailed(_("报到单位须为社区"), field="community")
    if not (2000 <= int(year) <= clock.today().year + 1):
        raise ValidationFailed(_("年度无效"), field="year")
    try:
        owed = Decimal(str(hours_owed))
    except InvalidOperation:
        raise ValidationFailed(_("应服务时长须为数字"), field="hours_owed") from None
    if not (Decimal(0) <= owed <= Decimal(1000)):
        raise ValidationFailed(_("应服务时长须在 0 到 1000 小时之间"), field="hours_owed")
    registration, _created = PartyRegistration.objects.update_or_create(
        volunteer=volunteer,
        year=int(year),
        defaults={
            "community": community,
            "area_code": community.code,
            "hours_owed": owed,
            "workplace": _text(workplace, field="workplace", max_length=100),
        },
    )
    audit_record(actor=actor, action="volunteering.party_registration", target=registration, area_code=community.code)
    return registration
