"""The organiser confirms hours (the `confirm` move of `ATTENDANCE`); confirmed hours earn points once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import fsm
from gongzhi.core.errors import DomainError, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.volunteering import selectors
from gongzhi.volunteering.actions._common import lock_activity
from gongzhi.volunteering.actions.checkin import ATTENDANCE
from gongzhi.volunteering.models import Attendance, AttendanceStatus

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

POINTS_SOURCE_TYPE = "volunteering.activity"
POINTS_RULE_CODE = "public-volunteer"


@transaction.atomic
def hours_confirm(
    *,
    actor: User,
    activity_id: int,
    items: list[dict[str, Any]] | None = None,
) -> list[Attendance]:
    """The organiser confirms hours (optionally with a 1–5 rating and a comment each); only then do they count.

    `items` is a list of {"attendance_id", "rating"?, "comment"?}; None confirms every checked-out attendance.
    Each confirmed person with hours earns points once for this activity through the points bank. Every item is
    checked before the first is confirmed, so a bad one changes nothing.
    """
    activity = lock_activity(activity_id)
    selectors.require_organiser(actor, activity)
    qs = Attendance.objects.select_related("volunteer", "volunteer__resident", "volunteer__resident__household")
    qs = qs.filter(activity=activity)
    if items is None:
        qs = qs.filter(status=AttendanceStatus.CHECKED_OUT)
    rows = {a.pk: a for a in qs}
    if items is None:
        items = [{"attendance_id": pk} for pk in rows]
        if not items:
            raise ValidationFailed(_("没有待确认的签退记录"), field="items")
    confirm = ATTENDANCE.moves["confirm"]
    chosen = []
    seen = set()
    for item in items:
        pk = item.get("attendance_id")
        if pk in seen:
            raise ValidationFailed(_("签到记录重复：%(id)s") % {"id": pk}, field="items")
        seen.add(pk)
        a = rows.get(pk) if pk is not None else None
        if a is None:
            raise ValidationFailed(_("签到记录 %(id)s 不属于本活动") % {"id": pk}, field="items")
        if a.status not in confirm.sources:
            refused = ATTENDANCE.refused(a, "confirm")  # the table's refusal, naming whose record it is
            raise type(refused)(
                f"{a.volunteer.name}：{refused.message}",
                field="items",
                details={**refused.details, "attendance_id": pk},
            )
        rating = item.get("rating")
        if rating is not None and not (1 <= int(rating) <= 5):
            raise ValidationFailed(_("评价须为 1 到 5 分"), field="items")
        chosen.append((a, rating, _text(item.get("comment", ""), field="comment", max_length=200)))
    done = []
    for a, rating, comment in chosen:
        data = {"rating": rating, "comment": comment}
        confirmed = fsm.transition(ATTENDANCE, a.pk, "confirm", actor=actor, data=data, savepoint=False).obj
        confirmed.volunteer = a.volunteer  # with the resident and household read above, for the points
        points_for_confirmed_hours(attendance=confirmed, actor=actor)
        done.append(confirmed)
    return done


def points_for_confirmed_hours(*, attendance: Attendance, actor: User) -> None:
    """The one place volunteering calls the points bank: once per person and activity (the source id says which).

    Points are a by-product of confirmed hours: when they cannot be awarded (no household, no scheme in the
    area, the monthly cap reached) the hours still count and the reason is kept on the attendance.
    """
    from gongzhi.points.actions.awards import award_from_source

    if not attendance.hours or attendance.points_award_id:
        return
    resident = attendance.volunteer.resident
    if resident is None:
        attendance.points_note = str(_("未关联居民户，未计积分"))
        attendance.save(update_fields=["points_note"])
        return
    try:
        with transaction.atomic():
            award = award_from_source(
                source_type=POINTS_SOURCE_TYPE,
                source_id=f"{attendance.activity_id}:{attendance.volunteer_id}",
                # The scheme decides who is credited: the person, or (by default) the person's household.
                resident=resident,
                rule_code=POINTS_RULE_CODE,
                actor=actor,
            )
    except DomainError as exc:
        attendance.points_note = str(exc.message)[:200]
        attendance.save(update_fields=["points_note"])
        return
    attendance.points_award_id = award.pk
    attendance.points_note = ""
    attendance.save(update_fields=["points_award_id", "points_note"])
