"""Staff pages under /appeals/staff/: the dispatch board, staff intake (12345 / 诉速办 / walk-in), the summons
page of one appeal (吹哨) and the department console (报到). Thin: parse, call the actions, render."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.accounts import rules
from gongzhi.accounts.models import Membership, Role
from gongzhi.appeals import actions, selectors, summons
from gongzhi.appeals.models import (
    FINISHED_STATES,
    OPEN_STATES,
    Appeal,
    AppealEvent,
    Category,
    Channel,
    Rating,
    State,
    Summons,
    SummonsState,
    Tier,
)
from gongzhi.appeals.staff_forms import (
    INTAKE_CHANNEL_CHOICES,
    ActForm,
    BoardFilter,
    DepartmentActForm,
    IntakeForm,
    RateForm,
    SummonForm,
    first_error,
)
from gongzhi.appeals.workflow import allowed_actions, label, needs_note
from gongzhi.areas.codes import ancestor_codes
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core import clock
from gongzhi.core.countdown import countdown_text
from gongzhi.core.errors import DomainError, NotFound, PermissionDenied
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.people.models import Department

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

BOARD_RULE = "appeals.dispatch"
PAGE_SIZE = 50
S = State

# The board's queues as the dispatcher reads them; which appeals each holds is selectors.QUEUES (same keys, order).
QUEUE_LABELS: dict[str, Any] = {
    "all": gettext_lazy("全部"),
    "new": gettext_lazy("待登记"),
    "registered": gettext_lazy("待派遣"),
    "active": gettext_lazy("办理中"),
    "overdue": gettext_lazy("超时"),
    "suspended": gettext_lazy("挂起"),
    "handled": gettext_lazy("待核查"),
    "verified": gettext_lazy("待结案"),
    "closed": gettext_lazy("已结案"),
    "cancelled": gettext_lazy("已作废"),
}
assert list(QUEUE_LABELS) == list(selectors.QUEUES), "every queue of selectors.QUEUES has a label, in its order"

# The moves a dispatcher makes from the board (the worker's own moves live on the worker's task page).
BOARD_ACTIONS = [
    "register",
    "dispatch",
    "return",
    "escalate",
    "suspend",
    "resume",
    "extend",
    "verify",
    "fail_verification",
    "close",
    "rate",
    "reopen",
    "cancel",
]


# ---------------------------------------------------------------------------------------------------------------
# Shared bits


def _categories() -> list[Category]:
    return list(
        Category.objects.filter(is_active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )


def eligible_workers(area_code: str) -> list[dict[str, Any]]:
    """People who hold appeals.handle at the appeal's area (at it or above), the closest to the ground first."""
    rows = (
        Membership.objects.filter(
            role__in=rules.RULES["appeals.handle"], area__code__in=ancestor_codes(area_code), user__is_active=True
        )
        .select_related("user", "area")
        .order_by("user_id")
    )
    best: dict[int, Membership] = {}
    for m in rows:
        if m.user_id not in best or len(m.area.code) > len(best[m.user_id].area.code):
            best[m.user_id] = m
    ordered = sorted(best.values(), key=lambda m: (-len(m.area.code), str(m.user)))
    return [{"id": m.user_id, "label": f"{m.user} · {m.get_role_display()} · {m.area.name}"} for m in ordered]


# ---------------------------------------------------------------------------------------------------------------
# The dispatch board


