"""Appeal pages (mounted at /appeals/): a resident submits and follows their appeals, a grid worker works the
task list, and everyone who may see an appeal reads its detail and makes the moves open to them now.

Thin views: parse the form, call page_actions / page_data / the workflow, render. Domain errors become field
errors next to the form (422), a 403 or 409 message above the form, or the 404 page.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts import rules
from gongzhi.appeals import page_actions, page_data, selectors
from gongzhi.appeals.classifier import suggest_categories
from gongzhi.appeals.forms import SUBMIT_FIELDS, SubmitForm
from gongzhi.appeals.models import AppealPhoto, Category, Channel, Rating
from gongzhi.appeals.workflow import allowed_actions, label, needs_note
from gongzhi.appeals.worklists import worker_tasks
from gongzhi.core import clock
from gongzhi.core.countdown import countdown_text
from gongzhi.core.errors import DomainError, NotFound, ValidationFailed
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

TASK_LIMIT = 100
# The order the move forms appear in: the expected next step first, the exceptional ones after.
MOVE_ORDER = [
    "accept",
    "arrive",
    "handle",
    "verify",
    "fail_verification",
    "close",
    "rate",
    "register",
    "dispatch",
    "return",
    "escalate",
    "suspend",
    "resume",
    "extend",
    "reopen",
    "cancel",
]
NOTE_HINTS = {
    "handle": gettext_lazy("处置情况（必填）"),
    "fail_verification": gettext_lazy("未通过的原因（必填）"),
    "return": gettext_lazy("退单理由（必填）"),
    "escalate": gettext_lazy("上报理由（必填）"),
    "suspend": gettext_lazy("挂起理由（必填）"),
    "extend": gettext_lazy("延期理由（必填）"),
    "reopen": gettext_lazy("返工理由（必填）"),
    "cancel": gettext_lazy("作废理由（必填）"),
}


def _float(value: str | None) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return float("nan")


def _countdown_ctx(appeal: Any, now: Any) -> dict[str, Any] | None:
    c = page_data.countdown(appeal, now=now)
    if c is None:
        return None
    return {
        "label": c.label,
        "at": c.at,
        "iso": timezone.localtime(c.at).isoformat(),
        "seconds": c.seconds,
        "text": countdown_text(c.seconds),
        "overdue": c.overdue,
        "paused": c.paused,
        "kind": c.kind,
    }


# --------------------------------------------------------------------------- submit


def _submit_context(request: UserRequest, *, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "groups": page_data.subcategories(),
        "map_data": page_data.pin_map_data(request.user, lat=values.get("lat"), lng=values.get("lng")),
        "max_photos": page_actions.MAX_PHOTOS_PER_FORM,
        "channel": Channel(page_actions.channel_for(request.user)),
    }


@page()
@require_http_methods(["GET", "POST"])
def submit(request: UserRequest) -> HttpResponse:
    if request.method == "GET":
        values = {"token": uuid.uuid4().hex, "is_public": False}
        return render(request, "appeals/new.html", _submit_context(request, values=values, errors={}))
    form = SubmitForm(request.POST)
    errors = {} if form.is_valid() else form.page_errors()
    if not errors:
        try:
            appeal, created = page_actions.submit_from_page(
                actor=request.user,
                photos=request.FILES.getlist("photos"),
                channel=page_actions.channel_for(request.user),
                **form.submit_kwargs(),
            )
        except ValidationFailed as exc:
            errors[SUBMIT_FIELDS.get(exc.field or "", "form")] = str(exc.message)
        else:
            if created:
                messages.success(request, _("诉求已提交，编号 %(number)s") % {"number": appeal.number})
            else:
                messages.info(request, _("该表单已提交过，这是当时创建的诉求"))
            return redirect("appeals:detail", appeal_id=appeal.pk)
    context = _submit_context(request, values=form.values(), errors=errors)
    return render(request, "appeals/new.html", context, status=422)


@page()
@require_GET
def suggest(request: UserRequest) -> HttpResponse:
    """htmx: up to three subcategories for the text typed so far (the same classifier as the API)."""
    text = request.GET.get("description", "").strip()[:4000]
    rows: list[dict[str, Any]] = []
    if len(text) >= 4:
        names = {c.code: str(c) for c in Category.objects.select_related("parent").filter(is_active=True)}
        rows = [
            {"code": code, "name": names[code], "percent": round(score * 100)}
            for code, score in suggest_categories(text, 3, allowed=names)
        ]
    return render(request, "appeals/_suggestions.html", {"suggestions": rows})


# --------------------------------------------------------------------------- lists


@page()
@require_GET
def mine(request: UserRequest) -> HttpResponse:
    now = clock.now()
    rows = [(a, _countdown_ctx(a, now)) for a in page_data.my_appeals(user=request.user)]
    context = {"rows": rows}
    return render(request, "appeals/mine.html", context)


@page("appeals.handle")
@require_GET
def tasks(request: UserRequest) -> HttpResponse:
    now = clock.now()
    user = request.user
    rows = []
    for appeal in worker_tasks(user=user, limit=TASK_LIMIT):
        moves = allowed_actions(appeal, user)
        rows.append(
            {
                "appeal": appeal,
                "countdown": _countdown_ctx(appeal, now),
                "can": {m: m in moves for m in ("accept", "arrive", "handle")},
            }
        )
    context = {"rows": rows, "limit": TASK_LIMIT}
    return render(request, "appeals/tasks.html", context)


# --------------------------------------------------------------------------- detail and moves


def _moves(appeal: Any, user: User) -> list[dict[str, Any]]:
    allowed = set(allowed_actions(appeal, user))
    return [
        {
            "action": name,
            "label": label(name),
            "needs_note": needs_note(name),
            "note_hint": NOTE_HINTS.get(name, _("说明（选填）")),
        }
        for name in MOVE_ORDER
        if name in allowed
    ]


def _detail_context(request: UserRequest, appeal: Any) -> dict[str, Any]:
    user = request.user
    now = clock.now()
    staff = page_data.may_see_originals(user, appeal)
    is_reporter = appeal.reporter_id == user.pk
    return {
        "appeal": appeal,
        "countdown": _countdown_ctx(appeal, now),
        "timeline": page_data.timeline(appeal),
        "moves": _moves(appeal, user),
        "ratings": Rating.choices,
        "staff": staff,
        "show_contact": is_reporter or rules.allows(user, "people.unmask", appeal.area_code),
        "map_data": page_data.detail_map_data(appeal),
    }


@page()
@require_GET
def detail(request: UserRequest, appeal_id: int) -> HttpResponse:
    appeal = selectors.appeal_get(user=request.user, appeal_id=appeal_id)
    return render(request, "appeals/detail.html", _detail_context(request, appeal))


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _move_data(post: Any, action: str) -> dict[str, Any]:
    """The move's extra data from the form, typed; the workflow validates the values."""
    data: dict[str, Any] = {}
    if action == "rate":
        data["rating"] = post.get("rating", "")
    elif action == "extend":
        raw = post.get("days", "").strip()
        if not raw.isdigit():
            raise ValidationFailed(_("请填写延长天数（1 到 90 的整数）"), field="days")
        data["days"] = int(raw)
    elif action == "arrive":
        lat, lng, accuracy = _float(post.get("lat")), _float(post.get("lng")), _float(post.get("accuracy"))
        if lat is not None and lng is not None:
            data["location"] = {"lat": lat, "lng": lng}
            if accuracy is not None:
                data["location"]["accuracy"] = accuracy
    version = post.get("version", "").strip()
    if version.isdigit():
        data["expected_version"] = int(version)
    return data


