"""有事您说话: topics (提), meetings (议), votes (决), action items (做), ratings and surveys (评), the weekly topic.

Every state column here is moved only by `gongzhi.core.fsm.transition()` through the lifecycles of
`gongzhi.deliberation.lifecycles`; rows are created in their first state by the actions.

A secret ballot is two rows that share nothing but the vote: `Ballot` says who voted (and, for one vote per
household, for which household), `BallotChoice` says what was chosen. The choice row has a random UUID key, no time
and no reference to a person or a household, so no query can join it back to its voter; the voter keeps a receipt
code whose digest is on the choice row, to check that their ballot is in the count.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock


# Migrations reference this by name (Meeting.qr_salt's default): do not rename, move or remove it
# (tests/test_migrations_frozen.py lists what migrations may import).
def new_salt() -> str:
    return secrets.token_hex(8)


class CommunitySettings(models.Model):
    """A community's own deliberation numbers (defaults when it has no row: `DEFAULTS` in selectors)."""

    area = models.OneToOneField("areas.Area", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, unique=True, editable=False)
    support_threshold = models.PositiveIntegerField(_("列入议程所需支持数"), default=10)
    council_day = models.PositiveSmallIntegerField(_("每月议事日"), default=15)
    cluster_min_appeals = models.PositiveIntegerField(_("聚类诉求数下限"), default=5)
    cluster_window_days = models.PositiveIntegerField(_("聚类时间窗（天）"), default=30)
    reopen_min_ratings = models.PositiveIntegerField(_("重新办理所需最少评价数"), default=5)
    reopen_unsatisfied_percent = models.PositiveSmallIntegerField(_("不满意比例超过（%）即重新办理"), default=50)

    class Meta:
        verbose_name = _("议事设置")
        verbose_name_plural = _("议事设置")


class TopicChannel(models.TextChoices):
    ONLINE = "online", _("线上提出")
    WALK_IN = "walk_in", _("来访代录")
    PHONE = "phone", _("电话代录")
    APPEALS = "appeals", _("诉求聚类")


class TopicState(models.TextChoices):
    PROPOSED = "proposed", _("征集支持")
    ACCEPTED = "accepted", _("已受理，待上会")
    SCHEDULED = "scheduled", _("已列入议程")
    DECIDED = "decided", _("已决议")
    SOLVED_ON_SPOT = "solved_on_spot", _("现场解决")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已合并")
    REJECTED = "rejected", _("不予受理")


