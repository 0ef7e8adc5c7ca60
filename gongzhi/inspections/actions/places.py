"""Places (场所): registering them, changing them, and revealing a contact's phone (audited, like residents')."""

from __future__ import annotations

import math
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import User
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core import pii
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, NotFound, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.inspections.models import Place, PlaceKind

EDITABLE = ("name", "kind", "address", "licence_no", "contact_name", "contact_phone", "lat", "lng", "responsible_id")


def _microgrid(code: Any) -> Area:
    if not isinstance(code, str) or not code.strip():
        raise ValidationFailed(_("请给出场所所在的微网格编码"), field="area")
    area = Area.objects.filter(code=code.strip()).first()
    if area is None:
        raise ValidationFailed(_("区域编码 %(code)s 不存在") % {"code": code}, field="area")
    if area.level != AreaLevel.MICROGRID:
        raise ValidationFailed(
            _("场所须登记在微网格（17位）内，%(code)s 是%(level)s") % {"code": code, "level": area.get_level_display()},
            field="area",
        )
    return area


def _coordinate(value: Any, *, field: str, bound: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or abs(value) > bound:
        raise ValidationFailed(
            _("%(field)s 必须是 -%(b)d 到 %(b)d 之间的数") % {"field": field, "b": bound}, field=field
        )
    return float(value)


def _responsible(user_id: Any, area: Area) -> User | None:
    if user_id is None:
        return None
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise ValidationFailed(_("包保网格员必须是用户编号"), field="responsible_id")
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationFailed(_("包保网格员不存在：%(id)s") % {"id": user_id}, field="responsible_id")
    if not rules.allows(user, "inspections.inspect", area.code):
        raise ValidationFailed(
            _("%(name)s 不能巡查该微网格，不能作为包保网格员") % {"name": user.get_username()}, field="responsible_id"
        )
    return user


def _apply(place: Place, values: dict[str, Any]) -> None:
    if "name" in values:
        place.name = _text(values["name"], field="name", max_length=100, required=True)
    if "kind" in values:
        if values["kind"] not in PlaceKind.values:
            raise ValidationFailed(_("场所类型只能是：%(v)s") % {"v": "、".join(PlaceKind.values)}, field="kind")
        place.kind = values["kind"]
    if "address" in values:
        place.address = _text(values["address"], field="address", max_length=200)
    if "licence_no" in values:
        place.licence_no = _text(values["licence_no"], field="licence_no", max_length=64)
    if "contact_name" in values:
        place.contact_name = _text(values["contact_name"], field="contact_name", max_length=32)
    if "contact_phone" in values:
        phone = _text(values["contact_phone"], field="contact_phone", max_length=32)
        place.set_phone(pii.normalize_phone(phone, field="contact_phone") if phone else "")
    if "lat" in values:
        place.lat = _coordinate(values["lat"], field="lat", bound=90)
    if "lng" in values:
        place.lng = _coordinate(values["lng"], field="lng", bound=180)
    if (place.lat is None) != (place.lng is None):
        raise ValidationFailed(_("纬度和经度须同时给出"), field="lat")
    if "responsible_id" in values:
        place.responsible = _responsible(values["responsible_id"], place.area)


@transaction.atomic
def place_create(*, actor: User, area: str, **values: Any) -> Place:
    """Register a place in a micro-grid the actor may manage; contact phone stored encrypted."""
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(_("不接受的字段：%(keys)s") % {"keys": "、".join(unknown)}, field=unknown[0])
    microgrid = _microgrid(area)
    rules.require(actor, "inspections.manage", microgrid.code)
    place = Place(area=microgrid, area_code=microgrid.code, name="", kind="")
    _apply(place, {"name": values.get("name"), "kind": values.get("kind"), **values})
    try:
        with transaction.atomic():
            place.save()
    except IntegrityError:
        raise Conflict(_("该微网格已有同名场所：%(name)s") % {"name": place.name}, field="name") from None
    audit_record(actor=actor, action="inspections.place.create", target=place, area_code=place.area_code)
    return place


def place_get(*, actor: User, place_id: int, rule: str = "inspections.view") -> Place:
    place = Place.objects.select_related("area", "responsible").filter(pk=place_id).first()
    if place is None or not rules.allows(actor, "inspections.view", place.area_code):
        raise NotFound(_("场所不存在：%(id)s") % {"id": place_id}, field="place_id")
    rules.require(actor, rule, place.area_code)
    return place


@transaction.atomic
def place_update(*, actor: User, place_id: int, **values: Any) -> Place:
    unknown = sorted(set(values) - set(EDITABLE) - {"is_active"})
    if unknown:
        raise ValidationFailed(_("不接受的字段：%(keys)s") % {"keys": "、".join(unknown)}, field=unknown[0])
    place = place_get(actor=actor, place_id=place_id, rule="inspections.manage")
    place = Place.objects.select_for_update().select_related("area").get(pk=place.pk)
    _apply(place, values)
    if "is_active" in values:
        if not isinstance(values["is_active"], bool):
            raise ValidationFailed(_("is_active 必须是布尔值"), field="is_active")
        place.is_active = values["is_active"]
    try:
        with transaction.atomic():
            place.save()
    except IntegrityError:
        raise Conflict(_("该微网格已有同名场所：%(name)s") % {"name": place.name}, field="name") from None
    audit_record(
        actor=actor,
        action="inspections.place.update",
        target=place,
        area_code=place.area_code,
        data={
            "fields": sorted(k for k in values if k != "contact_phone")
            + (["contact_phone"] if "contact_phone" in values else [])
        },
    )
    return place


@transaction.atomic
def place_contact_reveal(*, actor: User, place_id: int, request: HttpRequest | None = None, reason: str = "") -> str:
    """The contact's full phone: only to roles that may unmask residents' (people.unmask), always audited."""
    place = place_get(actor=actor, place_id=place_id)
    rules.require(actor, "people.unmask", place.area_code)
    audit_record(
        actor=actor,
        action="pii.unmask",
        target=place,
        area_code=place.area_code,
        data={"field": "phone", "reason": reason[:200]},
        request=request,
    )
    return place.phone_plain
