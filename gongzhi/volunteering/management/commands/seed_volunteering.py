"""`manage.py seed_volunteering`: the demo's "卫有我" volunteering (run after seed_demo). Idempotent.

Brands and teams in 灵山卫街道 from seed 000 (助老扶幼, 矛盾调解, 交通疏导; 邻聚力, 感恩卫民; 社工领办 projects),
the demo volunteer login registered in 富春江路社区, a service activity next week and a summer camp for ages
8–12 in 6 classes from seed 003, organised by the demo community worker.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core import clock
from gongzhi.core.errors import DomainError
from gongzhi.volunteering.actions.activities import activity_create
from gongzhi.volunteering.actions.teams import brand_create, project_create, team_create
from gongzhi.volunteering.actions.volunteers import volunteer_register
from gongzhi.volunteering.models import Activity, Brand, Project, Team, Volunteer

STREET = "370211001"  # 灵山卫街道
CAMP_COMMUNITY = "370211002001"  # 富春江路社区, where the demo community worker and volunteer are
BRANDS = ["邻聚力", "感恩卫民", "卫有我·红色驿站", "暖心童行"]
TEAMS = [
    ("助老扶幼志愿服务队", "助老扶幼"),
    ("红色律师团", "矛盾调解"),
    ("东升畅通行志愿服务队", "交通疏导"),
    ("星光夜校志愿服务队", "教育辅导"),
]
PROJECTS = [
    ("老漂驿站", "social_worker_led"),
    ("悦禾读书会", "social_worker_led"),
    ("暖心童行，沁溢卫城", "regular"),
    ("颐颐护", "regular"),
]
CAMP_CLASSES = ["革命传统教育", "美术手工", "课业辅导", "科学小实验", "经典诵读", "体育游戏"]


class Command(BaseCommand):
    help = "Demo volunteering data for seed_demo's district: brands, teams, projects, a volunteer, activities, a camp."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", default="admin", help="the account recorded as creating everything")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["actor"]).first()
        if actor is None:
            raise CommandError(f"no user {options['actor']!r}: run seed_demo first")
        try:
            counts = self._seed(actor)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(self.style.SUCCESS(", ".join(f"{k}: {v}" for k, v in counts.items())))

    def _area(self, code: str) -> Area:
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise CommandError(f"no area {code}: run seed_demo first")
        return area

    def _seed(self, actor: User) -> dict[str, int]:
        street = self._area(STREET)
        communities = list(
            Area.objects.filter(parent=street, level=AreaLevel.COMMUNITY).order_by("code")[: len(BRANDS)]
        )
        made = {"brands": 0, "teams": 0, "projects": 0, "volunteers": 0, "activities": 0}
        brands = []
        for name, community in zip(BRANDS, communities, strict=False):
            brand = Brand.objects.filter(area=community, name=name).first()
            if brand is None:
                brand = brand_create(actor=actor, name=name, area=community, slogan="卫有我")
                made["brands"] += 1
            brands.append(brand)
        for i, (name, focus) in enumerate(TEAMS):
            if not Team.objects.filter(area=street, name=name).exists():
                brand = brands[i % len(brands)] if brands else None
                team_create(actor=actor, name=name, area=street, focus=focus, brand=brand)
                made["teams"] += 1
        for name, kind in PROJECTS:
            if not Project.objects.filter(area=street, name=name).exists():
                project_create(
                    actor=actor,
                    name=name,
                    area=street,
                    kind=kind,
                    lead_worker=actor if kind == "social_worker_led" else None,
                )
                made["projects"] += 1

        community = self._area(CAMP_COMMUNITY)
        volunteer_user = User.objects.filter(username="volunteer").first()
        if volunteer_user is not None and not Volunteer.objects.filter(user=volunteer_user).exists():
            volunteer_register(
                actor=actor,
                user=volunteer_user,
                name=volunteer_user.display_name or "志愿者",
                kind="resident",
                area=community,
                birth_date=dt.date(1985, 6, 1),
                skills=["助老陪护", "交通疏导"],
                availability="周末全天",
            )
            made["volunteers"] += 1
        organiser = User.objects.filter(username="community").first() or actor
        day = clock.today() + dt.timedelta(days=7)
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
        if not Activity.objects.filter(area=community, title="助老扶幼·敬老院陪伴").exists():
            activity_create(
                actor=actor,
                organiser=organiser,
                title="助老扶幼·敬老院陪伴",
                area=community,
                starts_at=at,
                ends_at=at + dt.timedelta(hours=2),
                place="富春江路社区党群服务中心",
                capacity=20,
            )
            made["activities"] += 1
        if not Activity.objects.filter(area=community, title="暑期夏令营").exists():
            camp_start = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=7), dt.time(8, 30)))
            camp = activity_create(
                actor=actor,
                organiser=organiser,
                title="暑期夏令营",
                kind="camp",
                area=community,
                starts_at=camp_start,
                ends_at=camp_start + dt.timedelta(days=5, hours=8),
                place="365海悦邻里共享家",
                capacity=150,
                min_age=8,
                max_age=12,
                allowed_kinds=["student"],
            )
            for n, subject in enumerate(CAMP_CLASSES, start=1):
                activity_create(
                    actor=actor,
                    organiser=organiser,
                    title=f"暑期夏令营·{subject}（{n}班）",
                    kind="class",
                    parent=camp,
                    area=community,
                    starts_at=camp_start,
                    ends_at=camp_start + dt.timedelta(days=5, hours=8),
                    place="365海悦邻里共享家",
                    capacity=25,
                    min_age=8,
                    max_age=12,
                    allowed_kinds=["student"],
                )
            made["activities"] += 1 + len(CAMP_CLASSES)
        return made
