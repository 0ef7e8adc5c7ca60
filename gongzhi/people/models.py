from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock, pii


class PersonalDataMixin(models.Model):
    """ID number and phone stored encrypted, with a keyed hash for exact lookup; never in clear text."""

    id_number_encrypted = models.TextField(_("身份证号（加密）"), blank=True, editable=False)
    # A plain index besides the partial unique constraints: SQLite uses a partial index only when the query
    # repeats its condition, so lookups by hash would scan the table.
    id_number_hash = models.CharField(_("身份证号索引"), max_length=64, blank=True, db_index=True, editable=False)
    phone_encrypted = models.TextField(_("手机号（加密）"), blank=True, editable=False)
    phone_hash = models.CharField(_("手机号索引"), max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        abstract = True

    def set_id_number(self, value: str) -> None:
        self.id_number_encrypted = pii.encrypt(value)
        self.id_number_hash = pii.lookup_hash(value)

    def set_phone(self, value: str) -> None:
        self.phone_encrypted = pii.encrypt(value)
        self.phone_hash = pii.lookup_hash(value)

    @property
    def id_number_plain(self) -> str:
        return pii.decrypt(self.id_number_encrypted)

    @property
    def phone_plain(self) -> str:
        return pii.decrypt(self.phone_encrypted)

    @property
    def id_number_masked(self) -> str:
        return pii.mask_id_number(self.id_number_plain)

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.phone_plain)


class Compound(models.Model):
    """小区: a residential compound inside a community (or a grid of one)."""

    name = models.CharField(_("小区名称"), max_length=64)
    area = models.ForeignKey("areas.Area", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    property_company = models.ForeignKey(
        "people.Partner", verbose_name=_("物业公司"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="compound_unique_in_area")]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    compound = models.ForeignKey(Compound, verbose_name=_("小区"), on_delete=models.PROTECT, related_name="buildings")
    number = models.CharField(_("楼号"), max_length=16)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("所属微网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        constraints = [models.UniqueConstraint(fields=["compound", "number"], name="building_unique")]

    def __str__(self) -> str:
        return f"{self.compound.name}{self.number}号楼"


class Unit(models.Model):
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="units")
    number = models.CharField(_("单元号"), max_length=16)

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="unit_unique")]

    def __str__(self) -> str:
        return f"{self.building}{self.number}单元"


class Household(models.Model):
    """户: belongs to exactly one micro-grid. `number` is the household's stable registry number."""

    number = models.CharField(_("户编号"), max_length=40, unique=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("所属微网格"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单元"), null=True, blank=True, on_delete=models.PROTECT, related_name="households"
    )
    room = models.CharField(_("门牌号"), max_length=16, blank=True)
    address = models.CharField(_("地址"), max_length=200)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.address}"


