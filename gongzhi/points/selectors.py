"""Reads of the points bank, each limited to what the user may see. The pages (views.py) and the API (api.py) both
read through these; neither queries the models itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.codes import ancestor_codes, code_at
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock, ledger
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.people.models import Household, Partner, Resident
from gongzhi.points import statements
from gongzhi.points.models import (
    EventItem,
    OrderState,
    PointsAccount,
    PointsAward,
    PointsRule,
    PointsScheme,
    RedemptionEvent,
    RedemptionOrder,
    StoreItem,
)

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

if TYPE_CHECKING:
    from gongzhi.core.models_ledger import Posting


def scheme_for_area_code(area_code: str) -> PointsScheme | None:
    """The active scheme nearest above an area (a community's own scheme wins over its street's)."""
    return (
        PointsScheme.objects.filter(area_code__in=ancestor_codes(area_code), is_active=True)
        .order_by("-area_code")  # the longest code is the nearest
        .first()
    )


def rule_by_code(*, scheme: PointsScheme, code: str) -> PointsRule:
    rule = PointsRule.objects.filter(scheme=scheme, code=(code or "").strip()).first()
    if rule is None or not rule.is_active:
        raise NotFound(
            _("积分规则不存在或已停用：%(code)s（方案：%(scheme)s）") % {"code": code, "scheme": scheme.name},
            field="rule_code",
        )
    return rule


def _resident(user: User) -> Resident | None:
    return getattr(user, "resident", None) if getattr(user, "is_authenticated", False) else None


def is_own_account(user: User, account: PointsAccount) -> bool:
    """The account is the signed-in resident's own, or their household's."""
    resident = _resident(user)
    if resident is None:
        return False
    if account.household_id is not None:
        return resident.household_id == account.household_id
    return resident.pk == account.resident_id


def may_view_account(user: User, account: PointsAccount) -> bool:
    return rules.allows(user, "points.view", account.area_code) or is_own_account(user, account)


def account_get(*, user: User, account_id: int) -> PointsAccount:
    account = (
        PointsAccount.objects.select_related("ledger_account", "scheme", "household", "resident")
        .filter(pk=account_id)
        .first()
    )
    if account is None:
        raise NotFound(_("积分账户不存在：%(id)s") % {"id": account_id}, field="account_id")
    if not may_view_account(user, account):
        raise PermissionDenied(_("您没有权限查看该积分账户"), details={"rule": "points.view"})
    return account


def account_for_holder(
    *, user: User, account_id: int | None = None, household_id: int | None = None, resident_id: int | None = None
) -> PointsAccount:
    """An existing account named by its id, its household or its person (exactly one of them)."""
    given = {
        k: v for k, v in (("account_id", account_id), ("household_id", household_id), ("resident_id", resident_id)) if v
    }
    if len(given) != 1:
        raise ValidationFailed(
            _("请只指定积分账户（account_id）、户（household_id）或居民（resident_id）中的一个"), field="account_id"
        )
    field, value = next(iter(given.items()))
    if field == "account_id":
        return account_get(user=user, account_id=value)
    lookup = {"household_id": value} if field == "household_id" else {"resident_id": value}
    found = PointsAccount.objects.filter(**lookup).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound(
            _("该%(who)s还没有积分账户：%(id)s")
            % {"who": _("户") if field == "household_id" else _("居民"), "id": value},
            field=field,
        )
    return account_get(user=user, account_id=found)


def account_statement(*, account: PointsAccount, before_id: int | None = None, limit: int = 50) -> list[Posting]:
    return ledger.statement(account=account.ledger_account, before_id=before_id, limit=limit)


def award_get(*, user: User, award_id: int) -> PointsAward:
    award = PointsAward.objects.select_related("rule", "account", "scheme").filter(pk=award_id).first()
    if award is None:
        raise NotFound(_("积分奖惩记录不存在：%(id)s") % {"id": award_id}, field="award_id")
    if not (rules.allows(user, "points.view", award.area_code) or is_own_account(user, award.account)):
        raise PermissionDenied(_("您没有权限查看该积分奖惩记录"), details={"rule": "points.view"})
    return award


def awards_visible(*, user: User, state: str | None = None) -> QuerySet[PointsAward]:
    qs = PointsAward.objects.filter(rules.scope_q(user, "points.view"))
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("rule", "account").order_by("-id")


def items_on_offer(*, area_code: str) -> list[EventItem]:
    """Offers of events running now or later over `area_code`, above it (a street's event) or inside it."""
    return list(
        EventItem.objects.filter(
            Q(event__area_code__in=ancestor_codes(area_code)) | code_range_q(area_code, "event__area_code"),
            event__ends_at__gt=clock.now(),
            item__is_active=True,
        )
        .select_related("event", "item", "item__sponsor")
        .order_by("event__starts_at", "item__price", "id")
    )


def offers_for(*, user: User, area_code: str, own_area: str = "") -> list[EventItem]:
    """The offers over `area_code` that the user may look at: around their own home (the area of their account or
    of where they live, and the areas above it), or where they hold `points.view` or `store.counter`."""
    if area_code and not area_code.isdigit():
        raise ValidationFailed(_("区域编码只能包含数字"), field="area")
    resident = _resident(user)
    homes = [code for code in (own_area, resident.area_code if resident else "") if code]
    if not (
        any(home.startswith(area_code) for home in homes)
        or rules.allows(user, "points.view", area_code)
        or rules.allows(user, "store.counter", area_code)
    ):
        raise PermissionDenied(_("您没有权限查看该区域的兑换活动"), field="area", details={"rule": "store.counter"})
    return items_on_offer(area_code=area_code)


def award_holder(
    *, account_id: int | None, household_id: int | None, resident_id: int | None
) -> tuple[PointsAccount | None, Household | None, Resident | None]:
    """Who an award is proposed for: an account, a household or a person (the account may come with either),
    each found or NotFound; exactly who is checked, not whether the user may (award_propose does that)."""
    account = household = resident = None
    if account_id is not None:
        account = PointsAccount.objects.select_related("scheme").filter(pk=account_id).first()
        if account is None:
            raise NotFound(_("积分账户不存在：%(id)s") % {"id": account_id}, field="account_id")
    if household_id is not None:
        household = Household.objects.filter(pk=household_id).first()
        if household is None:
            raise NotFound(_("户不存在：%(id)s") % {"id": household_id}, field="household_id")
    if resident_id is not None:
        resident = Resident.objects.filter(pk=resident_id).first()
        if resident is None:
            raise NotFound(_("居民不存在：%(id)s") % {"id": resident_id}, field="resident_id")
    if account is None and household is None and resident is None:
        raise ValidationFailed(
            _("请指定积分账户（account_id）、户（household_id）或居民（resident_id）"), field="account_id"
        )
    if household is not None and resident is not None:
        raise ValidationFailed(_("户（household_id）与居民（resident_id）只能指定一个"), field="resident_id")
    return account, household, resident


def event_and_item(
    *, event_id: int | None, item_id: int | None, scheme: PointsScheme | None = None
) -> tuple[RedemptionEvent, StoreItem]:
    """The redemption event and the store item a redemption (or an offer) names; NotFound for either, or for one of
    another scheme than `scheme`."""
    events = RedemptionEvent.objects.filter(scheme=scheme) if scheme is not None else RedemptionEvent.objects.all()
    items = StoreItem.objects.filter(scheme=scheme) if scheme is not None else StoreItem.objects.all()
    event = events.filter(pk=event_id).first() if event_id is not None else None
    if event is None:
        raise NotFound(_("兑换活动不存在：%(id)s") % {"id": event_id}, field="event_id")
    item = items.filter(pk=item_id).first() if item_id is not None else None
    if item is None:
        raise NotFound(_("商品不存在：%(id)s") % {"id": item_id}, field="item_id")
    return event, item


def active_rules(*, scheme: PointsScheme) -> list[PointsRule]:
    """The scheme's catalogue as residents and staff see it: the active items, by dimension and code."""
    return list(PointsRule.objects.filter(scheme=scheme, is_active=True).order_by("dimension", "code"))


# ---------------------------------------------------------------------------------------------------------------
# What a signed-in resident has


def own_account(user: User) -> PointsAccount | None:
    """The account the signed-in resident uses: their own in a person scheme, their household's in a household
    scheme (one query; None until it is opened, which only a write does)."""
    resident = _resident(user)
    return own_account_of(resident) if resident is not None else None


def own_account_of(resident: Resident) -> PointsAccount | None:
    holder = Q(resident_id=resident.pk)
    if resident.household_id is not None:
        holder |= Q(household_id=resident.household_id)
    found = list(PointsAccount.objects.select_related("ledger_account", "scheme", "household").filter(holder)[:2])
    return next((a for a in found if a.resident_id == resident.pk), found[0] if found else None)


def own_household(user: User) -> tuple[Household, PointsScheme] | None:
    """The resident's household and the scheme over it, whether or not its account is open yet (None when no scheme
    covers it)."""
    resident = _resident(user)
    if resident is None or resident.household_id is None:
        return None
    household = Household.objects.filter(pk=resident.household_id).first()
    scheme = scheme_for_area_code(household.area_code) if household is not None else None
    if household is None or scheme is None:
        return None
    return household, scheme


def default_area_code(user: User, rule: str) -> str:
    """The area a board or ranking opens on: the resident's community, else the top of the user's scope.

    A scope of everything (the platform admin's) opens on the first top-level area, not on nothing.
    """
    account = own_account(user)
    if account is not None:
        return code_at(account.area_code, AreaLevel.COMMUNITY)
    tops = rules.scope_codes(user, rule)
    if tops == [""]:
        return Area.objects.filter(parent__isnull=True).order_by("code").values_list("code", flat=True).first() or ""
    return tops[0] if tops else ""


# ---------------------------------------------------------------------------------------------------------------
# Page reads


@dataclass(frozen=True)
class AccountPage:
    """One account's page: a page of its passbook, its balance and floor, its latest awards and open orders."""

    account: PointsAccount
    holder: str
    balance: int
    floor: int
    lines: list[statements.PassbookLine]
    next_before: int | None
    awards: list[PointsAward]
    orders: list[RedemptionOrder]


def account_page(*, account: PointsAccount, before_id: int | None = None, limit: int = 30) -> AccountPage:
    lines = statements.passbook(account=account, before_id=before_id, limit=limit)
    return AccountPage(
        account=account,
        holder=statements.holder_label(account),
        # Read with the account (select_related) at the start of this request.
        balance=account.ledger_account.balance,
        floor=account.ledger_account.floor,
        lines=lines,
        next_before=lines[-1].posting_id if len(lines) == limit else None,
        awards=list(account.awards.select_related("rule").order_by("-id")[:20]),
        orders=list(
            RedemptionOrder.objects.filter(account=account, state=OrderState.PLACED).select_related(
                "offer__item", "offer__event"
            )[:20]
        ),
    )


@dataclass(frozen=True)
class StorePage:
    """The store as one user sees it: their account (or their household still without one), the area shown, and
    the events on offer there with their items."""

    account: PointsAccount | None
    household: Household | None
    opening: int | None
    area: Area | None
    area_code: str
    staff_view: bool
    balance: int | None
    spendable: int | None
    events: list[dict[str, Any]]


def store_page(*, user: User, area_code: str = "") -> StorePage:
    account = own_account(user)
    household, scheme = (own_household(user) if account is None else None) or (None, None)
    own_area = account.area_code if account else household.area_code if household else ""
    if not area_code:
        counter_tops = [top for top in rules.scope_codes(user, "store.counter") if top]
        area_code = own_area or (counter_tops[0] if counter_tops else "")
    offers = offers_for(user=user, area_code=area_code, own_area=own_area) if area_code else []
    events: dict[int, dict[str, Any]] = {}
    for offer in offers:
        events.setdefault(offer.event_id, {"event": offer.event, "offers": []})["offers"].append(offer)
    balance = account.ledger_account.balance if account else None
    return StorePage(
        account=account,
        household=household,
        opening=scheme.opening_balance if scheme is not None else None,
        area=Area.objects.filter(code=area_code).first() if area_code else None,
        area_code=area_code,
        staff_view=account is None and household is None and bool(area_code),
        balance=balance,
        spendable=balance - account.ledger_account.floor if account and balance is not None else None,
        events=list(events.values()),
    )


def order_get(*, user: User, order_id: int) -> RedemptionOrder:
    """An order, for its resident or a counter worker of its area."""
    order = RedemptionOrder.objects.select_related("account", "offer__item", "offer__event").filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("兑换订单不存在：%(id)s") % {"id": order_id}, field="order_id")
    if not (is_own_account(user, order.account) or rules.allows(user, "store.counter", order.area_code)):
        raise PermissionDenied(_("您没有权限查看该兑换订单"))
    return order


