"""A year of volunteering (志愿服务) in the demo, made by the volunteering app's own actions.

富春江路社区 (where the demo community worker, volunteer, party member and resident are) gets seed 004's brand
和邻一起 with its 红色尖兵 and 爱心管家 teams and volunteers from 长江瑞城's residents (the demo resident among them);
灵山卫街道's teams of seed_volunteering get volunteers too. Every month each community runs a few activities: they
are published a week before, volunteers sign up, check in with the organiser's QR code on the day, are checked out
together at the end, and the organiser confirms their hours, which earn points where a points scheme runs
(长江路街道's, from the points part). At the end the most active volunteers receive a certificate (志愿服务证明).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.people.demo.generator import RUICHENG_GRID, age_on
from gongzhi.people.models import Resident
from gongzhi.points.actions.award_sweep import post_due_awards
from gongzhi.volunteering import codes
from gongzhi.volunteering.actions.activities import activity_create
from gongzhi.volunteering.actions.certificates import certificate_issue
from gongzhi.volunteering.actions.checkin import checkin, checkout_all
from gongzhi.volunteering.actions.hours import hours_confirm
from gongzhi.volunteering.actions.signups import signup_create
from gongzhi.volunteering.actions.teams import brand_create, team_create, team_member_add
from gongzhi.volunteering.actions.volunteers import volunteer_register
from gongzhi.volunteering.models import Attendance, Brand, Team, Volunteer
from gongzhi.web.history.common import ACTIVITIES_PER_MONTH, Cast, at, month_starts, travel

COMMUNITY = RUICHENG_GRID[:12]  # 富春江路社区
LINGSHANWEI = "370211001"
VOLUNTEERS = {"S": 30, "M": 45, "L": 60}
# (title, place, hours): seed 004's 和邻计划 and seed 000's 卫有我 services.
ACTIVITIES = [
    ("红色尖兵·小区清雪除冰", "长江瑞城小区主干道", 2),
    ("爱心管家·独居老人走访", "长江瑞城小区各楼栋", 3),
    ("洁净家园·楼道清理", "长江瑞城小区3号楼至8号楼", 2),
    ("防汛巡查", "长江瑞城小区地下车库", 2),
    ("义诊进小区", "长江瑞城小区党群服务站", 3),
    ("垃圾分类宣传指导", "长江瑞城小区垃圾分类投放点", 2),
    ("邻里节·和邻一起", "富春江路社区文化广场", 4),
    ("家庭教育指导课堂", "富春江路社区党群服务中心", 2),
]
LINGSHANWEI_ACTIVITIES = [
    ("助老扶幼·敬老院陪伴", "灵山卫街道敬老院", 3),
    ("东升畅通行·路口文明劝导", "灵山卫街道东升路口", 2),
    ("红色律师团·法律咨询", "灵山卫街道党群服务中心", 3),
]
SKILLS = [["助老陪护"], ["交通疏导"], ["医疗护理"], ["文艺演出"], ["法律咨询"], []]


class VolunteeringHistory:
    def __init__(self, *, size: str, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(f"{seed}:history:volunteering")
        self.size, self.now = size, now
        self.cast = Cast.load()
        self.counts = {"volunteers": 0, "teams": 0, "activities": 0, "signups": 0, "hours_confirmed": 0}
        self.hours = Decimal(0)

    def run(self) -> dict[str, int]:
        community = Area.objects.get(code=COMMUNITY)
        street = Area.objects.get(code=LINGSHANWEI)
        organiser = User.objects.filter(username="community").first() or self.cast.admin
        street_organiser = User.objects.filter(username="street").first() or self.cast.admin
        start = self.now - dt.timedelta(days=365)
        with travel(start):
            brand = Brand.objects.filter(area=community, name="和邻一起").first() or brand_create(
                actor=self.cast.admin, name="和邻一起", area=community, slogan="文化润邻、温暖伴邻、幸福睦邻"
            )
            teams = []
            for name, focus in (("红色尖兵志愿服务队", "环境整治"), ("爱心管家团队", "助老")):
                team = Team.objects.filter(area=community, name=name).first()
                if team is None:
                    team = team_create(actor=self.cast.admin, name=name, area=community, focus=focus, brand=brand)
                    self.counts["teams"] += 1
                teams.append(team)
        local = self._volunteers(community, start)
        lingshanwei = self._volunteers(street, start, prefix="zy-lsw", count=VOLUNTEERS[self.size] // 2)
        with travel(start + dt.timedelta(days=1)):
            for i, v in enumerate(local):
                team_member_add(actor=self.cast.admin, team=teams[i % 2], volunteer=v, is_leader=i < 2)
            street_teams = list(Team.objects.filter(area=street).order_by("id"))
            for i, v in enumerate(lingshanwei):
                if street_teams:
                    team_member_add(actor=self.cast.admin, team=street_teams[i % len(street_teams)], volunteer=v)
        per_month = ACTIVITIES_PER_MONTH[self.size]
        for m, first in enumerate(month_starts(self.now.date())):
            for k in range(per_month):
                title, place, hours = ACTIVITIES[(m * per_month + k) % len(ACTIVITIES)]
                day = first + dt.timedelta(days=3 + k * 7 + self.rng.randrange(3))
                team = teams[k % 2]
                self._activity(community, organiser, team, local, f"{title}（{day:%-m月}）", place, day, hours)
            title, place, hours = LINGSHANWEI_ACTIVITIES[m % len(LINGSHANWEI_ACTIVITIES)]
            day = first + dt.timedelta(days=12 + self.rng.randrange(5))
            team = street_teams[m % len(street_teams)] if street_teams else None
            self._activity(street, street_organiser, team, lingshanwei, f"{title}（{day:%-m月}）", place, day, hours)
        # Points for confirmed hours are published at once; the sweep posts those whose publicity has ended.
        while post_due_awards(at=self.now)["posted"]:
            pass
        self._certificates(local + lingshanwei)
        return {**self.counts, "hours": int(self.hours)}

    def _volunteers(self, area: Area, start: dt.datetime, *, prefix: str = "zy", count: int = 0) -> list[Volunteer]:
        """Residents of the area who registered (the demo volunteer and resident logins first)."""
        count = count or VOLUNTEERS[self.size]
        found: list[Volunteer] = []
        demo = list(User.objects.filter(username__in=["volunteer", "resident"]).order_by("username"))
        if area.code == COMMUNITY:
            for user in demo:
                volunteer = Volunteer.objects.filter(user=user).first()
                if volunteer is None:
                    with travel(start):
                        volunteer = volunteer_register(
                            actor=self.cast.admin,
                            user=user,
                            name=user.display_name or user.username,
                            kind="resident",
                            area=area,
                            resident=user.resident,
                            birth_date=None if user.resident else dt.date(1985, 6, 1),
                        )
                    self.counts["volunteers"] += 1
                found.append(volunteer)
        residents = (
            Resident.objects.filter(area_code__startswith=area.code, user__isnull=True, volunteer__isnull=True)
            .order_by("id")
            .only("id", "name", "birth_date", "area_code")
        )
        adults = [r for r in residents[: count * 4] if 20 <= age_on(r.birth_date, self.now.date()) <= 68]
        for i, resident in enumerate(adults[:count]):
            username = f"{prefix}{resident.pk}"
            with travel(start + dt.timedelta(days=i % 30)):
                existing = User.objects.filter(username=username).first()
                if existing is not None:
                    user = existing
                else:
                    from gongzhi.accounts.actions import user_create

                    user = user_create(
                        actor=self.cast.admin, username=username, password=None, display_name=resident.name
                    )
                volunteer = volunteer_register(
                    actor=self.cast.admin,
                    user=user,
                    name=resident.name,
                    kind="resident",
                    area=area,
                    resident=resident,
                    skills=self.rng.choice(SKILLS),
                    availability=self.rng.choice(["周末全天", "工作日晚上", "周六上午"]),
                )
            self.counts["volunteers"] += 1
            found.append(volunteer)
        return found

    def _activity(
        self,
        area: Area,
        organiser: User,
        team: Team | None,
        volunteers: list[Volunteer],
        title: str,
        place: str,
        day: dt.date,
        hours: int,
    ) -> None:
        rng = self.rng
        starts = at(day, 9)
        ends = starts + dt.timedelta(hours=hours)
        published = starts - dt.timedelta(days=7)
        if published >= self.now:
            return
        with travel(published):
            activity = activity_create(
                actor=organiser,
                organiser=organiser,
                title=title,
                area=area,
                team=team,
                starts_at=starts,
                ends_at=ends,
                place=place,
                capacity=len(volunteers) + 10,
            )
        self.counts["activities"] += 1
        chosen = rng.sample(volunteers, min(len(volunteers), rng.randint(6, max(6, len(volunteers) // 2))))
        # The demo logins take part most months, so their records and certificates have something to show.
        for demo in volunteers[:2]:
            if demo not in chosen and rng.random() < 0.7:
                chosen.append(demo)
        signed = []
        for i, volunteer in enumerate(chosen):
            with travel(published + dt.timedelta(hours=2 + i)):
                signup_create(actor=organiser, activity_id=activity.pk, volunteer=volunteer)
            signed.append(volunteer)
        self.counts["signups"] += len(signed)
        if starts >= self.now:
            return
        came = [v for v in signed if rng.random() < 0.9]
        for i, volunteer in enumerate(came):
            moment = starts - dt.timedelta(minutes=15) + dt.timedelta(minutes=i % 20)
            if moment >= self.now:
                continue
            with travel(moment):
                code = codes.make(activity_id=activity.pk, salt=activity.qr_salt, purpose="in")
                checkin(actor=organiser, activity_id=activity.pk, volunteer=volunteer, code=code)
        if ends + dt.timedelta(minutes=10) >= self.now or not came:
            return
        with travel(ends + dt.timedelta(minutes=10)):
            checkout_all(actor=organiser, activity_id=activity.pk)
        if ends + dt.timedelta(hours=3) >= self.now:
            return
        with travel(ends + dt.timedelta(hours=3)):
            items = [
                {"attendance_id": a.pk, "rating": rng.choice([5, 5, 4]), "comment": "认真负责"}
                for a in Attendance.objects.filter(activity=activity).order_by("id")
            ]
            confirmed = hours_confirm(actor=organiser, activity_id=activity.pk, items=items)
        self.counts["hours_confirmed"] += len(confirmed)
        self.hours += sum((a.hours or Decimal(0) for a in confirmed), Decimal(0))

    def _certificates(self, volunteers: list[Volunteer]) -> None:
        with travel(self.now - dt.timedelta(hours=2)):
            for volunteer in volunteers[:2] + volunteers[2:8]:
                if Attendance.objects.filter(volunteer=volunteer, confirmed_at__isnull=False).exists():
                    certificate_issue(actor=self.cast.admin, volunteer=volunteer)
                    self.counts["certificates"] = self.counts.get("certificates", 0) + 1


def seed_volunteering(*, size: str, seed: int, now: dt.datetime) -> dict[str, int]:
    return VolunteeringHistory(size=size, seed=seed, now=now).run()
