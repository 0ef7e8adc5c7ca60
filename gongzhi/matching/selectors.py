"""Matching's reads that pages and the API share: the lists in the user's scope, the public micro-wish wall, the
grab list, the dispatch queue, and the ranked, explained suggestions of resources for one demand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import rules
from gongzhi.areas.codes import ancestor_codes, code_parts
from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.matching.actions.flow import CLAIM, GRAB, can_see
from gongzhi.matching.models import (
    OPEN_STATES,
    Agreement,
    CoBuildEvent,
    Demand,
    DemandKind,
    DemandState,
    Donation,
    FundPool,
    JointMeeting,
    Project,
    ProjectPartner,
    ProjectState,
    Resource,
    ServiceCategory,
    ServiceItem,
    Spending,
    Venture,
)
from gongzhi.people.models import ResponsibilityZone

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

VIEW = "matching.view"


def categories_with_items() -> list[ServiceCategory]:
    return list(ServiceCategory.objects.prefetch_related("items").order_by("order", "id"))


def active_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(active=True).select_related("category").order_by("category__order", "id")


def _demands() -> QuerySet[Demand]:
    return Demand.objects.select_related("item", "item__category")


def demand_scope_q(user: User) -> Q:
    """What of the demand list the user may read: staff their area; everyone their own, held or asked-for demands;
    party members and volunteers what is in the pool or held in their area."""
    mine = Q(requester_id=user.pk) | Q(entered_by_id=user.pk) | Q(holder_id=user.pk) | Q(handover_to_id=user.pk)
    helpers = rules.scope_q(user, CLAIM) | rules.scope_q(user, GRAB)
    pool = helpers & Q(state__in=[DemandState.ACCEPTED, DemandState.TAKEN])
    return rules.scope_q(user, VIEW) | mine | pool


def demands_list(
    *,
    user: User,
    kind: str | None = None,
    state: str | None = None,
    area_code: str = "",
    item_id: int | None = None,
    overdue: bool = False,
    mine: bool = False,
) -> QuerySet[Demand]:
    qs = _demands().filter(demand_scope_q(user))
    if mine:
        qs = qs.filter(Q(requester_id=user.pk) | Q(holder_id=user.pk) | Q(entered_by_id=user.pk))
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    if item_id:
        qs = qs.filter(item_id=item_id)
    if overdue:
        qs = qs.filter(state__in=OPEN_STATES, due_at__lt=clock.now())
    return qs.order_by("-created_at", "-id")


def demand_get(*, user: User, demand_id: int) -> Demand:
    demand = _demands().select_related("resource", "holder").filter(pk=demand_id).first()
    if demand is None or not can_see(user, demand):
        raise NotFound(_("需求不存在：%(id)s") % {"id": demand_id}, field="demand_id")
    return demand


def wish_wall(*, area_code: str = "", limit: int = 60, offset: int = 0) -> QuerySet[Demand]:
    """The public wall of open micro-wishes (names masked by the template: `masked_name`), newest first."""
    qs = Demand.objects.filter(kind=DemandKind.WISH, state=DemandState.ACCEPTED)
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    return qs.select_related("item").only(
        "pk", "title", "description", "value_fen", "requester_name", "area_code", "created_at", "photo",
        "item__name", "due_at", "state", "kind",
    ).order_by("-created_at", "-id")[offset : offset + limit]  # fmt: skip


def grab_list(*, user: User, limit: int = 100) -> QuerySet[Demand]:
    """What the user may claim or grab now: demands in the pool of the areas where they hold the rule."""
    scope = rules.scope_q(user, CLAIM) | rules.scope_q(user, GRAB)
    return _demands().filter(scope, state=DemandState.ACCEPTED).order_by("due_at", "id")[:limit]


def dispatch_queue(*, user: User, limit: int = 200) -> QuerySet[Demand]:
    """Waiting for the centre (派单) or the community (接单) in the user's area, the most urgent first."""
    scope = (rules.scope_q(user, "matching.dispatch") & Q(state=DemandState.ORDERED)) | (
        rules.scope_q(user, "matching.accept") & Q(state=DemandState.DISPATCHED)
    )
    return _demands().filter(scope).order_by("due_at", "id")[:limit]


