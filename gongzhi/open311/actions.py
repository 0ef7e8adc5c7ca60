"""Writes of the Open311 endpoint: client keys, and service requests handed to the appeals intake action."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.actions import user_create
from gongzhi.appeals.actions import appeal_photo_add, appeal_submit
from gongzhi.appeals.models import Appeal, Channel
from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from gongzhi.open311 import selectors
from gongzhi.open311.models import Open311Client

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

DEMO_NAME = "demo"
DEMO_KEY = "gongzhi-open311-demo"
NAME_RE = re.compile(r"^[\w.-]{1,64}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class IssuedKey:
    client: Open311Client
    raw: str | None  # None when the client already existed and its key cannot be shown again
    created: bool


@transaction.atomic
def client_create(*, actor: User | None, name: str, key: str | None = None) -> IssuedKey:
    """A client and its service login; returns the raw key once. An existing name is returned unchanged."""
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise ValidationFailed(_("客户端名称只能包含字母、数字、点、下划线和连字符（最多64个字符）"), field="name")
    existing = Open311Client.objects.filter(name=name).first()
    if existing is not None:
        return IssuedKey(client=existing, raw=None, created=False)
    raw = key or Open311Client.new_key()
    if len(raw) < 16:
        raise ValidationFailed(_("api_key 至少需要16个字符"), field="key")
    if Open311Client.objects.filter(key_digest=Open311Client.digest_of(raw)).exists():
        raise Conflict(_("该 api_key 已被另一个客户端使用"), field="key")
    user = user_create(actor=actor, username=f"open311-{name}", password=None, display_name=f"Open311 · {name}")
    client = Open311Client.objects.create(
        name=name, key_digest=Open311Client.digest_of(raw), key_prefix=raw[:8], user=user
    )
    audit_record(actor=actor, action="open311.client_create", target=client)
    return IssuedKey(client=client, raw=raw, created=True)


@transaction.atomic
def client_rotate(*, actor: User | None, client: Open311Client, key: str | None = None) -> IssuedKey:
    raw = key or Open311Client.new_key()
    if len(raw) < 16:
        raise ValidationFailed(_("api_key 至少需要16个字符"), field="key")
    client.key_digest = Open311Client.digest_of(raw)
    client.key_prefix = raw[:8]
    client.save(update_fields=["key_digest", "key_prefix"])
    audit_record(actor=actor, action="open311.client_rotate", target=client)
    return IssuedKey(client=client, raw=raw, created=False)


def client_for_key(raw: Any) -> Open311Client:
    """The active client of an api_key; 403 for a missing or unknown key, as GeoReport v2 says."""
    if not isinstance(raw, str) or not raw.strip():
        raise PermissionDenied(_("未提供 api_key"), field="api_key")
    client = (
        Open311Client.objects.filter(key_digest=Open311Client.digest_of(raw.strip()), is_active=True)
        .select_related("user")
        .first()
    )
    if client is None or not client.user.is_active:
        raise PermissionDenied(_("api_key 无效或已停用"), field="api_key")
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=clock.now())
    return client


def _coordinate(value: Any, *, field: str, bound: int) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("%(field)s 必须是数字") % {"field": field}, field=field) from None
    if not -bound <= number <= bound:
        raise ValidationFailed(
            _("%(field)s 必须是 -%(b)d 到 %(b)d 之间的数") % {"field": field, "b": bound}, field=field
        )
    return number


def _attributes(service: Any, attributes: dict[str, str]) -> dict[str, Any]:
    """Check attribute[...] against the service definition; returns the appeal_submit keywords they set."""
    definition = {a["code"]: a for a in selectors.service_attributes(service)}
    unknown = sorted(set(attributes) - set(definition))
    if unknown:
        raise ValidationFailed(
            _("未知的属性：%(codes)s（可用：%(known)s）")
            % {"codes": "、".join(unknown), "known": "、".join(definition) or "-"},
            field=f"attribute[{unknown[0]}]",
        )
    out: dict[str, Any] = {}
    for code, attr in definition.items():
        value = (attributes.get(code) or "").strip()
        if not value:
            if attr["required"]:
                raise ValidationFailed(_("缺少必填属性 %(code)s") % {"code": code}, field=f"attribute[{code}]")
            continue
        keys = [str(v["key"]) for v in attr.get("values", [])]
        if keys and value not in keys:
            raise ValidationFailed(
                _("属性 %(code)s 只能是：%(keys)s") % {"code": code, "keys": "、".join(keys)},
                field=f"attribute[{code}]",
            )
        out[attr["maps_to"]] = attr["convert"](value)
    return out


@dataclass
class Posted:
    appeal: Appeal
    created: bool


def request_submit(
    *,
    client: Open311Client,
    service_code: Any,
    jurisdiction_id: Any = None,
    lat: Any = None,
    long: Any = None,  # the GeoReport v2 field name
    address_string: Any = "",
    address_id: Any = "",
    description: Any = "",
    first_name: Any = "",
    last_name: Any = "",
    phone: Any = "",
    email: Any = "",
    device_id: Any = "",
    account_id: Any = "",
    media: Any = None,
    attributes: dict[str, str] | None = None,
) -> Posted:
    """A GeoReport v2 POST: checked here for Open311's own rules, then taken in by appeals.appeal_submit.

    The location is lat/long (resolved to a micro-grid) or address_id (a micro-grid code); address_string
    alone cannot be placed on the grid and is refused. A photo comes as multipart `media` (media_url is
    never fetched: the server does not download from addresses a client names).
    """
    if not isinstance(service_code, str) or not service_code.strip():
        raise ValidationFailed(_("未提供 service_code"), field="service_code")
    service = selectors.service_get(service_code.strip())
    street = selectors.jurisdiction_get(jurisdiction_id)
    lat_f = _coordinate(lat, field="lat", bound=90)
    lng_f = _coordinate(long, field="long", bound=180)
    if (lat_f is None) != (lng_f is None):
        raise ValidationFailed(_("lat 与 long 必须同时提供"), field="lat" if lat_f is None else "long")
    address_id = (address_id or "").strip() if isinstance(address_id, str) else address_id
    if lat_f is None and not address_id:
        if address_string:
            raise ValidationFailed(
                _("仅凭 address_string 无法定位到网格，请同时提供 lat/long 或 address_id（微网格编码）"),
                field="lat",
            )
        raise ValidationFailed(_("请提供位置：lat/long 或 address_id（微网格编码）"), field="lat")
    email = (email or "").strip() if isinstance(email, str) else email
    if email and (not isinstance(email, str) or not EMAIL_RE.match(email) or len(email) > 254):
        raise ValidationFailed(_("email 格式不正确"), field="email")
    name = " ".join(p.strip() for p in (first_name, last_name) if isinstance(p, str) and p.strip())
    options = _attributes(service, attributes or {})
    try:
        return _submit(
            client=client,
            service=service,
            street=street,
            lat=lat_f,
            lng=lng_f,
            address_id=address_id,
            address_string=address_string,
            description=description,
            name=name,
            phone=phone,
            media=media,
            options=options,
        )
    except DomainError as exc:
        exc.field = OPEN311_FIELDS.get(exc.field or "", exc.field)
        raise


# The appeals workflow names its fields its own way; a client should see the Open311 name it sent.
OPEN311_FIELDS = {
    "contact_phone": "phone",
    "contact_name": "first_name",
    "lng": "long",
    "area_code": "address_id",
    "category": "service_code",
    "address": "address_string",
    "photo": "media",
}


@transaction.atomic
def _submit(
    *,
    client: Open311Client,
    service: Any,
    street: Any,
    lat: float | None,
    lng: float | None,
    address_id: Any,
    address_string: Any,
    description: Any,
    name: str,
    phone: Any,
    media: Any,
    options: dict[str, Any],
) -> Posted:
    submitted = appeal_submit(
        actor=client.user,
        description=description,
        channel=Channel.OPEN311,
        category=service.code,
        lat=lat,
        lng=lng,
        area_code=address_id or None,
        address=address_string if isinstance(address_string, str) else "",
        contact_name=name[:32],
        contact_phone=phone if isinstance(phone, str) else "",
        **options,
    )
    appeal = submitted.appeal
    if street is not None and not appeal.area_code.startswith(street.code):
        raise ValidationFailed(
            _("该位置不属于 jurisdiction_id %(code)s（%(name)s）") % {"code": street.code, "name": street.name},
            field="jurisdiction_id",
        )
    if media is not None:
        appeal_photo_add(actor=client.user, appeal=appeal, upload=media)
    audit_record(
        actor=client.user,
        action="open311.request_submit",
        target=appeal,
        area_code=appeal.area_code,
        data={"client": client.name, "service_code": service.code},
    )
    return Posted(appeal=appeal, created=submitted.created)


__all__ = [
    "DEMO_KEY",
    "DEMO_NAME",
    "client_create",
    "client_for_key",
    "client_rotate",
    "request_submit",
]
