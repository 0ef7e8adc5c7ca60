"""Paired support (结对帮扶) for children: a plan along material, study and psychological lines, its supporters
(each an assigned carer of the archive) and a review each term."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.care.actions._common import choice, event, lock_archive, require_carer_or_manage, require_manage
from gongzhi.care.actions.archives import _user
from gongzhi.care.models import Carer, CarerKind, PlanStatus, PlanSupporter, SupportLine, SupportPlan, TermReview
from gongzhi.core import clock
from gongzhi.core.errors import Conflict, NotFound, ValidationFailed
from gongzhi.core.text import clean_text

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

TERM = re.compile(r"^\d{4}(春|秋|spring|autumn)$")


@transaction.atomic
def plan_create(
    *, actor: User, archive_id: int, material: str = "", study: str = "", psychological: str = ""
) -> SupportPlan:
    archive = lock_archive(archive_id)
    require_manage(actor, archive)
    if not archive.is_child:
        raise ValidationFailed(_("结对帮扶计划只用于儿童档案"), field="archive_id")
    lines = {
        "material": clean_text(material, field="material", max_length=2000),
        "study": clean_text(study, field="study", max_length=2000),
        "psychological": clean_text(psychological, field="psychological", max_length=2000),
    }
    if not any(lines.values()):
        raise ValidationFailed(_("请至少填写物质、学习、心理中的一项帮扶内容"), field="material")
    if SupportPlan.objects.filter(archive=archive).exists():
        raise Conflict(_("该档案已有结对帮扶计划"), field="archive_id")
    plan = SupportPlan.objects.create(archive=archive, created_by=actor, started_on=clock.today(), **lines)
    event(archive=archive, target=f"plan:{plan.pk}", action="create", actor=actor, to_state=plan.status)
    return plan


def _plan(plan_id: int) -> SupportPlan:
    plan = SupportPlan.objects.select_related("archive").filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(_("结对帮扶计划不存在：%(id)s") % {"id": plan_id}, field="plan_id")
    return plan


@transaction.atomic
def supporter_add(*, actor: User, plan_id: int, user_id: int, line: str) -> PlanSupporter:
    plan = _plan(plan_id)
    archive = lock_archive(plan.archive_id)
    require_manage(actor, archive)
    line = choice(line, SupportLine.values, field="line", label=_("帮扶方向"))
    user = _user(user_id)
    carer, _created = Carer.objects.get_or_create(archive=archive, user=user, kind=CarerKind.SUPPORTER, ended_on=None)
    supporter, created = PlanSupporter.objects.get_or_create(plan=plan, carer=carer, line=line)
    if created:
        event(archive=archive, target=f"plan:{plan.pk}", action="supporter", actor=actor,
              data={"user_id": user.pk, "line": line})  # fmt: skip
    return supporter


@transaction.atomic
def review_add(
    *, actor: User, plan_id: int, term: str, summary: str, material: str = "", study: str = "",
    psychological: str = "",
) -> TermReview:  # fmt: skip
    plan = _plan(plan_id)
    archive = lock_archive(plan.archive_id)
    require_carer_or_manage(actor, archive)
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationFailed(_("帮扶计划已结束"), field="plan_id")
    term = clean_text(term, field="term", max_length=16, required=True)
    if not TERM.match(term):
        raise ValidationFailed(_("学期格式应为「2026春」或「2026秋」"), field="term")
    row = TermReview(
        plan=plan, term=term, summary=clean_text(summary, field="summary", max_length=2000, required=True),
        material=clean_text(material, field="material", max_length=2000),
        study=clean_text(study, field="study", max_length=2000),
        psychological=clean_text(psychological, field="psychological", max_length=2000),
        reviewed_by=actor,
    )  # fmt: skip
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise Conflict(_("本学期已评估：%(term)s") % {"term": term}, field="term") from None
    event(archive=archive, target=f"plan:{plan.pk}", action="review", actor=actor, data={"term": term})
    return row
