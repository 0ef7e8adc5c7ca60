"""Patrol checklists (巡查): places, versioned checklist templates, inspections and rectification orders (整改单).

- A place (场所) is a 九小场所, a food business or a small enterprise in a micro-grid, with a contact kept under the
  same PII rules as residents (phone encrypted, a keyed hash, shown masked) and the grid worker responsible (包保).
- A template is one version of a checklist: publishing a change writes a new version, and an inspection keeps the
  version it was done with. Items are yes/no, a number, a choice or a photo; required or not; shown only when a
  condition on an earlier answer holds; with a severity. A template applies to place kinds with a frequency.
- A failed item of at least the template's severity opens a rectification order with a deadline (or an appeal in
  the item's appeal category); a re-inspection of the order's item passes or fails it (core.fsm lifecycle).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.people.models import PersonalDataMixin


class PlaceKind(models.TextChoices):
    # 九小场所
    SHOP = "shop", _("小商店")
    RESTAURANT = "restaurant", _("小餐饮")
    HOSTEL = "hostel", _("小旅馆")
    ENTERTAINMENT = "entertainment", _("小歌舞娱乐")
    INTERNET_CAFE = "internet_cafe", _("小网吧")
    SALON = "salon", _("小美容美发洗浴")
    SCHOOL = "school", _("小学校（幼儿园、培训机构）")
    CLINIC = "clinic", _("小医院（诊所）")
    WORKSHOP = "workshop", _("小生产加工作坊")
    # beyond the nine
    FOOD_BUSINESS = "food_business", _("食品经营单位")
    SMALL_ENTERPRISE = "small_enterprise", _("小微企业")
    RENTAL = "rental", _("出租房屋")


class Place(PersonalDataMixin):
    """场所: a place grid workers patrol. Only the phone of the PII mixin is used (a contact has no ID number here)."""

    name = models.CharField(_("场所名称"), max_length=100)
    kind = models.CharField(_("场所类型"), max_length=20, choices=PlaceKind.choices, db_index=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("所在微网格"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    licence_no = models.CharField(_("营业执照/许可证号"), max_length=64, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包保网格员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patrolled_places",
    )
    is_active = models.BooleanField(_("在册"), default=True)
    created_at = models.DateTimeField(_("登记时间"), default=clock.now)

    class Meta:
        verbose_name = _("场所")
        verbose_name_plural = _("场所")
        ordering = ["area_code", "id"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="place_unique_in_microgrid")]

    def __str__(self) -> str:
        return self.name


class Severity(models.IntegerChoices):
    MINOR = 1, _("一般")
    SERIOUS = 2, _("较重")
    MAJOR = 3, _("重大")


class ChecklistTemplate(models.Model):
    """One version of a checklist (code + version); `is_current` marks the version new inspections use."""

    code = models.SlugField(_("代码"), max_length=32)
    version = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("名称"), max_length=64)
    committee = models.CharField(_("上报委员会"), max_length=32, help_text=_("例如 食安委、安委会"))
    place_kinds = models.JSONField(_("适用场所类型"), default=list)
    frequency_days = models.PositiveIntegerField(_("巡查周期（天）"))
    severity_threshold = models.PositiveSmallIntegerField(
        _("开整改单的最低严重程度"), choices=Severity.choices, default=Severity.SERIOUS
    )
    rectify_days = models.PositiveIntegerField(_("整改期限（天）"), default=7)
    is_current = models.BooleanField(_("现行版本"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("发布时间"), default=clock.now)

    class Meta:
        verbose_name = _("巡查清单")
        verbose_name_plural = _("巡查清单")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="template_version_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(is_current=True), name="template_one_current_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ItemKind(models.TextChoices):
    YES_NO = "yes_no", _("是/否")
    NUMBER = "number", _("数值")
    CHOICE = "choice", _("选择")
    PHOTO = "photo", _("照片")


class ChecklistItem(models.Model):
    """An item of one template version. `condition` = {"item": key, "result"?: r, "value"?: v} on an earlier item."""

    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("清单"), on_delete=models.CASCADE, related_name="items"
    )
    key = models.SlugField(_("代码"), max_length=32)
    order = models.PositiveSmallIntegerField(_("顺序"))
    text = models.CharField(_("检查内容"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10, choices=ItemKind.choices)
    required = models.BooleanField(_("必填"), default=True)
    choices = models.JSONField(_("选项"), default=list, blank=True)
    condition = models.JSONField(_("显示条件"), null=True, blank=True)
    severity = models.PositiveSmallIntegerField(_("严重程度"), choices=Severity.choices, default=Severity.MINOR)
    appeal_category = models.CharField(
        _("转诉求分类"), max_length=64, blank=True, help_text=_("填写时，不合格项转为该分类的诉求，而不是整改单")
    )

    class Meta:
        verbose_name = _("清单项")
        verbose_name_plural = _("清单项")
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "key"], name="item_key_unique_in_template")]

    def __str__(self) -> str:
        return self.text


class Result(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NA = "na", _("不适用")


class Inspection(models.Model):
    place = models.ForeignKey(Place, verbose_name=_("场所"), on_delete=models.PROTECT, related_name="inspections")
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("清单版本"), on_delete=models.PROTECT, related_name="inspections"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("巡查人"), on_delete=models.PROTECT, related_name="inspections"
    )
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    client_key = models.CharField(_("客户端编号"), max_length=128, blank=True)
    done_at = models.DateTimeField(_("巡查时间"))
    received_at = models.DateTimeField(_("接收时间"), default=clock.now)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    accuracy_m = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    distance_m = models.FloatField(_("距场所（米）"), null=True, blank=True)
    location_ok = models.BooleanField(_("位置相符"), null=True)
    failed = models.PositiveSmallIntegerField(_("不合格项数"), default=0)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    rectification = models.ForeignKey(
        "Rectification",
        verbose_name=_("复查的整改单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reinspections",
    )

    class Meta:
        verbose_name = _("巡查记录")
        verbose_name_plural = _("巡查记录")
        ordering = ["-done_at", "-id"]
        indexes = [models.Index(fields=["place", "template", "done_at"], name="inspection_place_template")]
        constraints = [
            models.UniqueConstraint(
                fields=["inspector", "client_key"], condition=~models.Q(client_key=""), name="inspection_client_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.place} · {self.template} · {self.done_at:%Y-%m-%d}"


class Answer(models.Model):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("巡查记录"), on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(ChecklistItem, verbose_name=_("清单项"), on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("结论"), max_length=4, choices=Result.choices)
    value = models.JSONField(_("填写值"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("巡查结果")
        verbose_name_plural = _("巡查结果")
        ordering = ["inspection", "item__order"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="answer_unique_per_item")]


class AnswerPhoto(models.Model):
    """A photo of an answer: the original for staff, the public copy re-encoded without metadata (appeals.photos)."""

    answer = models.ForeignKey(Answer, verbose_name=_("巡查结果"), on_delete=models.CASCADE, related_name="photos")
    original = models.FileField(_("原图"), upload_to="inspections/original/%Y/%m/")
    public = models.FileField(_("公开图"), upload_to="inspections/public/%Y/%m/")
    content_type = models.CharField(_("类型"), max_length=32)
    size = models.PositiveIntegerField(_("大小"))
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))

    class Meta:
        verbose_name = _("巡查照片")
        verbose_name_plural = _("巡查照片")


class RectificationState(models.TextChoices):
    OPEN = "open", _("待整改")
    OVERDUE = "overdue", _("逾期未改")
    RECTIFIED = "rectified", _("已整改")
    CANCELLED = "cancelled", _("已撤销")


OPEN_RECTIFICATION = (RectificationState.OPEN, RectificationState.OVERDUE)


class Rectification(models.Model):
    """整改单: a failed item to put right by a deadline, closed by a re-inspection that passes the item."""

    number = models.CharField(_("编号"), max_length=24, blank=True)
    place = models.ForeignKey(Place, verbose_name=_("场所"), on_delete=models.PROTECT, related_name="rectifications")
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("发现问题的巡查"), on_delete=models.PROTECT, related_name="rectifications"
    )
    answer = models.OneToOneField(
        Answer, verbose_name=_("不合格项"), on_delete=models.PROTECT, related_name="rectification"
    )
    item_key = models.SlugField(_("清单项代码"), max_length=32)
    template_code = models.SlugField(_("清单代码"), max_length=32)
    committee = models.CharField(_("委员会"), max_length=32)
    text = models.CharField(_("问题"), max_length=300)
    severity = models.PositiveSmallIntegerField(_("严重程度"), choices=Severity.choices)
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    state = models.CharField(
        _("状态"), max_length=10, choices=RectificationState.choices, default=RectificationState.OPEN, db_index=True
    )
    deadline = models.DateField(_("整改期限"))
    reinspections_failed = models.PositiveSmallIntegerField(_("复查未通过次数"), default=0)
    created_at = models.DateTimeField(_("开单时间"), default=clock.now)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("整改单")
        verbose_name_plural = _("整改单")
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class InspectionAppeal(models.Model):
    """A failed item sent on as an appeal (the item names an appeal category) instead of a rectification order."""

    answer = models.OneToOneField(
        Answer, verbose_name=_("不合格项"), on_delete=models.PROTECT, related_name="appeal_link"
    )
    appeal = models.ForeignKey("appeals.Appeal", verbose_name=_("诉求"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("巡查转诉求")
        verbose_name_plural = _("巡查转诉求")
