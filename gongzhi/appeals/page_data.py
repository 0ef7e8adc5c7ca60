"""Reads behind the appeal pages: a resident's own appeals, countdowns, the timeline and the map's outlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import Membership
from gongzhi.appeals.models import OPEN_STATES, Appeal, AppealEvent, AppealPhoto, Category, Rating, State
from gongzhi.appeals.workflow import label
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

MINE_LIMIT = 100
# Outlines drawn under the pin map: enough for a community's micro-grids, never a whole district.
MAP_OUTLINES_LIMIT = 120


def my_appeals(*, user: User, limit: int = MINE_LIMIT) -> QuerySet[Appeal]:
    """The appeals the user reported, newest first."""
    return Appeal.objects.filter(reporter_id=user.pk).select_related("category").order_by("-id")[:limit]


@dataclass
class Countdown:
    """The deadline that matters now: on site by `arrive_by` until arrival, then closure by `due_at`."""

    kind: str  # "arrive" or "due"
    label: str
    at: dt.datetime
    seconds: int
    paused: bool = False

    @property
    def overdue(self) -> bool:
        return self.seconds < 0


def countdown(appeal: Appeal, *, now: dt.datetime | None = None) -> Countdown | None:
    now = now or clock.now()
    if appeal.state == State.SUSPENDED and appeal.due_at and appeal.paused_at:
        seconds = int((appeal.due_at - appeal.paused_at).total_seconds())
        return Countdown("due", _("办结期限（挂起中）"), appeal.due_at, seconds, paused=True)
    if appeal.state not in OPEN_STATES:
        return None
    if appeal.arrive_by and appeal.arrived_at is None and appeal.state in (State.DISPATCHED, State.ACCEPTED):
        arrive = Countdown("arrive", _("到场期限"), appeal.arrive_by, int((appeal.arrive_by - now).total_seconds()))
        # Past the arrival deadline the closure deadline still runs: show whichever comes first.
        if appeal.due_at is None or appeal.arrive_by <= appeal.due_at:
            return arrive
    if appeal.due_at:
        return Countdown("due", _("办结期限"), appeal.due_at, int((appeal.due_at - now).total_seconds()))
    return None


@dataclass
class TimelineEntry:
    event: AppealEvent
    label: str
    from_label: str
    to_label: str
    actor: str
    photos: list[AppealPhoto] = field(default_factory=list)
    location: dict[str, float] | None = None
    rating: str = ""


STATE_LABELS = dict(State.choices)
RATING_LABELS = dict(Rating.choices)


def timeline(appeal: Appeal) -> list[TimelineEntry]:
    """Every event, oldest first, with its photos; photos sent with the report belong to the first entry."""
    events = list(
        AppealEvent.objects.filter(appeal=appeal)
        .select_related("actor")
        .prefetch_related(Prefetch("photos", queryset=AppealPhoto.objects.order_by("id")))
        .order_by("occurred_at", "id")
    )
    loose = list(AppealPhoto.objects.filter(appeal=appeal, event__isnull=True).order_by("id"))
    entries = []
    for i, e in enumerate(events):
        entry = TimelineEntry(
            event=e,
            label=label(e.action),
            from_label=str(STATE_LABELS.get(e.from_state, e.from_state)) if e.from_state else "",
            to_label=str(STATE_LABELS.get(e.to_state, e.to_state)),
            actor=str(e.actor) if e.actor_id else _("系统"),
            photos=list(e.photos.all()) + (loose if i == 0 else []),
            location=e.data.get("location") if isinstance(e.data, dict) else None,
            rating=str(RATING_LABELS.get(e.data.get("rating") or "", "")) if isinstance(e.data, dict) else "",
        )
        entries.append(entry)
    return entries


def may_see_originals(user: User | AnonymousUser, appeal: Appeal) -> bool:
    """Originals (with their EXIF/GPS) stay with the staff of the appeal's area."""
    return rules.allows(user, "appeals.view", appeal.area_code)


def subcategories() -> list[tuple[str, list[tuple[str, str]]]]:
    """Active subcategories grouped under their 大类, for the select on the submit page."""
    groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    rows = Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent")
    for c in rows.order_by("parent__sort_order", "parent__code", "sort_order", "code"):
        if c.parent is None:  # excluded by the filter
            continue
        groups.setdefault(c.parent.code, (c.parent.name, []))[1].append((c.code, c.name))
    return list(groups.values())


def _feature(area: Area) -> dict[str, Any] | None:
    if not area.boundary:
        return None
    return {"type": "Feature", "geometry": area.boundary, "properties": {"code": area.code, "name": area.name}}


def home_area(user: User) -> Area | None:
    """Where the user's pin map opens: the community of their first membership (or the membership's area)."""
    codes = list(Membership.objects.filter(user_id=user.pk).order_by("area__code").values_list("area__code", flat=True))
    if not codes:
        return Area.objects.filter(parent__isnull=True).order_by("code").first()
    code = codes[0]
    return Area.objects.filter(code=code_at(code, AreaLevel.COMMUNITY)).first()


def pin_map_data(user: User, *, lat: float | None = None, lng: float | None = None) -> dict[str, Any]:
    """The submit page's map: the micro-grids around the user (no tile server), the pin and the resolve URL."""
    area = home_area(user)
    outlines: list[dict[str, Any]] = []
    if area is not None:
        micro = Area.objects.filter(code_range_q(area.code), level=AreaLevel.MICROGRID).order_by("code")
        outlines = [f for a in micro[:MAP_OUTLINES_LIMIT] if (f := _feature(a))]
        if not outlines and (own := _feature(area)):
            outlines = [own]
    return {
        "outlines": outlines,
        "pin": [lat, lng] if lat is not None and lng is not None else None,
        "resolve_url": reverse("api:resolve"),
    }


def detail_map_data(appeal: Appeal) -> dict[str, Any]:
    area = Area.objects.filter(pk=appeal.area_id).only("code", "name", "boundary").first()
    return {
        "outlines": [f for f in [_feature(area)] if f] if area else [],
        "pin": [appeal.lat, appeal.lng] if appeal.lat is not None and appeal.lng is not None else None,
        "area_name": area.name if area else "",
    }
