"""Open311 GeoReport v2 clients: each holds an api_key and speaks through its own service user."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock


class Open311Client(models.Model):
    """A third-party application allowed to POST service requests. Only the key's digest is stored."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("密钥前缀"), max_length=12, editable=False)
    # Appeals need a signed-in actor; a client's requests are reported by this login (no password, no roles).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("服务账号"), on_delete=models.PROTECT, related_name="open311_client"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def new_key() -> str:
        return "o311_" + secrets.token_urlsafe(24)

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
