"""The notification outbox and the in-app inbox.

`notify()` writes one OutboxMessage per channel inside the caller's transaction; the worker delivers them after
commit. A rolled-back write leaves no row, so nothing is sent; a stopped worker leaves rows pending, so nothing is
lost. Delivery is at least once: `delivery_key` travels with the message so a channel can drop a repeat, and the
inbox does so itself (unique key).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内信")
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")


# Migrations reference this by name (OutboxMessage.delivery_key's default): do not rename, move or remove it
# (tests/test_migrations_frozen.py lists what migrations may import).
def new_delivery_key() -> str:
    return uuid.uuid4().hex


class OutboxMessage(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    kind = models.CharField(_("类型"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    data = models.JSONField(_("附加数据"), default=dict, blank=True)
    delivery_key = models.CharField(_("投递键"), max_length=32, unique=True, default=new_delivery_key, editable=False)
    status = models.CharField(_("状态"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=clock.now)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        indexes = [
            # The worker's question: pending rows due by now, oldest first. Partial, so delivered rows cost nothing.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(status="pending"),
                name="outbox_pending_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.kind} → {self.user_id}"


class InboxMessage(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="inbox_messages"
    )
    kind = models.CharField(_("类型"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    data = models.JSONField(_("附加数据"), default=dict, blank=True)
    delivery_key = models.CharField(_("投递键"), max_length=32, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内信")
        verbose_name_plural = _("站内信")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-id"], name="inbox_user_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
