"""Reads of inspections that more than one caller needs: lists in the user's reach, what is due, the roll-up."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import User
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.inspections.models import (
    OPEN_RECTIFICATION,
    Answer,
    ChecklistTemplate,
    Inspection,
    Place,
    Rectification,
    RectificationState,
    Result,
)

SOON_DAYS = 7


def _in_area(qs: QuerySet[Any], area_code: str) -> QuerySet[Any]:
    return qs.filter(code_range_q(area_code, "area_code")) if area_code else qs


def places_list(
    *, user: User, area_code: str = "", kind: str = "", mine: bool = False, q: str = "", active: bool | None = True
) -> QuerySet[Place]:
    qs = Place.objects.filter(rules.scope_q(user, "inspections.view")).select_related("responsible", "area")
    qs = _in_area(qs, area_code)
    if kind:
        qs = qs.filter(kind=kind)
    if mine:
        qs = qs.filter(responsible=user)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q) | Q(licence_no__icontains=q))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("area_code", "id")


def templates_current() -> QuerySet[ChecklistTemplate]:
    return ChecklistTemplate.objects.filter(is_current=True).prefetch_related("items").order_by("code")


def template_get(*, template_id: int) -> ChecklistTemplate:
    template = ChecklistTemplate.objects.prefetch_related("items").filter(pk=template_id).first()
    if template is None:
        raise NotFound(_("巡查清单不存在：%(id)s") % {"id": template_id}, field="template_id")
    return template


@dataclass(frozen=True)
class Due:
    place: Place
    template: ChecklistTemplate
    last_done: dt.datetime | None
    due_on: dt.date
    status: str  # overdue, today, soon, later


def _status(due_on: dt.date, today: dt.date) -> str:
    if due_on < today:
        return "overdue"
    if due_on == today:
        return "today"
    if due_on <= today + dt.timedelta(days=SOON_DAYS):
        return "soon"
    return "later"


STATUS_ORDER = {"overdue": 0, "today": 1, "soon": 2, "later": 3}


def due_list(
    *, user: User, places: QuerySet[Place], today: dt.date | None = None, include_later: bool = False
) -> list[Due]:
    """Each place × current template that applies to its kind, with the date the next inspection is due: the last
    inspection with any version of the template plus the template's frequency, or the day the place was registered
    when it was never inspected. Ordered by urgency (overdue, today, within 7 days)."""
    today = today or timezone.localdate(clock.now())
    templates = list(ChecklistTemplate.objects.filter(is_current=True).order_by("code"))
    # Only what the list shows (the page and the API read these fields): no related rows, no contact to decrypt.
    rows = list(
        places.select_related(None).only("pk", "name", "kind", "address", "area_code", "created_at", "is_active")
    )
    # The last inspection per place and template *version*, over the places' ids as a subquery (no parameter per
    # place, no join to the templates); versions are folded into their code here, from a small id → code map.
    code_of = dict(ChecklistTemplate.objects.values_list("pk", "code"))
    last: dict[tuple[int, str], dt.datetime] = {}
    for place_id, template_id, done_at in (
        Inspection.objects.filter(place_id__in=places.values("pk"))
        .values_list("place_id", "template_id")
        .annotate(last=Max("done_at"))
        .values_list("place_id", "template_id", "last")
    ):
        key = (place_id, code_of.get(template_id, ""))
        if key not in last or done_at > last[key]:
            last[key] = done_at
    out: list[Due] = []
    for place in rows:
        for template in templates:
            if place.kind not in template.place_kinds:
                continue
            done = last.get((place.pk, template.code))
            if done is None:
                due_on = min(timezone.localdate(place.created_at), today)
            else:
                due_on = timezone.localdate(done) + dt.timedelta(days=template.frequency_days)
            status = _status(due_on, today)
            if status == "later" and not include_later:
                continue
            out.append(Due(place=place, template=template, last_done=done, due_on=due_on, status=status))
    out.sort(key=lambda d: (STATUS_ORDER[d.status], d.due_on, d.place.area_code, d.place.pk, d.template.code))
    return out


def inspections_list(
    *,
    user: User,
    area_code: str = "",
    place_id: int | None = None,
    template_code: str = "",
    failed_only: bool = False,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Inspection]:
    qs = Inspection.objects.filter(rules.scope_q(user, "inspections.view")).select_related(
        "place", "template", "inspector"
    )
    qs = _in_area(qs, area_code)
    if place_id is not None:
        qs = qs.filter(place_id=place_id)
    if template_code:
        qs = qs.filter(template__code=template_code)
    if failed_only:
        qs = qs.filter(failed__gt=0)
    if since is not None:
        qs = qs.filter(done_at__date__gte=since)
    if until is not None:
        qs = qs.filter(done_at__date__lte=until)
    return qs.order_by("-done_at", "-id")


def inspection_get(*, user: User, inspection_id: int) -> Inspection:
    found = (
        Inspection.objects.select_related("place", "template", "inspector")
        .prefetch_related("answers__item", "answers__photos", "rectifications")
        .filter(pk=inspection_id)
        .first()
    )
    if found is None or not rules.allows(user, "inspections.view", found.area_code):
        raise NotFound(_("巡查记录不存在：%(id)s") % {"id": inspection_id}, field="inspection_id")
    return found


def rectifications_list(
    *, user: User, area_code: str = "", state: str = "", overdue: bool = False, committee: str = "", mine: bool = False
) -> QuerySet[Rectification]:
    qs = Rectification.objects.filter(rules.scope_q(user, "inspections.view")).select_related("place", "inspection")
    qs = _in_area(qs, area_code)
    if state:
        if state not in RectificationState.values:
            raise ValidationFailed(_("状态只能是：%(v)s") % {"v": "、".join(RectificationState.values)}, field="state")
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.filter(state__in=OPEN_RECTIFICATION, deadline__lt=timezone.localdate(clock.now()))
    if committee:
        qs = qs.filter(committee=committee)
    if mine:
        qs = qs.filter(place__responsible=user)
    return qs.order_by("deadline", "id")


def rectification_get(*, user: User, rectification_id: int) -> Rectification:
    found = (
        Rectification.objects.select_related("place", "inspection", "answer__item").filter(pk=rectification_id).first()
    )
    if found is None or not rules.allows(user, "inspections.view", found.area_code):
        raise NotFound(_("整改单不存在：%(id)s") % {"id": rectification_id}, field="rectification_id")
    return found


def is_overdue(order: Rectification, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate(clock.now())
    return order.state in OPEN_RECTIFICATION and order.deadline < today


# --- the roll-up per street committee ---------------------------------------------------------------------------


@dataclass
class Figures:
    expected: int = 0
    done: int = 0
    inspections: int = 0
    hazards_found: int = 0
    hazards_fixed: int = 0
    rectifications_open: int = 0
    rectifications_overdue: int = 0

    @property
    def completion(self) -> float | None:
        return round(self.done / self.expected, 4) if self.expected else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "done": self.done,
            "completion": self.completion,
            "inspections": self.inspections,
            "hazards_found": self.hazards_found,
            "hazards_fixed": self.hazards_fixed,
            "rectifications_open": self.rectifications_open,
            "rectifications_overdue": self.rectifications_overdue,
        }


def rollup(*, user: User, area: Area, since: dt.date, until: dt.date) -> dict[str, Any]:
    """Per committee (食安委, 安委会 …) for `area` and each of its child areas over [since, until]:

    - completion: for each active place × current template applying to it, the inspections expected in the period
      (its length over the template's frequency, at least one) and those done (at most the expected); done/expected;
    - hazards found: failed items of inspections done in the period; fixed: rectification orders of the committee
      closed by a passing re-inspection in the period;
    - rectification orders open now that were opened by the end of the period, and of those the overdue ones
      (deadline before the period's end).
    """
    rules.require(user, "inspections.view", area.code)
    if until < since:
        raise ValidationFailed(_("结束日期不能早于开始日期"), field="to")
    if (until - since).days > 366:
        raise ValidationFailed(_("统计周期最长一年"), field="to")
    days = (until - since).days + 1
    templates = list(ChecklistTemplate.objects.filter(is_current=True).order_by("code"))
    committees = sorted({t.committee for t in templates})
    children = list(Area.objects.filter(parent=area).order_by("code")) if area.level != AreaLevel.MICROGRID else []
    child_len = len(children[0].code) if children else 0

    def key_of(code: str) -> str:
        return code[:child_len] if child_len else area.code

    figures: dict[tuple[str, str], Figures] = defaultdict(Figures)  # (committee, child code or area code)
    places = list(
        Place.objects.filter(code_range_q(area.code, "area_code"), is_active=True).values("pk", "kind", "area_code")
    )
    counts = {
        (r["place_id"], r["template__code"]): r["n"]
        for r in Inspection.objects.filter(
            code_range_q(area.code, "area_code"), done_at__date__gte=since, done_at__date__lte=until
        )
        .values("place_id", "template__code")
        .annotate(n=Count("id"))
    }
    for place in places:
        for t in templates:
            if place["kind"] not in t.place_kinds:
                continue
            expected = max(1, days // t.frequency_days)
            done = min(counts.get((place["pk"], t.code), 0), expected)
            for where in {area.code, key_of(place["area_code"])}:
                f = figures[(t.committee, where)]
                f.expected += expected
                f.done += done
    in_period = Inspection.objects.filter(
        code_range_q(area.code, "area_code"), done_at__date__gte=since, done_at__date__lte=until
    )
    for r in in_period.values("area_code", "template__committee").annotate(n=Count("id")):
        for where in {area.code, key_of(r["area_code"])}:
            figures[(r["template__committee"], where)].inspections += r["n"]
    failed = Answer.objects.filter(inspection__in=in_period, result=Result.FAIL)
    for a in failed.values("inspection__area_code", "inspection__template__committee").annotate(n=Count("id")):
        for where in {area.code, key_of(a["inspection__area_code"])}:
            figures[(a["inspection__template__committee"], where)].hazards_found += a["n"]
    orders = Rectification.objects.filter(code_range_q(area.code, "area_code"))
    fixed = orders.filter(state=RectificationState.RECTIFIED, closed_at__date__gte=since, closed_at__date__lte=until)
    for x in fixed.values("area_code", "committee").annotate(n=Count("id")):
        for where in {area.code, key_of(x["area_code"])}:
            figures[(x["committee"], where)].hazards_fixed += x["n"]
    still_open = orders.filter(state__in=OPEN_RECTIFICATION, created_at__date__lte=until)
    for o in still_open.values("area_code", "committee", "deadline"):
        for where in {area.code, key_of(o["area_code"])}:
            f = figures[(o["committee"], where)]
            f.rectifications_open += 1
            if o["deadline"] < until:
                f.rectifications_overdue += 1
    names = {c.code: c.name for c in children}
    return {
        "area": area,
        "since": since,
        "until": until,
        "committees": [
            {
                "committee": committee,
                "total": figures[(committee, area.code)].as_dict(),
                "children": [
                    {"code": c.code, "name": names[c.code], **figures[(committee, c.code)].as_dict()} for c in children
                ],
            }
            for committee in committees
        ],
    }
