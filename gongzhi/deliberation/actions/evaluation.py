"""评 and 每周一题: the quarterly satisfaction survey (anonymous by default, results by question) and the weekly
topic of a street or town (chosen by staff or by the most supports, assigned, tracked to resolution)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import User
from gongzhi.areas.codes import LEVEL_LENGTHS
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock, fsm
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.deliberation import selectors
from gongzhi.deliberation.actions._common import area as _area
from gongzhi.deliberation.actions._common import choice
from gongzhi.deliberation.lifecycles import SURVEY_LIFECYCLE, WEEKLY
from gongzhi.deliberation.models import (
    Question,
    QuestionKind,
    Survey,
    SurveyParticipant,
    SurveyResponse,
    SurveyState,
    Topic,
    TopicState,
    WeeklyState,
    WeeklyTopic,
)

QUARTER = r"^\d{4}Q[1-4]$"
MAX_QUESTIONS = 50


def _quarter(value: Any) -> str:
    import re

    if not isinstance(value, str) or not re.match(QUARTER, value):
        raise ValidationFailed(_("季度格式应为 2026Q4"), field="quarter")
    return value


@transaction.atomic
def survey_create(
    *, actor: User, title: Any, area_code: Any, quarter: Any, questions: list[dict[str, Any]], anonymous: Any = True
) -> Survey:
    area = _area(area_code, field="area_code")
    rules.require(actor, "deliberation.survey", area.code)
    title = clean_text(title, field="title", max_length=100, required=True)
    if not isinstance(anonymous, bool):
        raise ValidationFailed(_("anonymous 必须是 true 或 false"), field="anonymous")
    if not isinstance(questions, list) or not questions or len(questions) > MAX_QUESTIONS:
        raise ValidationFailed(_("请填写 1 到 %(n)s 道题目") % {"n": MAX_QUESTIONS}, field="questions")
    survey = Survey.objects.create(
        title=title, area=area, area_code=area.code, quarter=_quarter(quarter), anonymous=anonymous
    )
    for i, q in enumerate(questions, start=1):
        if not isinstance(q, dict):
            raise ValidationFailed(_("第 %(i)s 题格式有误") % {"i": i}, field=f"questions.{i}")
        kind = choice(q.get("kind"), QuestionKind.values, field=f"questions.{i}.kind")
        text = clean_text(q.get("text"), field=f"questions.{i}.text", max_length=200, required=True)
        options = q.get("options") or []
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            if not isinstance(options, list) or len(options) < 2 or not all(isinstance(o, str) and o for o in options):
                raise ValidationFailed(_("选择题至少要有两个选项"), field=f"questions.{i}.options")
        else:
            options = []
        Question.objects.create(survey=survey, position=i, kind=kind, text=text, options=options)
    return survey


def survey_move(*, actor: User, survey_id: int, action: str) -> Survey:
    return fsm.transition(SURVEY_LIFECYCLE, survey_id, action, actor=actor).obj


def _answer(question: Question, value: Any) -> Any:
    field = f"answers.{question.pk}"
    if question.kind == QuestionKind.SINGLE:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(question.options):
            raise ValidationFailed(_("「%(q)s」请选择一个选项") % {"q": question.text}, field=field)
        return value
    if question.kind == QuestionKind.MULTIPLE:
        if (
            not isinstance(value, list)
            or not value
            or any(not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < len(question.options) for v in value)
        ):
            raise ValidationFailed(_("「%(q)s」请选择至少一个选项") % {"q": question.text}, field=field)
        return sorted(set(value))
    if question.kind == QuestionKind.SCALE:
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise ValidationFailed(_("「%(q)s」请打 1 到 5 分") % {"q": question.text}, field=field)
        return value
    return clean_text(value, field=field, max_length=1000)


@transaction.atomic
def survey_answer(*, actor: User, survey_id: int, answers: dict[str, Any]) -> None:
    """One answer per person; an anonymous survey keeps who answered apart from what they answered."""
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None or not selectors.visible_to(actor, survey.area_code):
        raise NotFound(_("问卷不存在：%(id)s") % {"id": survey_id}, field="survey_id")
    selectors.require_participant(actor, survey.area_code, field="survey_id")
    if survey.state != SurveyState.OPEN:
        raise ValidationFailed(_("问卷未开放或已结束"), field="survey_id")
    if not isinstance(answers, dict):
        raise ValidationFailed(_("answers 必须是对象"), field="answers")
    questions = {str(q.pk): q for q in survey.questions.all()}
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise ValidationFailed(_("没有这些题目：%(ids)s") % {"ids": "、".join(unknown)}, field="answers")
    clean = {}
    for key, question in questions.items():
        if key not in answers:
            if question.kind == QuestionKind.TEXT:
                continue
            raise ValidationFailed(_("「%(q)s」还没有回答") % {"q": question.text}, field=f"answers.{key}")
        clean[key] = _answer(question, answers[key])
    try:
        with transaction.atomic():
            SurveyParticipant.objects.create(survey=survey, user=actor)
    except IntegrityError:
        raise Conflict(_("您已经填写过这份问卷"), field="survey_id") from None
    SurveyResponse.objects.create(survey=survey, user=None if survey.anonymous else actor, answers=clean)


def survey_results(*, actor: User, survey_id: int) -> dict[str, Any]:
    """Results by question: counts per option, the mean of a scale, the texts (for the charts of the page)."""
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None or not selectors.visible_to(actor, survey.area_code):
        raise NotFound(_("问卷不存在：%(id)s") % {"id": survey_id}, field="survey_id")
    if not rules.allows(actor, "deliberation.survey", survey.area_code) and survey.state != SurveyState.CLOSED:
        raise PermissionDenied(_("问卷结束后才公布结果"), field="survey_id")
    responses = list(SurveyResponse.objects.filter(survey=survey).values_list("answers", flat=True))
    out = []
    for q in survey.questions.all():
        key = str(q.pk)
        values = [r[key] for r in responses if key in r]
        entry: dict[str, Any] = {"id": q.pk, "text": q.text, "kind": q.kind, "answered": len(values)}
        if q.kind == QuestionKind.SINGLE:
            entry["counts"] = [sum(1 for v in values if v == i) for i in range(len(q.options))]
            entry["options"] = q.options
        elif q.kind == QuestionKind.MULTIPLE:
            entry["counts"] = [sum(1 for v in values if i in v) for i in range(len(q.options))]
            entry["options"] = q.options
        elif q.kind == QuestionKind.SCALE:
            entry["counts"] = [sum(1 for v in values if v == i) for i in range(1, 6)]
            entry["mean"] = round(sum(values) / len(values), 2) if values else None
        else:
            entry["texts"] = [v for v in values if v][:200]
        out.append(entry)
    return {"survey_id": survey.pk, "title": survey.title, "responses": len(responses), "questions": out}


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@transaction.atomic
def weekly_choose(
    *, actor: User, street_code: Any, topic_id: int | None = None, assignees: list[str] | None = None
) -> WeeklyTopic:
    """This week's topic of a street or town: the one staff name, or the most supported open topic there."""
    street = _area(street_code, field="street_code")
    if len(street.code) != LEVEL_LENGTHS["street"]:
        raise ValidationFailed(_("每周一题按街道或镇设置，请选择一个街道"), field="street_code")
    selectors.require_manager(actor, street.code, field="street_code")
    names = [clean_text(a, field="assignees", max_length=64, required=True) for a in (assignees or [])]
    if not names:
        raise ValidationFailed(_("请指定承办方（部门、物业、业委会等）"), field="assignees")
    open_states = (TopicState.PROPOSED, TopicState.ACCEPTED, TopicState.SCHEDULED)
    candidates = Topic.objects.filter(code_range_q(street.code, "area_code"), state__in=open_states).exclude(
        weekly__isnull=False
    )
    if topic_id is not None:
        topic = candidates.filter(pk=topic_id).first()
        if topic is None:
            raise ValidationFailed(_("议题不存在、不在本街道或已办结：%(id)s") % {"id": topic_id}, field="topic_id")
    else:
        topic = candidates.order_by("-support_count", "created_at").first()
        if topic is None:
            raise ValidationFailed(_("本街道暂无待办议题可选"), field="topic_id")
    week = _monday(clock.today())
    try:
        with transaction.atomic():
            return WeeklyTopic.objects.create(
                area=street,
                area_code=street.code,
                week_start=week,
                topic=topic,
                chosen_by_supports=topic_id is None,
                assignees=names,
            )
    except IntegrityError:
        raise Conflict(_("本周已经选定了议题"), field="street_code") from None


def weekly_resolve(*, actor: User, weekly_id: int, note: str) -> WeeklyTopic:
    return fsm.transition(WEEKLY, weekly_id, "resolve", actor=actor, note=note).obj


def weekly_solved_count(street_code: str) -> int:
    return WeeklyTopic.objects.filter(area_code=street_code, state=WeeklyState.RESOLVED).count()


def weekly_summary(street_code: str) -> dict[str, int]:
    rows = WeeklyTopic.objects.filter(area_code=street_code).values("state").annotate(n=Count("id"))
    return {r["state"]: r["n"] for r in rows}
