"""Pages, phone first: the resident's "有事您说话" (raise, support, follow), the staff topic queue with appeal-cluster
suggestions, a meeting (agenda, registration, sign-in, the vote page and its tally, the chair's console with the
rotating QR code and counts from a show of hands), an action item's timeline with its rating, the survey.

Every POST calls an action; a refused one shows its message on the same page and changes nothing."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gongzhi.accounts import rules
from gongzhi.areas.codes import LEVEL_LENGTHS
from gongzhi.core import clock
from gongzhi.core.errors import DomainError, NotFound
from gongzhi.core.pages import page
from gongzhi.core.types import UserRequest
from gongzhi.deliberation import selectors, summary
from gongzhi.deliberation.actions import evaluation, items, meetings, records, topics, votes
from gongzhi.deliberation.lifecycles import TOPIC
from gongzhi.deliberation.models import ActionItem, Registration, Survey, SurveyParticipant, TopicSupport, Vote
from gongzhi.volunteering import codes


def _home_area(user: Any) -> str:
    tops = rules.scope_codes(user, selectors.PARTICIPATE)
    return tops[0] if tops and tops[0] else ""


def _communities(user: Any) -> list[str]:
    return sorted({c[: LEVEL_LENGTHS["community"]] for c in rules.scope_codes(user, selectors.MANAGE) if len(c) >= 12})


@page()
@require_http_methods(["GET", "POST"])
def home(request: UserRequest) -> HttpResponse:
    """有事您说话: raise a topic, support others, follow meetings and results."""
    user = request.user
    if request.method == "POST":
        try:
            if request.POST.get("op") == "support":
                topics.topic_support(actor=user, topic_id=int(request.POST.get("topic_id", "0") or 0))
                messages.success(request, _("已支持"))
            else:
                topics.topic_raise(
                    actor=user,
                    title=request.POST.get("title", ""),
                    description=request.POST.get("description", ""),
                    area_code=request.POST.get("area_code", "") or _home_area(user),
                )
                messages.success(request, _("议题已提交，邀请邻居们支持吧"))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("deliberation:home")
    rows = list(selectors.topics_for(user, limit=100))
    supported = set(TopicSupport.objects.filter(user=user, topic__in=rows).values_list("topic_id", flat=True))
    return render(
        request,
        "deliberation/home.html",
        {
            "topics": rows,
            "supported": supported,
            "meetings": list(selectors.meetings_for(user, limit=10)),
            "actions": list(selectors.actions_for(user, limit=20)),
            "home_area": _home_area(user),
            "may_manage": bool(_communities(user)),
            "today": clock.today(),
        },
    )


@page(selectors.MANAGE)
@require_http_methods(["GET", "POST"])
def queue(request: UserRequest) -> HttpResponse:
    """Staff: topics waiting, appeal-cluster suggestions, this month's council day."""
    user = request.user
    communities = _communities(user)
    community = request.GET.get("community") or request.POST.get("community") or (communities[0] if communities else "")
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "cluster":
                topics.cluster_accept(
                    actor=user, community_code=community, by=request.POST.get("by", ""), key=request.POST.get("key", "")
                )
                messages.success(request, _("已生成议题，相关诉求已关联"))
            elif op == "council":
                today = clock.today()
                m = meetings.council_day_create(
                    actor=user, community_code=community, year=today.year, month=today.month
                )
                return redirect("deliberation:meeting", meeting_id=m.pk)
            else:
                topics.topic_move(
                    actor=user,
                    topic_id=int(request.POST.get("topic_id", "0") or 0),
                    action=op,
                    note=request.POST.get("note", ""),
                    data={"into": int(request.POST["into"])} if request.POST.get("into", "").isdigit() else {},
                )
                messages.success(request, _("已更新"))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect(reverse("deliberation:queue") + f"?community={community}")
    if community:
        selectors.require_manager(user, community, field="community")
    open_topics = [
        (t, TOPIC.allowed(t, user))
        for t in selectors.topics_for(user, area=community, limit=200)
        if t.state in ("proposed", "accepted", "scheduled")
    ]
    return render(
        request,
        "deliberation/queue.html",
        {
            "community": community,
            "communities": communities,
            "topics": open_topics,
            "clusters": selectors.clusters(community_code=community) if community else [],
            "council_day": selectors.council_date(clock.today().year, clock.today().month),
        },
    )


