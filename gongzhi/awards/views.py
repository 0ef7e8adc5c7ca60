"""Pages, phone first for residents: the schemes, a scheme's results with each score's explanation (street staff
confirm, reject and publish there), the vote page of an honour with its nomination form, and the new-scheme form.
Every write calls the same action as the API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts import rules
from gongzhi.awards import scoring, selectors
from gongzhi.awards.actions.compute import scheme_compute
from gongzhi.awards.actions.honours import nomination_create, vote_cast
from gongzhi.awards.actions.schemes import scheme_create
from gongzhi.awards.actions.workflow import RESULT, result_move, results_publish
from gongzhi.awards.models import PeriodKind, ResultState, SchemeKind
from gongzhi.core import clock
from gongzhi.core.errors import DomainError, ValidationFailed
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@page()
@require_GET
def home(request: UserRequest) -> HttpResponse:
    user = request.user
    schemes = selectors.schemes_visible(user=user)
    return render(
        request,
        "awards/home.html",
        {
            "schemes": schemes,
            "open_votes": [s for s in schemes if s.kind == SchemeKind.HONOUR and s.voting_open()],
            "can_configure": bool(rules.scope_codes(user, selectors.CONFIGURE)),
            "is_resident": bool(selectors.communities_of(user)),
        },
    )


@page()
@require_GET
def scheme_detail(request: UserRequest, scheme_id: int) -> HttpResponse:
    user = request.user
    scheme = selectors.scheme_get(user=user, scheme_id=scheme_id)
    state = request.GET.get("state") or None
    results = list(selectors.results_for(user=user, scheme=scheme, state=state)[:500])
    for r in results:
        moves = RESULT.allowed(r, user) if rules.allows(user, selectors.VIEW, r.area_code) else []
        r.moves = [(n, RESULT.label(n)) for n in moves]  # type: ignore[attr-defined]  # for the template
    return render(
        request,
        "awards/scheme.html",
        {
            "scheme": scheme,
            "results": results,
            "state": state,
            "states": ResultState.choices,
            "can_configure": rules.allows(user, selectors.CONFIGURE, scheme.area_code),
            "can_confirm": bool(rules.scope_codes(user, selectors.CONFIRM)),
            "confirmed": sum(1 for r in results if r.state == ResultState.CONFIRMED),
            "is_resident": bool(selectors.communities_of(user)),
        },
    )


@page(selectors.CONFIGURE)
@require_POST
def scheme_compute_page(request: UserRequest, scheme_id: int) -> HttpResponse:
    counts = scheme_compute(actor=request.user, scheme_id=scheme_id)
    messages.success(
        request, _("已计算：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d，已审核保留 %(kept)d") % counts
    )
    return redirect("awards:scheme", scheme_id=scheme_id)


@page(selectors.CONFIRM)
@require_POST
def scheme_publish_page(request: UserRequest, scheme_id: int) -> HttpResponse:
    published = results_publish(actor=request.user, scheme_id=scheme_id)
    messages.success(request, _("已公示 %(n)d 条结果到公示栏") % {"n": len(published)})
    return redirect("awards:scheme", scheme_id=scheme_id)


@page(selectors.CONFIRM)
@require_POST
def result_move_page(request: UserRequest, result_id: int) -> HttpResponse:
    result = selectors.result_get(user=request.user, result_id=result_id)
    action = request.POST.get("action", "")
    try:
        result_move(
            actor=request.user,
            result_id=result_id,
            action=action,
            note=request.POST.get("note", ""),
            expected_version=_int(request.POST.get("version")),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(name)s：%(action)s") % {"name": result.subject_name, "action": RESULT.label(action)}
        )
    return redirect("awards:scheme", scheme_id=result.scheme_id)


def _vote_context(request: UserRequest, scheme_id: int) -> dict[str, Any]:
    user = request.user
    scheme = selectors.scheme_get(user=user, scheme_id=scheme_id)
    if scheme.kind != SchemeKind.HONOUR:
        raise ValidationFailed(_("这项评选不需要投票"), field="scheme_id")
    mine = selectors.my_vote(user=user, scheme=scheme)
    homes = selectors.communities_of(user)
    return {
        "scheme": scheme,
        "nominations": list(selectors.nominations_for(user=user, scheme=scheme)),
        "my_vote": mine,
        "can_vote": bool(homes) and mine is None and scheme.voting_open(),
        "can_nominate": bool(homes) and (scheme.votes_close_at is None or clock.now() < scheme.votes_close_at),
        "voting_open": scheme.voting_open(),
        "form": request.POST,
    }


@page()
@require_GET
def vote_page(request: UserRequest, scheme_id: int) -> HttpResponse:
    return render(request, "awards/vote.html", _vote_context(request, scheme_id))


@page(selectors.PARTICIPATE)
@require_POST
def vote_cast_page(request: UserRequest, nomination_id: int) -> HttpResponse:
    from gongzhi.awards.models import Nomination

    scheme_id = Nomination.objects.filter(pk=nomination_id).values_list("scheme_id", flat=True).first()
    try:
        vote = vote_cast(actor=request.user, nomination_id=nomination_id)
    except DomainError as exc:
        if scheme_id is None:
            raise
        context = _vote_context(request, scheme_id)
        context["error"] = exc.message
        return render(request, "awards/vote.html", context, status=exc.status_code)
    messages.success(request, _("投票成功：%(n)s") % {"n": vote.nomination.nominee_name})
    return redirect("awards:vote", scheme_id=vote.scheme_id)


@page(selectors.PARTICIPATE)
@require_POST
def nominate_page(request: UserRequest, scheme_id: int) -> HttpResponse:
    try:
        nomination = nomination_create(
            actor=request.user,
            scheme_id=scheme_id,
            nominee_name=request.POST.get("nominee_name", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        context = _vote_context(request, scheme_id)
        context["nominate_error"] = exc.message
        context["error_field"] = exc.field
        return render(request, "awards/vote.html", context, status=exc.status_code)
    messages.success(request, _("已提名：%(n)s") % {"n": nomination.nominee_name})
    return redirect("awards:vote", scheme_id=scheme_id)


def _datetime(value: str | None, field: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        return timezone.make_aware(dt.datetime.fromisoformat(value))
    except ValueError:
        raise ValidationFailed(_("时间格式应为 YYYY-MM-DDTHH:MM"), field=field) from None


@page(selectors.CONFIGURE)
@require_http_methods(["GET", "POST"])
def scheme_new(request: UserRequest) -> HttpResponse:
    kind = request.POST.get("kind") or request.GET.get("kind") or SchemeKind.PARTY_STARS
    streets = rules.scope_codes(request.user, selectors.CONFIGURE)
    from gongzhi.areas.models import Area

    context: dict[str, Any] = {
        "kinds": SchemeKind.choices,
        "periods": PeriodKind.choices,
        "kind": kind,
        "streets": Area.objects.filter(level="street")
        .filter(rules.scope_q(request.user, selectors.CONFIGURE, "code"))
        .order_by("code")[:50],
        "defaults": {
            k: json.dumps(scoring.default_config(k), ensure_ascii=False) for k in ("party_stars", "grid_stars")
        },
        "form": request.POST,
        "this_year": clock.today().year,
    }
    if request.method == "POST":
        try:
            raw = (request.POST.get("config") or "").strip()
            try:
                config = json.loads(raw) if raw else {}
            except json.JSONDecodeError:
                raise ValidationFailed(_("评分规则不是有效的 JSON"), field="config") from None
            scheme = scheme_create(
                actor=request.user,
                kind=kind,
                name=request.POST.get("name", ""),
                area_code=request.POST.get("area_code") or (streets[0] if len(streets) == 1 else ""),
                period_kind=request.POST.get("period_kind", ""),
                year=_int(request.POST.get("year")) or 0,
                quarter=_int(request.POST.get("quarter")),
                config=config,
                votes_open_at=_datetime(request.POST.get("votes_open_at"), "votes_open_at"),
                votes_close_at=_datetime(request.POST.get("votes_close_at"), "votes_close_at"),
                winners_per_community=_int(request.POST.get("winners_per_community")) or 3,
                points_rule=request.POST.get("points_rule", ""),
            )
        except DomainError as exc:
            context["error"] = exc.message
            context["error_field"] = exc.field
            return render(request, "awards/new.html", context, status=exc.status_code)
        messages.success(request, _("已创建评选：%(n)s") % {"n": scheme.name})
        return redirect("awards:scheme", scheme_id=scheme.pk)
    return render(request, "awards/new.html", context)
