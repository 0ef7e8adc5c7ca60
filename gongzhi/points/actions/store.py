"""The store's catalogue (德育超市): items, redemption events and the stock each event is allotted."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.models import Area
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.people.models import Partner
from gongzhi.points.actions.inputs import integer
from gongzhi.points.models import (
    EventItem,
    ItemKind,
    PointsScheme,
    RedemptionEvent,
    StoreItem,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User


@transaction.atomic
def item_create(
    *,
    actor: User,
    scheme: PointsScheme,
    name: str,
    price: int | None,  # None (a form left blank) is refused like any non-integer
    stock: int | None = 0,
    kind: str = ItemKind.GOODS,
    sponsor: Partner | None = None,
) -> StoreItem:
    rules.require(actor, "store.manage", scheme.area_code)
    if kind not in ItemKind.values:
        raise ValidationFailed(_("商品类型只能是：%(k)s") % {"k": "、".join(ItemKind.values)}, field="kind")
    item = StoreItem.objects.create(
        scheme=scheme,
        name=_text(name, field="name", max_length=64, required=True),
        kind=kind,
        price=integer(price, field="price", minimum=1, maximum=1_000_000),
        stock=integer(stock, field="stock", minimum=0, maximum=1_000_000),
        sponsor=sponsor,
    )
    audit_record(actor=actor, action="points.item.create", target=item, area_code=scheme.area_code)
    return item


@transaction.atomic
def event_create(
    *,
    actor: User,
    scheme: PointsScheme,
    area: Area,
    title: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
) -> RedemptionEvent:
    rules.require(actor, "store.manage", area.code)
    if not area.code.startswith(scheme.area_code):
        raise ValidationFailed(_("兑换活动须在积分方案的区域内"), field="area")
    if ends_at <= starts_at:
        raise ValidationFailed(_("结束时间须晚于开始时间"), field="ends_at")
    event = RedemptionEvent.objects.create(
        scheme=scheme,
        area=area,
        area_code=area.code,
        title=_text(title, field="title", max_length=128, required=True),
        place=_text(place, field="place", max_length=128, required=True),
        starts_at=starts_at,
        ends_at=ends_at,
    )
    audit_record(actor=actor, action="points.event.create", target=event, area_code=area.code)
    return event


@transaction.atomic
def event_offer(*, actor: User, event: RedemptionEvent, item: StoreItem, stock: int | None) -> EventItem:
    """Allot `stock` units of an item from the store to an event (more units on a second call)."""
    rules.require(actor, "store.manage", event.area_code)
    stock = integer(stock, field="stock", minimum=1, maximum=1_000_000)
    if item.scheme_id != event.scheme_id:
        raise ValidationFailed(_("商品与兑换活动不属于同一积分方案"), field="item_id")
    locked = StoreItem.objects.select_for_update().get(pk=item.pk)
    if locked.stock < stock:
        raise ValidationFailed(
            _("「%(name)s」库存只有 %(stock)d") % {"name": locked.name, "stock": locked.stock}, field="stock"
        )
    StoreItem.objects.filter(pk=item.pk).update(stock=F("stock") - stock)
    offer, created = EventItem.objects.select_for_update().get_or_create(
        event=event, item=item, defaults={"stock": stock}
    )
    if not created:
        EventItem.objects.filter(pk=offer.pk).update(stock=F("stock") + stock)
        offer.refresh_from_db()
    return offer
