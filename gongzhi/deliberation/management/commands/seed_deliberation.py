"""`manage.py seed_deliberation`: 有事您说话 history for seed_demo's district (run after seed_volunteering).

From seeds 004, 003 and 000: 长江瑞城 (富春江路社区) holds its council day every month — the last 15 sessions with
topics raised and supported by residents, votes (some per household, some secret), action items with progress
and residents' ratings; 7 sessions resolve 12345 / 诉速办 appeals attached to their topics; a 百姓论坛 every
quarter; 灵山卫街道 runs 每周一题 with 25 solved and this week's open; a 网格议事厅 is in session now with an open
vote that the demo `resident` may cast; this quarter's satisfaction survey is open.

Everything is written through the actions and the lifecycles (the rules are the real ones), then dated back into
the past. Running it again does nothing once the council history exists.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.actions import membership_grant, user_create
from gongzhi.accounts.models import User
from gongzhi.appeals.actions import appeal_submit
from gongzhi.appeals.models import Appeal
from gongzhi.areas.models import Area
from gongzhi.core import clock, fsm
from gongzhi.core.errors import DomainError
from gongzhi.deliberation.actions import evaluation, items, meetings, records, topics, votes
from gongzhi.deliberation.lifecycles import TOPIC
from gongzhi.deliberation.models import (
    ActionItem,
    AgendaComment,
    AgendaItem,
    Ballot,
    Meeting,
    Minutes,
    MinutesCorrection,
    ProgressUpdate,
    SignIn,
    Survey,
    Topic,
    Vote,
    WeeklyTopic,
)
from gongzhi.noticeboard.models import Notice
from gongzhi.people.models import Resident

COMMUNITY = "370211002001"  # 富春江路社区
GRID = "370211002001001"  # 长江瑞城网格
STREET = "370211001"  # 灵山卫街道, where the demo `street` login works
SESSIONS = 15
VOTERS = 24
TOPICS = [
    ("加装电梯：3号楼2单元", "老人多，上下楼难，申请加装电梯并分摊费用"),
    ("电动车集中充电棚", "楼道充电有安全隐患"),
    ("小区东门早高峰拥堵", "接送孩子车辆乱停"),
    ("垃圾分类亭选址", "现有垃圾点离1号楼太近，夏天有异味"),
    ("楼顶防水维修", "6号楼顶层漏水"),
    ("健身器材更新", "广场器材老化"),
    ("地下车库照明", "车库灯坏了一半"),
    ("宠物粪便管理", "草坪宠物粪便多"),
    ("物业费收支公示", "请物业按季度公示收支"),
    ("快递柜增设", "快递堆在门岗"),
    ("外墙空调滴水", "滴水扰民"),
    ("绿化带改停车位", "车位不够"),
    ("夜间广场舞噪音", "影响休息"),
    ("单元门禁更换", "门禁经常坏"),
    ("儿童游乐区围栏", "靠近车道不安全"),
]
WEEKLY = [
    "镇海门路口积水",
    "两河路占道经营",
    "华山社区路灯不亮",
    "朝阳门小区垃圾清运不及时",
    "星光岛停车难",
]


class Command(BaseCommand):
    help = "Deliberation history for seed_demo's district: council days, votes, actions, ratings, 每周一题, a survey."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", default="community", help="the community worker who runs the councils")

    def handle(self, *args: Any, **options: Any) -> None:
        chair = User.objects.filter(username=options["actor"]).first()
        second = User.objects.filter(username="admin").first()
        street = User.objects.filter(username="street").first() or second
        if chair is None or second is None or street is None:
            raise CommandError("run seed_demo first (the demo logins are missing)")
        if not Area.objects.filter(code=COMMUNITY).exists():
            raise CommandError(f"no area {COMMUNITY}: run seed_demo first")
        if Meeting.objects.filter(area_code=COMMUNITY, council_date__isnull=False).exists():
            self.stdout.write("deliberation history already present; nothing to do")
            return
        try:
            with transaction.atomic():
                counts = self._seed(chair, second, street)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(self.style.SUCCESS(", ".join(f"{k}: {v}" for k, v in counts.items())))

    # -----------------------------------------------------------------------------------------------------------

    def _voters(self, chair: User) -> list[User]:
        """Resident accounts of 长江瑞城 (two per household for the first few, so one-vote-per-household shows)."""
        out = []
        demo = User.objects.filter(username="resident").first()
        if demo is not None:
            out.append(demo)
        residents = Resident.objects.filter(area_code__startswith=GRID).order_by("household_id", "id")
        if demo is not None and demo.resident_id is not None:  # the demo resident's household votes only by them
            residents = residents.exclude(
                household_id=Resident.objects.filter(pk=demo.resident_id).values("household_id")[:1]
            )
        seen: dict[int, int] = {}
        for r in residents.iterator():
            if len(out) >= VOTERS:
                break
            home = r.household_id or 0
            if seen.get(home, 0) >= (2 if len(seen) < 4 else 1):
                continue
            if User.objects.filter(resident=r).exists():
                continue
            seen[home] = seen.get(home, 0) + 1
            user = user_create(actor=chair, username=f"rc{r.pk}", password=None, display_name=r.name)
            membership_grant(actor=chair, user=user, role="resident", area=r.area)
            user.resident = r
            user.save(update_fields=["resident"])
            out.append(user)
        return out

    def _seed(self, chair: User, second: User, street: User) -> dict[str, int]:
        voters = self._voters(chair)
        if len(voters) < 4:
            raise CommandError("too few residents in 长江瑞城 to seed votes")
        grid_area = Area.objects.get(code=GRID)
        micro = Area.objects.filter(code__startswith=GRID, level="microgrid").order_by("code").first() or grid_area
        today = clock.today()
        made = {"sessions": 0, "topics": 0, "votes": 0, "ballots": 0, "actions": 0, "ratings": 0, "appeals": 0}
        made |= {"comments": 0, "minutes": 0}
        months = []
        y, m = today.year, today.month
        for _ in range(SESSIONS):
            m -= 1
            if m == 0:
                y, m = y - 1, 12
            months.append((y, m))
        months.reverse()
        for i, (year, month) in enumerate(months):
            title, description = TOPICS[i % len(TOPICS)]
            raiser = voters[(i * 3) % len(voters)]
            topic = topics.topic_raise(actor=raiser, title=title, description=description, area_code=micro.code)
            made["topics"] += 1
            for supporter in voters[: 6 + i % 5]:
                if supporter.pk != raiser.pk:
                    topics.topic_support(actor=supporter, topic_id=topic.pk)
            topic.refresh_from_db()
            if topic.state == "proposed":
                fsm.transition(TOPIC, topic.pk, "accept", actor=chair)
            if i < 7:  # the 12345 / 诉速办 tickets this session resolves
                ids = []
                for k, channel in enumerate(("hotline_12345", "susuban")):
                    submitted = appeal_submit(
                        actor=chair,
                        description=f"{description}（{'12345' if k == 0 else '诉速办'}转办）",
                        channel=channel,
                        area_code=micro.code,
                        external_ref=f"DEMO-{year}{month:02d}-{k}",
                        auto_dispatch=False,
                    )
                    ids.append(submitted.appeal.pk)
                topics.topic_link_appeals(actor=chair, topic_id=topic.pk, appeal_ids=ids)
                made["appeals"] += len(ids)
            meeting = meetings.council_day_create(actor=chair, community_code=COMMUNITY, year=year, month=month)
            meetings.meeting_invite(actor=chair, meeting_id=meeting.pk, user_ids=[v.pk for v in voters])
            made["sessions"] += 1
            held_at = meeting.starts_at
            # Created today, dated back to the session once done (the actions refuse deadlines in the past).
            vote = votes.vote_create(
                actor=chair,
                meeting_id=meeting.pk,
                question=f"是否同意：{title}",
                topic_id=topic.pk,
                basis="household" if i % 2 else "person",
                secret=i % 3 == 0,
                majority="two_thirds" if i % 5 == 0 else "simple",
                quorum_percent=50,
                closes_at=clock.now() + dt.timedelta(hours=1),
            )
            votes.vote_move(actor=chair, vote_id=vote.pk, action="open")
            made["votes"] += 1
            choices = ["yes", "yes", "yes", "no", "abstain", "yes", "blank", "yes"]
            for j, voter in enumerate(voters[: 14 + i % 6]):
                try:
                    votes.ballot_cast(actor=voter, vote_id=vote.pk, choice_value=choices[(i + j) % len(choices)])
                    made["ballots"] += 1
                except DomainError:
                    pass  # the household already voted
            votes.vote_move(actor=chair, vote_id=vote.pk, action="close")
            vote = votes.vote_move(actor=chair, vote_id=vote.pk, action="publish")
            Vote.objects.filter(pk=vote.pk).update(
                created_at=held_at - dt.timedelta(days=3),
                closes_at=held_at + dt.timedelta(hours=2),
                published_at=held_at + dt.timedelta(hours=2),
            )
            Ballot.objects.filter(vote=vote).update(cast_at=held_at + dt.timedelta(minutes=40))
            Notice.objects.filter(pk__in=[vote.notice_id]).update(published_at=held_at + dt.timedelta(hours=2))
            Topic.objects.filter(pk=topic.pk).update(created_at=held_at - dt.timedelta(days=20))
            made["comments"] += self._comments(chair, voters, meeting, held_at, hide=i == 3)
            for name in ("open", "start"):
                meetings.meeting_move(actor=chair, meeting_id=meeting.pk, action=name)
            # The list sign-in of a past session (the action accepts sign-ins only around the meeting's own time).
            SignIn.objects.bulk_create(
                [
                    SignIn(meeting=meeting, user=v, method="list", recorded_by=chair, signed_at=held_at)
                    for v in voters[:12]
                ]
            )
            meetings.meeting_move(actor=chair, meeting_id=meeting.pk, action="end")
            Meeting.objects.filter(pk=meeting.pk).update(created_at=held_at - dt.timedelta(days=10))
            made["minutes"] += self._minutes(chair, voters, meeting, held_at, final=i < len(months) - 1)
            if i < 7:
                Appeal.objects.filter(deliberation_link__topic=topic).update(created_at=held_at - dt.timedelta(days=25))
            if vote.outcome == "passed":
                made["actions"] += self._act(chair, voters, vote, held_at, last=i == len(months) - 1)
                made["ratings"] += len(voters[:5]) if i != len(months) - 1 else 0
        made["forums"] = self._forums(chair, voters, months)
        made["weekly_solved"] = self._weekly(street, second)
        self._open_now(chair, voters)
        self._survey(chair, voters)
        return made

    def _comments(self, chair: User, voters: list[User], meeting: Meeting, held_at: dt.datetime, *, hide: bool) -> int:
        """Residents' comments on the agenda before the council day (one hidden by staff, with its reason)."""
        item = meeting.agenda.order_by("position", "id").first()
        if item is None:
            return 0
        said = ["同意，早办早好", "希望费用公开透明", "施工时间请避开午休"]
        made = [
            records.comment_post(actor=voter, agenda_item_id=item.pk, body=text)
            for voter, text in zip(voters[1:4], said, strict=False)
        ]
        if hide:
            extra = records.comment_post(
                actor=voters[4], agenda_item_id=item.pk, body="物业经理电话 13900000000 打不通"
            )
            records.comment_hide(actor=chair, comment_id=extra.pk, reason="含有个人电话，已转物业处理")
            made.append(extra)
        AgendaComment.objects.filter(pk__in=[c.pk for c in made]).update(created_at=held_at - dt.timedelta(days=2))
        return len(made)

    def _minutes(self, chair: User, voters: list[User], meeting: Meeting, held_at: dt.datetime, *, final: bool) -> int:
        """The minutes: drafted after the session with the vote's outcome, an attendee's correction, approved and
        published on the board (the latest session's still a draft, open for corrections)."""
        minutes = records.minutes_draft(
            actor=chair,
            meeting_id=meeting.pk,
            body=f"{meeting.title}于{held_at:%Y年%m月%d日}在社区议事厅召开，居民代表、物业和街道执法中队到会，"
            "逐项听取意见后进行表决。",
        )
        correction = records.correction_propose(
            actor=voters[1], minutes_id=minutes.pk, text="请补充：业委会主任列席会议"
        )
        if final:
            records.correction_move(actor=chair, correction_id=correction.pk, action="accept", note="已补充")
            records.minutes_move(
                actor=chair,
                minutes_id=minutes.pk,
                action="revise",
                data={"body": minutes.body + "业委会主任列席会议。"},
            )
            records.minutes_move(actor=chair, minutes_id=minutes.pk, action="approve")
            minutes = records.minutes_move(actor=chair, minutes_id=minutes.pk, action="publish")
            Minutes.objects.filter(pk=minutes.pk).update(
                created_at=held_at + dt.timedelta(days=1), published_at=held_at + dt.timedelta(days=3)
            )
            Notice.objects.filter(pk__in=[minutes.notice_id]).update(published_at=held_at + dt.timedelta(days=3))
        MinutesCorrection.objects.filter(pk=correction.pk).update(created_at=held_at + dt.timedelta(days=2))
        return 1

    def _act(self, chair: User, voters: list[User], vote: Vote, held_at: dt.datetime, *, last: bool) -> int:
        today = clock.today()
        parent = items.action_create(
            actor=chair,
            title=f"落实：{vote.question.removeprefix('是否同意：')}",
            owner_kind="property",
            owner_name="长江瑞城物业服务中心",
            deadline=today,
            vote_id=vote.pk,
        )
        child = items.action_create(
            actor=chair,
            title="街道城管中队配合现场核查",
            owner_kind="department",
            owner_name="长江路街道综合行政执法中队",
            deadline=today,
            parent_id=parent.pk,
        )
        items.action_progress(actor=chair, action_id=child.pk, percent=50, note="已现场核查，制定方案")
        micro = (
            Area.objects.filter(code__startswith=GRID, level="microgrid")
            .order_by("code")
            .values_list("code", flat=True)
            .first()
            or GRID
        )
        if last:  # the open item turns a finding into an appeal (the appeal's timeline names the item)
            records.action_follow_up(
                actor=chair,
                action_id=child.pk,
                kind="appeal",
                fields={"description": "现场核查发现消防通道被占用，需执法中队依法清理", "area_code": micro},
            )
        if not last:
            items.action_progress(actor=chair, action_id=child.pk, percent=100, note="已完成，现场拍照留存")
            for k, voter in enumerate(voters[:5]):
                items.action_rate(actor=voter, action_id=parent.pk, satisfied=k != 4, comment="")
        deadline = (held_at + dt.timedelta(days=30)).date()
        ActionItem.objects.filter(pk__in=[parent.pk, child.pk]).update(
            deadline=deadline, created_at=held_at + dt.timedelta(hours=3)
        )
        ActionItem.objects.filter(pk__in=[parent.pk, child.pk], done_at__isnull=False).update(
            done_at=held_at + dt.timedelta(days=20)
        )
        ProgressUpdate.objects.filter(item_id__in=[parent.pk, child.pk]).update(at=held_at + dt.timedelta(days=10))
        notices = ActionItem.objects.filter(pk__in=[parent.pk, child.pk], notice__isnull=False).values("notice_id")
        Notice.objects.filter(pk__in=notices).update(published_at=held_at + dt.timedelta(days=20))
        return 2

    def _forums(self, chair: User, voters: list[User], months: list[tuple[int, int]]) -> int:
        n = 0
        for year, month in months:
            if month not in (3, 6, 9, 12):
                continue
            starts = dt.datetime(year, month, 25, 19, 0, tzinfo=timezone.get_current_timezone())
            forum = meetings.meeting_create(
                actor=chair,
                kind="forum",
                title=f"富春江路社区百姓论坛（{year}年第{month // 3}季度）",
                area_code=COMMUNITY,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                place="社区党群服务中心二楼",
                capacity=150,
            )
            AgendaItem.objects.create(meeting=forum, title="本季度议题办理情况通报", duration_minutes=30, position=1)
            AgendaItem.objects.create(meeting=forum, title="工坊服务价格协商", duration_minutes=40, position=2)
            meetings.meeting_invite(
                actor=chair,
                meeting_id=forum.pk,
                groups=["representative", "department", "partner"],
                user_ids=[v.pk for v in voters],
            )
            for name in ("open", "start", "end"):
                meetings.meeting_move(actor=chair, meeting_id=forum.pk, action=name)
            n += 1
        return n

    def _weekly(self, street: User, admin: User) -> int:
        actor = street if street.username == "street" else admin
        area = Area.objects.filter(parent__code=STREET, level="community").order_by("code").first()
        if area is None:
            return 0
        monday = clock.today() - dt.timedelta(days=clock.today().weekday())
        solved = 0
        for week in range(25, -1, -1):
            name = WEEKLY[week % len(WEEKLY)]
            topic = topics.topic_raise(
                actor=actor,
                title=f"{name}（第{26 - week}题）",
                area_code=area.code,
                channel="walk_in",
                on_behalf_of="居民来访",
            )
            weekly = evaluation.weekly_choose(
                actor=actor, street_code=STREET, topic_id=topic.pk, assignees=["街道城管中队", "物业公司", "业委会"]
            )
            if week == 0:
                continue  # this week's, still open
            WeeklyTopic.objects.filter(pk=weekly.pk).update(week_start=monday - dt.timedelta(weeks=week))
            evaluation.weekly_resolve(actor=actor, weekly_id=weekly.pk, note="部门、物业与业委会联合现场解决")
            fsm.transition(TOPIC, topic.pk, "solve_on_spot", actor=actor, note="每周一题联合解决")
            solved += 1
        return solved

    def _open_now(self, chair: User, voters: list[User]) -> None:
        now = clock.now()
        hall = meetings.meeting_create(
            actor=chair,
            kind="grid_hall",
            title="长江瑞城网格议事厅：单元门禁更换",
            area_code=COMMUNITY,
            starts_at=now - dt.timedelta(minutes=30),
            ends_at=now + dt.timedelta(hours=3),
            place="长江瑞城网格党群服务站",
            capacity=40,
        )
        meetings.agenda_item_add(actor=chair, meeting_id=hall.pk, title="门禁更换方案与费用分摊", duration_minutes=30)
        meetings.meeting_invite(actor=chair, meeting_id=hall.pk, user_ids=[v.pk for v in voters], groups=["partner"])
        meetings.meeting_move(actor=chair, meeting_id=hall.pk, action="start")
        vote = votes.vote_create(
            actor=chair,
            meeting_id=hall.pk,
            question="是否同意更换单元门禁，费用由公共收益列支",
            basis="household",
            quorum_percent=50,
            majority="simple",
            closes_at=now + dt.timedelta(days=3),
        )
        votes.vote_move(actor=chair, vote_id=vote.pk, action="open")
        for voter in voters[2:8]:  # the demo `resident` (voters[0]) has not voted yet
            with contextlib.suppress(DomainError):
                votes.ballot_cast(actor=voter, vote_id=vote.pk, choice_value="yes")

    def _survey(self, chair: User, voters: list[User]) -> None:
        today = clock.today()
        quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
        if Survey.objects.filter(area_code=GRID, quarter=quarter).exists():
            return
        survey = evaluation.survey_create(
            actor=chair,
            title=f"长江瑞城{quarter}季度满意度调查",
            area_code=GRID,
            quarter=quarter,
            questions=[
                {
                    "kind": "single",
                    "text": "您对本季度议事办理结果总体满意吗？",
                    "options": ["满意", "基本满意", "不满意"],
                },
                {"kind": "multiple", "text": "您最关心的事项", "options": ["停车", "电梯", "环境卫生", "安全"]},
                {"kind": "scale", "text": "给物业服务打分"},
                {"kind": "text", "text": "您的建议"},
            ],
        )
        evaluation.survey_move(actor=chair, survey_id=survey.pk, action="open")
        q = [str(x.pk) for x in survey.questions.all()]
        for k, voter in enumerate(voters[1:13]):
            evaluation.survey_answer(
                actor=voter,
                survey_id=survey.pk,
                answers={q[0]: k % 3 if k % 4 else 0, q[1]: [k % 4, (k + 1) % 4], q[2]: 3 + k % 3, q[3]: ""},
            )
