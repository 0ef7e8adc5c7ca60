"""The public notice board (公示栏): what a community publishes, e.g. the results of public appeals.

Append-only: a notice is never edited or deleted; a wrong or outdated one is withdrawn (who, when, why) and
drops off the board, while the row stays for the record.
"""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.append_only import AppendOnlyError


class NoticeKind(models.TextChoices):
    APPEAL_RESULT = "appeal_result", _("诉求办理结果")
    ANNOUNCEMENT = "announcement", _("通知公告")


class NoticeQuerySet(models.QuerySet["Notice"]):
    def delete(self) -> NoReturn:
        raise AppendOnlyError("notices are never deleted: withdraw them instead")


class Notice(models.Model):
    area = models.ForeignKey("areas.Area", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    # Copied from the area so a board (an area's subtree) is one index range scan.
    area_code = models.CharField(_("区域编码"), max_length=17, editable=False)
    kind = models.CharField(_("类型"), max_length=32, choices=NoticeKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # Public copies of photos only (re-encoded without EXIF/GPS), as URLs.
    photos = models.JSONField(_("照片"), default=list, blank=True)
    source_appeal = models.ForeignKey(
        "appeals.Appeal", verbose_name=_("来源诉求"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), default=clock.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("撤下时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤下人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdraw_reason = models.CharField(_("撤下理由"), max_length=500, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["area_code", "id"], name="notice_live_by_area", condition=models.Q(withdrawn_at__isnull=True)
            )
        ]
        constraints = [
            # One live result notice per appeal: closing it again (after a rework) replaces the earlier one.
            models.UniqueConstraint(
                fields=["source_appeal"],
                condition=models.Q(withdrawn_at__isnull=True, source_appeal__isnull=False),
                name="notice_one_live_per_appeal",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("notices are never deleted: withdraw them instead")
