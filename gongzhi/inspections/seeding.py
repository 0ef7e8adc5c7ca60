"""Seeding: the four checklist templates (version 1, once) and the demo district's places with a month of
food-safety inspections, some failed and rectified. Used by `manage.py seed_inspections`; idempotent."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import Membership, Role, User
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core import clock
from gongzhi.inspections.actions.checklists import template_publish
from gongzhi.inspections.actions.inspecting import inspection_submit
from gongzhi.inspections.actions.places import place_create
from gongzhi.inspections.actions.rectifications import mark_overdue
from gongzhi.inspections.models import ChecklistTemplate, ItemKind, Place, Result
from gongzhi.inspections.templates_data import TEMPLATES
from gongzhi.people.demo.logins import DEMO_LOGINS

MAX_GRIDS = 8
PLACES = [
    ("{g}便民超市", "shop", "13605320{n:03d}"),
    ("{g}老王家常菜馆", "restaurant", "13705321{n:03d}"),
    ("{g}鲜果蔬菜店", "food_business", "13805322{n:03d}"),
    ("{g}精工机械加工厂", "small_enterprise", "13905323{n:03d}"),
    ("{g}温馨出租屋", "rental", "15005324{n:03d}"),
    ("{g}理发店", "salon", "15105325{n:03d}"),
]


def seed_templates() -> list[ChecklistTemplate]:
    """Publish version 1 of each seeded template that does not exist yet."""
    out = []
    for t in TEMPLATES:
        current = ChecklistTemplate.objects.filter(code=t.code, is_current=True).first()
        if current is None:
            current = template_publish(
                actor=None,
                code=t.code,
                name=t.name,
                committee=t.committee,
                place_kinds=list(t.place_kinds),
                frequency_days=t.frequency_days,
                severity_threshold=t.severity_threshold,
                rectify_days=t.rectify_days,
                items=[dict(i) for i in t.items],
                system=True,
            )
        out.append(current)
    return out


def _login(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _grids() -> list[tuple[Area, User]]:
    """Grids with a grid worker: the demo `grid` login's first, then others by code, at most MAX_GRIDS."""
    chosen: list[tuple[Area, User]] = []
    grid_login = next(d for d in DEMO_LOGINS if d.role == Role.GRID_WORKER)
    user = _login(grid_login.username)
    area = Area.objects.filter(code=grid_login.area_code).first()
    if user is not None and area is not None:
        chosen.append((area, user))
    ships = (
        Membership.objects.filter(role=Role.GRID_WORKER, area__level=AreaLevel.GRID, user__is_active=True)
        .select_related("area", "user")
        .order_by("area__code", "user_id")
    )
    for ship in ships:
        if len(chosen) >= MAX_GRIDS:
            break
        if all(ship.area.code != a.code for a, _u in chosen):
            chosen.append((ship.area, ship.user))
    return chosen


def _microgrids(grid: Area) -> list[tuple[Area, User | None]]:
    micro_login = next(d for d in DEMO_LOGINS if d.role == Role.MICROGRID_WORKER)
    rows = list(Area.objects.filter(parent=grid, level=AreaLevel.MICROGRID).order_by("code")[:2])
    out = []
    for micro in rows:
        worker = _login(micro_login.username) if micro.code == micro_login.area_code else None
        out.append((micro, worker))
    return out


def _answers(template: ChecklistTemplate, failing: set[str]) -> list[dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = {}
    for item in template.items.all():
        cond = item.condition
        if cond and (cond["item"] not in answers or answers[cond["item"]]["result"] != cond.get("result")):
            continue
        result = Result.FAIL if item.key in failing else Result.PASS
        answer: dict[str, Any] = {"item": item.key, "result": result}
        if item.kind == ItemKind.NUMBER:
            answer["value"] = 3
        elif item.kind == ItemKind.CHOICE:
            answer["value"] = item.choices[0]
        elif item.kind == ItemKind.PHOTO:
            if not item.required:
                continue
            answer["result"] = Result.NA
        answers[item.key] = answer
    return list(answers.values())


@transaction.atomic
def seed_demo_inspections(*, actor: User, seed: int = 13) -> dict[str, int]:
    """Places in the demo grids and, for each food place, inspections over the last month. Places inspected 30
    days ago (the demo grid and micro-grid logins' own) are due today; a few failed items opened rectification
    orders, some rectified by a re-inspection, one left overdue. Runs once: nothing is added when places exist."""
    templates = {t.code: t for t in seed_templates()}
    counts = {"templates": len(templates), "places": 0, "inspections": 0, "rectifications": 0}
    if Place.objects.exists():
        return counts
    rnd = random.Random(seed)  # demo data, not security
    food = templates["food_safety"]
    now = clock.now()
    today = timezone.localdate(now)

    def at(days_ago: int) -> dt.datetime:
        day = today - dt.timedelta(days=days_ago)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(10, rnd.randint(0, 59))))

    n = 0
    for grid, grid_worker in _grids():
        for micro, micro_worker in _microgrids(grid):
            responsible = micro_worker or grid_worker
            lat, lng = micro.point_lat, micro.point_lng
            for name, kind, phone in PLACES[:3] if micro_worker is None else PLACES:
                n += 1
                place = place_create(
                    actor=actor,
                    area=micro.code,
                    name=name.format(g=micro.name[:8]),
                    kind=kind,
                    address=f"{micro.name}{n}号",
                    contact_name=rnd.choice(["王", "李", "张", "刘", "陈"]) + rnd.choice(["先生", "女士"]),
                    contact_phone=phone.format(n=n % 1000),
                    lat=lat,
                    lng=lng,
                    responsible_id=responsible.pk,
                    licence_no=f"JY{micro.code[-8:]}{n:04d}" if kind in food.place_kinds else "",
                )
                counts["places"] += 1
                if kind not in food.place_kinds:
                    continue
                counts.update(
                    _history(
                        place,
                        food,
                        responsible,
                        at,
                        rnd,
                        counts,
                        due_today=micro_worker is not None or grid_worker.username == "grid",
                    )
                )
    mark_overdue(at=now)
    return counts


def _history(
    place: Place,
    food: ChecklistTemplate,
    inspector: User,
    at: Any,
    rnd: random.Random,
    counts: dict[str, int],
    *,
    due_today: bool,
) -> dict[str, int]:
    """One month of food-safety inspections of a place; returns the updated counts."""
    where = {"lat": place.lat, "lng": place.lng, "accuracy": 20.0} if place.lat is not None else None
    first_day = 30 if due_today else rnd.randint(8, 28)
    fails = rnd.random() < 0.5
    failing = {rnd.choice(["storage", "dates", "health_cert", "cold_chain"])} if fails else set()
    first = inspection_submit(
        actor=inspector,
        place_id=place.pk,
        template_id=food.pk,
        answers=_answers(food, failing),
        done_at=at(first_day),
        location=where,
        client_key=f"seed-{place.pk}-1",
    )
    counts["inspections"] += 1
    counts["rectifications"] += len(first.rectifications)
    for order in first.rectifications:
        if rnd.random() < 0.6 or due_today:
            continue  # left open: overdue once its 7 days have passed
        reinspect_day = max(1, first_day - rnd.randint(3, 6))
        inspection_submit(
            actor=inspector,
            place_id=place.pk,
            template_id=food.pk,
            answers=_answers(food, set()),
            done_at=at(reinspect_day),
            location=where,
            client_key=f"seed-{place.pk}-re",
            rectification_id=order.pk,
        )
        counts["inspections"] += 1
    return counts
