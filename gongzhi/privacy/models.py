"""A resident's request to correct their personal data (PIPL art. 46), handled by a community worker of their area."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock


class Subject(models.TextChoices):
    PROFILE = "profile", _("个人档案")
    APPEALS = "appeals", _("诉求记录")
    POINTS = "points", _("积分记录")
    VOLUNTEERING = "volunteering", _("志愿服务记录")
    OTHER = "other", _("其他")


class CorrectionStatus(models.TextChoices):
    REQUESTED = "requested", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予更正")
    CORRECTED = "corrected", _("已更正")


OPEN_STATUSES = (CorrectionStatus.REQUESTED, CorrectionStatus.ACCEPTED)
DESCRIPTION_MAX = 2000


class CorrectionRequest(models.Model):
    """What a resident says is wrong in their data, and what the community worker did about it.

    Moves (gongzhi/privacy/actions.py `CORRECTION`): requested → accepted | rejected (with a reason);
    accepted → corrected (saying what was changed). Every move is an audit row and a notice to the resident.
    """

    resident = models.ForeignKey("people.Resident", verbose_name=_("居民"), on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    # The resident's area when they asked: the community workers above it handle the request.
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True)
    subject = models.CharField(_("更正内容"), max_length=16, choices=Subject.choices)
    description = models.TextField(_("需更正的信息"), max_length=DESCRIPTION_MAX)
    status = models.CharField(
        _("状态"), max_length=12, choices=CorrectionStatus.choices, default=CorrectionStatus.REQUESTED
    )
    reason = models.TextField(_("不予更正的理由"), blank=True)
    resolution = models.TextField(_("更正情况"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), default=clock.now)
    decided_at = models.DateTimeField(_("受理/驳回时间"), null=True, blank=True)
    corrected_at = models.DateTimeField(_("更正时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("个人信息更正申请")
        verbose_name_plural = _("个人信息更正申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A second request about the same thing while the first is open is a double submit.
            models.UniqueConstraint(
                fields=["resident", "subject"],
                condition=Q(status__in=["requested", "accepted"]),
                name="correction_one_open_per_subject",
            )
        ]
        indexes = [models.Index(fields=["area_code", "status"], name="correction_area_status")]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} #{self.pk}"
