"""Reads of appeals: one appeal (reporter or staff of its area); the list of the API and of the dispatch board,
filtered by area, state, overdue, assignee, category, channel and search, with the board's queues and their counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.appeals.models import OPEN_STATES, Appeal, AppealPhoto, State, Summons
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock
from gongzhi.core.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

VIEW_RULE = "appeals.view"
DISPATCH_RULE = "appeals.dispatch"


def visible_q(user: User | AnonymousUser, rule: str = VIEW_RULE) -> Q:
    """Appeals the user may read: staff of the area (appeals.view) and the reporter of their own.

    Under another rule (the dispatch board's appeals.dispatch) only the area scope counts: the board lists what the
    user may work, not what they reported themselves.
    """
    q = rules.scope_q(user, rule)
    if rule == VIEW_RULE and getattr(user, "is_authenticated", False):
        q |= Q(reporter_id=user.pk)
    return q


def _visible(user: User | AnonymousUser, appeal_id: int) -> QuerySet[Appeal]:
    return Appeal.objects.filter(visible_q(user), pk=appeal_id).select_related(
        "category", "category__parent", "assignee", "reporter"
    )


def _found(appeal: Appeal | None, appeal_id: int) -> Appeal:
    if appeal is None:
        raise NotFound(_("诉求不存在：%(id)s") % {"id": appeal_id}, field="appeal_id")
    return appeal


def appeal_get(*, user: User | AnonymousUser, appeal_id: int) -> Appeal:
    return _found(_visible(user, appeal_id).first(), appeal_id)


def appeal_get_for_detail(*, user: User | AnonymousUser, appeal_id: int) -> Appeal:
    """appeal_get, plus whether the appeal has any photos and summons (`has_photos`, `has_summons`), so that the
    detail of an appeal without them (most) reads neither: two statements fewer per answer."""
    photos = AppealPhoto.objects.filter(appeal_id=OuterRef("pk"))
    summons = Summons.objects.filter(appeal_id=OuterRef("pk"))
    qs = _visible(user, appeal_id).annotate(has_photos=Exists(photos), has_summons=Exists(summons))
    return _found(qs.first(), appeal_id)


def late_q(at: dt.datetime) -> Q:
    """Open and past the deadline at `at`."""
    return Q(state__in=OPEN_STATES, due_at__lt=at)


# The dispatch board's queues (key → filter at `now`), in the order a dispatcher works them; the board names them.
QUEUES: dict[str, Callable[[dt.datetime], Q]] = {
    "all": lambda now: rules.everything_q(),
    "new": lambda now: Q(state=State.REPORTED),
    "registered": lambda now: Q(state=State.REGISTERED),
    "active": lambda now: Q(state__in=OPEN_STATES),
    "overdue": late_q,
    "suspended": lambda now: Q(state=State.SUSPENDED),
    "handled": lambda now: Q(state=State.HANDLED),
    "verified": lambda now: Q(state=State.VERIFIED),
    "closed": lambda now: Q(state__in=[State.CLOSED, State.RATED]),
    "cancelled": lambda now: Q(state=State.CANCELLED),
}


def search_q(text: str) -> Q:
    """The board's search box: a number (whole or its SQ… start), an external ticket, or words of the description."""
    text = text.strip()
    q = Q(number__iexact=text) | Q(external_ref=text) | Q(description__icontains=text)
    if text.upper().startswith("SQ"):
        q |= Q(number__startswith=text.upper())
    return q


def appeals_filtered(
    *,
    user: User,
    rule: str = VIEW_RULE,
    area: str | None = None,
    state: str | None = None,
    overdue: bool | None = None,
    assignee: Any = None,
    category: str | None = None,
    channel: str | None = None,
    text: str | None = None,
    at: dt.datetime | None = None,
) -> QuerySet[Appeal]:
    """The appeals in the user's reach under `rule` that pass every filter given: no order, no page.

    What the list API pages and the dispatch board counts and pages (both through `appeals_list`). `category` is a
    subcategory's code or a main category's (all its subcategories); `text` is the board's search.
    """
    qs = Appeal.objects.filter(visible_q(user, rule))
    if area:
        if not area.isdigit() or len(area) > 17:
            raise ValidationFailed(_("区域编码只能是数字"), field="area")
        qs = qs.filter(code_range_q(area, "area_code"))
    if state:
        if state not in State.values:
            raise ValidationFailed(_("状态只能是：%(v)s") % {"v": "、".join(State.values)}, field="state")
        qs = qs.filter(state=state)
    if overdue is not None:
        late = late_q(at or clock.now())
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if channel:
        qs = qs.filter(channel=channel)
    if text:
        qs = qs.filter(search_q(text))
    return qs


def appeals_list(
    *,
    user: User,
    before_id: int | None = None,
    limit: int = 50,
    queue: str | None = None,
    at: dt.datetime | None = None,
    **filters: Any,
) -> QuerySet[Appeal]:
    """A page of `appeals_filtered(user, **filters)` (optionally one board queue), newest first, keyset paged.

    The list API (GET /api/v1/appeals) and the dispatch board both read their rows here.
    """
    qs = appeals_filtered(user=user, at=at, **filters)
    if queue is not None:
        qs = qs.filter(QUEUES[queue](at or clock.now()))
    if before_id is not None:
        qs = qs.filter(pk__lt=before_id)
    return qs.select_related("category", "category__parent").order_by("-id")[:limit]


def queue_counts(*, user: User, at: dt.datetime | None = None, **filters: Any) -> dict[str, int]:
    """How many of `appeals_filtered(user, **filters)` each board queue holds, in one statement."""
    now = at or clock.now()
    qs = appeals_filtered(user=user, at=now, **filters)
    return qs.aggregate(**{key: Count("pk", filter=make(now)) for key, make in QUEUES.items()})


def board_areas(*, user: User, rule: str = DISPATCH_RULE, limit: int = 500) -> list[Area]:
    """The streets, communities and grids the user works under `rule`: the board's area filter."""
    return list(
        Area.objects.filter(rules.scope_q(user, rule, field="code"))
        .filter(level__in=[AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.GRID])
        .only("code", "name", "level")
        .order_by("code")[:limit]
    )


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
