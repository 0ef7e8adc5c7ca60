"""Appeals (诉求) under the 7135 rule: categories, appeals, their append-only events, photos and summons.

The lifecycle table lives in workflow.py; `workflow.appeal_transition` is the only code that changes an
appeal's state.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock, pii
from gongzhi.core.append_only import AppendOnlyModel
from gongzhi.people.models import PersonalDataMixin


class Tier(models.TextChoices):
    MINOR = "minor", _("小事")
    MAJOR = "major", _("大事")
    HARD = "hard", _("难事")


class Level(models.TextChoices):
    MICROGRID = "microgrid", _("微网格")
    GRID = "grid", _("网格")
    STREET = "street", _("街道")


# The escalation ladder: each level hands over to the next one (网格小循环 → 街道大循环).
LEVEL_ORDER = [Level.MICROGRID, Level.GRID, Level.STREET]


class Channel(models.TextChoices):
    RESIDENT_WEB = "resident_web", _("居民网页")
    GRID_REPORT = "grid_report", _("网格员巡查上报")
    SNAPSHOT = "snapshot", _("随手拍")
    HOTLINE_12345 = "hotline_12345", _("12345热线")
    SUSUBAN = "susuban", _("诉速办")
    WALK_IN = "walk_in", _("来访代录")
    OPEN311 = "open311", _("Open311")
    API = "api", _("接口")


class State(models.TextChoices):
    REPORTED = "reported", _("已上报")
    REGISTERED = "registered", _("已登记")
    CANCELLED = "cancelled", _("已作废")
    DISPATCHED = "dispatched", _("已派遣")
    ACCEPTED = "accepted", _("已签收")
    ON_SITE = "on_site", _("已到场")
    SUSPENDED = "suspended", _("挂起")
    HANDLED = "handled", _("已处置")
    VERIFIED = "verified", _("已核查")
    CLOSED = "closed", _("已结案")
    RATED = "rated", _("已评价")


# States in which the 7135 clock runs (or is paused) and the sweep looks for overdue appeals.
OPEN_STATES = frozenset({State.DISPATCHED, State.ACCEPTED, State.ON_SITE})
FINISHED_STATES = frozenset({State.CLOSED, State.RATED, State.CANCELLED})


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Category(models.Model):
    """大类 (parent null) and 小类; a subcategory carries the defaults an appeal starts with."""

    parent = models.ForeignKey(
        "self", verbose_name=_("上级大类"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.SlugField(_("代码"), max_length=48, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    default_tier = models.CharField(_("默认分级"), max_length=8, choices=Tier.choices, default=Tier.MINOR)
    default_level = models.CharField(_("默认处置层级"), max_length=16, choices=Level.choices, default=Level.MICROGRID)
    closure_condition = models.TextField(_("结案条件"), blank=True)
    on_site = models.BooleanField(_("需到场处置"), default=True)
    # Per-category 7135 numbers, e.g. {"arrival_minutes": 15, "days": {"minor": 2}, "day_unit": "workday"}.
    policy_overrides = models.JSONField(_("时限覆盖"), default=dict, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.parent.name}/{self.name}" if self.parent_id and self.parent else self.name


class Appeal(PersonalDataMixin):
    """One appeal (诉求) from intake to rating. The contact's phone is encrypted (mixin), the name too."""

    number = models.CharField(_("编号"), max_length=24, unique=True, editable=False)
    description = models.TextField(_("诉求内容"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    external_ref = models.CharField(_("外部工单号"), max_length=64, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_reported",
    )
    contact_name_encrypted = models.TextField(_("联系人（加密）"), blank=True, editable=False)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("微网格"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.REPORTED)
    # The state a suspension returns to on resume.
    suspended_from = models.CharField(max_length=16, choices=State.choices, blank=True, editable=False)
    tier = models.CharField(_("分级"), max_length=8, choices=Tier.choices, default=Tier.MINOR)
    handling_level = models.CharField(_("处置层级"), max_length=16, choices=Level.choices, default=Level.MICROGRID)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_assigned",
    )
    policy_snapshot = models.JSONField(_("适用时限政策"), default=dict, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    arrive_by = models.DateTimeField(_("应到场时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办结期限"), null=True, blank=True)
    paused_at = models.DateTimeField(_("挂起时间"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("累计挂起秒数"), default=0)
    handled_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    closed_on_time = models.BooleanField(_("按期结案"), null=True, blank=True)
    is_public = models.BooleanField(_("公共事项（公示）"), default=False)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    rating = models.CharField(_("评价"), max_length=16, choices=Rating.choices, blank=True)
    # Facts for the measures (gongzhi.appeals.measures), kept by workflow.appeal_transition in the move's
    # transaction so an area's month is read from the appeal rows alone, not from millions of events.
    # Accepted by the arrival limit (null until accepted); see measure_facts.responded_on_time.
    responded_on_time = models.BooleanField(null=True, blank=True, editable=False)
    # Every rating given, and the 满意/基本满意 ones: an unsatisfied rating reopens the appeal and clears `rating`.
    ratings_total = models.PositiveSmallIntegerField(default=0, editable=False)
    ratings_satisfied = models.PositiveSmallIntegerField(default=0, editable=False)
    # When the last extension (延期) was approved.
    extended_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped by every transition; a writer that read an older version loses (see workflow.appeal_transition).
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("上报时间"), default=clock.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)
    # The events appeal_submit wrote with a new appeal, kept on the instance for the API's answer (not a column).
    created_events: list[AppealEvent]

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_ref"], condition=~Q(external_ref=""), name="appeal_external_ref_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["area_code", "state"], name="appeal_area_state"),
            models.Index(fields=["assignee", "state", "due_at"], name="appeal_assignee_due"),
            # The sweep reads only open appeals below the street by deadline; a partial index holding just those
            # keeps a pass with nothing due cheap at a million rows (overdue street appeals stay out of it).
            # A worker's task list (worklists.worker_tasks) in its own order, so LIMIT stops after the first rows
            # instead of sorting every open appeal of the worker.
            models.Index(
                fields=["assignee", "due_at", "arrive_by", "id"],
                name="appeal_worker_tasks",
                condition=Q(state__in=["dispatched", "accepted", "on_site", "suspended"]),
            ),
            models.Index(
                fields=["due_at"],
                name="appeal_sweep_due",
                condition=Q(state__in=["dispatched", "accepted", "on_site"], handling_level__in=["microgrid", "grid"]),
            ),
            # The measures of an area and period: a range of one month over these (covering on PostgreSQL, so the
            # aggregates read the index alone), the area code checked in the index.
            models.Index(
                fields=["created_at", "area_code"],
                name="appeal_measures_cohort",
                include=[
                    "state",
                    "dispatched_at",
                    "closed_at",
                    "rework_count",
                    "responded_on_time",
                    "ratings_total",
                    "ratings_satisfied",
                ],
            ),
            models.Index(
                fields=["due_at", "area_code"],
                name="appeal_measures_due",
                include=["state", "paused_at", "closed_on_time"],
            ),
            models.Index(
                fields=["extended_at", "area_code"],
                name="appeal_measures_extended",
                condition=Q(extended_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def set_contact_name(self, value: str) -> None:
        self.contact_name_encrypted = pii.encrypt(value) if value else ""

    @property
    def contact_name_plain(self) -> str:
        return pii.decrypt(self.contact_name_encrypted) if self.contact_name_encrypted else ""

    @property
    def contact_phone_masked(self) -> str:
        return pii.mask_phone(self.phone_plain) if self.phone_encrypted else ""


class AppealNumberCounter(models.Model):
    """The last serial handed out per day, for numbers like SQ20261122-000123."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class AppealEvent(AppendOnlyModel):
    """Every move of an appeal: who, when, from, to, note and data (attachments, reasons, old deadlines)."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("诉求"), on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=24)
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    # Set on escalations only: an appeal reaches each level once, so two sweepers can never both escalate it.
    escalated_to = models.CharField(max_length=16, choices=Level.choices, blank=True)
    occurred_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("诉求事件")
        verbose_name_plural = _("诉求事件")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appeal", "escalated_to"], condition=~Q(escalated_to=""), name="appeal_escalation_once"
            ),
        ]
        indexes = [
            # The measures probe an appeal's extensions in a period (应结案 carried past it): a small index of
            # those events only.
            models.Index(fields=["appeal", "occurred_at"], name="appeal_event_extend", condition=Q(action="extend")),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.action} {self.from_state}→{self.to_state}"


class PhotoKind(models.TextChoices):
    REPORT = "report", _("上报照片")
    EVIDENCE = "evidence", _("处置凭证")


class AppealPhoto(models.Model):
    """The original upload (kept for staff) and a public copy re-encoded without EXIF/GPS metadata."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        AppealEvent, verbose_name=_("事件"), null=True, blank=True, on_delete=models.PROTECT, related_name="photos"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=PhotoKind.choices, default=PhotoKind.REPORT)
    original = models.FileField(_("原图"), upload_to="appeals/original/%Y/%m/")
    public = models.FileField(_("公开图"), upload_to="appeals/public/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("诉求照片")
        verbose_name_plural = _("诉求照片")


class SummonsState(models.TextChoices):
    SUMMONED = "summoned", _("已吹哨")
    REPORTED_IN = "reported_in", _("已报到")
    RESULT = "result", _("已反馈结果")
    RATED = "rated", _("已评价")


class Summons(models.Model):
    """吹哨报到: a department called onto an appeal; it reports in by a deadline and stays until closure."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("诉求"), on_delete=models.PROTECT, related_name="summons")
    department = models.ForeignKey(
        "people.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="summons"
    )
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    state = models.CharField(_("状态"), max_length=16, choices=SummonsState.choices, default=SummonsState.SUMMONED)
    reason = models.TextField(_("吹哨事由"), blank=True)
    summoned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("吹哨人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    summoned_at = models.DateTimeField(_("吹哨时间"), default=clock.now)
    report_by = models.DateTimeField(_("应报到时间"))
    reported_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报到人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    late = models.BooleanField(_("迟到"), default=False)
    result = models.TextField(_("处理结果"), blank=True)
    score = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评价人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rating_note = models.TextField(_("评价说明"), blank=True)

    class Meta:
        verbose_name = _("吹哨报到")
        verbose_name_plural = _("吹哨报到")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "department"], name="summons_once_per_department"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="summons_score_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} → {self.department_id}"
