"""Reads of deliberation: who takes part where, a community's settings, the council day, appeal clusters, tallies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.appeals.models import Appeal, Category
from gongzhi.areas.codes import LEVEL_LENGTHS, ancestor_codes, code_at
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock, workdays
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.deliberation import tally
from gongzhi.deliberation.models import (
    ActionItem,
    ActionState,
    Ballot,
    BallotChoice,
    CommunitySettings,
    Invitation,
    Meeting,
    Topic,
    TopicAppeal,
    Vote,
    VoteBasis,
    VoteMode,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gongzhi.accounts.models import User

PARTICIPATE = "deliberation.participate"
MANAGE = "deliberation.manage"
COMMUNITY_LENGTH = LEVEL_LENGTHS["community"]


@dataclass(frozen=True)
class Settings:
    support_threshold: int = 10
    council_day: int = 15
    cluster_min_appeals: int = 5
    cluster_window_days: int = 30
    reopen_min_ratings: int = 5
    reopen_unsatisfied_percent: int = 50


DEFAULTS = Settings()


def settings_for(community_code: str) -> Settings:
    row = CommunitySettings.objects.filter(area_code=community_code[:COMMUNITY_LENGTH]).first()
    if row is None:
        return DEFAULTS
    return Settings(
        support_threshold=row.support_threshold,
        council_day=row.council_day,
        cluster_min_appeals=row.cluster_min_appeals,
        cluster_window_days=row.cluster_window_days,
        reopen_min_ratings=row.reopen_min_ratings,
        reopen_unsatisfied_percent=row.reopen_unsatisfied_percent,
    )


# ---------------------------------------------------------------------------------------------------------------
# Who takes part where: a member of any role takes part in the deliberation of their own community (the community
# of their membership's area, or the whole subtree for staff above a community), and in what concerns the areas
# above it (a street's forum or weekly topic).


def _homes(user: User | AnonymousUser | None) -> list[str]:
    tops = rules.scope_codes(user, PARTICIPATE)
    return [code if len(code) <= COMMUNITY_LENGTH else code_at(code, "community") for code in tops]


def participates(user: User | AnonymousUser | None, area_code: str) -> bool:
    return any(area_code.startswith(home) or home.startswith(area_code) for home in _homes(user))


def participate_q(user: User | AnonymousUser | None, field: str = "area_code") -> Q:
    homes = _homes(user)
    if "" in homes:
        return rules.everything_q()
    q = rules.nothing_q()
    for home in homes:
        q |= code_range_q(home, field) | Q(**{f"{field}__in": ancestor_codes(home, include_self=False)})
    return q


def require_participant(user: User | AnonymousUser | None, area_code: str, *, field: str = "area") -> None:
    if not participates(user, area_code):
        raise PermissionDenied(
            _("您不在该区域，不能参与这里的议事"), field=field, details={"rule": PARTICIPATE, "area": area_code}
        )


def may_manage(user: User | AnonymousUser | None, area_code: str) -> bool:
    return rules.allows(user, MANAGE, area_code)


def require_manager(user: User | AnonymousUser | None, area_code: str, *, field: str = "area") -> None:
    if not may_manage(user, area_code):
        raise PermissionDenied(
            _("您没有权限组织该区域的议事"), field=field, details={"rule": MANAGE, "area": area_code}
        )


def visible_to(user: User | AnonymousUser | None, area_code: str) -> bool:
    return participates(user, area_code) or may_manage(user, area_code)


# ---------------------------------------------------------------------------------------------------------------
# Topics


def topics_for(
    user: User | AnonymousUser | None, *, area: str = "", state: str = "", limit: int = 50, offset: int = 0
) -> QuerySet[Topic]:
    rows = Topic.objects.filter(participate_q(user) | rules.scope_q(user, MANAGE))
    if area:
        rows = rows.filter(code_range_q(area, "area_code"))
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-support_count", "-created_at", "-id")[offset : offset + limit]


def topic_get(*, user: User | AnonymousUser | None, topic_id: int) -> Topic:
    topic = Topic.objects.filter(pk=topic_id).first()
    if topic is None or not visible_to(user, topic.area_code):
        raise NotFound(_("议题不存在：%(id)s") % {"id": topic_id}, field="topic_id")
    return topic


@dataclass(frozen=True)
class Cluster:
    """Similar appeals offered as a topic: same micro-grid (building) or same category, inside the window."""

    by: str  # "area" or "category"
    key: str  # the micro-grid code or the category code
    label: str
    community_code: str
    appeal_ids: list[int]

    @property
    def count(self) -> int:
        return len(self.appeal_ids)


def clusters(*, community_code: str, now: dt.datetime | None = None, settings: Settings | None = None) -> list[Cluster]:
    """Clusters of the community's appeals not yet attached to a topic, largest first.

    Two grouping statements over the window (index range on area_code, created_at), then one read of the ids of
    the groups that reach the minimum.
    """
    settings = settings or settings_for(community_code)
    now = now or clock.now()
    since = now - dt.timedelta(days=settings.cluster_window_days)
    base = (
        Appeal.objects.filter(code_range_q(community_code, "area_code"), created_at__gte=since, created_at__lte=now)
        .exclude(state="cancelled")
        .filter(deliberation_link__isnull=True)
    )
    out: list[Cluster] = []
    by_area = (
        base.values("area_code").annotate(n=Count("id")).filter(n__gte=settings.cluster_min_appeals).order_by("-n")
    )
    area_keys = [row["area_code"] for row in by_area]
    by_category = (
        base.values("category_id").annotate(n=Count("id")).filter(n__gte=settings.cluster_min_appeals).order_by("-n")
    )
    category_ids = [row["category_id"] for row in by_category if row["category_id"] is not None]
    if not area_keys and not category_ids:
        return out
    from gongzhi.areas.models import Area

    area_names = dict(Area.objects.filter(code__in=area_keys).values_list("code", "name"))
    categories = {c.pk: c for c in Category.objects.filter(pk__in=category_ids)}
    members = base.filter(Q(area_code__in=area_keys) | Q(category_id__in=category_ids)).values_list(
        "id", "area_code", "category_id"
    )
    by_key: dict[tuple[str, str], list[int]] = {}
    area_set = set(area_keys)
    for pk, code, category_id in members:
        if code in area_set:
            by_key.setdefault(("area", code), []).append(pk)
        if category_id in categories:
            by_key.setdefault(("category", categories[category_id].code), []).append(pk)
    category_by_code = {c.code: c for c in categories.values()}
    for (by, key), ids in by_key.items():
        if by == "area":
            label = _("%(place)s 近 %(days)s 天 %(n)s 件诉求") % {
                "place": area_names.get(key, key),
                "days": settings.cluster_window_days,
                "n": len(ids),
            }
        else:
            label = _("「%(category)s」近 %(days)s 天 %(n)s 件诉求") % {
                "category": category_by_code[key].name,
                "days": settings.cluster_window_days,
                "n": len(ids),
            }
        out.append(Cluster(by=by, key=key, label=label, community_code=community_code, appeal_ids=sorted(ids)))
    out.sort(key=lambda c: (-c.count, c.by, c.key))
    return out


def linked_topic(appeal_id: int) -> Topic | None:
    link = TopicAppeal.objects.filter(appeal_id=appeal_id).select_related("topic").first()
    return link.topic if link else None


# ---------------------------------------------------------------------------------------------------------------
# The council day


def council_date(year: int, month: int, day: int = 15) -> dt.date:
    """The council day of a month: `day` (default the 15th) or, when that is no working day, the next working day —
    by the core calendar (the stored holiday table first, then chinese-calendar, then Monday–Friday)."""
    if not 1 <= month <= 12:
        raise ValidationFailed(_("月份应在 1 到 12 之间"), field="month")
    if not 1 <= day <= 28:
        raise ValidationFailed(_("议事日应在每月 1 到 28 日之间"), field="day")
    start = dt.date(year, month, day)
    days = workdays.workday_map(start, start + dt.timedelta(days=31))
    for current in sorted(days):
        if days[current]:
            return current
    raise ValidationFailed(_("一个月内没有工作日，请检查节假日表"), field="month")  # pragma: no cover


# ---------------------------------------------------------------------------------------------------------------
# Meetings and votes


def meeting_get(*, user: User | AnonymousUser | None, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None or not (visible_to(user, meeting.area_code) or is_invited(user, meeting)):
        raise NotFound(_("会议不存在：%(id)s") % {"id": meeting_id}, field="meeting_id")
    return meeting


def meetings_for(
    user: User | AnonymousUser | None, *, area: str = "", limit: int = 50, offset: int = 0
) -> QuerySet[Meeting]:
    rows = Meeting.objects.filter(participate_q(user) | rules.scope_q(user, MANAGE))
    if area:
        rows = rows.filter(code_range_q(area, "area_code"))
    return rows.order_by("-starts_at", "-id")[offset : offset + limit]


def is_invited(user: User | AnonymousUser | None, meeting: Meeting) -> bool:
    pk = getattr(user, "pk", None)
    if not getattr(user, "is_authenticated", False) or not isinstance(pk, int):
        return False
    return Invitation.objects.filter(meeting=meeting, user_id=pk).exists()


def eligible(vote: Vote) -> int:
    """The invited persons, or households (an invitee without a household counts as one)."""
    invited = Invitation.objects.filter(meeting_id=vote.meeting_id)
    if vote.basis == VoteBasis.PERSON:
        return invited.count()
    households = invited.filter(household_id__isnull=False).values("household_id").distinct().count()
    return households + invited.filter(household_id__isnull=True).count()


def counts(vote: Vote) -> dict[str, int]:
    if vote.mode == VoteMode.RECORDED:
        return {k: int(v) for k, v in (vote.recorded_counts or {}).items()}
    rows = BallotChoice.objects.filter(vote=vote).values("choice").annotate(n=Count("id"))
    out = dict.fromkeys(tally.CHOICES, 0)
    for row in rows:
        out[row["choice"]] = row["n"]
    return out


def vote_tally(vote: Vote) -> tally.Tally:
    if vote.result:
        return tally.Tally(**vote.result)
    return tally.count(
        counts(vote),
        eligible=eligible(vote),
        quorum_percent=vote.quorum_percent,
        majority=vote.majority,
        tie_rule=vote.tie_rule,
    )


def voter_status(user: User, vote: Vote) -> dict[str, Any]:
    """Whether this voter (or, one vote per household, their household) has voted."""
    own = Ballot.objects.filter(vote=vote, user=user).exists()
    household = household_of(user)
    household_voted = (
        vote.basis == VoteBasis.HOUSEHOLD
        and household is not None
        and Ballot.objects.filter(vote=vote, household_id=household).exists()
    )
    return {"voted": own, "household_voted": household_voted}


def household_of(user: User) -> int | None:
    from gongzhi.people.models import Resident

    if not user.resident_id:
        return None
    return Resident.objects.filter(pk=user.resident_id).values_list("household_id", flat=True).first()


# ---------------------------------------------------------------------------------------------------------------
# Actions


def actions_for(
    user: User | AnonymousUser | None, *, area: str = "", overdue: bool = False, limit: int = 50, offset: int = 0
) -> QuerySet[ActionItem]:
    rows = ActionItem.objects.filter(participate_q(user) | rules.scope_q(user, MANAGE))
    if area:
        rows = rows.filter(code_range_q(area, "area_code"))
    if overdue:
        rows = rows.filter(overdue_q(clock.today()))
    return rows.order_by("deadline", "id")[offset : offset + limit]


def overdue_q(today: dt.date) -> Q:
    return Q(deadline__lt=today) & ~Q(state=ActionState.DONE)


def is_overdue(item: ActionItem, today: dt.date | None = None) -> bool:
    return item.state != ActionState.DONE and item.deadline < (today or clock.today())