def resources_list(*, user: User, category_id: int | None = None, mine: bool = False) -> QuerySet[Resource]:
    """Offers the user may read: staff their area's, everyone their own."""
    qs = Resource.objects.select_related("item", "category")
    qs = qs.filter(Q(owner_id=user.pk)) if mine else qs.filter(rules.scope_q(user, VIEW) | Q(owner_id=user.pk))
    if category_id:
        qs = qs.filter(category_id=category_id)
    return qs.order_by("category__order", "-reviewed_at", "id")


def resource_is_stale(resource: Resource, now: dt.datetime | None = None) -> bool:
    from gongzhi.matching.actions.resources import REVIEW_EVERY

    return resource.reviewed_at < (now or clock.now()) - REVIEW_EVERY


# ------------------------------------------------------------------------------------------------- suggestions

WEIGHTS = {"category": 30, "distance": 25, "capacity": 20, "rating": 15, "zone": 10}
FACTOR_LABELS = {
    "category": gettext_lazy("服务匹配"),
    "distance": gettext_lazy("区域距离"),
    "capacity": gettext_lazy("剩余能力"),
    "rating": gettext_lazy("历史评价"),
    "zone": gettext_lazy("党员责任区"),
}
NO_RATING = 0.6  # an offer nobody has rated yet ranks as a fair one, not as the worst


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    value: float  # 0 … 1
    weight: int
    points: float  # value × weight
    why: str


@dataclass(frozen=True)
class Suggestion:
    resource: Resource
    score: float  # 0 … 100
    factors: list[Factor]


