"""The points bank (积分银行): schemes per area, the "1+5+N" rule catalogue, accounts and the award workflow.

Balances live in the core ledger (gongzhi.core.ledger); this app keeps what the ledger does not know about: which
scheme an account belongs to, the rules, and every award with its states and events.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.append_only import AppendOnlyModel

POINTS_UNIT = "points"
# Each system account is split into this many sub-accounts (shard 0 keeps the plain code). Every award and
# redemption of a scheme touches one, so a single row would serialise them all behind its lock; a holder always
# uses the same shard (its account id modulo the count), so its postings still lock in one consistent order.
SYSTEM_SHARDS = 32
# The start of a scheme's system account codes (PointsScheme.system_code); the award fast path builds them in SQL.
SYSTEM_CODE_PREFIX = "points:scheme:"

# Ledger kinds and references the points bank writes: one value each for the ORM path and the PostgreSQL fast path
# (points/fastpath.py), which take them from here.
KIND_AWARD = "points.award"
KIND_DEDUCTION = "points.deduction"
KIND_REDEMPTION = "points.redemption"
REFERENCE_SOURCE = "points:src:"  # + "<source_type>:<source_id>": one source pays once
REFERENCE_AWARD = "points:award:"  # + the award's id, for an award without a source
AUDIT_REDEMPTION_PLACE = "points.redemption.place"


class HolderKind(models.TextChoices):
    HOUSEHOLD = "household", _("户")
    PERSON = "person", _("个人")


class PointsScheme(models.Model):
    """The rulebook of one street or community: who holds accounts, the floor, publicity and caps."""

    name = models.CharField(_("名称"), max_length=64)
    area = models.OneToOneField(
        "areas.Area", verbose_name=_("实施区域"), on_delete=models.PROTECT, related_name="points_scheme"
    )
    area_code = models.CharField(_("区域编码"), max_length=17, unique=True, editable=False)
    holder_kind = models.CharField(
        _("账户持有人"), max_length=16, choices=HolderKind.choices, default=HolderKind.HOUSEHOLD
    )
    opening_balance = models.PositiveIntegerField(_("开户积分"), default=0)
    floor = models.IntegerField(_("最低余额"), default=0, help_text=_("低于此余额的积分不能兑换"))
    expiry_days = models.PositiveIntegerField(_("有效期（天）"), null=True, blank=True)
    publicity_days = models.PositiveSmallIntegerField(_("公示期（天）"), default=3)
    monthly_cap = models.PositiveIntegerField(
        _("每户每月加分上限"), null=True, blank=True, help_text=_("为空表示不设上限")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("积分方案")
        verbose_name_plural = _("积分方案")
        ordering = ["area_code"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_cap__isnull=True) | Q(monthly_cap__gt=0), name="scheme_cap_gt0"),
            models.CheckConstraint(
                condition=Q(expiry_days__isnull=True) | Q(expiry_days__gt=0), name="scheme_expiry_gt0"
            ),
            models.CheckConstraint(condition=Q(opening_balance__gte=models.F("floor")), name="scheme_opening_ge_floor"),
        ]

    def __str__(self) -> str:
        return self.name

    # Ledger account codes of the scheme's system accounts.
    def system_code(self, purpose: str, shard: int = 0) -> str:
        base = f"{SYSTEM_CODE_PREFIX}{self.pk}:{purpose}"
        return base if shard == 0 else f"{base}:{shard}"


class Dimension(models.TextChoices):
    """The "5" of "1+5+N"; LOCAL holds the "N" items a street adds for itself."""

    ENVIRONMENT = "environment", _("环境保护")
    NEIGHBOURHOOD = "neighbourhood", _("睦邻和家")
    RURAL_DEVELOPMENT = "rural_development", _("乡村发展")
    PUBLIC_SERVICE = "public_service", _("公益奉献")
    SELF_GOVERNANCE = "self_governance", _("自治守法")
    LOCAL = "local", _("特色项目")


class PointsRule(models.Model):
    """One catalogue item: a behaviour and its points (+ award, − deduction), with its evidence, cap and review."""

    scheme = models.ForeignKey(PointsScheme, verbose_name=_("积分方案"), on_delete=models.PROTECT, related_name="rules")
    code = models.SlugField(_("代码"), max_length=48)
    dimension = models.CharField(_("维度"), max_length=24, choices=Dimension.choices)
    name = models.CharField(_("项目"), max_length=64)
    description = models.CharField(_("说明"), max_length=255, blank=True)
    # The most one award under this rule may give (or take, when negative); an award may give less.
    points = models.IntegerField(_("分值"))
    evidence_required = models.BooleanField(_("需要佐证"), default=True)
    cap_per_month = models.PositiveIntegerField(
        _("每户每月上限（分）"), null=True, blank=True, help_text=_("本项每户每月累计分值上限，为空不限")
    )
    needs_review = models.BooleanField(_("需要审核"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        ordering = ["scheme_id", "dimension", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="points_rule_code_unique"),
            models.CheckConstraint(condition=~Q(points=0), name="points_rule_points_not_zero"),
            models.CheckConstraint(
                condition=Q(cap_per_month__isnull=True) | Q(cap_per_month__gt=0), name="points_rule_cap_gt0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.points:+d})"


class PointsAccount(models.Model):
    """A household's (or person's) account in a scheme; the balance itself is the ledger account's."""

    scheme = models.ForeignKey(
        PointsScheme, verbose_name=_("积分方案"), on_delete=models.PROTECT, related_name="accounts"
    )
    ledger_account = models.OneToOneField(
        "core.LedgerAccount", verbose_name=_("账本账户"), on_delete=models.PROTECT, related_name="points_account"
    )
    household = models.OneToOneField(
        "people.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_account",
    )
    resident = models.OneToOneField(
        "people.Resident",
        verbose_name=_("居民"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_account",
    )
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True)
    opened_at = models.DateTimeField(_("开户时间"), default=clock.now)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        ordering = ["area_code", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False, resident__isnull=True)
                | Q(household__isnull=True, resident__isnull=False),
                name="points_account_one_holder",
            )
        ]

    def __str__(self) -> str:
        return self.ledger_account.name


