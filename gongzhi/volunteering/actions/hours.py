"""The organiser confirms hours; confirmed hours earn points once through the points bank."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, DomainError, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.volunteering import selectors
from gongzhi.volunteering.actions._common import lock_activity
from gongzhi.volunteering.models import (
    Attendance,
)

POINTS_SOURCE_TYPE = "volunteering.activity"
POINTS_RULE_CODE = "public-volunteer"


@transaction.atomic
def hours_confirm(
    *,
    actor: Any,
    activity_id: int,
    items: list[dict[str, Any]] | None = None,
) -> list[Attendance]:
    """The organiser confirms hours (optionally with a 1–5 rating and a comment each); only then do they count.

    `items` is a list of {"attendance_id", "rating"?, "comment"?}; None confirms every checked-out attendance.
    Each confirmed person with hours earns points once for this activity through the points bank.
    """
    activity = lock_activity(activity_id)
    selectors.require_organiser(actor, activity)
    open_rows = {
        a.pk: a
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins to resident and household.
        for a in Attendance.objects.select_for_update(of=("self",))
        .select_related("volunteer", "volunteer__resident", "volunteer__resident__household")
        .filter(activity=activity, confirmed_at__isnull=True)
    }
    if items is None:
        items = [{"attendance_id": pk} for pk, a in open_rows.items() if a.checked_out_at is not None]
        if not items:
            raise ValidationFailed(_("没有待确认的签退记录"), field="items")
    chosen = []
    seen = set()
    for item in items:
        pk = item.get("attendance_id")
        if pk in seen:
            raise ValidationFailed(_("签到记录重复：%(id)s") % {"id": pk}, field="items")
        seen.add(pk)
        a = open_rows.get(pk)
        if a is None:
            if Attendance.objects.filter(pk=pk, activity=activity).exists():
                raise Conflict(_("签到记录 %(id)s 的时长已确认") % {"id": pk}, field="items")
            raise ValidationFailed(_("签到记录 %(id)s 不属于本活动") % {"id": pk}, field="items")
        if a.checked_out_at is None:
            raise ValidationFailed(
                _("%(name)s 尚未签退，请先签退再确认时长") % {"name": a.volunteer.name}, field="items"
            )
        rating = item.get("rating")
        if rating is not None and not (1 <= int(rating) <= 5):
            raise ValidationFailed(_("评价须为 1 到 5 分"), field="items")
        chosen.append((a, rating, _text(item.get("comment", ""), field="comment", max_length=200)))
    now = clock.now()
    for a, rating, comment in chosen:
        a.confirmed_at, a.confirmed_by, a.rating, a.comment = now, actor, rating, comment
        a.save(update_fields=["confirmed_at", "confirmed_by", "rating", "comment"])
        points_for_confirmed_hours(attendance=a, actor=actor)
    audit_record(
        actor=actor,
        action="volunteering.hours.confirm",
        target=activity,
        area_code=activity.area_code,
        data={"attendances": [a.pk for a, _r, _c in chosen]},
    )
    return [a for a, _r, _c in chosen]


def points_for_confirmed_hours(*, attendance: Attendance, actor: Any) -> None:
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
