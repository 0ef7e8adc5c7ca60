"""`manage.py seed_awards`: the demo's awards (run after the other seeds). Deterministic and idempotent.

For each demo street (灵山卫 001, 长江路 002): last year's 五星级网格党员 and 星级网格, computed from the seeded data,
the ten best of each confirmed by the street and published on the notice board (长江路's with points through the
points rule 获得县级以上表彰 where a points scheme runs). And 长江路's 最美家庭 of this year: three families of
富春江路社区 nominated by the demo `resident`, whose vote is open now (the demo `resident` has not voted yet).

Everything goes through the actions (compute, confirm, publish, nominate); a second run finds each scheme and each
nomination already there and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.awards.actions.compute import scheme_compute
from gongzhi.awards.actions.honours import nomination_create
from gongzhi.awards.actions.schemes import scheme_create
from gongzhi.awards.actions.workflow import result_move, results_publish
from gongzhi.awards.models import Nomination, Result, ResultState, Scheme
from gongzhi.core import clock
from gongzhi.people.models import Resident

STREETS = ("370211001", "370211002")
HONOUR_STREET = "370211002"
COMMUNITY = "370211002001"
CONFIRMED = 10
REASONS = (
    "三代同堂，照顾年迈的父母十余年，邻里称赞",
    "热心楼道公益，每周带头清扫楼道、分类垃圾",
    "夫妻和睦、教子有方，常年帮助独居老人",
)


class Command(BaseCommand):
    help = "Seed the demo's awards: last year's star ratings published, an open 最美家庭 vote (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        admin = User.objects.filter(username="admin", is_superuser=True).first()
        if admin is None or not Area.objects.filter(code__in=STREETS).exists():
            self.stdout.write("no demo district: nothing to seed")
            return
        last_year = clock.today().year - 1
        for code in Area.objects.filter(code__in=STREETS, level="street").values_list("code", flat=True):
            for kind, name in (("party_stars", "五星级网格党员"), ("grid_stars", "星级网格")):
                self._past(admin, code, kind, name, last_year)
        self._honour(admin)

    @transaction.atomic
    def _past(self, admin: User, street: str, kind: str, name: str, year: int) -> None:
        area = Area.objects.get(code=street)
        scheme = Scheme.objects.filter(area=area, kind=kind, name=name, year=year).first()
        if scheme is not None:
            return
        points = "local-honour" if kind == "party_stars" and street == HONOUR_STREET else ""
        scheme = scheme_create(actor=admin, kind=kind, name=name, area_code=street, period_kind="year", year=year,
                               points_rule=points)  # fmt: skip
        scheme_compute(actor=admin, scheme_id=scheme.pk)
        best = Result.objects.filter(scheme=scheme).order_by("-score", "area_code", "id")[:CONFIRMED]
        ids = [r.pk for r in best]
        for pk in ids:
            result_move(actor=admin, result_id=pk, action="confirm")
        if ids:
            results_publish(actor=admin, scheme_id=scheme.pk)
        self.stdout.write(f"{street} {name} {year}: {len(ids)} published")

    @transaction.atomic
    def _honour(self, admin: User) -> None:
        resident = User.objects.filter(username="resident").first()
        if resident is None or not Area.objects.filter(code=COMMUNITY).exists():
            return
        now = clock.now()
        year = clock.today().year
        scheme = Scheme.objects.filter(area__code=HONOUR_STREET, kind="honour", name="最美家庭", year=year).first()
        if scheme is None:
            start = now.replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=3)
            scheme = scheme_create(actor=admin, kind="honour", name="最美家庭", area_code=HONOUR_STREET,
                                   period_kind="year", year=year, votes_open_at=start,
                                   votes_close_at=start + dt.timedelta(days=21), winners_per_community=2,
                                   points_rule="local-honour")  # fmt: skip
        families = list(
            Resident.objects.filter(area_code__startswith=COMMUNITY)
            .exclude(pk=resident.resident_id or 0)
            .order_by("id")[:3]
        )
        for person, reason in zip(families, REASONS, strict=False):
            nominee = f"{person.name}家庭"
            if Nomination.objects.filter(scheme=scheme, nominee_name=nominee).exists():
                continue
            if scheme.votes_close_at is None or now >= scheme.votes_close_at:
                break
            nomination_create(actor=resident, scheme_id=scheme.pk, nominee_name=nominee, reason=reason,
                              nominee_id=person.pk)  # fmt: skip
        open_results = Result.objects.filter(scheme=scheme, state=ResultState.COMPUTED).count()
        self.stdout.write(f"最美家庭 {year}: {scheme.nominations.count()} nominations, {open_results} results")
