"""Service matching (三张清单 and the "七单" flow): the catalogue, the resource list, the demand list.

- The catalogue: service categories (助老, 助学 …) and their items, each item with a default deadline per step of
  the flow (hours from one step to the next); street staff edit it.
- The resource list (资源清单, "亮家底"): what a partner, party member, volunteer, team or social organisation
  offers — an item, a capacity per month, a schedule, the areas it serves, how long it is valid; reviewed each
  quarter (an offer not reviewed for a quarter is flagged to its owner).
- The demand list (需求清单): orders (点单) by residents or entered by staff for them, micro-wishes (微心愿, a value
  cap per community, shown on a public wall with the name masked) and errands (帮办代办). Every change of a
  demand's state is a move of `actions.flow.DEMAND` (the seven-order flow), recorded in `DemandEvent`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock

# The steps that carry a deadline, in flow order: the state a demand waits in → the item field with its hours.
STEP_DEADLINE_FIELDS = {
    "ordered": "dispatch_hours",  # the centre dispatches (派单)
    "dispatched": "accept_hours",  # the community accepts (接单)
    "accepted": "claim_hours",  # a party member claims / a volunteer grabs (领单/抢单)
    "taken": "fulfil_hours",  # the holder fulfils it
    "fulfilled": "rate_hours",  # the resident rates it (评单)
}


class ServiceCategory(models.Model):
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("服务类别")
        verbose_name_plural = _("服务类别")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="items"
    )
    name = models.CharField(_("服务项目"), max_length=48)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    dispatch_hours = models.PositiveIntegerField(_("派单时限（小时）"), default=24)
    accept_hours = models.PositiveIntegerField(_("接单时限（小时）"), default=24)
    claim_hours = models.PositiveIntegerField(_("领单时限（小时）"), default=48)
    fulfil_hours = models.PositiveIntegerField(_("办结时限（小时）"), default=72)
    rate_hours = models.PositiveIntegerField(_("评单时限（小时）"), default=72)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["category__order", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "name"], name="matching_item_unique")]

    def __str__(self) -> str:
        return self.name

    def hours_for(self, state: str) -> int | None:
        field = STEP_DEADLINE_FIELDS.get(state)
        return int(getattr(self, field)) if field else None


class ProviderKind(models.TextChoices):
    PARTNER = "partner", _("共建单位")
    PARTY_MEMBER = "party_member", _("党员")
    VOLUNTEER = "volunteer", _("志愿者")
    TEAM = "team", _("志愿服务队")
    SOCIAL_ORG = "social_org", _("社会组织")


class Resource(models.Model):
    """One offer of the resource list: who offers which item, how much per month, where, until when."""

    item = models.ForeignKey(ServiceItem, verbose_name=_("服务项目"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    title = models.CharField(_("资源名称"), max_length=100)
    provider_kind = models.CharField(_("提供方类型"), max_length=16, choices=ProviderKind.choices)
    provider_name = models.CharField(_("提供方"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("管理账号"), on_delete=models.PROTECT, related_name="+"
    )
    partner = models.ForeignKey(
        "people.Partner", verbose_name=_("共建单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    party_member = models.ForeignKey(
        "people.PartyMember", verbose_name=_("党员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "volunteering.Team", verbose_name=_("队伍"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The area the offer was entered for (its community or street): who may see and manage it.
    area = models.ForeignKey("areas.Area", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    capacity = models.PositiveIntegerField(_("每月可服务次数"))
    schedule = models.CharField(_("服务时间"), max_length=100, blank=True)
    description = models.CharField(_("说明"), max_length=500, blank=True)
    valid_from = models.DateField(_("有效期起"), default=clock.today)
    valid_until = models.DateField(_("有效期止"), null=True, blank=True)
    active = models.BooleanField(_("有效"), default=True)
    reviewed_at = models.DateTimeField(_("最近复核"), default=clock.now)
    stale_flagged_at = models.DateTimeField(_("待复核提醒"), null=True, blank=True)
    # Kept by the actions: how many demands it served and their ratings (the suggestions rank by them).
    rating_sum = models.PositiveIntegerField(_("评分合计"), default=0, editable=False)
    rating_count = models.PositiveIntegerField(_("评分次数"), default=0, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("资源")
        verbose_name_plural = _("资源清单")
        indexes = [models.Index(fields=["category", "active"], name="matching_res_cat_active")]
        constraints = [models.CheckConstraint(condition=Q(capacity__gte=1), name="matching_resource_capacity")]

    def __str__(self) -> str:
        return f"{self.provider_name} · {self.title}"


class ResourceArea(models.Model):
    """An area an offer serves (it reaches that area and everything below it)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="served")
    area_code = models.CharField(_("服务区域"), max_length=17)
    # The offer's category, copied here so the suggestions find a category's offers over an area by one index.
    category_id = models.BigIntegerField(editable=False, default=0)

    class Meta:
        verbose_name = _("服务区域")
        verbose_name_plural = _("服务区域")
        indexes = [
            models.Index(fields=["area_code", "resource"], name="matching_resarea_code"),
            models.Index(fields=["category_id", "area_code", "resource"], name="matching_resarea_cat"),
        ]
        constraints = [models.UniqueConstraint(fields=["resource", "area_code"], name="matching_resarea_unique")]


