"""Reads of appeals: one appeal (reporter or staff of its area), lists filtered by area, state and overdue."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.appeals.models import OPEN_STATES, Appeal, AppealPhoto, State, Summons
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock
from gongzhi.core.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from gongzhi.accounts.models import User


def visible_q(user: User) -> Q:
    """Appeals the user may read: staff of the area (appeals.view) and the reporter of their own."""
    q = rules.scope_q(user, "appeals.view")
    if getattr(user, "is_authenticated", False):
        q |= Q(reporter_id=user.pk)
    return q


def _visible(user: User, appeal_id: int) -> QuerySet[Appeal]:
    return Appeal.objects.filter(visible_q(user), pk=appeal_id).select_related(
        "category", "category__parent", "assignee", "reporter"
    )


def _found(appeal: Appeal | None, appeal_id: int) -> Appeal:
    if appeal is None:
        raise NotFound(_("诉求不存在：%(id)s") % {"id": appeal_id}, field="appeal_id")
    return appeal


def appeal_get(*, user: User, appeal_id: int) -> Appeal:
    return _found(_visible(user, appeal_id).first(), appeal_id)


def appeal_get_for_detail(*, user: User, appeal_id: int) -> Appeal:
    """appeal_get, plus whether the appeal has any photos and summons (`has_photos`, `has_summons`), so that the
    detail of an appeal without them (most) reads neither: two statements fewer per answer."""
    photos = AppealPhoto.objects.filter(appeal_id=OuterRef("pk"))
    summons = Summons.objects.filter(appeal_id=OuterRef("pk"))
    qs = _visible(user, appeal_id).annotate(has_photos=Exists(photos), has_summons=Exists(summons))
    return _found(qs.first(), appeal_id)


def appeals_list(
    *,
    user: User,
    area: str | None = None,
    state: str | None = None,
    overdue: bool | None = None,
    assignee: Any = None,
    before_id: int | None = None,
    limit: int = 50,
    at: dt.datetime | None = None,
) -> QuerySet[Appeal]:
    qs = Appeal.objects.filter(visible_q(user))
    if area:
        if not area.isdigit() or len(area) > 17:
            raise ValidationFailed(_("区域编码只能是数字"), field="area")
        qs = qs.filter(code_range_q(area, "area_code"))
    if state:
        if state not in State.values:
            raise ValidationFailed(_("状态只能是：%(v)s") % {"v": "、".join(State.values)}, field="state")
        qs = qs.filter(state=state)
    if overdue is not None:
        late = Q(state__in=OPEN_STATES, due_at__lt=at or clock.now())
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    if before_id is not None:
        qs = qs.filter(pk__lt=before_id)
    return qs.select_related("category", "category__parent").order_by("-id")[:limit]


def remaining_seconds(appeal: Appeal, *, at: dt.datetime | None = None) -> int | None:
    """The countdown to the deadline (negative when overdue); frozen while suspended."""
    return remaining_seconds_of(appeal.state, appeal.due_at, appeal.paused_at, at=at)


COUNTDOWN_STATES = frozenset((*OPEN_STATES, State.SUSPENDED))


def remaining_seconds_of(
    state: str, due_at: dt.datetime | None, paused_at: dt.datetime | None, *, at: dt.datetime | None = None
) -> int | None:
    """remaining_seconds over plain values, for list rows read with .values()."""
    if due_at is None or state not in COUNTDOWN_STATES:
        return None
    now = paused_at if paused_at is not None else (at or clock.now())
    return int((due_at - now).total_seconds())


# The columns of an appeal that a list row shows, in the order of the row (the API's AppealRowOut).
ROW_FIELDS = (
    "id",
    "number",
    "state",
    "channel",
    "external_ref",
    "description",
    "address",
    "tier",
    "handling_level",
    "area_code",
    "lat",
    "lng",
    "reporter_id",
    "assignee_id",
    "is_public",
    "created_at",
    "dispatched_at",
    "accepted_at",
    "arrive_by",
    "arrived_at",
    "due_at",
    "closed_at",
    "closed_on_time",
    "rework_count",
    "rating",
    "version",
)
