"""`manage.py seed_carelink`: in 长江瑞城 (seed 004), a few needs the 爱心管家 visits found (代购生活用品) became
errands (帮办代办) of the matching flow, entered by the `grid` demo login who is their carer — and one a micro-wish.
Run after seed_matching and seed_care. Idempotent: it tops up to DEMO_LINKS links and never adds more."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gongzhi.accounts.models import User
from gongzhi.care.models import CareNeed, NeedStatus
from gongzhi.carelink.actions import need_to_demand
from gongzhi.carelink.models import NeedDemand
from gongzhi.core.errors import DomainError
from gongzhi.matching.models import ServiceItem

RUICHENG_GRID = "370211002001001"
DEMO_LINKS = 3


class Command(BaseCommand):
    help = "Demo: care needs of 长江瑞城 turned into errands and a micro-wish (idempotent)"

    def handle(self, *args: Any, **options: Any) -> None:
        grid = User.objects.filter(username="grid").first()
        errand = ServiceItem.objects.filter(name="代购代买", active=True).first()
        wish = ServiceItem.objects.filter(name="微心愿圆梦", active=True).first()
        if grid is None or errand is None or wish is None:
            self.stdout.write("seed_carelink: run seed_demo, seed_matching and seed_care first; nothing done")
            return
        have = NeedDemand.objects.filter(need__archive__area_code__startswith=RUICHENG_GRID).count()
        needs = CareNeed.objects.filter(
            archive__area_code__startswith=RUICHENG_GRID, status=NeedStatus.OPEN,
            archive__carers__user=grid, archive__carers__ended_on__isnull=True,
        ).order_by("id")  # fmt: skip
        made = 0
        for need in needs[: max(0, DEMO_LINKS - have) * 3]:
            if have + made >= DEMO_LINKS:
                break
            as_wish = have + made == DEMO_LINKS - 1
            try:
                need_to_demand(
                    actor=grid, need_id=need.pk, kind="wish" if as_wish else "errand",
                    item_id=(wish if as_wish else errand).pk,
                    title="一台电子血压计" if as_wish else "每周代购米面粮油",
                    value_yuan="89" if as_wish else None,
                )  # fmt: skip
            except DomainError as exc:  # e.g. the resident's area outside the login's reach: try the next
                self.stdout.write(f"seed_carelink: need {need.pk} skipped: {exc.message}")
                continue
            made += 1
        self.stdout.write(f"seed_carelink: {made} care needs handed to matching ({have + made} in all)")