@page()
@require_http_methods(["GET", "POST"])
def meeting(request: UserRequest, meeting_id: int) -> HttpResponse:
    user = request.user
    m = selectors.meeting_get(user=user, meeting_id=meeting_id)
    chair = selectors.may_manage(user, m.area_code)
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "register":
                meetings.meeting_register(actor=user, meeting_id=m.pk)
                messages.success(request, _("报名成功"))
            elif op == "sign_in":
                meetings.meeting_sign_in(actor=user, meeting_id=m.pk, code=request.POST.get("code", ""))
                messages.success(request, _("签到成功"))
            elif op == "ballot":
                receipt = votes.ballot_cast(
                    actor=user,
                    vote_id=int(request.POST.get("vote_id", "0") or 0),
                    choice_value=request.POST.get("choice"),
                )
                messages.success(
                    request, _("投票成功，您的回执码：%(code)s（可用来核对计票）") % {"code": receipt.code}
                )
            elif op == "vote_move":
                counts = {c: int(request.POST.get(c) or 0) for c in ("yes", "no", "abstain", "blank")}
                action = request.POST.get("action", "")
                votes.vote_move(
                    actor=user,
                    vote_id=int(request.POST.get("vote_id", "0") or 0),
                    action=action,
                    note=request.POST.get("note", ""),
                    data={"counts": counts} if action == "record" else {},
                )
                messages.success(request, _("已更新"))
            elif op == "meeting_move":
                meetings.meeting_move(
                    actor=user,
                    meeting_id=m.pk,
                    action=request.POST.get("action", ""),
                    note=request.POST.get("note", ""),
                )
            elif op == "invite":
                n = meetings.meeting_invite(actor=user, meeting_id=m.pk, groups=request.POST.getlist("groups"))
                messages.success(request, _("已邀请 %(n)s 人") % {"n": n})
            else:
                _meeting_records(request, m, op)
        except (DomainError, ValueError) as exc:
            messages.error(request, str(getattr(exc, "message", _("输入有误"))))
        return redirect("deliberation:meeting", meeting_id=m.pk)
    vote_rows = []
    for v in m.votes.order_by("id"):
        vote_rows.append(
            {
                "vote": v,
                "status": selectors.voter_status(user, v),
                "tally": selectors.vote_tally(v),
                "shown": v.state in ("closed", "published"),
            }
        )
    registration = Registration.objects.filter(meeting=m, user=user).exclude(state="cancelled").first()
    agenda = list(m.agenda.all())
    minutes = records.minutes_for(user=user, meeting=m)
    context: dict[str, Any] = {
        "meeting": m,
        "agenda": agenda,
        "comments": [(a, records.comments_visible(user=user, item=a)) for a in agenda],
        "may_comment": m.state in records.COMMENTABLE,
        "minutes": minutes,
        "corrections": list(minutes.corrections.select_related("user")) if minutes else [],
        "votes": vote_rows,
        "registration": registration,
        "chair": chair,
        "invited": selectors.is_invited(user, m),
        "signed_in": m.sign_ins.filter(user=user).exists(),
        "code": request.GET.get("code", ""),
    }
    if chair:
        code = codes.make(activity_id=m.pk, salt=m.qr_salt, purpose="in")
        url = request.build_absolute_uri(reverse("deliberation:meeting", args=[m.pk])) + f"?code={code}"
        context["qr_svg"] = segno.make(url, error="m").svg_inline(scale=5, border=2)
        context["seconds_left"] = codes.seconds_left()
        context["sign_in_count"] = m.sign_ins.count()
    return render(request, "deliberation/meeting.html", context)


def _meeting_records(request: UserRequest, m: Any, op: str) -> None:
    """The meeting page's comments and minutes (the same actions as the API)."""
    user = request.user
    post = request.POST
    if op == "comment":
        records.comment_post(actor=user, agenda_item_id=int(post.get("agenda_item_id") or 0), body=post.get("body"))
        messages.success(request, _("意见已发表"))
    elif op == "hide":
        records.comment_hide(actor=user, comment_id=int(post.get("comment_id") or 0), reason=post.get("reason", ""))
        messages.success(request, _("意见已隐藏"))
    elif op == "minutes_draft":
        lines = [line for line in post.get("decisions", "").splitlines() if line.strip()]
        minutes = records.minutes_draft(actor=user, meeting_id=m.pk, body=post.get("body"), decisions=lines or None)
        if request.FILES.get("photo") is not None:
            records.minutes_photo_set(actor=user, minutes_id=minutes.pk, photo=request.FILES["photo"])
        messages.success(request, _("纪要草稿已保存，参会人可以提出更正"))
    elif op == "minutes_move":
        action = post.get("action", "")
        data: dict[str, Any] = {}
        if action == "revise":
            data = {
                "body": post.get("body", ""),
                "decisions": [line for line in post.get("decisions", "").splitlines() if line.strip()],
            }
        records.minutes_move(actor=user, minutes_id=int(post.get("minutes_id") or 0), action=action, data=data)
        messages.success(request, _("已更新"))
    elif op == "correction":
        records.correction_propose(actor=user, minutes_id=int(post.get("minutes_id") or 0), text=post.get("text"))
        messages.success(request, _("更正已提交"))
    elif op == "correction_move":
        records.correction_move(
            actor=user,
            correction_id=int(post.get("correction_id") or 0),
            action=post.get("action", ""),
            note=post.get("note", ""),
        )
        messages.success(request, _("已更新"))
    else:
        raise ValueError(op)


