"""Care (关爱): archives of vulnerable residents, visits, paired support for children, psychological service.

Modelled on UNICEF's Primero: a risk level (a configurable list) drives how often a carer visits; tasks are
computed from the archive (due, due within 7 days, overdue) and never stored; referrals need consent or a
recorded override; a record is read on a need-to-know basis (care/access.py) and every other read is audited.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock


class CareTag(models.Model):
    """A care tag (空巢, 独居, 困境儿童 …), configurable. `is_child` tags make an archive a child's record."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)
    is_child = models.BooleanField(_("儿童档案"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("关爱标签")
        verbose_name_plural = _("关爱标签")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class RiskLevel(models.Model):
    """A risk level of the configurable list (红/黄/绿); `rank` 1 is the most urgent; `interval_days` the default
    visit interval (a community may set its own in VisitSchedule)."""

    code = models.SlugField(_("代码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=16, unique=True)
    color = models.CharField(_("颜色"), max_length=16, default="#999999")
    rank = models.PositiveSmallIntegerField(_("紧急程度"), default=1)
    interval_days = models.PositiveSmallIntegerField(_("默认走访间隔（天）"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("风险等级")
        verbose_name_plural = _("风险等级")
        ordering = ["rank", "id"]

    def __str__(self) -> str:
        return self.name


class VisitSchedule(models.Model):
    """A community's own visit interval for a risk level (overrides the level's default)."""

    area = models.ForeignKey("areas.Area", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    risk_level = models.ForeignKey(RiskLevel, verbose_name=_("风险等级"), on_delete=models.PROTECT, related_name="+")
    interval_days = models.PositiveSmallIntegerField(_("走访间隔（天）"))

    class Meta:
        verbose_name = _("走访周期")
        verbose_name_plural = _("走访周期")
        constraints = [models.UniqueConstraint(fields=["area", "risk_level"], name="care_schedule_unique")]


class TriggerGroup(models.TextChoices):
    MUST_ATTEND = "must_attend", _("三必到")
    MUST_VISIT = "must_visit", _("六必访")


class VisitTrigger(models.Model):
    """An event that calls for a visit within `within_days` (三必到、六必访), seeded and editable."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    group = models.CharField(_("类别"), max_length=16, choices=TriggerGroup.choices)
    within_days = models.PositiveSmallIntegerField(_("须在几天内走访"), default=1)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("走访触发事件")
        verbose_name_plural = _("走访触发事件")
        ordering = ["group", "order", "id"]

    def __str__(self) -> str:
        return self.name


class ArchiveStatus(models.TextChoices):
    ACTIVE = "active", _("关爱中")
    CLOSED = "closed", _("已结档")


class CareArchive(models.Model):
    """One vulnerable resident's care archive (关爱档案)."""

    resident = models.OneToOneField(
        "people.Resident", verbose_name=_("居民"), on_delete=models.PROTECT, related_name="care_archive"
    )
    area = models.ForeignKey("areas.Area", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, editable=False)
    tags = models.ManyToManyField(CareTag, verbose_name=_("关爱标签"), related_name="archives")
    is_child = models.BooleanField(_("儿童档案"), default=False, editable=False)
    situation = models.TextField(_("基本情况"), blank=True)
    risk_level = models.ForeignKey(RiskLevel, verbose_name=_("风险等级"), on_delete=models.PROTECT, related_name="+")
    risk_changed_at = models.DateTimeField(_("风险等级变更时间"), default=clock.now)
    consent = models.BooleanField(_("本人/监护人同意建档"), default=False)
    consent_note = models.CharField(_("同意说明"), max_length=200, blank=True)
    consent_at = models.DateTimeField(_("同意时间"), null=True, blank=True)
    home_lat = models.FloatField(_("住址纬度"), null=True, blank=True)
    home_lng = models.FloatField(_("住址经度"), null=True, blank=True)
    last_visited_at = models.DateTimeField(_("最近走访"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ArchiveStatus.choices, default=ArchiveStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("建档人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("建档时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("关爱档案")
        verbose_name_plural = _("关爱档案")
        ordering = ["area_code", "id"]
        indexes = [models.Index(fields=["area_code", "status"], name="care_archive_area")]

    def __str__(self) -> str:
        return f"#{self.pk}"


class CarerKind(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    STEWARD = "steward", _("爱心管家")
    PARTY_MEMBER = "party_member", _("结对党员")
    SOCIAL_WORKER = "social_worker", _("社工")
    SUPPORTER = "supporter", _("帮扶人")


class Carer(models.Model):
    """A person assigned to an archive; assigned carers read it without an audit row and record visits."""

    archive = models.ForeignKey(CareArchive, verbose_name=_("档案"), on_delete=models.CASCADE, related_name="carers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="care_assignments"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=CarerKind.choices)
    started_on = models.DateField(_("开始日期"), default=clock.today)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("关爱人")
        verbose_name_plural = _("关爱人")
        constraints = [
            models.UniqueConstraint(
                fields=["archive", "user", "kind"], condition=models.Q(ended_on__isnull=True), name="care_carer_unique"
            )
        ]
        indexes = [models.Index(fields=["user", "ended_on"], name="care_carer_user")]


class NeedKind(models.TextChoices):
    DAILY_CARE = "daily_care", _("生活照料")
    MATERIAL = "material", _("物质")
    STUDY = "study", _("学习")
    PSYCHOLOGICAL = "psychological", _("心理")
    MEDICAL = "medical", _("医疗")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("待解决")
    APPEALED = "appealed", _("已转诉求")
    MATCHED = "matched", _("已转服务需求")  # a micro-wish or an errand of matching (gongzhi.carelink)
    MET = "met", _("已解决")
    WITHDRAWN = "withdrawn", _("不再需要")


class CareNeed(models.Model):
    archive = models.ForeignKey(CareArchive, verbose_name=_("档案"), on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(_("需求类别"), max_length=16, choices=NeedKind.choices)
    description = models.CharField(_("需求说明"), max_length=500)
    status = models.CharField(_("状态"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    visit = models.ForeignKey(
        "Visit", verbose_name=_("发现于走访"), null=True, blank=True, on_delete=models.SET_NULL, related_name="needs"
    )
    appeal = models.ForeignKey(
        "appeals.Appeal", verbose_name=_("转为诉求"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=clock.now)

    class Meta:
        verbose_name = _("关爱需求")
        verbose_name_plural = _("关爱需求")
        ordering = ["archive", "id"]


class RiskChange(models.Model):
    """Append-only history of an archive's risk level: from, to, when, why, by whom."""

    archive = models.ForeignKey(
        CareArchive, verbose_name=_("档案"), on_delete=models.CASCADE, related_name="risk_changes"
    )
    from_level = models.ForeignKey(
        RiskLevel, verbose_name=_("原等级"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_level = models.ForeignKey(RiskLevel, verbose_name=_("新等级"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("变更原因"), max_length=300)
    visit = models.ForeignKey(
        "Visit", verbose_name=_("走访"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评估人"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("变更时间"), default=clock.now)

    class Meta:
        verbose_name = _("风险等级变更")
        verbose_name_plural = _("风险等级变更")
        ordering = ["archive", "changed_at", "id"]


class TriggerEvent(models.Model):
    """An event of a trigger list that happened to the resident: a visit is due by `due_on` until one is made."""

    archive = models.ForeignKey(
        CareArchive, verbose_name=_("档案"), on_delete=models.CASCADE, related_name="trigger_events"
    )
    trigger = models.ForeignKey(VisitTrigger, verbose_name=_("触发事件"), on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField(_("发生日期"))
    due_on = models.DateField(_("须走访日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    visit = models.ForeignKey(
        "Visit", verbose_name=_("已走访"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报告人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=clock.now)

    class Meta:
        verbose_name = _("触发走访")
        verbose_name_plural = _("触发走访")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["archive", "due_on"], condition=models.Q(visit__isnull=True),
                                name="care_trigger_open")]  # fmt: skip


class Visit(models.Model):
    """A visit record (走访记录): when, who, optionally where, what was found."""

    archive = models.ForeignKey(CareArchive, verbose_name=_("档案"), on_delete=models.CASCADE, related_name="visits")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="+"
    )
    visited_at = models.DateTimeField(_("走访时间"))
    findings = models.TextField(_("走访情况"))
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    distance_m = models.FloatField(_("距住址（米）"), null=True, blank=True)
    near_home = models.BooleanField(_("在住址附近"), null=True, blank=True)
    trigger = models.ForeignKey(
        TriggerEvent, verbose_name=_("触发事件"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), default=clock.now)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["archive", "visited_at"], name="care_visit_archive")]


class VisitPhoto(models.Model):
    """A visit photo: only the re-encoded copy without EXIF/GPS is kept (a care photo is private already)."""

    visit = models.ForeignKey(Visit, verbose_name=_("走访"), on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to="care/visits/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("上传时间"), default=clock.now)

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")


class VisitEscalation(models.Model):
    """One escalation of one overdue visit (the due date) at one level: written once, so each notifies once."""

    archive = models.ForeignKey(
        CareArchive, verbose_name=_("档案"), on_delete=models.CASCADE, related_name="escalations"
    )
    due_on = models.DateField(_("应走访日期"))
    level = models.PositiveSmallIntegerField(_("层级"))  # 1 the grid's owner, 2 the community
    notified = models.PositiveSmallIntegerField(_("通知人数"), default=0)
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("走访超期提醒")
        verbose_name_plural = _("走访超期提醒")
        constraints = [models.UniqueConstraint(fields=["archive", "due_on", "level"], name="care_escalation_once")]


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("帮扶中")
    ENDED = "ended", _("已结束")


class SupportLine(models.TextChoices):
    MATERIAL = "material", _("物质")
    STUDY = "study", _("学习")
    PSYCHOLOGICAL = "psychological", _("心理")


class SupportPlan(models.Model):
    """Paired support (结对帮扶) for a child: goals along the material, study and psychological lines."""

    archive = models.OneToOneField(
        CareArchive, verbose_name=_("档案"), on_delete=models.CASCADE, related_name="support_plan"
    )
    material = models.TextField(_("物质帮扶"), blank=True)
    study = models.TextField(_("学习帮扶"), blank=True)
    psychological = models.TextField(_("心理帮扶"), blank=True)
    started_on = models.DateField(_("开始日期"), default=clock.today)
    status = models.CharField(_("状态"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制定人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("结对帮扶计划")
        verbose_name_plural = _("结对帮扶计划")


class PlanSupporter(models.Model):
    """A supporter of a plan on one line; also an assigned carer (kind 帮扶人) of the archive."""

    plan = models.ForeignKey(SupportPlan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="supporters")
    carer = models.ForeignKey(Carer, verbose_name=_("帮扶人"), on_delete=models.CASCADE, related_name="+")
    line = models.CharField(_("帮扶方向"), max_length=16, choices=SupportLine.choices)

    class Meta:
        verbose_name = _("帮扶人")
        verbose_name_plural = _("帮扶人")
        constraints = [models.UniqueConstraint(fields=["plan", "carer", "line"], name="care_supporter_unique")]


class TermReview(models.Model):
    """A review of a plan each school term (e.g. 2026春): progress on each line."""

    plan = models.ForeignKey(SupportPlan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="reviews")
    term = models.CharField(_("学期"), max_length=16)
    material = models.TextField(_("物质帮扶进展"), blank=True)
    study = models.TextField(_("学习帮扶进展"), blank=True)
    psychological = models.TextField(_("心理帮扶进展"), blank=True)
    summary = models.TextField(_("总体评价"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评估人"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("评估时间"), default=clock.now)

    class Meta:
        verbose_name = _("学期评估")
        verbose_name_plural = _("学期评估")
        ordering = ["plan", "-reviewed_at"]
        constraints = [models.UniqueConstraint(fields=["plan", "term"], name="care_review_once_a_term")]


class FrontService(models.Model):
    """Front-end psychological service (前端服务): the resident took part in a talk or class (a volunteering
    activity)."""

    archive = models.ForeignKey(
        CareArchive, verbose_name=_("档案"), on_delete=models.CASCADE, related_name="front_services"
    )
    activity = models.ForeignKey(
        "volunteering.Activity", verbose_name=_("活动"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=clock.now)

    class Meta:
        verbose_name = _("前端心理服务")
        verbose_name_plural = _("前端心理服务")
        constraints = [models.UniqueConstraint(fields=["archive", "activity"], name="care_front_once")]


class WarningStatus(models.TextChoices):
    OPEN = "open", _("预警中")
    REFERRED = "referred", _("已转介")
    CLOSED = "closed", _("已解除")


class PsychWarning(models.Model):
    """Mid-end warning (中端预警) raised by a grid worker or mediator, with a reason."""

    archive = models.ForeignKey(CareArchive, verbose_name=_("档案"), on_delete=models.CASCADE, related_name="warnings")
    reason = models.CharField(_("预警原因"), max_length=500)
    status = models.CharField(_("状态"), max_length=16, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    note = models.CharField(_("处理说明"), max_length=300, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("预警人"), on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("预警时间"), default=clock.now)

    class Meta:
        verbose_name = _("中端心理预警")
        verbose_name_plural = _("中端心理预警")
        ordering = ["-raised_at"]


class ReferralStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("转介中")
    ACCEPTED = "accepted", _("已接收")
    REJECTED = "rejected", _("未接收")
    DONE = "done", _("已完成")
    REVOKED = "revoked", _("已撤销")


class Referral(models.Model):
    """Back-end intervention (末端干预): a referral to a partner hospital or organisation, under consent or a
    recorded override by a permitted role."""

    archive = models.ForeignKey(CareArchive, verbose_name=_("档案"), on_delete=models.CASCADE, related_name="referrals")
    warning = models.ForeignKey(
        PsychWarning, verbose_name=_("预警"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partner = models.ForeignKey(
        "people.Partner", verbose_name=_("转介机构"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("转介原因"), max_length=500)
    consent = models.BooleanField(_("本人/监护人同意"), default=False)
    override_reason = models.CharField(_("未经同意转介的理由"), max_length=300, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.IN_PROGRESS
    )
    outcome = models.CharField(_("结果"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("转介人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("转介时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("心理干预转介")
        verbose_name_plural = _("心理干预转介")
        ordering = ["-created_at"]


class CareEvent(models.Model):
    """Append-only event row of every care lifecycle move (archives, needs, warnings, referrals, plans)."""

    archive = models.ForeignKey(CareArchive, verbose_name=_("档案"), on_delete=models.CASCADE, related_name="events")
    target = models.CharField(_("对象"), max_length=32)  # "archive", "need:12", "referral:3" …
    action = models.CharField(_("操作"), max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("关爱事件")
        verbose_name_plural = _("关爱事件")
        ordering = ["archive", "created_at", "id"]