class AwardState(models.TextChoices):
    PROPOSED = "proposed", _("已提议")
    REVIEWED = "reviewed", _("已审核")
    PUBLISHED = "published", _("公示中")
    OBJECTED = "objected", _("有异议")
    POSTED = "posted", _("已记账")
    REJECTED = "rejected", _("已驳回")
    APPEALED = "appealed", _("申诉中")
    APPEAL_UPHELD = "appeal_upheld", _("申诉成立（已冲正）")
    APPEAL_DISMISSED = "appeal_dismissed", _("申诉驳回")


class AwardBatch(models.Model):
    """Awards proposed together for a whole activity (one award per household)."""

    scheme = models.ForeignKey(PointsScheme, verbose_name=_("积分方案"), on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(PointsRule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("活动"), max_length=128)
    source_type = models.CharField(_("来源类型"), max_length=48, blank=True)
    source_id = models.CharField(_("来源编号"), max_length=48, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提议人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("批量积分")
        verbose_name_plural = _("批量积分")

    def __str__(self) -> str:
        return self.title


class PointsAward(models.Model):
    """An award or deduction on its way from proposal to the ledger. State changes only through award_transition."""

    scheme = models.ForeignKey(PointsScheme, verbose_name=_("积分方案"), on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(PointsRule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="awards")
    account = models.ForeignKey(PointsAccount, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="awards")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True)
    points = models.IntegerField(_("分值"))
    evidence = models.TextField(_("佐证"), blank=True)
    # Where the award comes from ("volunteering.activity" / "12:person:5"): the same source pays at most once.
    source_type = models.CharField(_("来源类型"), max_length=48, blank=True)
    source_id = models.CharField(_("来源编号"), max_length=64, blank=True)
    batch = models.ForeignKey(
        AwardBatch, verbose_name=_("批量"), null=True, blank=True, on_delete=models.PROTECT, related_name="awards"
    )
    state = models.CharField(_("状态"), max_length=20, choices=AwardState.choices, default=AwardState.PROPOSED)
    # The month the behaviour is counted in, for the monthly caps.
    period = models.DateField(_("计分月份"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提议人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("提议时间"), default=clock.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("公示开始"), null=True, blank=True)
    publicity_ends_at = models.DateTimeField(_("公示结束"), null=True, blank=True, db_index=True)
    posted_at = models.DateTimeField(_("记账时间"), null=True, blank=True)
    transaction = models.OneToOneField(
        "core.LedgerTransaction",
        verbose_name=_("记账交易"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_award",
    )
    reversal = models.OneToOneField(
        "core.LedgerTransaction",
        verbose_name=_("冲正交易"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_award_reversed",
    )
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("积分奖惩")
        verbose_name_plural = _("积分奖惩")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["state", "publicity_ends_at"], name="points_award_due_idx"),
            models.Index(fields=["account", "period"], name="points_award_period_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="points_award_points_not_zero"),
            # A rejected award frees its source (it never paid); any other state holds it.
            models.UniqueConstraint(
                fields=["source_type", "source_id"],
                condition=~Q(source_type="") & ~Q(state="rejected"),
                name="points_award_source_once",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["posted", "appealed", "appeal_upheld", "appeal_dismissed"])
                | Q(transaction__isnull=False),
                name="points_award_posted_has_transaction",
            ),
            models.CheckConstraint(
                condition=~Q(state="appeal_upheld") | Q(reversal__isnull=False),
                name="points_award_upheld_has_reversal",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.rule.name} {self.points:+d}"

    @property
    def is_deduction(self) -> bool:
        return self.points < 0

    @property
    def source(self) -> str:
        return f"{self.source_type}:{self.source_id}" if self.source_type else ""


class AwardEvent(AppendOnlyModel):
    """Every move of an award: who, when, from which state to which, and why. Never changed."""

    award = models.ForeignKey(PointsAward, verbose_name=_("积分奖惩"), on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("操作"), max_length=24)
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("说明"), blank=True)
    occurred_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("奖惩记录")
        verbose_name_plural = _("奖惩记录")
        ordering = ["award_id", "id"]

    def __str__(self) -> str:
        return f"{self.award_id} {self.from_state}→{self.to_state}"


# The award workflow's table is actions.award_workflow.AWARD_MOVES (a core.fsm lifecycle), the store order's
# actions.redemption.ORDER_MOVES; their movers are the only writers of the state columns.
S = AwardState
# States in which an award still counts towards the caps (everything that paid or may still pay).
COUNTING_STATES = frozenset({S.PROPOSED, S.REVIEWED, S.PUBLISHED, S.OBJECTED, S.POSTED, S.APPEALED, S.APPEAL_DISMISSED})


# ---------------------------------------------------------------------------------------------------------------
# The store (德育超市)


class ItemKind(models.TextChoices):
    GOODS = "goods", _("实物")
    SERVICE = "service", _("服务")


class StoreItem(models.Model):
    """Something residents can redeem points for; its stock is what the store still holds (not yet allotted)."""

    scheme = models.ForeignKey(PointsScheme, verbose_name=_("积分方案"), on_delete=models.PROTECT, related_name="items")
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=8, choices=ItemKind.choices, default=ItemKind.GOODS)
    price = models.PositiveIntegerField(_("所需积分"))
    stock = models.PositiveIntegerField(_("库存"), default=0)
    sponsor = models.ForeignKey(
        "people.Partner",
        verbose_name=_("捐赠单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("上架"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("兑换商品")
        verbose_name_plural = _("兑换商品")
        ordering = ["scheme_id", "price", "id"]
        constraints = [models.CheckConstraint(condition=Q(price__gt=0), name="points_item_price_gt0")]

    def __str__(self) -> str:
        return f"{self.name}（{self.price}）"


class RedemptionEvent(models.Model):
    """A redemption day: a time, a place, and the items on offer with their own stock."""

    scheme = models.ForeignKey(
        PointsScheme, verbose_name=_("积分方案"), on_delete=models.PROTECT, related_name="events"
    )
    title = models.CharField(_("名称"), max_length=128)
    area = models.ForeignKey("areas.Area", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True)
    place = models.CharField(_("地点"), max_length=128)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("兑换活动")
        verbose_name_plural = _("兑换活动")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="points_event_ends_after")
        ]

    def __str__(self) -> str:
        return self.title


class EventItem(models.Model):
    event = models.ForeignKey(
        RedemptionEvent, verbose_name=_("兑换活动"), on_delete=models.PROTECT, related_name="offers"
    )
    item = models.ForeignKey(StoreItem, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="offers")
    stock = models.PositiveIntegerField(_("本场库存"))

    class Meta:
        verbose_name = _("活动商品")
        verbose_name_plural = _("活动商品")
        constraints = [models.UniqueConstraint(fields=["event", "item"], name="points_event_item_unique")]


class OrderState(models.TextChoices):
    PLACED = "placed", _("待领取")
    FULFILLED = "fulfilled", _("已领取")
    CANCELLED = "cancelled", _("已取消")


class RedemptionOrder(models.Model):
    offer = models.ForeignKey(EventItem, verbose_name=_("活动商品"), on_delete=models.PROTECT, related_name="orders")
    account = models.ForeignKey(PointsAccount, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="orders")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True)
    quantity = models.PositiveIntegerField(_("数量"))
    points = models.PositiveIntegerField(_("积分"))
    pickup_code = models.CharField(_("取货码"), max_length=16, unique=True)
    state = models.CharField(_("状态"), max_length=12, choices=OrderState.choices, default=OrderState.PLACED)
    transaction = models.OneToOneField(
        "core.LedgerTransaction", verbose_name=_("兑换交易"), on_delete=models.PROTECT, related_name="+"
    )
    refund = models.OneToOneField(
        "core.LedgerTransaction",
        verbose_name=_("退还交易"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("下单人"), on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(_("下单时间"), default=clock.now)
    fulfilled_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("兑换订单")
        verbose_name_plural = _("兑换订单")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="points_order_quantity_gt0"),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | Q(refund__isnull=False), name="points_order_cancel_refunded"
            ),
        ]