def area_by_code(code: str) -> Area:
    if not code.isdigit():
        raise ValidationFailed(_("区域编码只能包含数字"), field="area")
    area = Area.objects.filter(code=code).select_related("parent").first()
    if area is None:
        raise NotFound(_("区域不存在：%(code)s") % {"code": code}, field="area")
    return area


def child_areas(area: Area) -> list[Area]:
    return list(Area.objects.filter(parent=area).order_by("code"))


# ---------------------------------------------------------------------------------------------------------------
# Staff reads


def review_queue(*, user: User, states: list[str], limit: int = 100) -> list[tuple[PointsAward, tuple[str, str]]]:
    """Awards in `states` the user may see, newest first, each with its holder's public label."""
    awards = list(
        awards_visible(user=user)
        .filter(state__in=states)
        .select_related("rule", "account", "account__household")[:limit]
    )
    labels = statements.public_labels(list({a.account_id: a.account for a in awards}.values()))
    return [(a, labels[a.account_id]) for a in awards]


def scheme_in_scope(user: User, rule: str) -> PointsScheme | None:
    """The scheme a staff member works in under `rule`: one inside their scope, else the one over their area (a
    worker below a street scheme)."""
    scheme = PointsScheme.objects.filter(rules.scope_q(user, rule)).first()
    if scheme is None:
        tops = rules.scope_codes(user, rule)
        scheme = scheme_for_area_code(tops[0]) if tops and tops[0] else None
    return scheme


