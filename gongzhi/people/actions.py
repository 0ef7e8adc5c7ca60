"""Writes to the people registry. Each upsert is idempotent: the same input twice changes nothing the second time."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.models import Area
from gongzhi.core import clock, pii
from gongzhi.core.audit import audit_record
from gongzhi.core.chinese import name_keys
from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.people import validation
from gongzhi.people.models import Household, PartyMember, PartyOrganization, Resident, Tag, Unit

if TYPE_CHECKING:
    from gongzhi.accounts.models import User


def _apply(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _create_once(obj: Any) -> Any:
    """Insert, turning a unique-key race with a concurrent save into a clear conflict instead of a crash."""
    try:
        with transaction.atomic():
            obj.save(force_insert=True)
    except IntegrityError:
        raise Conflict(_("同一记录刚刚由他人保存，请刷新后重试")) from None
    return obj


@transaction.atomic
def household_upsert(
    *, actor: User, number: str, area: Area, address: str, unit: Unit | None = None, room: str = ""
) -> tuple[Household, str]:
    """Returns the household and 'created', 'updated' or 'unchanged'."""
    number = (number or "").strip()
    if not number:
        raise ValidationFailed(_("户编号不能为空"), field="number")
    if not (address or "").strip():
        raise ValidationFailed(_("地址不能为空"), field="address")
    area = validation.clean_microgrid(area.code)
    rules.require(actor, "people.edit", area.code)
    values = {"area": area, "area_code": area.code, "address": address.strip(), "unit": unit, "room": room}
    household = Household.objects.select_for_update().filter(number=number).first()
    if household is None:
        household = _create_once(Household(number=number, **values))
        audit_record(actor=actor, action="household.create", target=household, area_code=area.code)
        return household, "created"
    rules.require(actor, "people.edit", household.area_code)
    if not _apply(household, values):
        return household, "unchanged"
    household.updated_at = clock.now()
    household.save()
    audit_record(actor=actor, action="household.update", target=household, area_code=area.code)
    return household, "updated"


@transaction.atomic
def resident_upsert(
    *,
    actor: User,
    household: Household,
    name: str,
    id_number: str,
    phone: str = "",
    gender: str | None = None,
    birth_date: dt.date | str | None = None,
    relation: str = "",
    tags: list[str] | None = None,
) -> tuple[Resident, str]:
    """Matched by ID number. Returns the resident and 'created', 'updated' or 'unchanged'."""
    name = validation.clean_name(name)
    id_number = pii.normalize_id_number(id_number)
    phone = pii.normalize_phone(phone) if phone else ""
    gender = validation.clean_gender(gender, id_number)
    birth = validation.clean_birth_date(birth_date, id_number)
    rules.require(actor, "people.edit", household.area_code)
    tag_objs = tags_resolve(tags or [])
    full, initials = name_keys(name)
    values = {
        "household": household,
        "area_id": household.area_id,
        "area_code": household.area_code,
        "name": name,
        "name_pinyin": full,
        "name_initials": initials,
        "gender": gender,
        "birth_date": birth,
        "relation": (relation or "").strip(),
    }
    resident = Resident.objects.select_for_update().filter(id_number_hash__in=pii.lookup_hashes(id_number)).first()
    if resident is None:
        resident = Resident(**values)
        resident.set_id_number(id_number)
        resident.set_phone(phone)
        _create_once(resident)
        resident.tags.set(tag_objs)
        audit_record(actor=actor, action="resident.create", target=resident, area_code=resident.area_code)
        return resident, "created"
    rules.require(actor, "people.edit", resident.area_code)
    changed = _apply(resident, values)
    if not pii.hash_matches(resident.phone_hash, phone):
        resident.set_phone(phone)
        changed = True
    if changed:
        resident.updated_at = clock.now()
        resident.save()
    if tags is not None and {t.pk for t in tag_objs} != set(resident.tags.values_list("pk", flat=True)):
        resident.tags.set(tag_objs)
        changed = True
    if not changed:
        return resident, "unchanged"
    audit_record(actor=actor, action="resident.update", target=resident, area_code=resident.area_code)
    return resident, "updated"


def tags_resolve(names: list[str]) -> list[Tag]:
    names = [n.strip() for n in names if n and n.strip()]
    if not names:
        return []
    found = {t.name: t for t in Tag.objects.filter(name__in=names)}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ValidationFailed(
            _("未知的居民标签：%(t)s（可用标签：%(all)s）")
            % {"t": "、".join(unknown), "all": "、".join(Tag.objects.values_list("name", flat=True))},
            field="tags",
        )
    return [found[n] for n in names]


@transaction.atomic
def party_member_upsert(
    *,
    actor: User,
    organization: PartyOrganization,
    name: str,
    id_number: str,
    kind: str,
    phone: str = "",
    area: Area | None = None,
    workplace: str = "",
    joined_on: dt.date | None = None,
    shows_identity: bool = True,
) -> tuple[PartyMember, str]:
    name = validation.clean_name(name)
    id_number = pii.normalize_id_number(id_number)
    phone = pii.normalize_phone(phone) if phone else ""
    kind = validation.clean_party_kind(kind)
    area = area or organization.area
    rules.require(actor, "party.manage", area.code)
    rules.require(actor, "party.manage", organization.area_code)
    id_hashes = pii.lookup_hashes(id_number)
    full, initials = name_keys(name)
    values = {
        "organization": organization,
        "name": name,
        "name_pinyin": full,
        "name_initials": initials,
        "kind": kind,
        "area": area,
        "area_code": area.code,
        "workplace": workplace.strip(),
        "joined_on": joined_on,
        "shows_identity": shows_identity,
        "resident": Resident.objects.filter(id_number_hash__in=id_hashes).first(),
    }
    member = PartyMember.objects.select_for_update().filter(id_number_hash__in=id_hashes).first()
    if member is None:
        member = PartyMember(**values)
        member.set_id_number(id_number)
        member.set_phone(phone)
        _create_once(member)
        audit_record(actor=actor, action="party_member.create", target=member, area_code=area.code)
        return member, "created"
    rules.require(actor, "party.manage", member.area_code)
    changed = _apply(member, values)
    if not pii.hash_matches(member.phone_hash, phone):
        member.set_phone(phone)
        changed = True
    if not changed:
        return member, "unchanged"
    member.updated_at = clock.now()
    member.save()
    audit_record(actor=actor, action="party_member.update", target=member, area_code=area.code)
    return member, "updated"


PII_FIELDS = {"id_number": "id_number_plain", "phone": "phone_plain"}


@transaction.atomic
def pii_reveal(
    *, actor: User, record: Resident | PartyMember, field: str, request: HttpRequest | None = None, reason: str = ""
) -> str:
    """Show one unmasked value. Allowed only to roles that need it, and always written to the audit log."""
    if field not in PII_FIELDS:
        raise ValidationFailed(_("只能查看身份证号或手机号"), field="field")
    rules.require(actor, "people.unmask", record.area_code)
    audit_record(
        actor=actor,
        action="pii.unmask",
        target=record,
        area_code=record.area_code,
        data={"field": field, "reason": reason[:200]},
        request=request,
    )
    return record.id_number_plain if field == "id_number" else record.phone_plain
