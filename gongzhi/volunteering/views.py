"""Pages, phone first: activities and sign-up, scanning the organiser's code, the organiser's page, records,
certificates and their public verification, teams and brands."""

import datetime as dt
from typing import Any

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts import rules
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core.errors import DomainError, PermissionDenied
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.volunteering import codes, selectors
from gongzhi.volunteering.actions import signups
from gongzhi.volunteering.actions.activities import cover_call
from gongzhi.volunteering.actions.certificates import certificate_issue
from gongzhi.volunteering.actions.checkin import checkin, checkout, checkout_all
from gongzhi.volunteering.actions.hours import hours_confirm
from gongzhi.volunteering.actions.volunteers import volunteer_register
from gongzhi.volunteering.models import (
    Activity,
    VolunteerKind,
)
from gongzhi.volunteering.pdf import certificate_pdf


def _activity(request: HttpRequest, activity_id: int) -> Activity:
    return selectors.activity_get(activity_id=activity_id)


@page()
@require_GET
def activity_list(request: UserRequest) -> HttpResponse:
    me = selectors.volunteer_for_user(request.user)
    activities = list(selectors.activities_list(upcoming=True, limit=100))
    mine = selectors.active_signups_by_activity(me, activities) if me is not None else {}
    rows = [{"activity": a, "signup": mine.get(a.pk), "full": a.confirmed >= a.capacity} for a in activities]
    return render(
        request,
        "volunteering/activity_list.html",
        {"rows": rows, "me": me, "can_organise": bool(rules.scope_codes(request.user, "volunteering.organise"))},
    )


