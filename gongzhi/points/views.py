"""Pages of the points bank, phone first: a resident's points and passbook (with PDF), the store with pickup codes as
QR codes, the public board and rankings; for staff the review and publicity queue, store and event management and
the counter for redemption day. Views parse, call an action or a selector (points/selectors.py, which the API reads
through too) and render; nothing is read from the models or saved here."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.accounts import rules
from gongzhi.core import clock, ledger
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.points import selectors, statements
from gongzhi.points.actions.accounts import account_open_for_own_use
from gongzhi.points.actions.award_workflow import allowed_actions, award_transition
from gongzhi.points.actions.awards import award_propose
from gongzhi.points.actions.redemption import redemption_cancel, redemption_fulfil, redemption_place
from gongzhi.points.actions.store import event_create, event_offer, item_create
from gongzhi.points.models import AwardState, ItemKind, OrderState, PointsAccount, RedemptionEvent, RedemptionOrder
from gongzhi.points.pickup import parse_pickup_code

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

QUEUE_STATES = (
    AwardState.PROPOSED,
    AwardState.REVIEWED,
    AwardState.OBJECTED,
    AwardState.PUBLISHED,
    AwardState.APPEALED,
)


def _int_param(value: str | None, *, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(_("%(field)s 必须是整数") % {"field": field}, field=field) from None


def _required_int(value: str | None, *, field: str) -> int:
    """An integer the action needs; a missing one is refused in the words the action uses for a non-integer."""
    number = _int_param(value, field=field)
    if number is None:
        raise ValidationFailed(_("%(field)s 必须是整数") % {"field": field}, field=field)
    return number


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
def my_points(request: UserRequest) -> HttpResponse:
    account = selectors.own_account(request.user)
    if account is None and request.user.has_perm("points.view"):
        # Staff hold no household account: the 积分 tab opens the area's rankings, where their points work starts.
        return redirect("points:rankings")
    if account is None:
        return _render(request, "points/my_points.html", {"account": None})
    return _passbook_page(request, account, mine=True)


def _render(request: UserRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Every points page carries the tabs its viewer may use (review, store management, counter)."""
    return render(request, template, {**_staff_links(request.user), **context})


def _staff_links(user: User) -> dict[str, bool]:
    return {
        "can_review": bool(rules.scope_codes(user, "points.review")),
        "can_propose": bool(rules.scope_codes(user, "points.propose")),
        "can_manage": bool(rules.scope_codes(user, "store.manage")),
        "can_counter": bool(rules.scope_codes(user, "store.counter")),
    }


def _fields(data: Any) -> dict[str, Any]:
    """A selector's page dataclass as template context (shallow: the model objects stay as they are)."""
    return {f.name: getattr(data, f.name) for f in dataclasses.fields(data)}


def _passbook_page(request: UserRequest, account: PointsAccount, *, mine: bool) -> HttpResponse:
    before = _int_param(request.GET.get("before"), field="before")
    context = {**_fields(selectors.account_page(account=account, before_id=before)), "mine": mine}
    if request.headers.get("HX-Request") and before is not None:
        return _render(request, "points/_passbook_rows.html", context)
    return _render(request, "points/my_points.html", context)


@page()
@require_GET
def account_detail(request: UserRequest, account_id: int) -> HttpResponse:
    account = selectors.account_get(user=request.user, account_id=account_id)
    return _passbook_page(request, account, mine=selectors.is_own_account(request.user, account))


@page()
@require_GET
def account_pdf(request: UserRequest, account_id: int) -> HttpResponse:
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
def store_index(request: UserRequest) -> HttpResponse:
    store = selectors.store_page(user=request.user, area_code=request.GET.get("area", ""))
    return _render(request, "points/store.html", {**_fields(store), "now": clock.now()})


@page()
@require_POST
def store_redeem(request: UserRequest) -> HttpResponse:
    resident = getattr(request.user, "resident", None)
    account = account_open_for_own_use(resident=resident) if resident is not None else None
    if account is None:
        raise PermissionDenied(_("您的登录尚未关联到有积分账户的户，请联系社区"))
    event, item = selectors.event_and_item(
        event_id=_int_param(request.POST.get("event_id"), field="event_id"),
        item_id=_int_param(request.POST.get("item_id"), field="item_id"),
    )
    quantity = _required_int(request.POST.get("quantity") or "1", field="quantity")
    try:
        order = redemption_place(actor=request.user, account=account, event=event, item=item, quantity=quantity)
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
        return redirect("points:store")
    messages.success(request, _("兑换成功，请凭取货码到兑换点领取"))
    return redirect("points:order", order_id=order.pk)


