"""Redemptions at the store: placing an order (offer row lock, stock, balance above the floor, order and audit row,
all or nothing), cancelling it (ledger reversal and stock back) and handing it over at the counter.

A redemption locks the event's offer row (stock) and, inside ledger.post, the holder's account (balance and floor);
both change in one database transaction or neither does.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.core import clock, fsm, ledger
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.text import clean_text as _text
from gongzhi.points import fastpath, selectors
from gongzhi.points.actions.inputs import integer
from gongzhi.points.actions.schemes import system_account
from gongzhi.points.models import (
    AUDIT_REDEMPTION_PLACE,
    KIND_REDEMPTION,
    EventItem,
    OrderState,
    PointsAccount,
    RedemptionEvent,
    RedemptionOrder,
    StoreItem,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

PICKUP_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at the counter


def _require_counter_or_own(user: User, account: PointsAccount) -> None:
    if selectors.is_own_account(user, account) or rules.allows(user, "store.counter", account.area_code):
        return
    raise PermissionDenied(_("只有本户居民或兑换点工作人员可以办理兑换"), details={"rule": "store.counter"})


def _pickup_code() -> str:
    return "".join(secrets.choice(PICKUP_ALPHABET) for _i in range(8))


def redemption_place(
    *, actor: User, account: PointsAccount, event: RedemptionEvent, item: StoreItem, quantity: int
) -> RedemptionOrder:
    """Redeem: offer row lock, stock, balance above the floor, order and audit row, all or nothing."""
    _require_counter_or_own(actor, account)
    quantity = integer(quantity, field="quantity", minimum=1, maximum=100)
    if not account.area_code.startswith(event.area_code):
        raise ValidationFailed(_("该户不在本次兑换活动的范围内"), field="event_id")
    if clock.now() >= event.ends_at:
        raise ValidationFailed(_("兑换活动已结束"), field="event_id")
    pickup_code = _pickup_code()
    if fastpath.available():
        order = fastpath.redemption_place(
            actor=actor,
            account=account,
            event=event,
            item=item,
            quantity=quantity,
            pickup_code=pickup_code,
            memo=f"{item.name} ×{quantity}"[:255],
        )
        if order is not None:
            return order
    # SQLite, or the one statement wrote nothing: the ORM path places the order or raises the exact reason. It tries
    # the same pickup code first, so both paths draw alike (tests/points/test_fastpath_equivalence.py).
    return _redemption_place_orm(
        actor=actor, account=account, event=event, item=item, quantity=quantity, pickup_code=pickup_code
    )


@transaction.atomic
def _redemption_place_orm(
    *, actor: User, account: PointsAccount, event: RedemptionEvent, item: StoreItem, quantity: int, pickup_code: str
) -> RedemptionOrder:
    offer = EventItem.objects.select_for_update().filter(event=event, item=item).select_related("item").first()
    if offer is None or not offer.item.is_active:
        raise NotFound(_("本次兑换活动没有「%(name)s」") % {"name": item.name}, field="item_id")
    if offer.stock < quantity:
        raise ValidationFailed(
            _("「%(name)s」本场库存只剩 %(stock)d") % {"name": offer.item.name, "stock": offer.stock},
            field="quantity",
            details={"stock": offer.stock, "requested": quantity},
        )
    points = offer.item.price * quantity
    redemption = system_account(account.scheme, "redemption", spread=account.pk)
    txn = ledger.post(
        kind=KIND_REDEMPTION,
        lines=[(account.ledger_account, -points), (redemption, points)],
        memo=f"{offer.item.name} ×{quantity}"[:255],
        actor=actor,
    )
    EventItem.objects.filter(pk=offer.pk).update(stock=F("stock") - quantity)
    for attempt in range(5):
        try:
            with transaction.atomic():
                order = RedemptionOrder.objects.create(
                    offer=offer,
                    account=account,
                    area_code=account.area_code,
                    quantity=quantity,
                    points=points,
                    pickup_code=pickup_code if attempt == 0 else _pickup_code(),
                    transaction=txn,
                    placed_by=actor,
                )
            break
        except IntegrityError:
            continue  # a pickup code collision; draw another
    else:
        raise ValidationFailed(_("取货码生成失败，请重试"), field="pickup_code")
    audit_record(actor=actor, action=AUDIT_REDEMPTION_PLACE, target=order, area_code=account.area_code)
    return order


# ---------------------------------------------------------------------------------------------------------------
# An order's lifecycle: placed → fulfilled (handed over at the counter) | cancelled (refunded, restocked).
# Placing creates it (above); every later change is a move of ORDER. Its event rows are audit rows.

Step = fsm.Step[RedemptionOrder, "User"]
OWN_OR_COUNTER = "points.order.own"  # the household (or person) it was placed for, or a counter worker of its area


def _fulfil(step: Step) -> None:
    order = step.obj
    event_id = step.data.get("event_id")
    if event_id is not None and order.offer.event_id != event_id:
        raise ValidationFailed(
            _("该订单属于兑换活动「%(title)s」，不在本场领取") % {"title": order.offer.event.title}, field="event"
        )
    order.fulfilled_at = step.now
    step.fields.add("fulfilled_at")


def _cancel(step: Step) -> None:
    order = step.obj
    # The offer row before the accounts, the order redemption_place takes them in: no deadlock cycle.
    EventItem.objects.filter(pk=order.offer_id).update(stock=F("stock") + order.quantity)
    order.refund = ledger.reverse(
        transaction=order.transaction,
        memo=str(_("取消兑换：%(item)s")) % {"item": order.offer.item.name},
        actor=step.actor,
        reference=f"points:order-cancel:{order.pk}",
    )
    order.cancelled_at = step.now
    step.fields |= {"refund", "cancelled_at"}
    step.event_data["reason"] = step.note


ORDER_MOVES: dict[str, fsm.Move[RedemptionOrder, User]] = {
    "fulfil": fsm.Move(
        {OrderState.PLACED},
        OrderState.FULFILLED,
        "store.counter",
        _fulfil,
        accepts=frozenset({"event_id"}),
        label=gettext_lazy("领取"),
    ),
    "cancel": fsm.Move({OrderState.PLACED}, OrderState.CANCELLED, OWN_OR_COUNTER, _cancel, label=gettext_lazy("取消")),
}


def _authorize_order(
    user: User, order: RedemptionOrder, name: str, move: fsm.Move[RedemptionOrder, User]
) -> PermissionDenied | None:
    try:
        if move.rule == OWN_OR_COUNTER:
            _require_counter_or_own(user, order.account)
        else:
            rules.require(user, move.rule, order.area_code)
    except PermissionDenied as denied:
        return denied
    return None


def _order_event(step: Step) -> AuditEvent:
    return audit_record(
        actor=step.actor,
        action=f"points.redemption.{step.name}",
        target=step.obj,
        area_code=step.obj.area_code,
        data=step.event_data,
    )


ORDER: fsm.Lifecycle[RedemptionOrder, User, AuditEvent] = fsm.Lifecycle(
    model=RedemptionOrder,
    moves=ORDER_MOVES,
    write_event=_order_event,
    authorize=_authorize_order,
    authorize_first=True,  # someone outside the area learns nothing about the order
    noun=gettext_lazy("兑换订单"),
    locked=lambda: RedemptionOrder.objects.select_related("account", "offer", "offer__item", "offer__event"),
    lock_of=("self",),  # the order only; the cancel takes the offer row itself, before the accounts
    not_found=gettext_lazy("兑换订单不存在：%(id)s"),
)


def redemption_cancel(*, actor: User, order_id: int, reason: str = "") -> RedemptionOrder:
    """Refund by reversing the redemption and put the stock back; only an order not yet picked up."""
    reason = _text(reason, field="reason", max_length=200)
    return fsm.transition(ORDER, order_id, "cancel", actor=actor, note=reason).obj


def redemption_fulfil(*, actor: User, pickup_code: str, event_id: int | None = None) -> RedemptionOrder:
    """Hand the goods over at the counter (the pickup code scanned from the resident's QR code). With `event_id`
    the counter serves one redemption day, and an order of another event is refused rather than handed out."""
    code = _text(pickup_code, field="pickup_code", max_length=16, required=True).upper()
    found = RedemptionOrder.objects.filter(pickup_code=code).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound(_("取货码无效：%(code)s") % {"code": code}, field="pickup_code")
    data = {"event_id": event_id} if event_id is not None else {}
    return fsm.transition(ORDER, found, "fulfil", actor=actor, data=data).obj