class Topic(models.Model):
    title = models.CharField(_("议题"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("所涉区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    community_code = models.CharField(_("社区编码"), max_length=17, db_index=True, editable=False)
    channel = models.CharField(_("来源"), max_length=16, choices=TopicChannel.choices, default=TopicChannel.ONLINE)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出/录入人"), on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.CharField(_("代谁提出"), max_length=64, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=TopicState.choices, default=TopicState.PROPOSED)
    support_count = models.PositiveIntegerField(_("支持数"), default=0)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并到"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    outcome = models.TextField(_("结果说明"), blank=True)
    created_at = models.DateTimeField(_("提出时间"), default=clock.now, db_index=True)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class TopicSupport(models.Model):
    topic = models.ForeignKey(Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("支持者"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("议题支持")
        verbose_name_plural = _("议题支持")
        constraints = [models.UniqueConstraint(fields=["topic", "user"], name="topic_support_once")]


class TopicAppeal(models.Model):
    """An appeal attached to a topic as evidence (from a cluster suggestion); an appeal belongs to one topic."""

    topic = models.ForeignKey(Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="appeal_links")
    appeal = models.OneToOneField(
        "appeals.Appeal", verbose_name=_("诉求"), on_delete=models.PROTECT, related_name="deliberation_link"
    )
    linked_at = models.DateTimeField(_("关联时间"), default=clock.now)

    class Meta:
        verbose_name = _("议题关联诉求")
        verbose_name_plural = _("议题关联诉求")


class MeetingKind(models.TextChoices):
    COMPOUND_COUNCIL = "compound_council", _("小区议事会")
    GRID_HALL = "grid_hall", _("网格议事厅（网格党群议事会）")
    FORUM = "forum", _("百姓论坛")
    JOINT = "joint", _("联席会议")


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("筹备中")
    OPEN = "open", _("报名中")
    IN_SESSION = "in_session", _("进行中")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


class Meeting(models.Model):
    kind = models.CharField(_("会议类型"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("会议名称"), max_length=100)
    area = models.ForeignKey("areas.Area", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(_("名额"), default=50)
    council_date = models.DateField(_("议事日"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=MeetingState.choices, default=MeetingState.PLANNED)
    qr_salt = models.CharField(max_length=16, default=new_salt, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("议事会议")
        verbose_name_plural = _("议事会议")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "council_date"], condition=models.Q(council_date__isnull=False), name="one_council_day"
            )
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="agenda")
    topic = models.ForeignKey(
        Topic, verbose_name=_("议题"), null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items"
    )
    title = models.CharField(_("议程"), max_length=100)
    duration_minutes = models.PositiveSmallIntegerField(_("时长（分钟）"), default=15)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("议程")
        verbose_name_plural = _("议程")
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "topic"], condition=models.Q(topic__isnull=False), name="topic_once_per_agenda"
            )
        ]


class InviteeKind(models.TextChoices):
    RESIDENT = "resident", _("居民")
    REPRESENTATIVE = "representative", _("居民代表、党员")
    DEPARTMENT = "department", _("职能部门")
    PARTNER = "partner", _("物业、业委会、共建单位")


class Invitation(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("受邀人"), on_delete=models.CASCADE, related_name="+"
    )
    household_id = models.BigIntegerField(_("所在户"), null=True, blank=True)
    kind = models.CharField(_("类别"), max_length=16, choices=InviteeKind.choices)
    invited_at = models.DateTimeField(_("邀请时间"), default=clock.now)

    class Meta:
        verbose_name = _("会议邀请")
        verbose_name_plural = _("会议邀请")
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="invited_once")]


class RegistrationState(models.TextChoices):
    REGISTERED = "registered", _("已报名")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")


class Registration(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报名人"), on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=16, choices=RegistrationState.choices)
    created_at = models.DateTimeField(_("报名时间"), default=clock.now)

    class Meta:
        verbose_name = _("会议报名")
        verbose_name_plural = _("会议报名")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="register_once")]


class SignInMethod(models.TextChoices):
    QR = "qr", _("扫码签到")
    LIST = "list", _("名单签到")


class SignIn(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="sign_ins")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签到人"), on_delete=models.CASCADE, related_name="+"
    )
    method = models.CharField(_("方式"), max_length=8, choices=SignInMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("签到时间"), default=clock.now)

    class Meta:
        verbose_name = _("会议签到")
        verbose_name_plural = _("会议签到")
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="sign_in_once")]


class VoteBasis(models.TextChoices):
    PERSON = "person", _("一人一票")
    HOUSEHOLD = "household", _("一户一票")


class Majority(models.TextChoices):
    SIMPLE = "simple", _("简单多数（赞成多于反对）")
    ABSOLUTE = "absolute", _("过半数（赞成超过投票数的一半）")
    TWO_THIRDS = "two_thirds", _("三分之二多数（赞成不少于投票数的三分之二）")


class TieRule(models.TextChoices):
    FAILS = "fails", _("票数相当视为未通过")
    PASSES = "passes", _("票数相当视为通过")


class VoteMode(models.TextChoices):
    ONLINE = "online", _("线上投票")
    RECORDED = "recorded", _("现场举手或纸质票，录入计票")


class VoteState(models.TextChoices):
    DRAFT = "draft", _("草拟")
    OPEN = "open", _("投票中")
    RECORDED = "recorded", _("已录入，待复核")
    CLOSED = "closed", _("已截止")
    PUBLISHED = "published", _("结果已公布")


