"""Pages of the points bank, phone first: a resident's points and passbook (with PDF), the store with pickup codes as
QR codes, the public board and rankings; for staff the review and publicity queue, store and event management and
the counter for redemption day. Views parse, call an action or a selector and render; nothing is saved here."""

import datetime as dt
from typing import Any

import segno
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.accounts import rules
from gongzhi.areas.codes import ancestor_codes, code_at
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock, ledger
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.pages import page
from gongzhi.people.models import Household, Partner
from gongzhi.points import selectors, statements
from gongzhi.points.actions.accounts import account_open_for_holder
from gongzhi.points.actions.award_workflow import allowed_actions, award_transition
from gongzhi.points.actions.awards import award_propose
from gongzhi.points.actions.redemption import redemption_cancel, redemption_fulfil, redemption_place
from gongzhi.points.actions.store import event_create, event_offer, item_create
from gongzhi.points.models import (
    AwardState,
    HolderKind,
    ItemKind,
    OrderState,
    PointsAccount,
    PointsRule,
    PointsScheme,
    RedemptionEvent,
    RedemptionOrder,
    StoreItem,
)
from gongzhi.points.pickup import parse_pickup_code

QUEUE_STATES = (
    AwardState.PROPOSED,
    AwardState.REVIEWED,
    AwardState.OBJECTED,
    AwardState.PUBLISHED,
    AwardState.APPEALED,
)


def _own_account(user: Any, *, open_if_missing: bool = False) -> PointsAccount | None:
    """The signed-in resident's account; opened only on a write (a redemption), never by looking."""
    resident = getattr(user, "resident", None)
    if resident is None:
        return None
    accounts = PointsAccount.objects.select_related("ledger_account", "scheme", "household")
    # A person scheme: the resident's own account; a household scheme: the household's.
    account = accounts.filter(resident=resident).first()
    if account is None and resident.household_id is not None:
        account = accounts.filter(household_id=resident.household_id).first()
    if account is None and open_if_missing:
        scheme = selectors.scheme_for_area_code(resident.area_code)
        if scheme is not None and (scheme.holder_kind == HolderKind.PERSON or resident.household_id is not None):
            account = account_open_for_holder(resident=resident)
    return account


def _own_household(user: Any) -> Household | None:
    """The resident's household when it lies under a points scheme, whether or not its account is open yet."""
    resident = getattr(user, "resident", None)
    if resident is None or resident.household_id is None:
        return None
    household = Household.objects.filter(pk=resident.household_id).first()
    if household is None or selectors.scheme_for_area_code(household.area_code) is None:
        return None
    return household


