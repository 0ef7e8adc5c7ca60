import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock


class Role(models.TextChoices):
    STREET_STAFF = "street_staff", _("街道工作人员")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    GRID_WORKER = "grid_worker", _("网格员")
    MICROGRID_WORKER = "microgrid_worker", _("微网格员")
    DEPARTMENT = "department", _("部门")
    PARTY_MEMBER = "party_member", _("党员")
    VOLUNTEER = "volunteer", _("志愿者")
    PARTNER = "partner", _("共建单位")
    RESIDENT = "resident", _("居民")
    ADMIN = "admin", _("平台管理员")
    CHILD_DIRECTOR = "child_director", _("儿童主任")


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone_encrypted = models.TextField(_("手机号（加密）"), blank=True, editable=False)
    phone_hash = models.CharField(_("手机号索引"), max_length=64, blank=True, db_index=True, editable=False)
    # The resident record this login speaks for, once a community worker has confirmed it.
    resident = models.OneToOneField(
        "people.Resident",
        verbose_name=_("居民档案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    # (role, area code) of every membership, cached on the instance for one request by accounts.rules and auth.
    _gz_memberships: list[tuple[str, str]]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(fields=["phone_hash"], condition=~models.Q(phone_hash=""), name="user_phone_unique")
        ]

    def __str__(self) -> str:
        return self.display_name or self.username


class Membership(models.Model):
    """A role held at an area; it reaches that area and everything below it."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    area = models.ForeignKey("areas.Area", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "people.Department", verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    partner = models.ForeignKey(
        "people.Partner", verbose_name=_("共建单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("角色任职")
        verbose_name_plural = _("角色任职")
        constraints = [models.UniqueConstraint(fields=["user", "role", "area"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.area_id}"


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for API clients; only its digest is stored, the token is shown once."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64, blank=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    # Every token ends (settings.API_TOKEN_TTL_DAYS at most); the check in accounts.auth refuses it after this.
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def new_raw() -> str:
        return "gz_" + secrets.token_urlsafe(32)

    @staticmethod
    def digest_of(raw: str) -> str:
        return _token_digest(raw)


class TotpDevice(models.Model):
    """A user's authenticator app (TOTP, RFC 6238): the shared secret, encrypted under PII_KEY like ID numbers (so
    `rotate_pii_key` re-encrypts it too). Unconfirmed until the user has typed one code from it.

    `last_step` is the time step of the last code accepted: a code of that step or an earlier one is refused, so a
    code cannot be used twice. `failures` wrong codes in a row lock the second step until `locked_until`.
    """

    user = models.OneToOneField(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="totp_device")
    secret_encrypted = models.TextField(_("密钥（加密）"), editable=False)
    confirmed_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    last_step = models.BigIntegerField(_("最近使用的时间片"), null=True, blank=True, editable=False)
    failures = models.PositiveSmallIntegerField(_("连续错误次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("身份验证器")
        verbose_name_plural = _("身份验证器")

    def __str__(self) -> str:
        return f"TOTP ({self.user})"


class RecoveryCode(models.Model):
    """A one-time recovery code for a lost phone: only its SHA-256 digest is kept; shown once when made."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64, editable=False)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")
        constraints = [models.UniqueConstraint(fields=["user", "digest"], name="recovery_code_unique")]

    def __str__(self) -> str:
        return f"recovery code #{self.pk} ({self.user})"


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("已驳回")


class Registration(models.Model):
    """A resident's self-registration, waiting for a community worker to match it to a household."""

    user = models.OneToOneField(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="registration")
    full_name = models.CharField(_("姓名"), max_length=64)
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    # The number itself, encrypted, so a PII_KEY rotation can recompute the hash (empty on registrations made
    # before it was kept; the rotation recovers those from the resident or party member with the same hash).
    id_number_encrypted = models.TextField(_("身份证号（加密）"), blank=True, editable=False)
    address = models.CharField(_("自报住址"), max_length=200)
    community = models.ForeignKey("areas.Area", verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=RegistrationStatus.choices, default="pending")
    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("匹配居民"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        User, verbose_name=_("确认人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=clock.now)

    class Meta:
        verbose_name = _("居民注册申请")
        verbose_name_plural = _("居民注册申请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_status_display()})"
