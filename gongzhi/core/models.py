from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock

# AppendOnlyError and AppendOnlyModel are also named here for code written before they moved to append_only.
from gongzhi.core.append_only import AppendOnlyError as AppendOnlyError
from gongzhi.core.append_only import AppendOnlyModel as AppendOnlyModel

# The ledger's tables live in their own module but belong to this app (Django finds models through this one).
from gongzhi.core.models_ledger import LedgerAccount, LedgerTransaction, Posting  # noqa: F401


class AuditEvent(AppendOnlyModel):
    """Who did what to which record, when. Unmasked views of personal data are always written here."""

    occurred_at = models.DateTimeField(_("时间"), default=clock.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=64, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=64)
    target_id = models.CharField(_("对象"), max_length=64, db_index=True)
    area_code = models.CharField(_("区域编码"), max_length=17, blank=True, db_index=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"


class CalendarDay(models.Model):
    """A day whose working status staff set by hand: holidays and make-up workdays the package does not know."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("名称"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"


class IdempotencyKey(models.Model):
    """The first response to a retried write (`Idempotency-Key` header, or a page form's one-time token), per user
    and key. Written in the same transaction as the write it guards (core.idempotency)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    endpoint = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_user_key")]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"


class HeartbeatKind(models.TextChoices):
    WORKER = "worker", _("任务进程")
    SWEEP = "sweep", _("定时扫描")


class Heartbeat(models.Model):
    """The last sign of life of a background process, read by /healthz and /metrics (docs/operations.md).

    One row per task worker (`worker:<worker id>`, beaten every few seconds by `manage.py task_worker`, `stopped_at`
    set when it stops) and one per sweep command (`sweep:<command>`, written after each whole pass).
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=HeartbeatKind.choices)
    beat_at = models.DateTimeField(_("最近心跳"))
    started_at = models.DateTimeField(_("启动时间"))
    stopped_at = models.DateTimeField(_("停止时间"), null=True, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("心跳")
        verbose_name_plural = _("心跳")
        indexes = [models.Index(fields=["kind", "beat_at"], name="core_heartbeat_kind_beat")]

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class PiiKeyRotation(models.Model):
    """A run of `manage.py rotate_pii_key` towards one new PII_KEY: how far it got, and who holds it now.

    One row per target key (by its public `key_id`). `owner` names the process running it and `heartbeat_at` is
    renewed after every batch; a second run is refused while the row is locked or its heartbeat is fresh.
    `progress` holds, per field group, the last primary key done, so a run that stopped resumes where it was.
    """

    key_id = models.CharField(_("新密钥标识"), max_length=16, unique=True)
    previous_key_id = models.CharField(_("旧密钥标识"), max_length=16)
    started_at = models.DateTimeField(_("开始时间"), default=clock.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    owner = models.CharField(_("执行进程"), max_length=128, blank=True)
    heartbeat_at = models.DateTimeField(_("心跳时间"), null=True, blank=True)
    progress = models.JSONField(_("进度"), default=dict, blank=True)
    rows_rewritten = models.BigIntegerField(_("已改写行数"), default=0)

    class Meta:
        verbose_name = _("PII 密钥轮换")
        verbose_name_plural = _("PII 密钥轮换")

    def __str__(self) -> str:
        return f"{self.previous_key_id} → {self.key_id}"
