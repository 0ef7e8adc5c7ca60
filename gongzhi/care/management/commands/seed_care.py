"""`manage.py seed_care`: the demo's care data (run after seed_demo and seed_volunteering). Idempotent.

- 长江瑞城 (seed 004): the empty-nest and solitary elderly of the compound's grid get care archives; a 30-person
  "爱心管家" team of party members, grid workers and volunteers visits them; a history of visits over the last three
  months, some overdue; the `grid` and `microgrid` logins have visits due today.
- 灵山卫 (seed 000): archives for 20 children in difficulty (困境儿童) and 18 "励志少年", each with a paired-support
  plan along material, study and psychological lines, supporters and last term's review; a 儿童主任 login
  `children` (password as the other demo logins) reads them.

The history is written through the actions (visits by their carers, risk re-assessments); only the archives'
opening dates are set back, since a demo's history starts before the command runs.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q

from gongzhi.accounts.actions import membership_grant
from gongzhi.accounts.models import Membership, Role, User
from gongzhi.areas.models import Area
from gongzhi.care import schedule
from gongzhi.care.actions.archives import archive_create, carer_assign
from gongzhi.care.actions.support import plan_create, review_add, supporter_add
from gongzhi.care.actions.visits import visit_record
from gongzhi.care.models import CareArchive, RiskLevel
from gongzhi.core import clock
from gongzhi.core.errors import DomainError
from gongzhi.people.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from gongzhi.people.models import PartyMember, Resident

RUICHENG_GRID = "370211002001001"
RUICHENG_COMMUNITY = "370211002001"
LINGSHANWEI = "370211001"
STEWARDS = 30
ELDERLY = 60
CHILDREN_IN_DIFFICULTY = 20
ASPIRING = 18
FINDINGS = [
    "老人精神状态良好，血压平稳，叮嘱按时服药",
    "帮老人代购了米面油，检查了燃气阀门",
    "老人反映腿脚不便，下楼困难，已联系社区",
    "陪老人聊天半小时，情绪较好",
    "家中电灯损坏，已帮助更换",
    "老人近期胃口差，建议子女带去复查",
]
CHILD_FINDINGS = ["学习状态稳定，与祖母关系融洽", "近期成绩下滑，已联系辅导老师", "情绪有些低落，约好下周谈心"]


def _login(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"no user {username!r}: run seed_demo first")
    return user


def _age(resident: Resident, today: dt.date) -> int:
    b = resident.birth_date
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


class Command(BaseCommand):
    help = (
        "Demo care data: 长江瑞城's elderly with the 爱心管家 team and visits; 灵山卫's children with paired support."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=13, help="random seed of the visit history")

    def handle(self, *args: Any, **options: Any) -> None:
        if not Area.objects.filter(code=RUICHENG_GRID).exists():
            raise CommandError(f"no area {RUICHENG_GRID}: run seed_demo first")
        rng = random.Random(options["seed"])
        try:
            with transaction.atomic():
                counts = {**self._elderly(rng), **self._children(rng)}
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(self.style.SUCCESS(", ".join(f"{k}: {v}" for k, v in counts.items())))

    # --- 长江瑞城 -------------------------------------------------------------------------------------------

    def _stewards(self, community: Area) -> list[User]:
        names = list(
            PartyMember.objects.filter(area_code__startswith=RUICHENG_COMMUNITY)
            .order_by("id")
            .values_list("name", flat=True)[:20]
        )
        team = []
        for i in range(STEWARDS):
            username = f"aixin{i + 1:02d}"
            role = Role.PARTY_MEMBER if i < 20 else Role.VOLUNTEER
            name = names[i] if i < len(names) else f"爱心管家{i + 1:02d}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(username=username, password=DEMO_PASSWORD, display_name=name)
            if not Membership.objects.filter(user=user, role=role, area=community).exists():
                membership_grant(actor=None, user=user, role=role, area=community)
            team.append(user)
        return team

    def _elderly(self, rng: random.Random) -> dict[str, int]:
        admin, grid, micro = _login("admin"), _login("grid"), _login("microgrid")
        micro_code = next(d.area_code for d in DEMO_LOGINS if d.role == Role.MICROGRID_WORKER)
        community = Area.objects.get(code=RUICHENG_COMMUNITY)
        team = self._stewards(community)
        today = clock.today()
        elderly = [
            r for r in Resident.objects.filter(area_code__startswith=RUICHENG_GRID, tags__name__in=["空巢", "独居"])
            .distinct().order_by("area_code", "id")[: ELDERLY * 2]
            if _age(r, today) >= 60
        ][:ELDERLY]  # fmt: skip
        # The micro-grid's elderly first, so the micro-grid login gets its share.
        elderly.sort(key=lambda r: (not r.area_code.startswith(micro_code), r.pk))
        levels = {lvl.code: lvl for lvl in RiskLevel.objects.all()}
        made = visits = 0
        due_today: dict[str, int] = {"grid": 0, "microgrid": 0}
        for i, resident in enumerate(elderly):
            if CareArchive.objects.filter(resident=resident).exists():
                continue
            level = rng.choices(["red", "yellow", "green"], weights=[2, 5, 5])[0]
            tags = [t for t, n in (("living-alone", "独居"), ("empty-nest", "空巢"))
                    if resident.tags.filter(name=n).exists()] + (["very-old"] if _age(resident, today) >= 80 else [])  # fmt: skip
            steward = team[i % STEWARDS]
            carers = [{"user_id": steward.pk, "kind": "steward"}, {"user_id": grid.pk, "kind": "grid_worker"}]
            in_micro = resident.area_code.startswith(micro_code)
            if in_micro:
                carers.append({"user_id": micro.pk, "kind": "grid_worker"})
            archive = archive_create(
                actor=admin, resident_id=resident.pk, tags=tags or ["empty-nest"], risk_level_code=level,
                risk_reason="建档评估", situation="空巢/独居老人，由爱心管家定期走访，提供帮办代办服务", consent=True,
                consent_note="本人口头同意，签字存档", carers=carers,
                needs=[{"kind": "daily_care", "description": "代购生活用品"}] if i % 4 == 0 else [],
            )  # fmt: skip
            opened = clock.now() - dt.timedelta(days=100)
            CareArchive.objects.filter(pk=archive.pk).update(created_at=opened)
            archive.created_at = opened
            made += 1
            interval = levels[level].interval_days
            # The history: visits every interval (give or take a day) up to a last one that sets today's state.
            if (in_micro and due_today["microgrid"] < 2) or (not in_micro and due_today["grid"] < 3):
                last_ago = interval  # due today
                due_today["microgrid" if in_micro else "grid"] += 1
            elif i % 5 == 1:
                last_ago = interval + rng.randint(3, 12)  # overdue
            else:
                last_ago = rng.randint(0, max(1, interval - 1))
            day = last_ago
            history: list[int] = []
            while day < 95 and len(history) < 6:
                history.append(day)
                day += interval + rng.randint(-1, 1)
            for ago in reversed(history):
                visitor = steward if ago % 2 else grid
                at = clock.now().replace(hour=10, minute=0, second=0, microsecond=0) - dt.timedelta(days=ago)
                visit_record(actor=visitor, archive_id=archive.pk, findings=rng.choice(FINDINGS),
                             visited_at=min(at, clock.now()))  # fmt: skip
                visits += 1
        return {"elderly archives": made, "stewards": len(team), "visits": visits}

    # --- 灵山卫 ---------------------------------------------------------------------------------------------

    def _children(self, rng: random.Random) -> dict[str, int]:
        admin = _login("admin")
        street = Area.objects.get(code=LINGSHANWEI)
        director = User.objects.filter(username="children").first()
        if director is None:
            director = User.objects.create_user(username="children", password=DEMO_PASSWORD, display_name="儿童主任")
        if not Membership.objects.filter(user=director, role=Role.CHILD_DIRECTOR, area=street).exists():
            membership_grant(actor=None, user=director, role=Role.CHILD_DIRECTOR, area=street)
        today = clock.today()
        young = [
            r for r in Resident.objects.filter(area_code__startswith=LINGSHANWEI, birth_date__gt=today.replace(year=today.year - 18))
            .filter(Q(care_archive__isnull=True) | Q(care_archive__is_child=True)).order_by("-id")[:400]
            if _age(r, today) >= 6
        ]  # fmt: skip
        flagged = [r for r in young if r.tags.filter(name="困境儿童").exists()]
        rest = [r for r in young if r not in flagged]
        in_difficulty = (flagged + rest)[:CHILDREN_IN_DIFFICULTY]
        aspiring = [r for r in rest if r not in in_difficulty][:ASPIRING]
        supporters = []
        for i in range(10):
            username = f"jiedui{i + 1:02d}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username, password=DEMO_PASSWORD, display_name=f"结对党员{i + 1:02d}"
                )
                membership_grant(actor=None, user=user, role=Role.PARTY_MEMBER, area=street)
            supporters.append(user)
        made = plans = 0
        lines = ["material", "study", "psychological"]
        for i, (resident, tag) in enumerate(
            [(r, "child-in-difficulty") for r in in_difficulty] + [(r, "aspiring-youth") for r in aspiring]
        ):
            if CareArchive.objects.filter(resident=resident).exists():
                continue
            partner = supporters[i % len(supporters)]
            archive = archive_create(
                actor=admin, resident_id=resident.pk, tags=[tag], risk_level_code="yellow" if i % 3 else "red",
                situation="“暖心童行，沁溢卫城”项目建档" if tag == "child-in-difficulty" else "品学兼优、家庭困难的励志少年",
                consent=True, consent_note="监护人签字同意", carers=[{"user_id": partner.pk, "kind": "party_member"}],
                needs=[{"kind": lines[i % 3] if lines[i % 3] != "psychological" else "psychological",
                        "description": ["学习用品与冬衣", "数学、英语课业辅导", "定期谈心、心理疏导"][i % 3]}],
            )  # fmt: skip
            made += 1
            plan = plan_create(
                actor=admin, archive_id=archive.pk, material="每学期助学金与学习用品", study="每周末一次课业辅导",
                psychological="每月一次谈心，必要时转介专业心理服务",
            )  # fmt: skip
            supporter_add(actor=admin, plan_id=plan.pk, user_id=partner.pk, line=lines[i % 3])
            carer_assign(actor=admin, archive_id=archive.pk, user_id=director.pk, kind="social_worker")
            term = f"{today.year - 1}秋" if today.month < 9 else f"{today.year}春"
            review_add(actor=partner, plan_id=plan.pk, term=term, summary="帮扶按计划进行，孩子状态稳定",
                       study="成绩稳中有升")  # fmt: skip
            plans += 1
            CareArchive.objects.filter(pk=archive.pk).update(created_at=clock.now() - dt.timedelta(days=60))
            at = clock.now().replace(hour=16, minute=0, second=0, microsecond=0) - dt.timedelta(days=rng.randint(1, 20))
            visit_record(actor=partner, archive_id=archive.pk, findings=rng.choice(CHILD_FINDINGS),
                         visited_at=min(at, clock.now()))  # fmt: skip
        tasks = schedule.tasks_in_area(LINGSHANWEI)
        return {
            "children archives": made,
            "support plans": plans,
            "children due": len([t for t in tasks if t.status != "later"]),
        }