class Tag(models.Model):
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("居民标签")
        verbose_name_plural = _("居民标签")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Resident(PersonalDataMixin):
    household = models.ForeignKey(
        Household, verbose_name=_("户"), null=True, blank=True, on_delete=models.PROTECT, related_name="residents"
    )
    area = models.ForeignKey("areas.Area", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, editable=False)
    name = models.CharField(_("姓名"), max_length=64)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=128, editable=False)
    name_initials = models.CharField(_("拼音首字母"), max_length=32, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    relation = models.CharField(_("与户主关系"), max_length=16, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="residents")
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["area_code", "id"]
        indexes = [
            models.Index(fields=["area_code", "id"], name="resident_area_code"),
            models.Index(fields=["name"], name="resident_name"),
            models.Index(fields=["name_pinyin"], name="resident_pinyin"),
            models.Index(fields=["name_initials"], name="resident_initials"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"], condition=~models.Q(id_number_hash=""), name="resident_id_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", _("社区党委")
    BRANCH = "branch", _("小区党支部")
    GROUP = "group", _("楼栋党小组")
    CENTRAL_HOUSEHOLD = "central_household", _("党员中心户")


PARTY_ORG_CHILD = {
    PartyOrgKind.COMMITTEE: PartyOrgKind.BRANCH,
    PartyOrgKind.BRANCH: PartyOrgKind.GROUP,
    PartyOrgKind.GROUP: PartyOrgKind.CENTRAL_HOUSEHOLD,
}


class PartyOrganization(models.Model):
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=24, choices=PartyOrgKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级组织"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    area = models.ForeignKey("areas.Area", verbose_name=_("对应区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Members in the organisation's subtree, set by the party pages for their templates (not a column).
    member_count: int

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["area_code", "id"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="party_org_unique_in_area")]

    def __str__(self) -> str:
        return self.name


class PartyMemberKind(models.TextChoices):
    SELF_MANAGED = "self_managed", _("自管党员")
    IN_SERVICE = "in_service", _("在职报到党员")
    FLOATING = "floating", _("流动党员")


class PartyMember(PersonalDataMixin):
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民档案"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=64)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=128, editable=False, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=32, editable=False, db_index=True)
    kind = models.CharField(_("党员类型"), max_length=16, choices=PartyMemberKind.choices)
    organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("所在党组织"), on_delete=models.PROTECT, related_name="members"
    )
    area = models.ForeignKey("areas.Area", verbose_name=_("报到/居住社区"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    workplace = models.CharField(_("工作单位"), max_length=100, blank=True)
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    shows_identity = models.BooleanField(_("亮身份"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["area_code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"], condition=~models.Q(id_number_hash=""), name="party_member_id_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ResponsibilityZone(models.Model):
    """党员责任区: the stretch of a compound a party member answers for."""

    party_member = models.ForeignKey(
        PartyMember, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="responsibility_zones"
    )
    area = models.ForeignKey("areas.Area", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("责任范围"), max_length=200)

    class Meta:
        verbose_name = _("党员责任区")
        verbose_name_plural = _("党员责任区")

    def __str__(self) -> str:
        return self.description


class ServicePost(models.Model):
    """服务岗: a standing service a party member offers (e.g. 政策宣讲岗, 环境监督岗)."""

    party_member = models.ForeignKey(
        PartyMember, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="service_posts"
    )
    name = models.CharField(_("岗位名称"), max_length=64)
    area = models.ForeignKey("areas.Area", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    schedule = models.CharField(_("服务时间"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("党员服务岗")
        verbose_name_plural = _("党员服务岗")

    def __str__(self) -> str:
        return self.name


class AssignmentKind(models.TextChoices):
    FULL_TIME = "full_time", _("专职网格员")
    PART_TIME = "part_time", _("兼职网格员")
    MICROGRID = "microgrid", _("微网格员")
    WELFARE_POST = "welfare_post", _("公益岗")
    BUILDING_HEAD = "building_head", _("楼栋长")
    POLICE = "police", _("社区民警")
    PARTY_MEMBER = "party_member", _("党员")
    VOLUNTEER = "volunteer", _("志愿者")


class GridAssignment(models.Model):
    """Who works a grid or micro-grid, and in which capacity of the compound's "2+7+N" deployment."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="grid_assignments"
    )
    area = models.ForeignKey("areas.Area", verbose_name=_("网格/微网格"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    kind = models.CharField(_("类型"), max_length=16, choices=AssignmentKind.choices)
    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    is_owner = models.BooleanField(_("网格责任人"), default=False)
    on_duty = models.BooleanField(_("当前值守"), default=False)
    occupation = models.CharField(_("职业"), max_length=32, blank=True)
    started_on = models.DateField(_("开始日期"), default=clock.today)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("网格人员配置")
        verbose_name_plural = _("网格人员配置")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "area", "kind"], condition=models.Q(ended_on__isnull=True), name="assignment_unique"
            ),
            models.UniqueConstraint(
                fields=["area"], condition=models.Q(is_owner=True, ended_on__isnull=True), name="one_owner_per_area"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} @ {self.area_code}"


class Department(PersonalDataMixin):
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类别"), max_length=32)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    areas = models.ManyToManyField("areas.Area", verbose_name=_("服务区域"), related_name="+")

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name


class PartnerKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    SOCIAL_ORG = "social_org", _("社会组织")
    PROPERTY = "property", _("物业公司")
    GOVERNMENT = "government", _("机关事业单位")


class Partner(PersonalDataMixin):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=PartnerKind.choices)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    areas = models.ManyToManyField("areas.Area", verbose_name=_("服务区域"), related_name="+")
    in_alliance = models.BooleanField(_("公益联盟成员"), default=False)

    class Meta:
        verbose_name = _("共建单位")
        verbose_name_plural = _("共建单位")

    def __str__(self) -> str:
        return self.name