class Choice(models.TextChoices):
    YES = "yes", _("赞成")
    NO = "no", _("反对")
    ABSTAIN = "abstain", _("弃权")
    BLANK = "blank", _("空白票")


class Outcome(models.TextChoices):
    PASSED = "passed", _("通过")
    FAILED = "failed", _("未通过")
    NO_QUORUM = "no_quorum", _("未达法定人数，表决无效")


class Vote(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.PROTECT, related_name="votes")
    topic = models.ForeignKey(
        Topic, verbose_name=_("议题"), null=True, blank=True, on_delete=models.PROTECT, related_name="votes"
    )
    question = models.CharField(_("表决事项"), max_length=200)
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    basis = models.CharField(_("计票单位"), max_length=12, choices=VoteBasis.choices, default=VoteBasis.PERSON)
    quorum_percent = models.PositiveSmallIntegerField(_("法定人数（受邀的百分比）"), default=50)
    majority = models.CharField(_("通过规则"), max_length=12, choices=Majority.choices, default=Majority.SIMPLE)
    tie_rule = models.CharField(_("平票规则"), max_length=8, choices=TieRule.choices, default=TieRule.FAILS)
    secret = models.BooleanField(_("无记名投票"), default=False)
    mode = models.CharField(_("投票方式"), max_length=10, choices=VoteMode.choices, default=VoteMode.ONLINE)
    closes_at = models.DateTimeField(_("截止时间"))
    state = models.CharField(_("状态"), max_length=12, choices=VoteState.choices, default=VoteState.DRAFT)
    rules_locked = models.BooleanField(_("规则已锁定"), default=False)
    # Counts from a show of hands or paper ballots, entered by the chair and confirmed by a second person.
    recorded_counts = models.JSONField(_("录入票数"), default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The published result (kept so a later change of the invitations cannot change a published count).
    result = models.JSONField(_("结果"), default=dict, blank=True)
    outcome = models.CharField(_("表决结果"), max_length=12, choices=Outcome.choices, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    notice = models.ForeignKey(
        "noticeboard.Notice", verbose_name=_("公示"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.question


class Ballot(models.Model):
    """Who voted (and for which household). For an open ballot also what they chose; for a secret one, never."""

    vote = models.ForeignKey(Vote, verbose_name=_("表决"), on_delete=models.PROTECT, related_name="ballots")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("投票人"), on_delete=models.PROTECT, related_name="+"
    )
    household_id = models.BigIntegerField(_("户"), null=True, blank=True)
    choice = models.CharField(_("选择（记名投票）"), max_length=8, choices=Choice.choices, blank=True)
    cast_at = models.DateTimeField(_("投票时间"), default=clock.now)

    class Meta:
        verbose_name = _("投票记录")
        verbose_name_plural = _("投票记录")
        constraints = [
            models.UniqueConstraint(fields=["vote", "user"], name="ballot_once_per_person"),
            models.UniqueConstraint(
                fields=["vote", "household_id"],
                condition=models.Q(household_id__isnull=False),
                name="ballot_once_per_household",
            ),
        ]


class BallotChoice(models.Model):
    """What was chosen: a random key, the vote, the choice and the receipt's digest. Nothing else, on purpose."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, verbose_name=_("表决"), on_delete=models.PROTECT, related_name="choices")
    choice = models.CharField(_("选择"), max_length=8, choices=Choice.choices)
    receipt_digest = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")


class OwnerKind(models.TextChoices):
    PERSON = "person", _("个人")
    DEPARTMENT = "department", _("职能部门")
    PROPERTY = "property", _("物业公司")
    PARTNER = "partner", _("共建单位、业委会")


class ActionState(models.TextChoices):
    OPEN = "open", _("待办")
    IN_PROGRESS = "in_progress", _("办理中")
    DONE = "done", _("已完成")
    REOPENED = "reopened", _("重新办理")


class ActionItem(models.Model):
    title = models.CharField(_("事项"), max_length=200)
    vote = models.ForeignKey(
        Vote, verbose_name=_("决议"), null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("议题"), null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级事项"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    owner_kind = models.CharField(_("责任方类型"), max_length=12, choices=OwnerKind.choices)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_name = models.CharField(_("责任方"), max_length=100)
    deadline = models.DateField(_("完成期限"))
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    state = models.CharField(_("状态"), max_length=12, choices=ActionState.choices, default=ActionState.OPEN)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    reminded_before = models.BooleanField(default=False, editable=False)
    reminded_after = models.BooleanField(default=False, editable=False)
    notice = models.ForeignKey(
        "noticeboard.Notice", verbose_name=_("公示"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("落实事项")
        verbose_name_plural = _("落实事项")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="action_progress_at_most_100")
        ]

    def __str__(self) -> str:
        return self.title


class ProgressUpdate(models.Model):
    """One entry of an action's public timeline (append-only)."""

    item = models.ForeignKey(ActionItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="updates")
    percent = models.PositiveSmallIntegerField(_("进度（%）"))
    note = models.TextField(_("进展说明"), blank=True)
    photo = models.ImageField(_("照片"), upload_to="deliberation/progress/%Y/%m/", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("进展")
        verbose_name_plural = _("进展")
        ordering = ["at", "id"]


class ActionRating(models.Model):
    item = models.ForeignKey(ActionItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评价人"), on_delete=models.CASCADE, related_name="+"
    )
    satisfied = models.BooleanField(_("满意"))
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("时间"), default=clock.now)
    # The reopen round the rating belongs to: a reopened item is rated afresh.
    round = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("成效评价")
        verbose_name_plural = _("成效评价")
        constraints = [models.UniqueConstraint(fields=["item", "user", "round"], name="rate_once_per_round")]


class WeeklyState(models.TextChoices):
    CHOSEN = "chosen", _("办理中")
    RESOLVED = "resolved", _("已解决")


class WeeklyTopic(models.Model):
    """每周一题: one concern a week per street or town, with who is assigned, tracked to resolution."""

    area = models.ForeignKey("areas.Area", verbose_name=_("街道/镇"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    week_start = models.DateField(_("周（周一）"))
    topic = models.ForeignKey(Topic, verbose_name=_("议题"), on_delete=models.PROTECT, related_name="weekly")
    chosen_by_supports = models.BooleanField(_("按支持数选出"), default=False)
    assignees = models.JSONField(_("承办方"), default=list)
    state = models.CharField(_("状态"), max_length=10, choices=WeeklyState.choices, default=WeeklyState.CHOSEN)
    resolution = models.TextField(_("解决情况"), blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("每周一题")
        verbose_name_plural = _("每周一题")
        ordering = ["-week_start"]
        constraints = [models.UniqueConstraint(fields=["area", "week_start"], name="one_topic_a_week")]


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    SCALE = "scale", _("打分（1–5）")
    TEXT = "text", _("填空")


class SurveyState(models.TextChoices):
    DRAFT = "draft", _("草拟")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class Survey(models.Model):
    """The quarterly satisfaction survey of a compound (or any area)."""

    title = models.CharField(_("问卷标题"), max_length=100)
    area = models.ForeignKey("areas.Area", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    compound = models.ForeignKey(
        "people.Compound", verbose_name=_("小区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quarter = models.CharField(_("季度"), max_length=7)
    anonymous = models.BooleanField(_("匿名"), default=True)
    state = models.CharField(_("状态"), max_length=8, choices=SurveyState.choices, default=SurveyState.DRAFT)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")
        ordering = ["-quarter", "id"]


class Question(models.Model):
    survey = models.ForeignKey(Survey, verbose_name=_("问卷"), on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("顺序"))
    kind = models.CharField(_("题型"), max_length=8, choices=QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=200)
    options = models.JSONField(_("选项"), default=list, blank=True)

    class Meta:
        verbose_name = _("问卷题目")
        verbose_name_plural = _("问卷题目")
        ordering = ["survey", "position"]


class SurveyParticipant(models.Model):
    """That someone answered (once); with an anonymous survey nothing links this to their answers."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "user"], name="answer_survey_once")]


class SurveyResponse(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # Only for a survey that is not anonymous.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answers = models.JSONField(default=dict)  # question id → option index, list of indexes, 1–5 or text


# ---------------------------------------------------------------------------------------------------------------
# Comments on agenda items (before the meeting), minutes (after it), follow-ups of action items


class CommentState(models.TextChoices):
    VISIBLE = "visible", _("显示")
    HIDDEN = "hidden", _("已隐藏")


class AgendaComment(models.Model):
    """A resident's comment on an agenda item before the meeting; staff may hide it (with a reason, audited)."""

    item = models.ForeignKey(AgendaItem, verbose_name=_("议程"), on_delete=models.CASCADE, related_name="comments")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发言人"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("意见"))
    state = models.CharField(_("状态"), max_length=8, choices=CommentState.choices, default=CommentState.VISIBLE)
    hidden_reason = models.CharField(_("隐藏理由"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("议程意见")
        verbose_name_plural = _("议程意见")
        ordering = ["created_at", "id"]


class MinutesState(models.TextChoices):
    DRAFT = "draft", _("草稿（征求更正）")
    APPROVED = "approved", _("已审定")
    PUBLISHED = "published", _("已公示")


class Minutes(models.Model):
    """会议纪要: drafted by staff with the decisions listed, corrected by attendees, approved, then published."""

    meeting = models.OneToOneField(Meeting, verbose_name=_("会议"), on_delete=models.PROTECT, related_name="minutes")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    body = models.TextField(_("纪要正文"))
    decisions = models.JSONField(_("决定事项"), default=list)
    photo = models.ImageField(_("照片"), upload_to="deliberation/minutes/%Y/%m/", blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=MinutesState.choices, default=MinutesState.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notice = models.ForeignKey(
        "noticeboard.Notice", verbose_name=_("公示"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("起草时间"), default=clock.now)
    published_at = models.DateTimeField(_("公示时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("会议纪要")
        verbose_name_plural = _("会议纪要")


class CorrectionState(models.TextChoices):
    PROPOSED = "proposed", _("待处理")
    ACCEPTED = "accepted", _("已采纳")
    DECLINED = "declined", _("未采纳")


class MinutesCorrection(models.Model):
    """A correction of the draft minutes proposed by someone who attended (signed in)."""

    minutes = models.ForeignKey(Minutes, verbose_name=_("纪要"), on_delete=models.CASCADE, related_name="corrections")
    area_code = models.CharField(_("区域编码"), max_length=17, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("更正内容"))
    state = models.CharField(
        _("状态"), max_length=10, choices=CorrectionState.choices, default=CorrectionState.PROPOSED
    )
    answer = models.CharField(_("处理说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("纪要更正")
        verbose_name_plural = _("纪要更正")
        ordering = ["created_at", "id"]


class FollowUpKind(models.TextChoices):
    APPEAL = "appeal", _("诉求")
    DEMAND = "demand", _("服务需求")


class ActionFollowUp(models.Model):
    """An appeal or a service demand an action item opened. An appeal is a foreign key (appeals sit below
    deliberation); a demand is kept by id and label only, since matching sits beside deliberation and neither
    knows the other (the bridge in gongzhi.web.bridges opens it; docs/deliberation.md)."""

    item = models.ForeignKey(
        ActionItem, verbose_name=_("落实事项"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    kind = models.CharField(_("类型"), max_length=8, choices=FollowUpKind.choices)
    appeal = models.OneToOneField(
        "appeals.Appeal",
        verbose_name=_("诉求"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliberation_action",
    )
    target_id = models.BigIntegerField(_("编号"))
    label = models.CharField(_("名称"), max_length=200)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    asked = models.CharField(_("转办内容"), max_length=200, blank=True)  # refuses the same follow-up twice
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("落实事项转办")
        verbose_name_plural = _("落实事项转办")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "target_id"], name="follow_up_target_once")]