class WishCap(models.Model):
    """The value cap of a micro-wish, set by the community (in fen)."""

    area = models.OneToOneField("areas.Area", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    cap_fen = models.PositiveIntegerField(_("微心愿金额上限（分）"))
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("微心愿上限")
        verbose_name_plural = _("微心愿上限")


DEFAULT_WISH_CAP_FEN = 20_000  # 200 yuan, when the community has set none


class DemandKind(models.TextChoices):
    ORDER = "order", _("点单")
    WISH = "wish", _("微心愿")
    ERRAND = "errand", _("帮办代办")


class DemandState(models.TextChoices):
    ORDERED = "ordered", _("待派单")
    DISPATCHED = "dispatched", _("待接单")
    ACCEPTED = "accepted", _("待领单")
    TAKEN = "taken", _("服务中")
    FULFILLED = "fulfilled", _("待评单")
    CLOSED = "closed", _("已办结")
    CANCELLED = "cancelled", _("已取消")
    MERGED = "merged", _("已合并")


OPEN_STATES = (
    DemandState.ORDERED,
    DemandState.DISPATCHED,
    DemandState.ACCEPTED,
    DemandState.TAKEN,
    DemandState.FULFILLED,
)


class HolderKind(models.TextChoices):
    PARTY = "party", _("党员领单")
    VOLUNTEER = "volunteer", _("志愿者抢单")


class Demand(models.Model):
    kind = models.CharField(_("类型"), max_length=8, choices=DemandKind.choices)
    item = models.ForeignKey(ServiceItem, verbose_name=_("服务项目"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("需求"), max_length=100)
    description = models.CharField(_("说明"), max_length=1000, blank=True)
    # Who it is for (a resident record) and who asked (the resident's login, or the staff who entered it).
    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("居民"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("点单人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    requester_name = models.CharField(_("居民姓名"), max_length=64)
    area = models.ForeignKey("areas.Area", verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    value_fen = models.PositiveIntegerField(_("心愿金额（分）"), null=True, blank=True)
    photo = models.ImageField(_("照片"), upload_to="matching/wishes/%Y/%m", blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=DemandState.choices, default=DemandState.ORDERED)
    version = models.PositiveIntegerField(default=1, editable=False)
    resource = models.ForeignKey(
        Resource, verbose_name=_("派给资源"), null=True, blank=True, on_delete=models.PROTECT, related_name="demands"
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("承接人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    holder_kind = models.CharField(_("承接方式"), max_length=10, choices=HolderKind.choices, blank=True)
    handover_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("请求转交给"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    due_at = models.DateTimeField(_("本环节时限"), null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField(_("已提醒"), null=True, blank=True)
    evidence_note = models.CharField(_("服务记录"), max_length=1000, blank=True)
    evidence_photos = models.JSONField(_("服务照片"), default=list, blank=True)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=5, decimal_places=1, null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    rating_comment = models.CharField(_("评价"), max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并到"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    points_award_id = models.BigIntegerField(_("积分奖励"), null=True, blank=True, editable=False)
    points_note = models.CharField(_("积分说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("点单时间"), default=clock.now)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("需求")
        verbose_name_plural = _("需求清单")
        indexes = [
            models.Index(fields=["state", "kind", "area_code"], name="matching_demand_wall"),
            models.Index(fields=["holder", "state"], name="matching_demand_holder"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="matching_demand_rating"
            ),
            # A held demand has exactly one holder; nothing else has one (the grab's last line).
            models.CheckConstraint(
                condition=Q(state="taken", holder__isnull=False) | ~Q(state="taken"), name="matching_demand_holder"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def masked_name(self) -> str:
        """The name as the public wall shows it: the family name and a mask (张**)."""
        name = self.requester_name.strip()
        return (name[:1] + "*" * max(1, len(name) - 1)) if name else "**"

    @property
    def value_yuan(self) -> str:
        return f"{self.value_fen / 100:.2f}" if self.value_fen is not None else ""

    @property
    def overdue(self) -> bool:
        return self.due_at is not None and self.state in OPEN_STATES and self.due_at < clock.now()


class DemandEvent(models.Model):
    """Append-only: one row per move of a demand (who, when, from which state to which, what it said)."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=24)
    from_state = models.CharField(_("原状态"), max_length=12)
    to_state = models.CharField(_("新状态"), max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    note = models.CharField(_("说明"), max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("需求记录")
        verbose_name_plural = _("需求记录")
        ordering = ["at", "id"]


# ------------------------------------------------------------------------------------------------- fund pool


class FundPool(models.Model):
    """基金池: donations in money go in, micro-venture budgets are granted out of it. The money is kept in the
    core ledger in fen: the pool's balance is its ledger account's (floor 0, so nothing is granted beyond it)."""

    name = models.CharField(_("名称"), max_length=100)
    area = models.ForeignKey("areas.Area", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    account = models.OneToOneField(
        "core.LedgerAccount", verbose_name=_("账户"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("基金池")
        verbose_name_plural = _("基金池")

    def __str__(self) -> str:
        return self.name


class Donation(models.Model):
    """A donation in money to a pool (its ledger transaction moves the fen from the donations account in)."""

    pool = models.ForeignKey(FundPool, verbose_name=_("基金池"), on_delete=models.PROTECT, related_name="donations")
    partner = models.ForeignKey(
        "people.Partner", verbose_name=_("共建单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    donor_name = models.CharField(_("捐赠方"), max_length=100)
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    transaction = models.OneToOneField(
        "core.LedgerTransaction", verbose_name=_("记账"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("到账时间"), default=clock.now)

    class Meta:
        verbose_name = _("捐赠")
        verbose_name_plural = _("捐赠")
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gte=1), name="matching_donation_positive")]


class VentureState(models.TextChoices):
    APPLIED = "applied", _("已申请")
    APPROVED = "approved", _("已立项")
    REJECTED = "rejected", _("未通过")
    CLOSED = "closed", _("已结项")


class Venture(models.Model):
    """微创投: a social organisation applies, staff review it and grant a budget from the pool, spending is recorded
    with evidence against the budget (the project's own ledger account, floor 0: never beyond the budget)."""

    pool = models.ForeignKey(FundPool, verbose_name=_("基金池"), on_delete=models.PROTECT, related_name="ventures")
    title = models.CharField(_("项目名称"), max_length=100)
    applicant = models.CharField(_("申报单位"), max_length=100)
    partner = models.ForeignKey(
        "people.Partner", verbose_name=_("共建单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.CharField(_("项目简介"), max_length=1000, blank=True)
    requested_fen = models.PositiveBigIntegerField(_("申请金额（分）"))
    budget_fen = models.PositiveBigIntegerField(_("批准预算（分）"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=VentureState.choices, default=VentureState.APPLIED)
    account = models.OneToOneField(
        "core.LedgerAccount", verbose_name=_("预算账户"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", editable=False,
    )  # fmt: skip
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申报人"), on_delete=models.PROTECT, related_name="+"
    )
    report = models.CharField(_("结项报告"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("申报时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("微创投项目")
        verbose_name_plural = _("微创投项目")

    def __str__(self) -> str:
        return self.title


class VentureEvent(models.Model):
    """Append-only: one row per move of a venture."""

    venture = models.ForeignKey(Venture, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=16)
    from_state = models.CharField(_("原状态"), max_length=10)
    to_state = models.CharField(_("新状态"), max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    note = models.CharField(_("说明"), max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("微创投记录")
        verbose_name_plural = _("微创投记录")
        ordering = ["at", "id"]


class Spending(models.Model):
    """Money spent by a venture, with its evidence; its ledger transaction takes it out of the budget account."""

    venture = models.ForeignKey(Venture, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="spendings")
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    purpose = models.CharField(_("用途"), max_length=200)
    evidence = models.JSONField(_("凭证"), default=list, blank=True)
    transaction = models.OneToOneField(
        "core.LedgerTransaction", verbose_name=_("记账"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    spent_at = models.DateTimeField(_("支出时间"), default=clock.now)

    class Meta:
        verbose_name = _("项目支出")
        verbose_name_plural = _("项目支出")
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gte=1), name="matching_spending_positive")]


# ------------------------------------------------------------------------------------------------- project list


class ProjectState(models.TextChoices):
    PLANNED = "planned", _("筹备中")
    ACTIVE = "active", _("推进中")
    DONE = "done", _("已销号")
    CANCELLED = "cancelled", _("已撤销")


class Project(models.Model):
    """项目清单: a co-construction project (共建项目) of a community with its partners; milestones are checked off
    (销号) with evidence, and the project is checked off when all of them are. Public projects show a timeline."""

    title = models.CharField(_("项目名称"), max_length=100)
    summary = models.CharField(_("项目简介"), max_length=1000, blank=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    state = models.CharField(_("状态"), max_length=10, choices=ProjectState.choices, default=ProjectState.PLANNED)
    public = models.BooleanField(_("公开进度"), default=True)
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("计划完成"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("共建项目")
        verbose_name_plural = _("项目清单")
        constraints = [models.UniqueConstraint(fields=["area", "title"], name="matching_project_unique")]

    def __str__(self) -> str:
        return self.title


class ProjectPartner(models.Model):
    """A partner on a project; `claimed_at` when the partner claimed (认领) it under its agreement."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partner_rows")
    partner = models.ForeignKey(
        "people.Partner", verbose_name=_("共建单位"), on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("认领人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("项目共建单位")
        verbose_name_plural = _("项目共建单位")
        constraints = [models.UniqueConstraint(fields=["project", "partner"], name="matching_projpartner_unique")]


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=100)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    due_on = models.DateField(_("计划日期"), null=True, blank=True)
    done_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("销号人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    evidence_note = models.CharField(_("销号说明"), max_length=1000, blank=True)
    evidence_photos = models.JSONField(_("佐证材料"), default=list, blank=True)

    class Meta:
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")
        ordering = ["order", "id"]


class Agreement(models.Model):
    """共建协议: a partner and a community agree on 阵地共建、资源共融、服务共享、问题共解 for a period; the partner
    claims at least one project of the community each year it runs."""

    partner = models.ForeignKey(
        "people.Partner", verbose_name=_("共建单位"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey("areas.Area", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    signed_on = models.DateField(_("签订日期"))
    valid_until = models.DateField(_("有效期止"))
    commitments = models.CharField(_("共建内容"), max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=clock.now)

    class Meta:
        verbose_name = _("共建协议")
        verbose_name_plural = _("共建协议")
        constraints = [
            models.UniqueConstraint(fields=["partner", "area", "signed_on"], name="matching_agreement_unique"),
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("signed_on")), name="matching_agreement_span"),
        ]


class JointMeeting(models.Model):
    """联席会: the monthly joint meeting of a community and its partners (one record per community and month)."""

    area = models.ForeignKey("areas.Area", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    month = models.DateField(_("月份"))  # the first of the month
    held_on = models.DateField(_("召开日期"))
    topic = models.CharField(_("议题"), max_length=200)
    minutes = models.CharField(_("会议纪要"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=clock.now)

    class Meta:
        verbose_name = _("联席会")
        verbose_name_plural = _("联席会")
        ordering = ["-month", "id"]
        constraints = [models.UniqueConstraint(fields=["area", "month"], name="matching_meeting_month")]


class MeetingAttendance(models.Model):
    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="attendance")
    partner = models.ForeignKey(
        "people.Partner", verbose_name=_("共建单位"), on_delete=models.PROTECT, related_name="+"
    )
    present = models.BooleanField(_("出席"))

    class Meta:
        verbose_name = _("出席情况")
        verbose_name_plural = _("出席情况")
        constraints = [models.UniqueConstraint(fields=["meeting", "partner"], name="matching_attendance_unique")]


class MeetingDecision(models.Model):
    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.CharField(_("决定事项"), max_length=500)
    project = models.ForeignKey(
        Project, verbose_name=_("相关项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("会议决定")
        verbose_name_plural = _("会议决定")
        ordering = ["id"]


class CoBuildEvent(models.Model):
    """Append-only: one row per write of the project list, the agreements and the joint meetings."""

    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    subject = models.CharField(_("对象"), max_length=12)  # project, milestone, agreement, meeting
    subject_id = models.BigIntegerField(_("对象编号"))
    action = models.CharField(_("操作"), max_length=24)
    from_state = models.CharField(_("原状态"), max_length=10, blank=True)
    to_state = models.CharField(_("新状态"), max_length=10, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    note = models.CharField(_("说明"), max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("共建记录")
        verbose_name_plural = _("共建记录")
        ordering = ["at", "id"]