@page()
@require_GET
def activity_detail(request: UserRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    me = selectors.volunteer_for_user(request.user)
    signup = None
    problems: list[tuple[str, str]] = []
    if me is not None:
        signup = selectors.active_signup(activity, me)
        if signup is None:
            problems = selectors.eligibility_problems(activity, me)
    return render(
        request,
        "volunteering/activity_detail.html",
        {
            "activity": activity,
            "me": me,
            "signup": signup,
            "position": selectors.waitlist_position(signup) if signup else None,
            "problems": [m for _f, m in problems],
            "confirmed": selectors.confirmed_count(activity),
            "is_organiser": selectors.is_organiser(request.user, activity),
            "parts": activity.parts.order_by("starts_at", "id"),
        },
    )


@page()
@require_POST
def activity_signup(request: UserRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    me = selectors.volunteer_for_user(request.user)
    if me is None:
        return redirect(reverse("volunteering:register") + f"?next={activity.pk}")
    try:
        signup = signups.signup_create(actor=request.user, activity_id=activity.pk, volunteer=me)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("报名成功：%(status)s") % {"status": signup.get_status_display()})
    return redirect("volunteering:activity", activity_id=activity.pk)


@page()
@require_POST
def signup_cancel(request: UserRequest, signup_id: int) -> HttpResponse:
    try:
        signup = selectors.signup_get(signup_id=signup_id)
    except DomainError as exc:
        raise Http404(str(exc.message)) from exc
    try:
        signups.signup_cancel(actor=request.user, signup_id=signup.pk, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已取消报名"))
    target = request.POST.get("next") == "organise"
    return redirect("volunteering:organise" if target else "volunteering:activity", activity_id=signup.activity_id)


@page()
@require_http_methods(["GET", "POST"])
def scan(request: UserRequest, activity_id: int) -> HttpResponse:
    """Where the QR code leads: the volunteer confirms, the phone adds its location, and the code is checked."""
    activity = _activity(request, activity_id)
    code = request.POST.get("code") or request.GET.get("code", "")
    purpose = "out" if ".out." in code else "in"
    me = selectors.volunteer_for_user(request.user)
    context: dict[str, Any] = {"activity": activity, "code": code, "purpose": purpose, "me": me}
    if request.method == "POST":
        if me is None:
            return redirect("volunteering:register")
        lat, lng = _float(request.POST.get("lat")), _float(request.POST.get("lng"))
        try:
            do = checkin if purpose == "in" else checkout
            attendance = do(actor=request.user, activity_id=activity.pk, volunteer=me, code=code, lat=lat, lng=lng)
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "volunteering/scan.html", context, status=exc.status_code)
        context["done"] = attendance
    return render(request, "volunteering/scan.html", context)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _organiser_activity(request: UserRequest, activity_id: int) -> Activity:
    activity = _activity(request, activity_id)
    if not selectors.is_organiser(request.user, activity):
        raise PermissionDenied(_("只有活动「%(title)s」的组织者可以打开此页") % {"title": activity.title})
    return activity


def _qr_context(request: HttpRequest, activity: Activity, purpose: str) -> dict[str, Any]:
    code = codes.make(activity_id=activity.pk, salt=activity.qr_salt, purpose=purpose)
    url = request.build_absolute_uri(reverse("volunteering:scan", args=[activity.pk])) + f"?code={code}"
    svg = segno.make(url, error="m").svg_inline(scale=6, border=2)
    return {"activity": activity, "purpose": purpose, "qr_svg": svg, "seconds_left": codes.seconds_left()}


@page()
@require_GET
def organise(request: UserRequest, activity_id: int) -> HttpResponse:
    activity = _organiser_activity(request, activity_id)
    purpose = "out" if request.GET.get("purpose") == "out" else "in"
    rows = selectors.attendance_rows(activity)
    context = {
        **_qr_context(request, activity, purpose),
        "rows": rows,
        "confirmed": sum(1 for r in rows if r["signup"].status == "confirmed"),
        "checked_in": sum(1 for r in rows if r["attendance"]),
        "to_confirm": [
            r for r in rows if r["attendance"] and r["attendance"].checked_out_at and not r["attendance"].confirmed_at
        ],
        "pending": [r for r in rows if r["signup"].status == "pending"],
    }
    return render(request, "volunteering/organise.html", context)


@page()
@require_GET
def organise_qr(request: UserRequest, activity_id: int) -> HttpResponse:
    activity = _organiser_activity(request, activity_id)
    purpose = "out" if request.GET.get("purpose") == "out" else "in"
    return render(request, "volunteering/_qr.html", _qr_context(request, activity, purpose))


@page()
@require_POST
def organise_action(request: UserRequest, activity_id: int) -> HttpResponse:
    """The organiser's buttons: bulk check-out, confirm hours, approve/reject, call for cover."""
    activity = _organiser_activity(request, activity_id)
    op = request.POST.get("op", "")
    try:
        if op == "checkout_all":
            done = checkout_all(actor=request.user, activity_id=activity.pk)
            messages.success(request, _("已为 %(n)s 人统一签退") % {"n": len(done)})
        elif op == "confirm":
            items = []
            for raw in request.POST.getlist("attendance"):
                if not raw.isdigit():
                    continue
                rating = request.POST.get(f"rating_{raw}", "")
                items.append(
                    {
                        "attendance_id": int(raw),
                        "rating": int(rating) if rating.isdigit() else None,
                        "comment": request.POST.get(f"comment_{raw}", ""),
                    }
                )
            if not items:
                messages.error(request, _("请勾选要确认时长的志愿者"))
            else:
                done = hours_confirm(actor=request.user, activity_id=activity.pk, items=items)
                messages.success(request, _("已确认 %(n)s 人的服务时长") % {"n": len(done)})
        elif op in ("approve", "reject"):
            signup_id = request.POST.get("signup", "")
            if not signup_id.isdigit():
                raise Http404
            try:
                selectors.signup_get(signup_id=int(signup_id), activity_id=activity.pk)
            except DomainError as exc:
                raise Http404(str(exc.message)) from exc
            signups.signup_decide(actor=request.user, signup_id=int(signup_id), approve=op == "approve")
            messages.success(request, _("已审核"))
        elif op == "cover":
            result = cover_call(actor=request.user, activity_id=activity.pk)
            names = "、".join(f"{v.name}（{v.number}）" for v in result["candidates"]) or _("暂无")
            if result["notified"]:
                messages.success(request, _("已通知符合条件的志愿者：%(names)s") % {"names": names})
            else:
                messages.info(request, _("符合条件、可联系补位的志愿者：%(names)s") % {"names": names})
        else:
            messages.error(request, _("未知操作"))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("volunteering:organise", activity_id=activity.pk)


@page()
@require_http_methods(["GET", "POST"])
def register(request: UserRequest) -> HttpResponse:
    existing = selectors.volunteer_for_user(request.user)
    if existing is not None:
        return redirect("volunteering:volunteer", volunteer_id=existing.pk)
    communities = Area.objects.filter(level=AreaLevel.COMMUNITY).order_by("code")[:500]
    resident = getattr(request.user, "resident", None)
    context: dict[str, Any] = {
        "kinds": VolunteerKind.choices,
        "communities": communities,
        "values": request.POST or {"name": resident.name if resident else request.user.display_name},
    }
    if request.method == "POST":
        area = Area.objects.filter(code=request.POST.get("area", ""), level=AreaLevel.COMMUNITY).first()
        try:
            birth = dt.date.fromisoformat(request.POST["birth_date"]) if request.POST.get("birth_date") else None
        except ValueError:
            context["error"] = _("出生日期格式应为 YYYY-MM-DD")
            return render(request, "volunteering/register.html", context, status=422)
        try:
            volunteer = volunteer_register(
                actor=request.user,
                user=request.user,
                name=request.POST.get("name", ""),
                kind=request.POST.get("kind", ""),
                area=area,
                birth_date=birth,
                resident=resident,
                skills=[s for s in request.POST.get("skills", "").replace("，", ",").split(",") if s.strip()],
                availability=request.POST.get("availability", ""),
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "volunteering/register.html", context, status=exc.status_code)
        messages.success(request, _("注册成功，您的志愿者编号是 %(number)s") % {"number": volunteer.number})
        next_id = request.GET.get("next", "")
        if next_id.isdigit():
            return redirect("volunteering:activity", activity_id=int(next_id))
        return redirect("volunteering:volunteer", volunteer_id=volunteer.pk)
    return render(request, "volunteering/register.html", context)


@page()
@require_GET
def my_record(request: UserRequest) -> HttpResponse:
    me = selectors.volunteer_for_user(request.user)
    if me is None:
        return redirect("volunteering:register")
    return redirect("volunteering:volunteer", volunteer_id=me.pk)


@page()
@require_http_methods(["GET", "POST"])
def volunteer_record(request: UserRequest, volunteer_id: int) -> HttpResponse:
    volunteer = selectors.volunteer_get(user=request.user, volunteer_id=volunteer_id)
    if request.method == "POST":
        try:
            certificate = certificate_issue(actor=request.user, volunteer=volunteer)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已出具志愿服务证明 %(number)s") % {"number": certificate.number})
        return redirect("volunteering:volunteer", volunteer_id=volunteer.pk)
    record = selectors.volunteer_record(volunteer)
    return render(request, "volunteering/record.html", {"record": record, "v": volunteer})


def certificate_verify(request: HttpRequest, number: str) -> HttpResponse:
    """Public: anyone holding a certificate can check it here. Shows only what the certificate itself says,
    with the name partly masked."""
    try:
        certificate = selectors.certificate_get(number=number)
    except DomainError:
        return render(request, "volunteering/verify.html", {"number": number, "found": None}, status=404)
    return render(
        request,
        "volunteering/verify.html",
        {
            "number": certificate.number,
            "found": certificate,
            "masked_name": selectors.mask_name(certificate.volunteer.name),
        },
    )


@page()
@require_GET
def certificate_download(request: UserRequest, number: str) -> HttpResponse:
    certificate = selectors.certificate_get(number=number)
    selectors.volunteer_get(user=request.user, volunteer_id=certificate.volunteer_id)
    verify_url = request.build_absolute_uri(reverse("volunteering:certificate", args=[certificate.number]))
    response = HttpResponse(certificate_pdf(certificate, verify_url=verify_url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.number}.pdf"'
    return response


@page()
@require_GET
def teams(request: UserRequest) -> HttpResponse:
    """Brands (一社区一品牌) with their teams and projects; teams without a brand after them."""
    overview = selectors.teams_overview()
    return render(
        request,
        "volunteering/teams.html",
        {"brands": overview.brands, "loose_teams": overview.loose_teams, "loose_projects": overview.loose_projects},
    )
