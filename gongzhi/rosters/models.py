from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock


class RosterKind(models.TextChoices):
    HOUSEHOLDS = "households", _("户")
    RESIDENTS = "residents", _("居民")
    PARTY_MEMBERS = "party_members", _("党员")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("全部正确才导入")
    GOOD_ROWS = "good_rows", _("只导入正确的行")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    VALIDATING = "validating", _("校验中")
    IMPORTING = "importing", _("写入中")
    DONE = "done", _("已完成")
    # The file had bad rows and the mode was all-or-nothing: nothing was written, the user may still choose
    # to import the good rows. Kept apart from DONE so the page and the API can offer exactly that choice.
    REJECTED = "rejected", _("有错误，未写入")
    FAILED = "failed", _("失败")


RUNNING_STATUSES = (ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.IMPORTING)
# Bad rows whose reasons are kept on the job row for the page and the API; the error workbook has all of them.
ERRORS_KEPT = 100


class ImportJob(models.Model):
    """One upload of a roster workbook and what became of it."""

    kind = models.CharField(_("名册类型"), max_length=16, choices=RosterKind.choices)
    mode = models.CharField(_("导入方式"), max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    status = models.CharField(_("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    file = models.FileField(_("上传文件"), upload_to="rosters/imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    error_count = models.PositiveIntegerField(_("错误行数"), default=0)
    errors = models.JSONField(_("错误（前 100 行）"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    error_file = models.FileField(_("错误清单"), upload_to="rosters/errors/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    # The importer's reach when the job was created: the longest code covering all of it ('' = everything).
    area_code = models.CharField(_("区域范围"), max_length=17, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名册导入任务")
        verbose_name_plural = _("名册导入任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_user_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def written(self) -> bool:
        return self.status == ImportStatus.DONE

    @property
    def can_commit_good_rows(self) -> bool:
        # Not once rosters/retention.py has deleted the upload.
        return self.status == ImportStatus.REJECTED and self.error_count < self.total_rows and bool(self.file)