@page()
@require_http_methods(["GET", "POST"])
def action(request: UserRequest, action_id: int) -> HttpResponse:
    user = request.user
    item = ActionItem.objects.filter(pk=action_id).first()
    if item is None or not (selectors.visible_to(user, item.area_code) or item.owner_user_id == user.pk):
        raise NotFound(_("落实事项不存在：%(id)s") % {"id": action_id})
    if request.method == "POST":
        try:
            if request.POST.get("op") == "follow_up":
                kind = request.POST.get("kind", "")
                fields: dict[str, Any] = {"description": request.POST.get("description", "")}
                if kind == "demand":
                    fields = {
                        "item_id": int(request.POST.get("item_id") or 0),
                        "title": request.POST.get("title", ""),
                        "description": request.POST.get("description", ""),
                        "resident_id": int(request.POST["resident_id"]) if request.POST.get("resident_id") else None,
                    }
                records.action_follow_up(actor=user, action_id=item.pk, kind=kind, fields=fields)
            elif request.POST.get("op") == "progress":
                items.action_progress(
                    actor=user,
                    action_id=item.pk,
                    percent=int(request.POST.get("percent") or -1),
                    note=request.POST.get("note", ""),
                    photo=request.FILES.get("photo"),
                )
            else:
                items.action_rate(
                    actor=user,
                    action_id=item.pk,
                    satisfied=request.POST.get("satisfied") == "yes",
                    comment=request.POST.get("comment", ""),
                )
            messages.success(request, _("已提交"))
        except (DomainError, ValueError) as exc:
            messages.error(request, str(getattr(exc, "message", _("输入有误"))))
        return redirect("deliberation:action", action_id=item.pk)
    return render(
        request,
        "deliberation/action.html",
        {
            "item": item,
            "updates": list(item.updates.all()),
            "children": list(item.children.all()),
            "overdue": selectors.is_overdue(item),
            "may_act": rules.allows(user, "deliberation.act", item.area_code) or item.owner_user_id == user.pk,
            "rated": item.ratings.filter(user=user).exists(),
            "follow_ups": list(item.follow_ups.all()),
            "may_follow_up": selectors.may_manage(user, item.area_code) and item.state != "done",
            "ratings": item.ratings.count(),
            "satisfied": item.ratings.filter(satisfied=True).count(),
        },
    )


@page()
@require_http_methods(["GET", "POST"])
def survey(request: UserRequest, survey_id: int) -> HttpResponse:
    user = request.user
    s = Survey.objects.filter(pk=survey_id).first()
    if s is None or not selectors.visible_to(user, s.area_code):
        raise NotFound(_("问卷不存在：%(id)s") % {"id": survey_id})
    questions = list(s.questions.all())
    if request.method == "POST":
        answers: dict[str, Any] = {}
        for q in questions:
            key = str(q.pk)
            if q.kind == "multiple":
                picked = [int(v) for v in request.POST.getlist(key) if v.isdigit()]
                if picked:
                    answers[key] = picked
            elif q.kind == "text":
                answers[key] = request.POST.get(key, "")
            elif (request.POST.get(key) or "").isdigit():
                answers[key] = int(request.POST[key])
        try:
            evaluation.survey_answer(actor=user, survey_id=s.pk, answers=answers)
            messages.success(request, _("感谢您的反馈"))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("deliberation:survey", survey_id=s.pk)
    results: dict[str, Any] | None = None
    charts = []
    try:
        results = evaluation.survey_results(actor=user, survey_id=s.pk)
    except DomainError:
        results = None
    for r in results["questions"] if results else []:
        labels = r.get("options") or ([str(n) for n in range(1, 6)] if r["kind"] == "scale" else [])
        if labels:
            r["pairs"] = list(zip(labels, r["counts"], strict=True))
            charts.append({"id": r["id"], "labels": labels, "counts": r["counts"]})
    return render(
        request,
        "deliberation/survey.html",
        {
            "survey": s,
            "questions": questions,
            "answered": SurveyParticipant.objects.filter(survey=s, user=user).exists(),
            "results": results,
            "charts": charts,
            "scale": range(1, 6),
        },
    )


@page()
@require_GET
def vote_receipt(request: UserRequest, vote_id: int) -> HttpResponse:
    vote = Vote.objects.filter(pk=vote_id).first()
    if vote is None:
        raise NotFound(_("表决不存在：%(id)s") % {"id": vote_id})
    selectors.meeting_get(user=request.user, meeting_id=vote.meeting_id)
    counted = votes.receipt_check(vote_id=vote.pk, code=request.GET.get("code", "")[:100])
    messages.info(request, _("该回执对应的选票已计入") if counted else _("没有找到该回执对应的选票"))
    return redirect("deliberation:meeting", meeting_id=vote.meeting_id)


@page(selectors.MANAGE)
@require_GET
def complaints(request: UserRequest) -> HttpResponse:
    """Staff: appeals resolved through deliberation and the area's complaint rate before and after."""
    user = request.user
    communities = _communities(user)
    area = request.GET.get("area") or (communities[0] if communities else _home_area(user))
    data = summary.complaint_summary(
        user=user, area_code=area, start=request.GET.get("from") or None, end=request.GET.get("to") or None
    )
    return render(request, "deliberation/complaints.html", {"s": data, "communities": communities})