def _month_start(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def suggestions(*, demand: Demand, limit: int = 10) -> list[Suggestion]:
    """Offers that could serve the demand, ranked by a weighted sum of five factors, each shown with its share:

    - category fit: the same item (1) or another item of the same category (0.5);
    - distance in the area tree: an offer serving the demand's own area (1), one level up 0.75, … (0 at 4+);
    - remaining capacity this month: (capacity − demands dispatched to it this month) / capacity;
    - past ratings: the mean rating / 5 (0.6 when none yet);
    - the demand lies in the offering party member's responsibility zone (党员责任区): 1, else 0.

    Candidates are the valid, active offers of the category that serve the demand's area or an area above it.
    """
    today = clock.today()
    ancestors = ancestor_codes(demand.area_code)
    depth = len(code_parts(demand.area_code))
    category = demand.item.category_id
    rows = list(
        Resource.objects.filter(category_id=category, served__category_id=category, served__area_code__in=ancestors)
        .filter(active=True, valid_from__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .annotate(served_code=Max("served__area_code"))  # the nearest area it serves (a longer code is deeper)
        .values_list("pk", "item_id", "capacity", "rating_sum", "rating_count", "party_member_id", "served_code")
    )
    if not rows:
        return []
    since = _month_start(clock.now())
    used = dict(
        Demand.objects.filter(item__category_id=category, resource__isnull=False, dispatched_at__gte=since)
        .exclude(state__in=[DemandState.CANCELLED, DemandState.MERGED])
        .values("resource_id")
        .annotate(n=Count("id"))
        .values_list("resource_id", "n")
    )
    members = {r[5] for r in rows if r[5]}
    in_zone = (
        set(
            ResponsibilityZone.objects.filter(party_member_id__in=members, area__code__in=ancestors).values_list(
                "party_member_id", flat=True
            )
        )
        if members
        else set()
    )
    # Score every candidate with numbers only; the explanations are worded for the ones shown.
    w_cat, w_dist, w_cap, w_rate, w_zone = (WEIGHTS[k] for k in ("category", "distance", "capacity", "rating", "zone"))
    scored: list[tuple[float, int]] = []
    facts: dict[int, tuple[int, int, int, int, int, int | None, str]] = {}
    for row in rows:
        pk, item_id, capacity, rating_sum, rating_count, member_id, served = row
        levels = depth - len(code_parts(served))
        left = max(0, capacity - used.get(pk, 0))
        score = (
            w_cat * (1.0 if item_id == demand.item_id else 0.5)
            + w_dist * max(0.0, 1 - 0.25 * levels)
            + w_cap * left / capacity
            + w_rate * (min(1.0, rating_sum / rating_count / 5) if rating_count else NO_RATING)
            + w_zone * (1.0 if member_id in in_zone else 0.0)
        )
        scored.append((score, pk))
        facts[pk] = row
    scored.sort(key=lambda s: (-s[0], s[1]))
    top = scored[:limit]
    resources = Resource.objects.select_related("item").in_bulk([pk for _s, pk in top])
    return [
        Suggestion(
            resource=resources[pk], score=round(score, 1), factors=_explain(demand, facts[pk], depth, used, in_zone)
        )
        for score, pk in top
    ]


def _explain(
    demand: Demand,
    row: tuple[int, int, int, int, int, int | None, str],
    depth: int,
    used: dict[int, int],
    in_zone: set[int],
) -> list[Factor]:
    pk, item_id, capacity, rating_sum, rating_count, member_id, served = row
    levels = depth - len(code_parts(served))
    left = max(0, capacity - used.get(pk, 0))
    mean = rating_sum / rating_count if rating_count else None
    values = {
        "category": (1.0, _("同一服务项目")) if item_id == demand.item_id else (0.5, _("同类别其他项目")),
        "distance": (max(0.0, 1 - 0.25 * levels), _("服务本区域") if levels == 0 else _("服务上%(n)d级区域") % {"n": levels}),
        "capacity": (left / capacity, _("本月剩余 %(left)d/%(cap)d 次") % {"left": left, "cap": capacity}),
        "rating": (
            (min(1.0, mean / 5), _("平均 %(m).1f 分（%(n)d 次）") % {"m": mean, "n": rating_count})
            if mean is not None
            else (NO_RATING, _("尚无评价"))
        ),
        "zone": (1.0, _("在该党员责任区内")) if member_id in in_zone else (0.0, _("不在责任区内")),
    }  # fmt: skip
    return [
        Factor(k, str(FACTOR_LABELS[k]), round(v, 3), WEIGHTS[k], round(v * WEIGHTS[k], 1), str(why))
        for k, (v, why) in values.items()
    ]


def hours_served(*, user: User) -> float:
    """Confirmed hours of the user's closed demands (fulfilment time confirmed by the resident's rating)."""
    from django.db.models import Sum

    total = Demand.objects.filter(holder_id=user.pk, state=DemandState.CLOSED).aggregate(h=Sum("hours"))["h"]
    return float(total or 0)


# ------------------------------------------------------------------------------------------------- fund pool


@dataclass(frozen=True)
class VentureLine:
    venture: Venture
    budget_fen: int
    spent_fen: int
    left_fen: int


@dataclass(frozen=True)
class PoolReport:
    pool: FundPool
    donated_fen: int
    granted_fen: int
    balance_fen: int
    spent_fen: int
    ventures: list[VentureLine]
    donations: list[Donation]


def pool_report(*, pool_id: int, since: dt.datetime | None = None) -> PoolReport:
    """The pool's public ledger: money in (donations), out (grants) and, per project, budget, spent and left.
    With `since`, the flows are those after it (a quarter's report); balances are always today's."""
    from django.db.models import Sum

    pool = FundPool.objects.select_related("account").filter(pk=pool_id).first()
    if pool is None:
        raise NotFound(_("基金池不存在：%(id)s") % {"id": pool_id}, field="pool_id")
    donations = pool.donations.order_by("-received_at", "-id")
    spendings = Spending.objects.filter(venture__pool=pool)
    if since is not None:
        donations = donations.filter(received_at__gte=since)
        spendings = spendings.filter(spent_at__gte=since)
    spent_by = dict(spendings.values("venture_id").annotate(s=Sum("amount_fen")).values_list("venture_id", "s"))
    lines = []
    for v in pool.ventures.select_related("account").order_by("created_at", "id"):
        budget = v.budget_fen or 0
        lines.append(VentureLine(v, budget, int(spent_by.get(v.pk) or 0), v.account.balance if v.account else 0))
    return PoolReport(
        pool=pool,
        donated_fen=int(donations.aggregate(s=Sum("amount_fen"))["s"] or 0),
        granted_fen=sum(line.budget_fen for line in lines),
        balance_fen=pool.account.balance,
        spent_fen=sum(spent_by.values()),
        ventures=lines,
        donations=list(donations[:100]),
    )


def pools_list() -> QuerySet[FundPool]:
    return FundPool.objects.select_related("account").order_by("id")


def venture_left_fen(*, venture_id: int) -> int:
    """What is left of a venture's budget (its ledger account's balance, read afresh)."""
    left = Venture.objects.filter(pk=venture_id).values_list("account__balance", flat=True).first()
    return int(left or 0)


# ------------------------------------------------------------------------------------------------ project list


def _partner_of(user: User) -> int | None:
    from gongzhi.matching.actions.projects import actor_partner

    partner = actor_partner(user)
    return partner.pk if partner is not None else None


def project_scope_q(user: User) -> Q:
    """Staff see their area's projects; a partner login the projects it is on."""
    partner_id = _partner_of(user)
    mine = Q(partner_rows__partner_id=partner_id) if partner_id else rules.nothing_q()
    return rules.scope_q(user, VIEW) | rules.scope_q(user, "matching.projects") | mine


def projects_list(*, user: User, area_code: str = "", state: str = "") -> QuerySet[Project]:
    ids = Project.objects.filter(project_scope_q(user)).values("pk")
    qs = Project.objects.filter(pk__in=ids)
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    if state:
        qs = qs.filter(state=state)
    return qs.prefetch_related("milestones", "partner_rows__partner").order_by("-created_at", "-id")


def project_get(*, user: User, project_id: int) -> Project:
    project = projects_list(user=user).filter(pk=project_id).first()
    if project is None:
        raise NotFound(_("共建项目不存在：%(id)s") % {"id": project_id}, field="project_id")
    return project


def public_project(*, project_id: int) -> Project:
    """A public project's timeline for anyone (no login): its milestones and what was checked off, no names."""
    project = (
        Project.objects.filter(pk=project_id, public=True)
        .exclude(state=ProjectState.CANCELLED)
        .prefetch_related("milestones", "partner_rows__partner")
        .first()
    )
    if project is None:
        raise NotFound(_("共建项目不存在：%(id)s") % {"id": project_id}, field="project_id")
    return project


def public_projects(*, area_code: str) -> QuerySet[Project]:
    return (
        Project.objects.filter(public=True, area_code__startswith=area_code)
        .exclude(state=ProjectState.CANCELLED)
        .prefetch_related("milestones")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    action: str
    label: str
    note: str


TIMELINE_LABELS = {
    "create": gettext_lazy("立项"),
    "start": gettext_lazy("启动"),
    "claim": gettext_lazy("共建单位认领"),
    "check_off": gettext_lazy("节点销号"),
    "complete": gettext_lazy("整体销号"),
    "decision": gettext_lazy("联席会决定"),
    "milestone_add": gettext_lazy("新增节点"),
}


def project_timeline(project: Project) -> list[TimelineEntry]:
    """The project's progress in time order, as the public page shows it (no actor names)."""
    out = []
    for e in CoBuildEvent.objects.filter(project=project, action__in=list(TIMELINE_LABELS)).order_by("at", "id"):
        note = e.note
        if e.action in ("check_off", "milestone_add"):
            note = f"{e.data.get('title', '')}：{e.note}" if e.note else str(e.data.get("title", ""))
        elif e.action == "claim":
            note = str(e.data.get("partner_name", ""))
        out.append(TimelineEntry(at=e.at, action=e.action, label=str(TIMELINE_LABELS[e.action]), note=note))
    return out


def agreements_list(*, user: User, area_code: str = "") -> QuerySet[Agreement]:
    qs = Agreement.objects.filter(rules.scope_q(user, "matching.projects") | rules.scope_q(user, VIEW))
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    return qs.select_related("partner").order_by("area_code", "partner__name", "-signed_on")


def partners_without_claim(*, user: User, year: int) -> list[Agreement]:
    """The agreements running in `year` whose partner has claimed no project of that community in that year: the
    partners staff must follow up (每年认领1个共建项目)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    agreements = list(
        Agreement.objects.filter(rules.scope_q(user, "matching.projects"), signed_on__lte=last, valid_until__gte=first)
        .select_related("partner")
        .order_by("area_code", "partner__name")
    )
    start = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    end = dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())
    claims = list(
        ProjectPartner.objects.filter(claimed_at__gte=start, claimed_at__lt=end).values_list(
            "partner_id", "project__area_code"
        )
    )
    return [a for a in agreements if not any(p == a.partner_id and code.startswith(a.area_code) for p, code in claims)]


def meetings_list(*, user: User, area_code: str = "", limit: int = 24) -> list[JointMeeting]:
    qs = JointMeeting.objects.filter(rules.scope_q(user, "matching.projects") | rules.scope_q(user, VIEW))
    if area_code:
        qs = qs.filter(area_code__startswith=area_code)
    return list(qs.prefetch_related("attendance__partner", "decisions__project").order_by("-month", "-id")[:limit])
