"""Volunteers, teams, brands, projects, activities (incl. classes and camps), sign-ups, attendance, certificates.

Follows the national volunteer-record rules (志愿服务记录与证明出具办法): a volunteer is identified by a volunteer
number, never by the ID number; hours exclude travel (check-in to check-out inside the activity window) and count
only once the organiser confirms them.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock


class VolunteerKind(models.TextChoices):
    PARTY_MEMBER = "party_member", _("党员")
    RED_VANGUARD = "red_vanguard", _("红色尖兵")
    ELITE_GUARD = "elite_guard", _("菁英卫士")
    RESIDENT = "resident", _("居民")
    MERCHANT = "merchant", _("商户")
    STUDENT = "student", _("学生")
    DELIVERY_RIDER = "delivery_rider", _("快递外卖骑手")
    SOCIAL_WORKER = "social_worker", _("社工")
    PROFESSIONAL = "professional", _("专业人士（律师、医生等）")
    ELDER = "elder", _("五老人员")
    OTHER = "other", _("其他")


class Skill(models.Model):
    """A tag for what a volunteer can do (法律咨询, 理发, 心理疏导 …)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("志愿技能")
        verbose_name_plural = _("志愿技能")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.PROTECT, related_name="volunteer"
    )
    resident = models.OneToOneField(
        "people.Resident",
        verbose_name=_("居民档案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    party_member = models.OneToOneField(
        "people.PartyMember",
        verbose_name=_("党员档案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    # Assigned from the row id after insert ("V370211-000123"); blank only inside the creating transaction.
    number = models.CharField(_("志愿者编号"), max_length=20, blank=True)
    name = models.CharField(_("姓名"), max_length=64)
    kind = models.CharField(_("志愿者类型"), max_length=20, choices=VolunteerKind.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    skills = models.ManyToManyField(Skill, verbose_name=_("技能"), blank=True, related_name="volunteers")
    availability = models.CharField(_("可服务时间"), max_length=200, blank=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    is_active = models.BooleanField(_("在册"), default=True)
    registered_at = models.DateTimeField(_("注册时间"), default=clock.now)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["area_code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~models.Q(number=""), name="volunteer_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class PartyRegistration(models.Model):
    """双报到: an in-service party member registered to their home community, with the hours owed for a year."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="party_registrations"
    )
    community = models.ForeignKey("areas.Area", verbose_name=_("报到社区"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    workplace = models.CharField(_("工作单位"), max_length=100, blank=True)
    hours_owed = models.DecimalField(_("应服务时长（小时）"), max_digits=6, decimal_places=1)
    registered_at = models.DateTimeField(_("报到时间"), default=clock.now)

    class Meta:
        verbose_name = _("在职党员双报到")
        verbose_name_plural = _("在职党员双报到")
        ordering = ["-year", "id"]
        constraints = [models.UniqueConstraint(fields=["volunteer", "year"], name="party_registration_per_year")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.year}"


class Brand(models.Model):
    """一社区一品牌: a community's volunteer-service brand (邻聚力, 感恩卫民 …)."""

    name = models.CharField(_("品牌名称"), max_length=64)
    area = models.ForeignKey("areas.Area", verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    slogan = models.CharField(_("口号"), max_length=100, blank=True)
    description = models.TextField(_("简介"), blank=True)

    class Meta:
        verbose_name = _("志愿服务品牌")
        verbose_name_plural = _("志愿服务品牌")
        ordering = ["area_code", "id"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="brand_unique_in_area")]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A volunteer team (助老扶幼, 矛盾调解, 交通疏导 …) with leaders and the area it serves."""

    name = models.CharField(_("队伍名称"), max_length=64)
    focus = models.CharField(_("服务领域"), max_length=32, blank=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("服务区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    brand = models.ForeignKey(
        Brand, verbose_name=_("所属品牌"), null=True, blank=True, on_delete=models.SET_NULL, related_name="teams"
    )
    description = models.TextField(_("简介"), blank=True)
    members = models.ManyToManyField(
        Volunteer, through="TeamMembership", verbose_name=_("队员"), related_name="teams", blank=True
    )
    created_at = models.DateTimeField(_("成立时间"), default=clock.now)

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        ordering = ["area_code", "id"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="team_unique_in_area")]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, verbose_name=_("队伍"), on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.CASCADE, related_name="team_memberships"
    )
    is_leader = models.BooleanField(_("队长"), default=False)
    joined_on = models.DateField(_("加入日期"), default=clock.today)

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"], name="team_member_unique")]


class ProjectKind(models.TextChoices):
    REGULAR = "regular", _("常态化项目")
    SOCIAL_WORKER_LED = "social_worker_led", _("社工领办")
    MICRO_VENTURE = "micro_venture", _("微创投")


class Project(models.Model):
    """A service project (星光夜校, 老漂驿站 …); social-worker-led ones (社工领办) train volunteers."""

    name = models.CharField(_("项目名称"), max_length=64)
    kind = models.CharField(_("项目类型"), max_length=20, choices=ProjectKind.choices, default=ProjectKind.REGULAR)
    area = models.ForeignKey("areas.Area", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    brand = models.ForeignKey(
        Brand, verbose_name=_("所属品牌"), null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("承接队伍"), null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    lead_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("领办社工"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lead_partner = models.ForeignKey(
        "people.Partner",
        verbose_name=_("实施社会组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = models.TextField(_("简介"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("志愿服务项目")
        verbose_name_plural = _("志愿服务项目")
        ordering = ["area_code", "id"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="project_unique_in_area")]

    def __str__(self) -> str:
        return self.name


class Training(models.Model):
    """A training session; social-worker-led projects record the volunteers they train here."""

    title = models.CharField(_("培训主题"), max_length=100)
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), null=True, blank=True, on_delete=models.SET_NULL, related_name="trainings"
    )
    held_on = models.DateField(_("培训日期"))
    hours = models.DecimalField(_("培训学时"), max_digits=5, decimal_places=1)
    trainer = models.CharField(_("授课人"), max_length=64, blank=True)
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True)
    attendees = models.ManyToManyField(Volunteer, verbose_name=_("参训志愿者"), related_name="trainings", blank=True)

    class Meta:
        verbose_name = _("志愿者培训")
        verbose_name_plural = _("志愿者培训")
        ordering = ["-held_on", "id"]

    def __str__(self) -> str:
        return self.title


class Honour(models.Model):
    """An award or commendation (表彰奖励) a volunteer received, for the record."""

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.CASCADE, related_name="honours")
    title = models.CharField(_("表彰名称"), max_length=100)
    issuer = models.CharField(_("授予单位"), max_length=100)
    awarded_on = models.DateField(_("授予日期"))

    class Meta:
        verbose_name = _("表彰奖励")
        verbose_name_plural = _("表彰奖励")
        ordering = ["-awarded_on", "id"]

    def __str__(self) -> str:
        return self.title


class ActivityKind(models.TextChoices):
    SERVICE = "service", _("志愿服务活动")
    CLASS = "class", _("公益课堂")
    CAMP = "camp", _("夏令营/营地")


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("招募中")
    CANCELLED = "cancelled", _("已取消")


# Migrations reference this by name (Activity.qr_salt's default): do not rename, move or remove it
# (tests/test_migrations_frozen.py lists what migrations may import).
def _qr_salt() -> str:
    return secrets.token_hex(8)


class Activity(models.Model):
    """A volunteer activity, a class or a camp. A camp's classes are activities with the camp as parent."""

    title = models.CharField(_("活动名称"), max_length=100)
    kind = models.CharField(_("活动类型"), max_length=16, choices=ActivityKind.choices, default=ActivityKind.SERVICE)
    parent = models.ForeignKey(
        "self", verbose_name=_("所属营地/课程"), null=True, blank=True, on_delete=models.PROTECT, related_name="parts"
    )
    description = models.TextField(_("活动内容"), blank=True)
    project = models.ForeignKey(
        Project, verbose_name=_("所属项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("组织队伍"), null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    area = models.ForeignKey("areas.Area", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("组织者"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200)
    geofence_lat = models.FloatField(_("签到中心纬度"), null=True, blank=True)
    geofence_lng = models.FloatField(_("签到中心经度"), null=True, blank=True)
    geofence_radius_m = models.PositiveIntegerField(_("签到半径（米）"), null=True, blank=True)
    # Check-in opens this many minutes before the start; check-out closes as long after the end.
    window_minutes = models.PositiveIntegerField(_("签到提前/签退延后（分钟）"), default=30)
    capacity = models.PositiveIntegerField(_("招募人数"))
    min_age = models.PositiveSmallIntegerField(_("最小年龄"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("最大年龄"), null=True, blank=True)
    required_skills = models.ManyToManyField(Skill, verbose_name=_("所需技能"), blank=True, related_name="+")
    allowed_kinds = models.JSONField(_("限定志愿者类型"), default=list, blank=True)
    needs_approval = models.BooleanField(_("报名需审核"), default=False)
    waitlist = models.BooleanField(_("满员后候补"), default=True)
    signup_deadline = models.DateTimeField(_("报名截止"), null=True, blank=True)
    cancel_deadline = models.DateTimeField(_("取消报名截止"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.OPEN)
    qr_salt = models.CharField(max_length=16, default=_qr_salt, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["area_code", "starts_at"], name="activity_area_start")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="activity_window"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="activity_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_geofence(self) -> bool:
        return None not in (self.geofence_lat, self.geofence_lng, self.geofence_radius_m)


class SignupStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    CONFIRMED = "confirmed", _("已确认")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")
    REJECTED = "rejected", _("未通过")


ACTIVE_SIGNUP = [SignupStatus.PENDING, SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]


class Signup(models.Model):
    """One person's sign-up. Waitlist order is the row id: rows are inserted while the activity row is locked."""

    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="signups")
    status = models.CharField(_("状态"), max_length=16, choices=SignupStatus.choices)
    created_at = models.DateTimeField(_("报名时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"],
                condition=models.Q(status__in=ACTIVE_SIGNUP),
                name="signup_one_active_per_person",
            )
        ]
        indexes = [models.Index(fields=["activity", "status", "id"], name="signup_activity_status")]

    def __str__(self) -> str:
        return f"{self.volunteer} → {self.activity} ({self.status})"


class AttendanceStatus(models.TextChoices):
    CHECKED_IN = "checked_in", _("已签到")
    CHECKED_OUT = "checked_out", _("已签退")
    CONFIRMED = "confirmed", _("时长已确认")


class Attendance(models.Model):
    """Check-in/out of a confirmed sign-up; hours count once the organiser confirms them.

    `status` is the lifecycle (checked in → checked out → confirmed; the moves are `ATTENDANCE` in
    `actions/checkin.py`); the check constraint keeps it in step with the times it stands for.
    """

    signup = models.OneToOneField(Signup, verbose_name=_("报名"), on_delete=models.PROTECT, related_name="attendance")
    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="attendances")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="attendances"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=AttendanceStatus.choices, default=AttendanceStatus.CHECKED_IN
    )
    checked_in_at = models.DateTimeField(_("签到时间"))
    checkin_lat = models.FloatField(null=True, blank=True)
    checkin_lng = models.FloatField(null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    checked_out_by_organiser = models.BooleanField(_("组织者统一签退"), default=False)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=6, decimal_places=2, null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rating = models.PositiveSmallIntegerField(_("评价（1-5）"), null=True, blank=True)
    comment = models.CharField(_("评语"), max_length=200, blank=True)
    points_award_id = models.BigIntegerField(_("积分奖励编号"), null=True, blank=True)
    points_note = models.CharField(_("积分说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("签到记录")
        verbose_name_plural = _("签到记录")
        ordering = ["activity_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="attendance_once_per_person"),
            models.CheckConstraint(
                condition=models.Q(checked_out_at__isnull=True)
                | models.Q(checked_out_at__gte=models.F("checked_in_at")),
                name="attendance_out_after_in",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="attendance_rating_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status="checked_in", checked_out_at__isnull=True, confirmed_at__isnull=True)
                | models.Q(status="checked_out", checked_out_at__isnull=False, confirmed_at__isnull=True)
                | models.Q(status="confirmed", checked_out_at__isnull=False, confirmed_at__isnull=False),
                name="attendance_status_matches_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.activity}"


class UsedCode(models.Model):
    """A rotating QR code a person has used: the same code cannot be played back by them a second time."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=3)
    step = models.BigIntegerField()
    used_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("已用签到码")
        verbose_name_plural = _("已用签到码")
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer", "purpose", "step"], name="used_code_once")
        ]


class Certificate(models.Model):
    """A volunteer-service certificate (志愿服务证明): a snapshot of the record at issue, verifiable by number."""

    number = models.CharField(_("证明编号"), max_length=32, unique=True)
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="certificates"
    )
    issuer_name = models.CharField(_("出具单位"), max_length=100)
    period_from = models.DateField(_("起始日期"), null=True, blank=True)
    period_to = models.DateField(_("截止日期"))
    total_hours = models.DecimalField(_("累计时长（小时）"), max_digits=8, decimal_places=2)
    activity_count = models.PositiveIntegerField(_("参加活动次数"))
    content = models.JSONField(_("服务内容"), default=list)
    issued_at = models.DateTimeField(_("出具时间"), default=clock.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("出具人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("志愿服务证明")
        verbose_name_plural = _("志愿服务证明")
        ordering = ["-issued_at", "id"]

    def __str__(self) -> str:
        return self.number