def managed_scheme(user: User) -> PointsScheme:
    scheme = scheme_in_scope(user, "store.manage")
    if scheme is None:
        raise NotFound(_("您的辖区尚未实行积分制度"), field="scheme")
    return scheme


def household_by_number(number: str) -> Household:
    household = Household.objects.filter(number=number.strip()).first()
    if household is None:
        raise NotFound(_("户编号不存在：%(n)s") % {"n": number.strip()}, field="household")
    return household


def partner_or_none(partner_id: int | None) -> Partner | None:
    return Partner.objects.filter(pk=partner_id).first() if partner_id is not None else None


@dataclass(frozen=True)
class StoreManagement:
    items: list[StoreItem]
    events: Sequence[RedemptionEvent]  # annotated with their placed and fulfilled order counts
    partners: list[Partner]
    areas: list[Area]


def store_management(*, user: User, scheme: PointsScheme) -> StoreManagement:
    """The management page of a scheme's store: items, the latest 20 events with their offers and order counts,
    the partners who may sponsor, the areas an event may be held in."""
    events = list(
        RedemptionEvent.objects.filter(scheme=scheme)
        .prefetch_related("offers__item")
        .annotate(
            placed=Count("offers__orders", filter=Q(offers__orders__state=OrderState.PLACED)),
            fulfilled=Count("offers__orders", filter=Q(offers__orders__state=OrderState.FULFILLED)),
        )
        .order_by("-starts_at")[:20]
    )
    return StoreManagement(
        items=list(StoreItem.objects.filter(scheme=scheme).select_related("sponsor")),
        events=events,
        partners=list(Partner.objects.all()[:200]),
        areas=list(
            Area.objects.filter(code__startswith=scheme.area_code, level__in=["street", "community", "grid"])
            .filter(rules.scope_q(user, "store.manage", "code"))
            .order_by("code")[:200]
        ),
    )