@page()
@require_GET
def order_detail(request: UserRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get(user=request.user, order_id=order_id)
    counter_url = request.build_absolute_uri(reverse("points:counter") + f"?code={order.pickup_code}")
    return _render(
        request,
        "points/order.html",
        {"order": order, "qr_svg": _qr_svg(counter_url) if order.state == OrderState.PLACED else ""},
    )


@page()
@require_POST
def order_cancel(request: UserRequest, order_id: int) -> HttpResponse:
    try:
        redemption_cancel(actor=request.user, order_id=order_id, reason=request.POST.get("reason", ""))
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已取消，积分已退回"))
    return redirect("points:order", order_id=order_id)


# ---------------------------------------------------------------------------------------------------------------
# Public board and rankings


@page()
@require_GET
def board(request: UserRequest) -> HttpResponse:
    """The 公示栏: masked names, open to every signed-in user of the platform (it hangs on the village wall too)."""
    code = request.GET.get("area") or selectors.default_area_code(request.user, "points.view")
    area = selectors.area_by_code(code) if code else None
    rows = statements.public_board(area_code=area.code) if area else []
    return _render(request, "points/board.html", {"area": area, "rows": rows})


@page()
@require_GET
def rankings(request: UserRequest) -> HttpResponse:
    code = request.GET.get("area") or selectors.default_area_code(request.user, "points.view")
    area = selectors.area_by_code(code) if code else None
    year = request.GET.get("period") != "all"
    since = dt.date(clock.today().year, 1, 1) if year else None
    context = {
        "area": area,
        "year": year,
        "households": statements.ranking_households(area_code=area.code, since=since) if area else [],
        "areas": statements.ranking_areas(area_code=area.code, since=since) if area else [],
        "children": selectors.child_areas(area) if area else [],
        "parent": area.parent if area else None,
    }
    return _render(request, "points/rankings.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Staff: review and publicity queue


@page("points.propose")
def queue(request: UserRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    can_review = bool(rules.scope_codes(request.user, "points.review"))
    rows = [
        {"award": award, "label": label, "moves": allowed_actions(award) if can_review else []}
        for award, label in selectors.review_queue(user=request.user, states=[state] if state else list(QUEUE_STATES))
    ]
    scheme = selectors.scheme_in_scope(request.user, "points.propose")
    return _render(
        request,
        "points/queue.html",
        {
            "rows": rows,
            "state": state,
            "states": [(s.value, s.label) for s in AwardState],
            "rules": selectors.active_rules(scheme=scheme) if scheme else [],
            "now": clock.now(),
        },
    )


@page("points.propose")
@require_POST
def queue_propose(request: UserRequest) -> HttpResponse:
    try:
        household = selectors.household_by_number(request.POST.get("household", ""))
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
def queue_move(request: UserRequest, award_id: int) -> HttpResponse:
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
def board_object(request: UserRequest, award_id: int) -> HttpResponse:
    try:
        award_transition(actor=request.user, award_id=award_id, action="object", note=request.POST.get("note", ""))
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("异议已提交，将重新审核"))
    return _back(request, reverse("points:board"))


@page()
@require_POST
def award_appeal(request: UserRequest, award_id: int) -> HttpResponse:
    try:
        award_transition(actor=request.user, award_id=award_id, action="appeal", note=request.POST.get("note", ""))
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("申诉已提交"))
    return redirect("points:me")


# ---------------------------------------------------------------------------------------------------------------
# Staff: store and event management, counter


def _local_datetime(value: str, *, field: str) -> dt.datetime:
    parsed = parse_datetime(value or "")
    if parsed is None:
        raise ValidationFailed(_("%(field)s 的时间格式应为 YYYY-MM-DDTHH:MM") % {"field": field}, field=field)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@page("store.manage")
def manage(request: UserRequest) -> HttpResponse:
    scheme = selectors.managed_scheme(request.user)
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "item":
                sponsor = selectors.partner_or_none(_int_param(request.POST.get("sponsor"), field="sponsor"))
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
                    area=selectors.area_by_code(request.POST.get("area", "")),
                    title=request.POST.get("title", ""),
                    place=request.POST.get("place", ""),
                    starts_at=_local_datetime(request.POST.get("starts_at", ""), field="starts_at"),
                    ends_at=_local_datetime(request.POST.get("ends_at", ""), field="ends_at"),
                )
                messages.success(request, _("已创建兑换活动：%(title)s") % {"title": event.title})
            elif what == "offer":
                event, item = selectors.event_and_item(
                    event_id=_int_param(request.POST.get("event_id"), field="event_id"),
                    item_id=_int_param(request.POST.get("item_id"), field="item_id"),
                    scheme=scheme,
                )
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
    return _render(
        request,
        "points/manage.html",
        {
            "scheme": scheme,
            "kinds": ItemKind.choices,
            **_fields(selectors.store_management(user=request.user, scheme=scheme)),
        },
    )


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
def counter(request: UserRequest) -> HttpResponse:
    """Redemption day: the camera (qr_scan.js), a keyboard-wedge scanner or the worker's typing puts what was read
    into `code`; the order is shown with the holder masked, and a POST hands the goods over."""
    data = request.POST if request.method == "POST" else request.GET
    events = selectors.counter_events(request.user)
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
        order = selectors.counter_order(user=request.user, code=code)
        if order is None:
            problem = _("取货码无效：%(code)s（没有这个订单，或不在您的辖区）") % {"code": code}
        else:
            problem = _counter_problem(order, event)
    holder = statements.public_labels([order.account])[order.account_id] if order else None
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
            "recent": selectors.counter_recent(user=request.user, event=event),
        },
    )