@page()
@require_POST
def move(request: UserRequest, appeal_id: int) -> HttpResponse:
    user = request.user
    # 404 before anything else for someone who may not see the appeal.
    appeal = selectors.appeal_get(user=user, appeal_id=appeal_id)
    action = request.POST.get("action", "")
    detail_url = reverse("appeals:detail", args=[appeal.pk])
    try:
        data = _move_data(request.POST, action)
        page_actions.move_from_page(
            actor=user,
            appeal=appeal,
            action=action,
            note=request.POST.get("note", ""),
            photos=request.FILES.getlist("photos"),
            **data,
        )
    except NotFound:
        raise
    except DomainError as exc:
        appeal = selectors.appeal_get(user=user, appeal_id=appeal_id)
        context = _detail_context(request, appeal)
        context["move_error"] = {"action": action, "label": label(action), "message": str(exc.message)}
        return render(request, "appeals/detail.html", context, status=exc.status_code)
    messages.success(request, _("已完成「%(action)s」") % {"action": label(action)})
    return redirect(_next_url(request, detail_url))


@page()
@require_GET
def photo(request: HttpRequest, photo_id: int, original: bool = False) -> HttpResponse | FileResponse:
    """A photo of an appeal the viewer may see: the public copy, or the original for the area's staff."""
    p = AppealPhoto.objects.filter(pk=photo_id).only("appeal_id", "public", "original", "content_type").first()
    if p is None:
        raise Http404
    appeal = selectors.appeal_get(user=request.user, appeal_id=p.appeal_id)
    if original and not page_data.may_see_originals(request.user, appeal):
        raise NotFound(_("照片不存在：%(id)s") % {"id": photo_id}, field="photo_id")
    file = p.original if original else p.public
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound(_("照片不存在：%(id)s") % {"id": photo_id}, field="photo_id") from exc
    response = FileResponse(handle, content_type=p.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