def _row(appeal: Appeal, user: User, *, now: dt.datetime, open_summons: int = 0) -> dict[str, Any]:
    remaining = selectors.remaining_seconds(appeal, at=now)
    moves = [a for a in allowed_actions(appeal, user) if a in BOARD_ACTIONS]
    # Before acceptance the 7135 clock has not started; the 7-minute arrival is what runs then.
    arrive_left = (
        int((appeal.arrive_by - now).total_seconds())
        if appeal.state == S.DISPATCHED and appeal.arrive_by is not None and appeal.due_at is None
        else None
    )
    return {
        "arrive_left": arrive_left,
        "arrive_countdown": countdown_text(arrive_left),
        "appeal": appeal,
        "remaining": remaining,
        "countdown": countdown_text(remaining),
        "overdue": remaining is not None and remaining < 0 and appeal.state in OPEN_STATES,
        "paused": appeal.state == S.SUSPENDED,
        "actions": [{"name": a, "label": label(a)} for a in moves],
        "open_summons": open_summons,
        "may_summon": appeal.state not in FINISHED_STATES and rules.allows(user, "appeals.summon", appeal.area_code),
        "contact": appeal.contact_phone_masked,
    }


@page()
@require_http_methods(["GET"])
def board(request: UserRequest) -> HttpResponse:
    user = request.user
    tops = rules.scope_codes(user, BOARD_RULE)
    if not tops:
        raise PermissionDenied(_("调度台只对有派遣权限（appeals.dispatch）的工作人员开放"))
    form = BoardFilter(request.GET)
    if not form.is_valid():
        raise first_error(form)
    f = form.cleaned_data
    queue = f["queue"] if f["queue"] in selectors.QUEUES else "all"
    now = clock.now()
    # The same selector as the list API, under the dispatch rule, with the board's filters.
    filters = {
        "rule": BOARD_RULE,
        "area": f["area"] or None,
        "category": f["category"] or None,
        "channel": f["channel"] or None,
        "state": f["state"] or None,
        "overdue": True if f["overdue"] else None,
        "text": f["q"] or None,
    }
    counts = selectors.queue_counts(user=user, at=now, **filters)
    rows_qs = selectors.appeals_list(
        user=user, queue=queue, before_id=f["before"], limit=PAGE_SIZE + 1, at=now, **filters
    )
    page = list(rows_qs.select_related("assignee", "area").defer("area__boundary"))
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    summons_open = dict(
        Summons.objects.filter(appeal_id__in=[a.pk for a in page], state__in=summons.OPEN_SUMMONS)
        .values("appeal_id")
        .annotate(n=Count("pk"))
        .values_list("appeal_id", "n")
    )
    rows = [_row(a, user, now=now, open_summons=summons_open.get(a.pk, 0)) for a in page]
    params: dict[str, str | int] = {k: v for k, v in request.GET.dict().items() if k != "before" and v}
    next_url = "?" + urlencode({**params, "before": page[-1].pk}) if more else None
    area_options = selectors.board_areas(user=user, rule=BOARD_RULE)
    context = {
        "rows": rows,
        "queues": [
            {"key": key, "label": lab, "count": counts[key], "url": "?" + urlencode({**params, "queue": key})}
            for key, lab in QUEUE_LABELS.items()
        ],
        "queue": queue,
        "filters": f,
        "params": params,
        "next_url": next_url,
        "first_url": "?" + urlencode(params) if f["before"] else None,
        "area_options": area_options,
        "categories": _categories(),
        "channels": Channel.choices,
        "states": State.choices,
        "may_intake": bool(rules.scope_codes(user, "appeals.intake")),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "board-results":
        return render(request, "appeals/staff/_board_results.html", context)
    return render(request, "appeals/staff/board.html", context)


def _act_context(appeal: Appeal, user: User, action: str) -> dict[str, Any]:
    return {
        "name": action,
        "label": label(action),
        "needs_note": needs_note(action),
        "workers": eligible_workers(appeal.area_code) if action == "dispatch" else [],
        "categories": _categories() if action in ("register", "dispatch") else [],
        "tiers": Tier.choices,
        "ratings": Rating.choices,
    }


def _render_row(
    request: UserRequest,
    appeal_id: int,
    *,
    open_action: str | None = None,
    error: Any = None,
    values: Any = None,
    done: str | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    appeal = selectors.appeal_get(user=user, appeal_id=appeal_id)
    now = clock.now()
    n = Summons.objects.filter(appeal=appeal, state__in=summons.OPEN_SUMMONS).count()
    context = {
        "r": _row(appeal, user, now=now, open_summons=n),
        "form": _act_context(appeal, user, open_action) if open_action else None,
        "error": error,
        "values": values or {},
        "done": done,
    }
    return render(request, "appeals/staff/_row.html", context, status=status)


@page()
@require_http_methods(["GET", "POST"])
def act(request: UserRequest, appeal_id: int) -> HttpResponse:
    """GET ?action=: the row with that move's small form open; POST: make the move and answer the new row."""
    user = request.user
    if not rules.scope_codes(user, BOARD_RULE):
        raise PermissionDenied(_("调度台只对有派遣权限（appeals.dispatch）的工作人员开放"))
    try:
        appeal = selectors.appeal_get(user=user, appeal_id=appeal_id)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    if request.method == "GET":
        action = request.GET.get("action", "")
        if not action:  # closing a form: the row as it stands
            return _render_row(request, appeal.pk)
        if action not in BOARD_ACTIONS or action not in allowed_actions(appeal, user):
            return _render_row(request, appeal.pk, error=_("当前不能执行该操作"), status=422)
        return _render_row(request, appeal.pk, open_action=action)
    form = ActForm(request.POST)
    action = request.POST.get("action", "")
    open_action = action if action in BOARD_ACTIONS else None
    try:
        if action not in BOARD_ACTIONS:
            raise PermissionDenied(_("调度台不能执行「%(action)s」") % {"action": label(action)}, field="action")
        if not form.is_valid():
            raise first_error(form)
        actions.appeal_transition(actor=user, appeal=appeal.pk, **form.transition_kwargs())
    except DomainError as exc:
        if not request.headers.get("HX-Request"):
            messages.error(request, str(exc.message))
            return _back_to_board(appeal)
        still_allowed = open_action in allowed_actions(
            Appeal.objects.select_related("category").get(pk=appeal.pk), user
        )
        return _render_row(
            request,
            appeal.pk,
            open_action=open_action if still_allowed else None,
            error=exc.message,
            values=request.POST,
            status=exc.status_code,
        )
    done = _("已%(action)s") % {"action": label(action)}
    if not request.headers.get("HX-Request"):  # a plain form post (no JavaScript): back to the board
        messages.success(request, f"{appeal.number} {done}")
        return _back_to_board(appeal)
    return _render_row(request, appeal.pk, done=done)


def _back_to_board(appeal: Appeal) -> HttpResponse:
    return redirect(reverse("appeals_staff:board") + "?" + urlencode({"q": appeal.number}))


# ---------------------------------------------------------------------------------------------------------------
# Staff intake


def _intake_context(user: User, form: Any) -> dict[str, Any]:
    micro = list(
        Area.objects.filter(rules.scope_q(user, "appeals.intake", field="code"), level=AreaLevel.MICROGRID)
        .only("code", "name", "point_lat", "point_lng", "boundary")
        .order_by("code")[:2000]
    )
    return {
        "form": form,
        "map_areas": [{"code": m.code, "name": m.name, "boundary": m.boundary} for m in micro if m.boundary],
        "values": form.data if form is not None and form.is_bound else {},
        "microgrids": micro,
        "categories": _categories(),
        "channel_choices": INTAKE_CHANNEL_CHOICES,
        "may_board": bool(rules.scope_codes(user, BOARD_RULE)),
    }


@page()
@require_http_methods(["GET", "POST"])
def intake(request: UserRequest) -> HttpResponse:
    user = request.user
    if not rules.scope_codes(user, "appeals.intake"):
        raise PermissionDenied(_("只有有代录权限（appeals.intake）的工作人员可以登记来电与来访诉求"))
    if request.method == "GET":
        return render(request, "appeals/staff/intake.html", _intake_context(user, None))
    form = IntakeForm(request.POST)
    try:
        if not form.is_valid():
            raise first_error(form)
        submitted = actions.appeal_submit(actor=user, **form.submit_kwargs())
    except DomainError as exc:
        context = {**_intake_context(user, form), "error": exc.message, "error_field": exc.field}
        return render(request, "appeals/staff/intake.html", context, status=exc.status_code)
    appeal = submitted.appeal
    if submitted.created:
        messages.success(
            request,
            _("已登记诉求 %(number)s（%(state)s）") % {"number": appeal.number, "state": appeal.get_state_display()},
        )
    else:
        messages.info(
            request,
            _("外部工单号 %(ref)s 已登记为诉求 %(number)s，已为您打开该诉求")
            % {"ref": appeal.external_ref, "number": appeal.number},
        )
    if rules.allows(user, BOARD_RULE, appeal.area_code):
        return redirect(reverse("appeals_staff:board") + "?" + urlencode({"q": appeal.number}))
    return redirect("appeals_staff:intake")


# ---------------------------------------------------------------------------------------------------------------
# The summons page of one appeal (吹哨)


def _summons_appeal(request: UserRequest, appeal_id: int) -> Appeal:
    try:
        appeal = selectors.appeal_get(user=request.user, appeal_id=appeal_id)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    if not rules.allows(request.user, "appeals.summon", appeal.area_code):
        raise PermissionDenied(_("只有街道或网格（物业类事项）可以为该诉求吹哨"), field="appeal_id")
    return appeal


def _progress_by_summons(appeal_ids: list[int]) -> dict[int, list[AppealEvent]]:
    notes: dict[int, list[AppealEvent]] = {}
    events = AppealEvent.objects.filter(appeal_id__in=appeal_ids, action="summons_progress").order_by(
        "occurred_at", "id"
    )
    for event in events:
        notes.setdefault(event.data.get("summons_id"), []).append(event)
    return notes


def summons_rows(appeal: Appeal, now: dt.datetime) -> list[dict[str, Any]]:
    items = list(appeal.summons.select_related("department", "reported_by").order_by("id"))
    notes = _progress_by_summons([appeal.pk])
    return [_summons_row(s, now, notes.get(s.pk, [])) for s in items]


def _summons_row(s: Summons, now: dt.datetime, notes: list[AppealEvent]) -> dict[str, Any]:
    waiting = s.state == SummonsState.SUMMONED
    left = int((s.report_by - now).total_seconds()) if waiting else None
    return {
        "s": s,
        "left": left,
        "countdown": countdown_text(left) if waiting else "",
        "late_now": waiting and left is not None and left < 0,
        "notes": notes,
    }


def _departments() -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in Department.objects.order_by("name").only("code", "name")]


@page()
@require_http_methods(["GET", "POST"])
def summons_page(request: UserRequest, appeal_id: int) -> HttpResponse:
    appeal = _summons_appeal(request, appeal_id)
    departments = _departments()
    form = SummonForm(departments=departments)
    error = None
    status = 200
    if request.method == "POST":
        form = SummonForm(request.POST, departments=departments)
        try:
            if not form.is_valid():
                raise first_error(form)
            created = summons.summons_create(
                actor=request.user,
                appeal_id=appeal.pk,
                departments=form.cleaned_data["departments"],
                reason=form.cleaned_data["reason"],
                report_minutes=form.cleaned_data["report_minutes"],
            )
        except DomainError as exc:
            error, status = exc.message, exc.status_code
        else:
            messages.success(
                request,
                _("已吹哨召集：%(depts)s") % {"depts": "、".join(s.department.name for s in created)},
            )
            return redirect("appeals_staff:summons", appeal_id=appeal.pk)
    already = set(appeal.summons.values_list("department__code", flat=True))
    context = {
        "appeal": appeal,
        "rows": summons_rows(appeal, clock.now()),
        "departments": [(code, name, code in already) for code, name in departments],
        "form": form,
        "values": request.POST if request.method == "POST" else {},
        "default_minutes": request.POST.get("report_minutes") or 30,
        "error": error,
        "finished": appeal.state in FINISHED_STATES,
        "may_board": rules.allows(request.user, BOARD_RULE, appeal.area_code),
    }
    return render(request, "appeals/staff/summons.html", context, status=status)


@page()
@require_POST
def summons_rate(request: UserRequest, appeal_id: int, summons_id: int) -> HttpResponse:
    appeal = _summons_appeal(request, appeal_id)
    if not Summons.objects.filter(pk=summons_id, appeal=appeal).exists():
        raise Http404
    form = RateForm(request.POST)
    try:
        if not form.is_valid():
            raise first_error(form)
        s = summons.summons_rate(
            actor=request.user,
            summons_id=summons_id,
            score=form.cleaned_data["score"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        response = redirect("appeals_staff:summons", appeal_id=appeal.pk)
        response.status_code = 303
        return response
    messages.success(request, _("已评价「%(dept)s」：%(score)d 分") % {"dept": s.department.name, "score": s.score})
    return redirect("appeals_staff:summons", appeal_id=appeal.pk)


# ---------------------------------------------------------------------------------------------------------------
# The department console (报到)


def _my_departments(user: User) -> list[int]:
    return list(
        Membership.objects.filter(user_id=user.pk, role=Role.DEPARTMENT, department__isnull=False).values_list(
            "department_id", flat=True
        )
    )


def _department_summons(user: User) -> Any:
    return Summons.objects.filter(
        rules.scope_q(user, "appeals.report_in"), department_id__in=_my_departments(user)
    ).select_related("department", "appeal", "appeal__category", "appeal__category__parent")


@page()
@require_http_methods(["GET"])
def department(request: UserRequest) -> HttpResponse:
    user = request.user
    if not rules.scope_codes(user, "appeals.report_in"):
        raise PermissionDenied(_("部门报到台只对被召集部门的工作人员（appeals.report_in）开放"))
    now = clock.now()
    mine = _department_summons(user)
    open_items = list(mine.filter(state__in=summons.OPEN_SUMMONS).order_by("report_by", "id")[:200])
    done_items = list(mine.exclude(state__in=summons.OPEN_SUMMONS).order_by("-summoned_at", "-id")[:20])
    notes = _progress_by_summons(sorted({s.appeal_id for s in open_items}))
    context = {
        "open_rows": [_summons_row(s, now, notes.get(s.pk, [])) for s in open_items],
        "done_rows": [_summons_row(s, now, []) for s in done_items],
        "has_department": bool(_my_departments(user)),
    }
    return render(request, "appeals/staff/department.html", context)


@page()
@require_POST
def department_act(request: UserRequest, summons_id: int) -> HttpResponse:
    user = request.user
    if not rules.scope_codes(user, "appeals.report_in"):
        raise PermissionDenied(_("部门报到台只对被召集部门的工作人员（appeals.report_in）开放"))
    if not _department_summons(user).filter(pk=summons_id).exists():
        raise Http404(_("吹哨记录不存在：%(id)s") % {"id": summons_id})
    form = DepartmentActForm(request.POST)
    error, status, done = None, 200, None
    try:
        if not form.is_valid():
            raise first_error(form)
        action, note = form.cleaned_data["action"], form.cleaned_data["note"]
        if action == "report_in":
            s = summons.summons_report_in(actor=user, summons_id=summons_id, note=note)
            done = _("已报到（迟到）") if s.late else _("已报到")
        elif action == "progress":
            summons.summons_progress(actor=user, summons_id=summons_id, note=note)
            done = _("已记录进展")
        else:
            summons.summons_result(actor=user, summons_id=summons_id, result=form.cleaned_data["result"])
            done = _("已反馈处理结果")
    except DomainError as exc:
        error, status = exc.message, exc.status_code
    s = _department_summons(user).get(pk=summons_id)
    notes = _progress_by_summons([s.appeal_id]).get(s.pk, [])
    context = {"row": _summons_row(s, clock.now(), notes), "error": error, "done": done, "values": request.POST}
    return render(request, "appeals/staff/_dept_card.html", context, status=status)
