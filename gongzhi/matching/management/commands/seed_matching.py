"""`manage.py seed_matching`: the demo's service matching (run after seed_demo and seed_volunteering). Idempotent.

- the catalogue: 7 categories, 50 items (seed 002's "7 categories, 50 items");
- the resource list: offers of the demo partner login and other co-building partners, of the demo party member and
  长江瑞城's party members, of the demo volunteer and the volunteer teams;
- a fund pool (seed 003): 110,000 yuan from six donors funding 7 micro-venture projects with their spending;
- 长江瑞城 (seed 004): 22 micro-wishes and 8 errands completed by party members over the last ten months, each
  through the seven steps with its dates, ratings and hours; and what is open now, so every demo login sees its
  part: `party` wishes to claim on the wall, `volunteer` tasks to grab, `partner` its offers, `resident` a wish and
  an order of their own, `community` a dispatch queue (to dispatch and to accept).

Every row is written through the actions (and every move through the flow's lifecycle), dated with `at`/`now`.
Deterministic: the same database gives the same history.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from gongzhi.accounts.models import User
from gongzhi.core import clock
from gongzhi.core.errors import DomainError
from gongzhi.matching.actions import fund, projects
from gongzhi.matching.actions.catalogue import catalogue_seed
from gongzhi.matching.actions.demands import demand_create
from gongzhi.matching.actions.flow import demand_move
from gongzhi.matching.actions.resources import resource_create
from gongzhi.matching.models import Demand, FundPool, Project, Resource, ServiceItem
from gongzhi.people.models import Partner, PartyMember, Resident
from gongzhi.volunteering.models import Team, Volunteer

STREET = "370211002"  # 长江路街道
COMMUNITY = "370211002001"  # 富春江路社区
RUICHENG = "370211002001001"  # 长江瑞城网格

WISHES = [
    ("一个新书包", "学习用品捐赠", 80), ("一套课外读物", "阅读推广", 60), ("一台助听器的电池", "残疾人帮扶", 45),
    ("冬天的棉拖鞋", "物资捐赠", 40), ("一副老花镜", "微心愿圆梦", 50), ("孙子的一双运动鞋", "微心愿圆梦", 150),
    ("一盏护眼台灯", "学习用品捐赠", 120), ("一袋大米和一桶油", "物资捐赠", 100), ("一套毛笔字帖", "书法绘画培训", 35),
    ("一把结实的拐杖", "残疾人帮扶", 90), ("一个电热水袋", "物资捐赠", 30), ("家里换个新灯泡", "水电维修", 20),
    ("一本新华字典", "学习用品捐赠", 30), ("一件保暖羽绒背心", "物资捐赠", 160), ("一个收音机", "精神慰藉", 70),
    ("一个药盒和血压计", "健康义诊", 150), ("陪我去看一场电影", "社区电影放映", 40), ("一套跳绳和毽子", "体育健身指导", 25),
    ("一个保温饭盒", "助餐送餐", 50), ("一副象棋", "精神慰藉", 30), ("全家福照片", "节日活动", 80),
    ("一床新棉被", "物资捐赠", 180),
]  # fmt: skip
ERRANDS = [
    ("代办老年优待证", "证照代办"), ("代办社保卡补卡", "证照代办"), ("代取慢病药品", "代取药品"),
    ("代交水电燃气费", "代购代买"), ("代办临时救助申请", "救助政策帮办"), ("代办残疾证年审", "残疾人帮扶"),
    ("代办医保报销", "救助政策帮办"), ("代购降压药", "代取药品"),
]  # fmt: skip
OPEN_WISHES = [("一个新书包", 80), ("冬天的围巾手套", 60), ("一副老花镜", 50), ("一套儿童绘本", 90), ("一个暖手宝", 40)]
GRAB_ORDERS = [("上门陪老人聊聊天", "精神慰藉"), ("帮忙疏通厨房下水道", "管道疏通"),
               ("教我用手机视频通话", "智能手机教学"), ("陪同去医院复查", "陪同就医")]  # fmt: skip
QUEUE_ORDERS = [("楼道灯坏了请人修", "水电维修"), ("想咨询赡养纠纷", "法律咨询"), ("孩子暑假作业辅导", "课业辅导"),
                ("家里老人需要助浴", "助浴理发"), ("想学太极拳", "体育健身指导")]  # fmt: skip


DONORS = [  # 110,000 yuan in all
    ("青岛啤酒西海岸分公司", 30000), ("青岛银行西海岸分行", 25000), ("利群集团黄岛商厦", 20000),
    ("青岛海信广场西海岸店", 15000), ("淘花园花卉园艺有限公司", 5000), ("辖区党员与居民捐款", 15000),
]  # fmt: skip
VENTURES = [  # (title, applicant, budget in yuan, spendings of a quarter of it so far)
    ("老漂驿站", "小燕子社会工作服务中心", 16000, 3), ("悦禾读书会", "小燕子社会工作服务中心", 12000, 4),
    ("暖心童行", "暖沁公益服务中心", 15000, 2), ("颐颐护·助老餐桌", "颐颐护养老服务中心", 20000, 3),
    ("星光夜校", "星光夜校", 10000, 4), ("邻里调解室", "红色律师团（镇海门）", 13000, 1),
    ("卫有我·志愿积分兑换", "卫有我志愿服务协会", 18000, 2),
]  # fmt: skip


class Command(BaseCommand):
    help = "Demo service matching for seed_demo's district: catalogue, resources, 长江瑞城's wishes and errands."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=4, help="random seed for the history's dates (default 4)")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if (
            not User.objects.filter(username="community").exists()
            or not Resident.objects.filter(area_code__startswith=RUICHENG).exists()
        ):
            raise CommandError("no demo district: run seed_demo first")
        try:
            counts = self._seed(random.Random(options["seed"]))
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(self.style.SUCCESS(", ".join(f"{k}: {v}" for k, v in counts.items())))

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}: run seed_demo first")
        return user

    def _item(self, name: str) -> int:
        return ServiceItem.objects.values_list("pk", flat=True).get(name=name)

    def _seed(self, rng: random.Random) -> dict[str, int]:
        made = catalogue_seed()
        made["resources"] = 0 if Resource.objects.exists() else self._resources()
        made["demands"] = 0 if Demand.objects.exists() else self._demands(rng)
        made["ventures"] = 0 if FundPool.objects.exists() else self._fund()
        made["projects"] = 0 if Project.objects.exists() else self._projects()
        return made

    # ------------------------------------------------------------------------------------------- project list

    def _projects(self) -> int:
        """Seed 003 (郑州路社区): 红色合伙人 sign agreements, each claims a project a year, a joint meeting every
        month; seed 004: the project list checked off (销号) milestone by milestone. Told in 富春江路社区."""
        community = self._user("community")
        own = Partner.objects.filter(pk__in=self._user("partner").memberships.filter(partner__isnull=False)
                                     .values("partner_id"))  # fmt: skip
        others = Partner.objects.exclude(pk__in=own.values("pk")).order_by("pk")
        partners = [*own, *others[: 6 - own.count()]]
        if len(partners) < 3:
            return 0
        now = clock.now()
        today = clock.today()
        for p in partners:
            projects.agreement_create(actor=community, partner_id=p.pk, area_code=COMMUNITY,
                                      signed_on=today - dt.timedelta(days=430), valid_until=today + dt.timedelta(days=665),
                                      commitments="阵地共建、资源共融、服务共享、问题共解")  # fmt: skip
        done = projects.project_create(
            actor=community, area_code=COMMUNITY, title="老旧楼院环境治理", at=now - dt.timedelta(days=400),
            summary="垃圾分类、违章拆除与楼院整治，居民参与式治理", partner_ids=[partners[1].pk],
            milestones=["需求调查与入户走访", "违章搭建拆除", "楼院环境整治验收"],
        )  # fmt: skip
        projects.project_claim(actor=community, project_id=done.pk, partner_id=partners[1].pk,
                               at=now - dt.timedelta(days=395))  # fmt: skip
        projects.project_move(actor=community, project_id=done.pk, action="start", now=now - dt.timedelta(days=390))
        for i, m in enumerate(done.milestones.all()):
            projects.milestone_check_off(actor=community, milestone_id=m.pk, note=f"{m.title}已完成，照片存档",
                                         photos=[f"matching/projects/{done.pk}-{i + 1}.jpg"],
                                         at=now - dt.timedelta(days=330 - 60 * i))  # fmt: skip
        projects.project_move(actor=community, project_id=done.pk, action="complete", now=now - dt.timedelta(days=200))
        garden = projects.project_create(
            actor=community, area_code=COMMUNITY, title="红色引领、绿沃家园", at=now - dt.timedelta(days=120),
            summary="家庭厨余资源化—社区花园共建—社区环境教育—参与式治理",
            partner_ids=[partners[0].pk, partners[2].pk],
            milestones=[{"title": "阳光育苗站建成"}, {"title": "落叶堆肥池启用"}, {"title": "5个社区花园建成"},
                        {"title": "网格挂牌认领管理", "due_on": today + dt.timedelta(days=60)}],
        )  # fmt: skip
        projects.project_claim(actor=community, project_id=garden.pk, partner_id=partners[0].pk,
                               at=now - dt.timedelta(days=min(110, today.timetuple().tm_yday - 1)))  # fmt: skip
        projects.project_move(actor=community, project_id=garden.pk, action="start", now=now - dt.timedelta(days=100))
        for i, m in enumerate(list(garden.milestones.all())[:3]):
            projects.milestone_check_off(actor=community, milestone_id=m.pk, note=f"{m.title}，居民志愿者参与",
                                         at=now - dt.timedelta(days=80 - 25 * i))  # fmt: skip
        projects.project_create(actor=community, area_code=COMMUNITY, title="助老助学微课堂", at=now - dt.timedelta(days=10),
                                summary="为老年人、青少年开设的公益课堂", partner_ids=[partners[3].pk],
                                milestones=["课程设计", "招募志愿讲师", "开课"])  # fmt: skip
        month = today.replace(day=1)
        topics = ["社区花园认领", "厨余堆肥培训", "楼院整治回头看", "共建项目年度认领", "夏季安全", "重阳敬老"]
        for back in range(6):
            first = (month - dt.timedelta(days=28 * back + 1)).replace(day=1) if back else month
            held = first.replace(day=10)
            if held > today:
                continue
            present = [p.pk for i, p in enumerate(partners) if (i + back) % 4]
            projects.meeting_record(actor=community, area_code=COMMUNITY, held_on=held, topic=topics[back],
                                    present_partner_ids=present, minutes="各共建单位通报本月认领项目进展",
                                    decisions=[{"text": f"{topics[back]}：分工落实到网格", "project_id": garden.pk},
                                               "下月联席会通报进展"])  # fmt: skip
        return Project.objects.count()

    # ------------------------------------------------------------------------------------------- fund pool

    def _fund(self) -> int:
        """Seed 003's pool: 110,000 yuan from several donors funding 7 micro-venture projects, one more applied."""
        admin = self._user("admin")
        pool = fund.pool_create(actor=admin, name="长江路街道公益基金池", area_code=STREET)
        for name, yuan in DONORS:
            partner = Partner.objects.filter(name=name).first()
            fund.donation_record(actor=admin, pool_id=pool.pk, amount_yuan=yuan, donor_name=name,
                                 partner_id=partner.pk if partner else None)  # fmt: skip
        for i, (title, applicant, budget, spent) in enumerate(VENTURES):
            v = fund.venture_apply(actor=admin, pool_id=pool.pk, title=title, applicant=applicant,
                                   requested_yuan=budget + 2000, summary=f"{applicant}申报的微创投项目")  # fmt: skip
            fund.venture_move(actor=admin, venture_id=v.pk, action="approve", data={"budget": budget})
            for part in range(spent):
                fund.spending_record(actor=admin, venture_id=v.pk, amount_yuan=budget // 4, purpose=f"第{part + 1}期活动支出",
                                     evidence=[f"matching/receipts/{i + 1}-{part + 1}.jpg"])  # fmt: skip
        fund.venture_apply(actor=admin, pool_id=pool.pk, title="楼道微更新", applicant="暖沁公益服务中心",
                           requested_yuan=8000)  # fmt: skip
        return len(VENTURES) + 1

    # ------------------------------------------------------------------------------------------- resources

    def _offer(self, actor: User, **kw: Any) -> None:
        item = kw.pop("item")
        resource_create(actor=actor, item_id=self._item(item), **kw)

    def _resources(self) -> int:
        before = Resource.objects.count()
        partner_login, admin = self._user("partner"), self._user("admin")
        own = partner_login.memberships.filter(partner__isnull=False).values_list("area__code", flat=True).first()
        if own:
            for item, title in (("节日活动", "节日花卉布置"), ("物资捐赠", "绿植进社区"), ("文艺演出", "花艺沙龙")):
                self._offer(partner_login, item=item, title=title, provider_kind="partner", area_code=own,
                            served=[own, COMMUNITY], capacity=2, schedule="每月第一个周六")  # fmt: skip
        partners = [
            ("黄岛区中医医院", "中医理疗", "中医义诊进社区"), ("长江路街道社区卫生服务中心", "家庭医生签约", "家庭医生上门"),
            ("红色律师团（镇海门）", "法律咨询", "律师坐诊"), ("金海岸家政职业培训学校", "家政保洁", "家政技能服务"),
            ("富春江路小学", "四点半课堂", "四点半课堂"), ("星光夜校", "课业辅导", "星光夜校作业辅导"),
            ("颐颐护养老服务中心", "上门探访", "助老上门服务"), ("青岛银行西海岸分行", "普法宣传", "反诈宣传进社区"),
        ]  # fmt: skip
        for name, item, title in partners:
            partner = Partner.objects.filter(name=name).first()
            if partner is not None:
                self._offer(admin, item=item, title=title, provider_kind="partner", partner_id=partner.pk,
                            area_code=STREET, served=[STREET], capacity=8, schedule="工作日")  # fmt: skip
        members = [("party", ["上门探访", "代购代买"])] + [
            (f"rc-party-{i}", [item]) for i, item in enumerate(["陪同就医", "精神慰藉", "证照代办", "代取药品",
                                                                 "微心愿圆梦"], 1)]  # fmt: skip
        for username, items in members:
            user = User.objects.filter(username=username).first()
            if user is None or not PartyMember.objects.filter(user=user).exists():
                continue
            for item in items:
                home = COMMUNITY if username == "party" else RUICHENG  # where their membership is
                self._offer(user, item=item, title=f"党员{item}", provider_kind="party_member", area_code=home,
                            served=[RUICHENG], capacity=4, schedule="周末")  # fmt: skip
        volunteer = User.objects.filter(username="volunteer").first()
        if volunteer is not None and Volunteer.objects.filter(user=volunteer).exists():
            for item in ("助餐送餐", "智能手机教学"):
                self._offer(volunteer, item=item, title=f"志愿{item}", provider_kind="volunteer", area_code=COMMUNITY,
                            served=[COMMUNITY], capacity=6, schedule="周末全天")  # fmt: skip
        for team_name, item in (("助老扶幼志愿服务队", "上门探访"), ("红色律师团", "矛盾调解")):
            team = Team.objects.filter(name=team_name).first()
            if team is not None:
                self._offer(admin, item=item, title=team_name, provider_kind="team", team_id=team.pk,
                            area_code=STREET, served=[STREET], capacity=10, schedule="按需预约")  # fmt: skip
        return Resource.objects.count() - before

    # ------------------------------------------------------------------------------------------- demands

    def _demands(self, rng: random.Random) -> int:
        community, grid = self._user("community"), self._user("grid")
        party = [self._user("party"), *User.objects.filter(username__startswith="rc-party-").order_by("username")]
        residents = list(
            Resident.objects.filter(area_code__startswith=RUICHENG, birth_date__lt=dt.date(1960, 1, 1)).order_by("pk")[
                :60
            ]
        )  # fmt: skip
        if len(residents) < 40:
            residents = list(Resident.objects.filter(area_code__startswith=RUICHENG).order_by("pk")[:60])
        now = clock.now()
        start = now - dt.timedelta(days=300)
        step = dt.timedelta(days=300) / (len(WISHES) + len(ERRANDS) + 1)
        made = 0
        history: list[tuple[str, tuple[Any, ...]]] = [("wish", w) for w in WISHES] + [("errand", e) for e in ERRANDS]
        rng.shuffle(history)
        for i, (kind, spec) in enumerate(history):
            at = start + step * i + dt.timedelta(hours=rng.randrange(8, 12))
            resident = residents[i % len(residents)]
            holder = party[i % len(party)]
            title, item = spec[0], spec[1]
            if kind == "wish":
                yuan = spec[2]
                d = demand_create(actor=community, kind="wish", item_id=self._item(item), title=title,
                                  resident_id=resident.pk, value_yuan=yuan, at=at)  # fmt: skip
            else:
                d = demand_create(actor=community, kind="errand", item_id=self._item(item), title=title,
                                  resident_id=resident.pk, at=at)  # fmt: skip
                at += dt.timedelta(hours=2)
                demand_move(actor=community, demand_id=d.pk, action="dispatch", now=at)
                at += dt.timedelta(hours=3)
                demand_move(actor=grid, demand_id=d.pk, action="accept", now=at)
            at += dt.timedelta(hours=rng.randrange(2, 30))
            demand_move(actor=holder, demand_id=d.pk, action="claim", now=at)
            at += dt.timedelta(hours=rng.randrange(4, 60))
            demand_move(actor=holder, demand_id=d.pk, action="fulfil", now=at, note=f"已送达并与居民合影：{title}",
                        data={"hours": rng.choice([1, 1.5, 2, 3])})  # fmt: skip
            at += dt.timedelta(hours=rng.randrange(2, 48))
            # A resident with a login (another demo seed may have given one) rates it; for one without, the
            # community worker who entered it records the resident's rating.
            d.refresh_from_db(fields=["requester"])
            rater = d.requester or community
            demand_move(actor=rater, demand_id=d.pk, action="rate", now=at,
                        data={"score": rng.choice([5, 5, 5, 4]), "comment": "谢谢党员同志"})  # fmt: skip
            made += 1
        made += self._open(community, residents, now)
        return made

    def _open(self, community: User, residents: list[Resident], now: dt.datetime) -> int:
        made = 0
        back = iter(range(1, 100))
        for title, yuan in OPEN_WISHES:
            demand_create(actor=community, kind="wish", item_id=self._item("微心愿圆梦"), title=title,
                          resident_id=residents[-next(back)].pk, value_yuan=yuan,
                          at=now - dt.timedelta(hours=5 * next(back)))  # fmt: skip
            made += 1
        for title, item in GRAB_ORDERS:
            d = demand_create(actor=community, kind="order", item_id=self._item(item), title=title,
                              resident_id=residents[-next(back)].pk, at=now - dt.timedelta(hours=8))  # fmt: skip
            demand_move(actor=community, demand_id=d.pk, action="dispatch", now=now - dt.timedelta(hours=6))
            demand_move(actor=community, demand_id=d.pk, action="accept", now=now - dt.timedelta(hours=5))
            made += 1
        for i, (title, item) in enumerate(QUEUE_ORDERS):
            d = demand_create(actor=community, kind="order", item_id=self._item(item), title=title,
                              resident_id=residents[-next(back)].pk, at=now - dt.timedelta(hours=3 + i))  # fmt: skip
            if i % 2:
                demand_move(actor=community, demand_id=d.pk, action="dispatch", now=now - dt.timedelta(hours=1))
            made += 1
        resident = User.objects.filter(username="resident", resident__isnull=False).first()
        if resident is not None:
            demand_create(actor=resident, kind="wish", item_id=self._item("微心愿圆梦"), title="想要一个新的收音机",
                          value_yuan="68.00", at=now - dt.timedelta(hours=20))  # fmt: skip
            demand_create(actor=resident, kind="order", item_id=self._item("家电维修"), title="洗衣机不脱水，请人看看",
                          at=now - dt.timedelta(hours=2))  # fmt: skip
            made += 2
        return made
