"""Double-entry ledger tables. Imported by gongzhi/core/models.py so they belong to the `core` app.

Amounts are integers in the account's minor unit (points are whole; money would be fen). Writes go through
gongzhi.core.ledger only; the constraints here and the PostgreSQL triggers of the migrations are the last guard.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Least
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.append_only import AppendOnlyModel


class LedgerAccount(models.Model):
    """Something that holds a balance in one unit: a household's points, the issuance account, a fund pool."""

    class Kind(models.TextChoices):
        SYSTEM = "system", _("系统账户")
        HOLDER = "holder", _("持有人账户")

    code = models.CharField(_("账户编码"), max_length=64, unique=True)
    name = models.CharField(_("账户名称"), max_length=128)
    unit = models.CharField(_("单位"), max_length=16)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.HOLDER)
    # A generic reference ("people.household", "123") so the ledger does not depend on the apps that use it.
    owner_type = models.CharField(_("所有者类型"), max_length=64, blank=True)
    owner_id = models.CharField(_("所有者"), max_length=64, blank=True)
    area_code = models.CharField(_("区域编码"), max_length=17, blank=True, db_index=True)
    # Spending may not take the balance below this; 0 = no overdraft, positive = a reserve, negative = credit.
    floor = models.BigIntegerField(_("余额下限"), default=0)
    balance = models.BigIntegerField(_("余额"), default=0)
    allow_negative = models.BooleanField(_("允许负余额"), default=False)
    created_at = models.DateTimeField(_("开户时间"), default=clock.now)

    class Meta:
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        ordering = ["code"]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="core_ledgeracct_owner_idx")]
        constraints = [
            # The floor limits spending (gongzhi.core.ledger refuses a debit that would end below it); credits are
            # always allowed, so a new account with a positive floor opens at 0. The database's guard: a holder
            # never goes below zero, or below its floor when the floor is negative (credit).
            models.CheckConstraint(
                condition=Q(allow_negative=True) | Q(balance__gte=Least(F("floor"), 0)),
                name="core_ledgeraccount_balance_not_below_floor",
            ),
            models.CheckConstraint(condition=Q(kind__in=["system", "holder"]), name="core_ledgeraccount_kind_valid"),
            models.CheckConstraint(condition=~Q(unit=""), name="core_ledgeraccount_unit_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class LedgerTransaction(AppendOnlyModel):
    """One economic event: a set of postings that sums to zero. Never changed; a mistake gets a reversing one."""

    kind = models.CharField(_("业务类型"), max_length=64, db_index=True)
    memo = models.CharField(_("摘要"), max_length=255, blank=True)
    # Idempotency key of the caller ("award:42"): posting the same reference again returns this transaction.
    reference = models.CharField(_("业务编号"), max_length=128, null=True, blank=True, unique=True)
    # One-to-one: a transaction is reversed at most once, by the database's own unique index.
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲正原交易"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    occurred_at = models.DateTimeField(_("发生时间"), default=clock.now, db_index=True)

    class Meta:
        verbose_name = _("记账交易")
        verbose_name_plural = _("记账交易")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind=""), name="core_ledgertransaction_kind_not_blank"),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | ~Q(reverses=F("id")),
                name="core_ledgertransaction_not_self_reversal",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.memo}"


class Posting(AppendOnlyModel):
    """One line of a transaction: an amount into (+) or out of (−) one account, and the balance it left."""

    # Indexed by the (transaction, account) unique constraint below.
    transaction = models.ForeignKey(
        LedgerTransaction, verbose_name=_("交易"), on_delete=models.PROTECT, related_name="postings", db_index=False
    )
    # No single-column index: the (account, id) index below serves both lookups and the keyset-paged statement.
    account = models.ForeignKey(
        LedgerAccount, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="postings", db_index=False
    )
    amount = models.BigIntegerField(_("金额"))
    balance_after = models.BigIntegerField(_("记账后余额"))

    class Meta:
        verbose_name = _("记账分录")
        verbose_name_plural = _("记账分录")
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "id"], name="core_posting_account_id_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="core_posting_amount_not_zero"),
            models.UniqueConstraint(fields=["transaction", "account"], name="core_posting_one_line_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d} → {self.balance_after}"