def _int_param(value: str | None, *, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(_("%(field)s 必须是整数") % {"field": field}, field=field) from None


def _qr_svg(text: str) -> str:
    return segno.make(text, error="m").svg_inline(scale=6, border=2)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    # Only a path on this site: never an open redirect.
    return redirect(target if target.startswith("/points/") else fallback)


# ---------------------------------------------------------------------------------------------------------------
# Resident: points, passbook, store


@page()
@require_GET
def my_points(request: HttpRequest) -> HttpResponse:
    account = _own_account(request.user)
    if account is None:
        return _render(request, "points/my_points.html", {"account": None})
    return _passbook_page(request, account, mine=True)


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Every points page carries the tabs its viewer may use (review, store management, counter)."""
    return render(request, template, {**_staff_links(request.user), **context})


def _staff_links(user: Any) -> dict[str, bool]:
    return {
        "can_review": bool(rules.scope_codes(user, "points.review")),
        "can_propose": bool(rules.scope_codes(user, "points.propose")),
        "can_manage": bool(rules.scope_codes(user, "store.manage")),
        "can_counter": bool(rules.scope_codes(user, "store.counter")),
    }


def _passbook_page(request: HttpRequest, account: PointsAccount, *, mine: bool) -> HttpResponse:
    before = _int_param(request.GET.get("before"), field="before")
    lines = statements.passbook(account=account, before_id=before, limit=30)
    context = {
        "account": account,
        "mine": mine,
        "holder": statements.holder_label(account),
        "balance": ledger.balance(account=account.ledger_account),
        "floor": account.ledger_account.floor,
        "lines": lines,
        "next_before": lines[-1].posting_id if len(lines) == 30 else None,
        "awards": account.awards.select_related("rule").order_by("-id")[:20],
        "orders": RedemptionOrder.objects.filter(account=account, state=OrderState.PLACED).select_related(
            "offer__item", "offer__event"
        )[:20],
    }
    if request.headers.get("HX-Request") and before is not None:
        return _render(request, "points/_passbook_rows.html", context)
    return _render(request, "points/my_points.html", context)


@page()
@require_GET
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    account = selectors.account_get(user=request.user, account_id=account_id)
    return _passbook_page(request, account, mine=selectors._is_own(request.user, account))


@page()
@require_GET
def account_pdf(request: HttpRequest, account_id: int) -> HttpResponse:
    from gongzhi.points.pdf import passbook_pdf

    account = selectors.account_get(user=request.user, account_id=account_id)
    lines, truncated = statements.passbook_for_print(account=account)
    body = passbook_pdf(
        scheme_name=account.scheme.name,
        holder=statements.holder_label(account),
        account_code=account.ledger_account.code,
        balance=ledger.balance(account=account.ledger_account),
        lines=lines,
        truncated=truncated,
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="passbook-{account.pk}.pdf"'
    return response


@page()
@require_GET
def store_index(request: HttpRequest) -> HttpResponse:
    account = _own_account(request.user)
    household = _own_household(request.user) if account is None else None
    counter_tops = [top for top in rules.scope_codes(request.user, "store.counter") if top]
    area_code = request.GET.get("area", "") or (
        account.area_code if account else household.area_code if household else counter_tops[0] if counter_tops else ""
    )
    if area_code and not area_code.isdigit():
        raise ValidationFailed(_("区域编码只能包含数字"), field="area")
    if account is None and household is None and area_code:
        rules.require(request.user, "store.counter", area_code)
    offers = selectors.items_on_offer(area_code=area_code) if area_code else []
    events: dict[int, dict[str, Any]] = {}
    for offer in offers:
        events.setdefault(offer.event_id, {"event": offer.event, "offers": []})["offers"].append(offer)
    balance = ledger.balance(account=account.ledger_account) if account else None
    return _render(
        request,
        "points/store.html",
        {
            "account": account,
            "household": household,
            "staff_view": account is None and household is None and bool(area_code),
            "opening": selectors.scheme_for_area_code(household.area_code).opening_balance if household else None,
            "area": Area.objects.filter(code=area_code).first() if area_code else None,
            "balance": balance,
            "spendable": balance - account.ledger_account.floor if account else None,
            "events": list(events.values()),
            "now": clock.now(),
        },
    )


@page()
@require_POST
def store_redeem(request: HttpRequest) -> HttpResponse:
    account = _own_account(request.user, open_if_missing=True)
    if account is None:
        raise PermissionDenied(_("您的登录尚未关联到有积分账户的户，请联系社区"))
    event = RedemptionEvent.objects.filter(pk=_int_param(request.POST.get("event_id"), field="event_id")).first()
    item = StoreItem.objects.filter(pk=_int_param(request.POST.get("item_id"), field="item_id")).first()
    if event is None or item is None:
        raise NotFound(_("兑换活动或商品不存在"), field="item_id")
    quantity = _int_param(request.POST.get("quantity") or "1", field="quantity")
    try:
        order = redemption_place(actor=request.user, account=account, event=event, item=item, quantity=quantity)
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
        return redirect("points:store")
    messages.success(request, _("兑换成功，请凭取货码到兑换点领取"))
    return redirect("points:order", order_id=order.pk)


def _order_visible(request: HttpRequest, order_id: int) -> RedemptionOrder:
    order = RedemptionOrder.objects.select_related("account", "offer__item", "offer__event").filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("兑换订单不存在：%(id)s") % {"id": order_id}, field="order_id")
    if not (
        selectors._is_own(request.user, order.account) or rules.allows(request.user, "store.counter", order.area_code)
    ):
        raise PermissionDenied(_("您没有权限查看该兑换订单"))
    return order


@page()
@require_GET
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order_visible(request, order_id)
    counter_url = request.build_absolute_uri(reverse("points:counter") + f"?code={order.pickup_code}")
    return _render(
        request,
        "points/order.html",
        {"order": order, "qr_svg": _qr_svg(counter_url) if order.state == OrderState.PLACED else ""},
    )


@page()
@require_POST
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        redemption_cancel(actor=request.user, order_id=order_id, reason=request.POST.get("reason", ""))
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已取消，积分已退回"))
    return redirect("points:order", order_id=order_id)


# ---------------------------------------------------------------------------------------------------------------
# Public board and rankings


def _default_area(user: Any, rule: str) -> str:
    account = _own_account(user)
    if account is not None:
        return code_at(account.area_code, AreaLevel.COMMUNITY)
    tops = rules.scope_codes(user, rule)
    return tops[0] if tops and tops[0] else ""


def _area(code: str) -> Area:
    if not code.isdigit():
        raise ValidationFailed(_("区域编码只能包含数字"), field="area")
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise NotFound(_("区域不存在：%(code)s") % {"code": code}, field="area")
    return area


@page()
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """The 公示栏: masked names, open to every signed-in user of the platform (it hangs on the village wall too)."""
    code = request.GET.get("area") or _default_area(request.user, "points.view")
    area = _area(code) if code else None
    rows = statements.public_board(area_code=area.code) if area else []
    return _render(request, "points/board.html", {"area": area, "rows": rows})


@page()
@require_GET
def rankings(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("area") or _default_area(request.user, "points.view")
    area = _area(code) if code else None
    year = request.GET.get("period") != "all"
    since = dt.date(clock.today().year, 1, 1) if year else None
    context = {
        "area": area,
        "year": year,
        "households": statements.ranking_households(area_code=area.code, since=since) if area else [],
        "areas": statements.ranking_areas(area_code=area.code, since=since) if area else [],
        "children": Area.objects.filter(parent__code=area.code).order_by("code") if area else [],
        "parent": area.parent if area else None,
    }
    return _render(request, "points/rankings.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Staff: review and publicity queue


@page("points.propose")
def queue(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    qs = selectors.awards_visible(user=request.user).filter(state__in=[state] if state else QUEUE_STATES)
    awards = list(qs.select_related("rule", "account", "account__household")[:100])
    labels = statements.public_labels(list({a.account_id: a.account for a in awards}.values()))
    can_review = bool(rules.scope_codes(request.user, "points.review"))
    rows = [
        {"award": a, "label": labels[a.account_id], "moves": allowed_actions(a) if can_review else []} for a in awards
    ]
    scheme = PointsScheme.objects.filter(rules.scope_q(request.user, "points.propose")).first()
    if scheme is None:
        # A worker below a street scheme: the scheme over their own area.
        tops = rules.scope_codes(request.user, "points.propose")
        scheme = selectors.scheme_for_area_code(tops[0]) if tops and tops[0] else None
    return _render(
        request,
        "points/queue.html",
        {
            "rows": rows,
            "state": state,
            "states": [(s.value, s.label) for s in AwardState],
            "rules": PointsRule.objects.filter(scheme=scheme, is_active=True) if scheme else [],
            "now": clock.now(),
        },
    )


@page("points.propose")
@require_POST
def queue_propose(request: HttpRequest) -> HttpResponse:
    number = request.POST.get("household", "").strip()
    household = Household.objects.filter(number=number).first()
    try:
        if household is None:
            raise NotFound(_("户编号不存在：%(n)s") % {"n": number}, field="household")
        award = award_propose(
            actor=request.user,
            household=household,
            rule_code=request.POST.get("rule_code", ""),
            points=_int_param(request.POST.get("points"), field="points"),
            evidence=request.POST.get("evidence", ""),
        )
    except (ValidationFailed, NotFound) as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已提议：%(award)s") % {"award": award})
    return redirect("points:queue")


@page("points.propose")
@require_POST
def queue_move(request: HttpRequest, award_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        award = award_transition(
            actor=request.user, award_id=award_id, action=action, note=request.POST.get("note", "")
        )
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("#%(id)s 现为「%(state)s」") % {"id": award.pk, "state": award.get_state_display()})
    return _back(request, reverse("points:queue"))


@page()
@require_POST
def board_object(request: HttpRequest, award_id: int) -> HttpResponse:
    try:
        award_transition(actor=request.user, award_id=award_id, action="object", note=request.POST.get("note", ""))
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("异议已提交，将重新审核"))
    return _back(request, reverse("points:board"))


@page()
@require_POST
def award_appeal(request: HttpRequest, award_id: int) -> HttpResponse:
    try:
        award_transition(actor=request.user, award_id=award_id, action="appeal", note=request.POST.get("note", ""))
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("申诉已提交"))
    return redirect("points:me")


# ---------------------------------------------------------------------------------------------------------------
# Staff: store and event management, counter


def _managed_scheme(user: Any) -> PointsScheme:
    tops = rules.scope_codes(user, "store.manage")
    scheme = PointsScheme.objects.filter(rules.scope_q(user, "store.manage")).first()
    if scheme is None and tops and tops[0]:
        scheme = selectors.scheme_for_area_code(tops[0])
    if scheme is None:
        raise NotFound(_("您的辖区尚未实行积分制度"), field="scheme")
    return scheme


def _local_datetime(value: str, *, field: str) -> dt.datetime:
    parsed = parse_datetime(value or "")
    if parsed is None:
        raise ValidationFailed(_("%(field)s 的时间格式应为 YYYY-MM-DDTHH:MM") % {"field": field}, field=field)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@page("store.manage")
def manage(request: HttpRequest) -> HttpResponse:
    scheme = _managed_scheme(request.user)
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "item":
                sponsor = Partner.objects.filter(pk=_int_param(request.POST.get("sponsor"), field="sponsor")).first()
                item = item_create(
                    actor=request.user,
                    scheme=scheme,
                    name=request.POST.get("name", ""),
                    price=_int_param(request.POST.get("price"), field="price"),
                    stock=_int_param(request.POST.get("stock") or "0", field="stock"),
                    kind=request.POST.get("kind", ItemKind.GOODS),
                    sponsor=sponsor,
                )
                messages.success(request, _("已添加商品：%(name)s") % {"name": item.name})
            elif what == "event":
                event = event_create(
                    actor=request.user,
                    scheme=scheme,
                    area=_area(request.POST.get("area", "")),
                    title=request.POST.get("title", ""),
                    place=request.POST.get("place", ""),
                    starts_at=_local_datetime(request.POST.get("starts_at", ""), field="starts_at"),
                    ends_at=_local_datetime(request.POST.get("ends_at", ""), field="ends_at"),
                )
                messages.success(request, _("已创建兑换活动：%(title)s") % {"title": event.title})
            elif what == "offer":
                event = RedemptionEvent.objects.filter(
                    pk=_int_param(request.POST.get("event_id"), field="event_id"), scheme=scheme
                ).first()
                item = StoreItem.objects.filter(
                    pk=_int_param(request.POST.get("item_id"), field="item_id"), scheme=scheme
                ).first()
                if event is None or item is None:
                    raise NotFound(_("兑换活动或商品不存在"), field="item_id")
                event_offer(
                    actor=request.user,
                    event=event,
                    item=item,
                    stock=_int_param(request.POST.get("stock"), field="stock"),
                )
                messages.success(request, _("已上架到活动"))
            else:
                raise ValidationFailed(_("未知的操作"), field="what")
        except (ValidationFailed, NotFound) as exc:
            messages.error(request, str(exc.message))
        return redirect("points:manage")
    events = list(
        RedemptionEvent.objects.filter(scheme=scheme)
        .prefetch_related("offers__item")
        .annotate(
            placed=Count("offers__orders", filter=Q(offers__orders__state=OrderState.PLACED)),
            fulfilled=Count("offers__orders", filter=Q(offers__orders__state=OrderState.FULFILLED)),
        )
        .order_by("-starts_at")[:20]
    )
    return _render(
        request,
        "points/manage.html",
        {
            "scheme": scheme,
            "items": StoreItem.objects.filter(scheme=scheme).select_related("sponsor"),
            "events": events,
            "partners": Partner.objects.all()[:200],
            "kinds": ItemKind.choices,
            "areas": Area.objects.filter(code__startswith=scheme.area_code, level__in=["street", "community", "grid"])
            .filter(rules.scope_q(request.user, "store.manage", "code"))
            .order_by("code")[:200],
        },
    )


def _counter_events(user: Any) -> list[RedemptionEvent]:
    """Redemption days a counter worker may serve now: events over, at or inside their areas, not long over."""
    tops = rules.scope_codes(user, "store.counter")
    events = RedemptionEvent.objects.filter(ends_at__gt=clock.now() - dt.timedelta(hours=12))
    if "" not in tops:
        q = Q(pk__in=[])
        for top in tops:
            q |= Q(area_code__in=ancestor_codes(top, include_self=False)) | code_range_q(top, "area_code")
        events = events.filter(q)
    return list(events.order_by("starts_at")[:20])


def _counter_problem(order: RedemptionOrder, event: RedemptionEvent | None) -> str:
    """Why this order cannot be handed out here, in words for the worker at the table ("" when it can)."""
    if order.state == OrderState.FULFILLED:
        return _("该订单已于 %(time)s 领取，不能重复领取") % {
            "time": timezone.localtime(order.fulfilled_at).strftime("%m-%d %H:%M")
        }
    if order.state == OrderState.CANCELLED:
        return _("该订单已取消，积分已退回，不能领取")
    if event is not None and order.offer.event_id != event.pk:
        return _("该订单属于兑换活动「%(title)s」，不在本场领取") % {"title": order.offer.event.title}
    return ""


@page("store.counter")
def counter(request: HttpRequest) -> HttpResponse:
    """Redemption day: the camera (qr_scan.js), a keyboard-wedge scanner or the worker's typing puts what was read
    into `code`; the order is shown with the holder masked, and a POST hands the goods over."""
    data = request.POST if request.method == "POST" else request.GET
    events = _counter_events(request.user)
    event_id = _int_param(data.get("event"), field="event")
    event = next((e for e in events if e.pk == event_id), None)
    if event_id is not None and event is None:
        raise NotFound(_("兑换活动不存在或不在您的辖区：%(id)s") % {"id": event_id}, field="event")
    here = reverse("points:counter") + (f"?event={event.pk}" if event else "")
    scanned = (data.get("code") or "").strip()
    order = problem = None
    code = ""
    if scanned or request.method == "POST":
        try:
            code = parse_pickup_code(scanned)
        except ValidationFailed as exc:
            problem = str(exc.message)
    if request.method == "POST":
        if problem:
            messages.error(request, problem)
            return redirect(here)
        try:
            order = redemption_fulfil(actor=request.user, pickup_code=code, event_id=event.pk if event else None)
        except (ValidationFailed, NotFound, PermissionDenied) as exc:
            messages.error(request, str(exc.message))
            return redirect(here + ("&" if event else "?") + f"code={code}")
        messages.success(
            request,
            _("已领取：%(item)s ×%(n)d（取货码 %(code)s）")
            % {"item": order.offer.item.name, "n": order.quantity, "code": order.pickup_code},
        )
        return redirect(here)
    if code:
        order = (
            RedemptionOrder.objects.filter(pickup_code=code)
            .select_related("offer__item", "offer__event", "account")
            .first()
        )
        if order is not None and not rules.allows(request.user, "store.counter", order.area_code):
            order = None  # another area's order looks exactly like an unknown code: nothing leaks
        if order is None:
            problem = _("取货码无效：%(code)s（没有这个订单，或不在您的辖区）") % {"code": code}
        else:
            problem = _counter_problem(order, event)
    holder = statements.public_labels([order.account])[order.account_id] if order else None
    recent = RedemptionOrder.objects.filter(
        rules.scope_q(request.user, "store.counter"), state=OrderState.FULFILLED
    ).select_related("offer__item", "offer__event")
    if event:
        recent = recent.filter(offer__event=event)
    return _render(
        request,
        "points/counter.html",
        {
            "scanned": scanned,
            "code": code,
            "order": order,
            "holder": holder,
            "problem": problem,
            "events": events,
            "event": event,
            "recent": recent.order_by("-fulfilled_at")[:10],
        },
    )