def counter_events(user: User) -> list[RedemptionEvent]:
    """Redemption days a counter worker may serve now: events over, at or inside their areas, not long over."""
    tops = rules.scope_codes(user, "store.counter")
    events = RedemptionEvent.objects.filter(ends_at__gt=clock.now() - dt.timedelta(hours=12))
    if "" not in tops:
        q = Q(pk__in=[])
        for top in tops:
            q |= Q(area_code__in=ancestor_codes(top, include_self=False)) | code_range_q(top, "area_code")
        events = events.filter(q)
    return list(events.order_by("starts_at")[:20])


def counter_order(*, user: User, code: str) -> RedemptionOrder | None:
    """The order of a pickup code, for a counter worker of its area; None for an unknown code and for another
    area's order alike, so nothing leaks."""
    order = (
        RedemptionOrder.objects.filter(pickup_code=code)
        .select_related("offer__item", "offer__event", "account")
        .first()
    )
    if order is None or not rules.allows(user, "store.counter", order.area_code):
        return None
    return order


def counter_recent(*, user: User, event: RedemptionEvent | None, limit: int = 10) -> list[RedemptionOrder]:
    """The latest orders handed out at the counters the user serves (at one event when given)."""
    recent = RedemptionOrder.objects.filter(
        rules.scope_q(user, "store.counter"), state=OrderState.FULFILLED
    ).select_related("offer__item", "offer__event")
    if event is not None:
        recent = recent.filter(offer__event=event)
    return list(recent.order_by("-fulfilled_at")[:limit])
