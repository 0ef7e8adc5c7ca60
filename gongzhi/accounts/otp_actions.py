"""Writes for two-factor sign-in: enrol an authenticator, check a code, recovery codes, reset and turn off.

A code is checked under a lock on the user's device row (SELECT … FOR UPDATE; SQLite's one writer), so two requests
with the same code cannot both pass: the one that commits first moves `last_step`, and the other then finds its step
used. A wrong, replayed or locked-out code changes nothing but the failure count, which is committed before the
error is raised; OTP_MAX_FAILURES wrong codes in a row lock the second step for OTP_LOCK_SECONDS, and while locked
even a right code is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongzhi.accounts import otp, rules, totp
from gongzhi.accounts.models import RecoveryCode, TotpDevice, User
from gongzhi.core import clock, pii
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, RateLimited, Unauthenticated, ValidationFailed

RECOVERY_CODES = 10


class SecondFactorRequired(Unauthenticated):
    """The user must pass (or first set up) the second step before this."""

    code = "second_factor_required"


def _issuer() -> str:
    return str(settings.OTP_ISSUER)


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str


def _locked(user: User) -> TotpDevice | None:
    return TotpDevice.objects.select_for_update().filter(user=user).first()


def _lock_message(device: TotpDevice, now: dt.datetime) -> RateLimited:
    minutes = max(1, int(((device.locked_until or now) - now).total_seconds() + 59) // 60)
    return RateLimited(_("验证码错误次数过多，请 %(m)d 分钟后再试") % {"m": minutes}, field="code")


@transaction.atomic
def otp_enrol_start(*, user: User) -> Enrolment:
    """The secret to put into an authenticator app (kept unconfirmed until a code from it is typed back).

    Asking again before confirming shows the same secret (a reloaded page keeps its QR code)."""
    device = _locked(user)
    if device is not None and device.confirmed_at is not None:
        raise Conflict(_("已启用两步验证；如需更换手机，请先停用或请管理员重置"))
    if device is None:
        secret = totp.new_secret()
        device = TotpDevice.objects.create(user=user, secret_encrypted=pii.encrypt(secret))
    else:
        secret = pii.decrypt(device.secret_encrypted)
    return Enrolment(secret=secret, uri=totp.provisioning_uri(secret, account=user.username, issuer=_issuer()))


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [totp.recovery_code() for _i in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, digest=totp.recovery_digest(c)) for c in codes])
    return codes


def _check(user: User, code: str, *, confirming: bool, allow_recovery: bool) -> tuple[str, Exception | None]:
    """Check `code` under the device's lock; the failure count is written in this transaction either way.

    Returns (method, None) on success, ("", error) on failure — the caller raises after the commit."""
    now = clock.now()
    device = _locked(user)
    if device is None or (device.confirmed_at is None) != confirming:
        if confirming:
            return "", Conflict(_("请先开始设置身份验证器"))
        return "", NotFound(_("尚未启用两步验证"))
    if device.locked_until is not None and device.locked_until > now:
        return "", _lock_message(device, now)
    if not (code or "").strip():
        return "", ValidationFailed(_("请输入验证码"), field="code")
    secret = pii.decrypt(device.secret_encrypted)
    step = totp.matching_step(secret, code, now.timestamp(), after=device.last_step)
    if step is not None:
        device.last_step, device.failures, device.locked_until = step, 0, None
        fields = ["last_step", "failures", "locked_until"]
        if confirming:
            device.confirmed_at = now
            fields.append("confirmed_at")
        device.save(update_fields=fields)
        return "totp", None
    if allow_recovery and not confirming:
        used = (
            RecoveryCode.objects.select_for_update()
            .filter(user=user, digest=totp.recovery_digest(code), used_at__isnull=True)
            .first()
        )
        if used is not None:
            RecoveryCode.objects.filter(pk=used.pk).update(used_at=now)
            device.failures, device.locked_until = 0, None
            device.save(update_fields=["failures", "locked_until"])
            return "recovery", None
    replayed = totp.matching_step(secret, code, now.timestamp()) is not None
    device.failures += 1
    fields = ["failures"]
    if device.failures >= settings.OTP_MAX_FAILURES:
        device.failures = 0
        device.locked_until = now + dt.timedelta(seconds=settings.OTP_LOCK_SECONDS)
        fields.append("locked_until")
    device.save(update_fields=fields)
    audit_record(actor=user, action="otp.verify_failed", target=user, data={"replayed": replayed})
    if device.locked_until is not None and device.locked_until > now:
        return "", _lock_message(device, now)
    if replayed:
        return "", Unauthenticated(_("这个验证码已经用过，请等待身份验证器显示下一个验证码"), field="code")
    return "", Unauthenticated(_("验证码不正确"), field="code")


def _checked(user: User, code: str, *, confirming: bool = False, allow_recovery: bool = True) -> str:
    with transaction.atomic():
        method, error = _check(user, code, confirming=confirming, allow_recovery=allow_recovery)
    if error is not None:
        raise error
    return method


def otp_enrol_confirm(*, user: User, code: str, request: HttpRequest | None = None) -> list[str]:
    """The first code from the app turns the device on; returns the recovery codes (shown once, stored hashed)."""
    _checked(user, code, confirming=True, allow_recovery=False)
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit_record(actor=user, action="otp.enrol", target=user, request=request)
    return codes


def otp_verify(*, user: User, code: str, request: HttpRequest | None = None) -> otp.Proof:
    """A code from the app, or an unused recovery code (then used up): the proof the second step was passed."""
    method = _checked(user, code)
    if method == "recovery":
        left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
        audit_record(actor=user, action="otp.recovery_used", target=user, data={"left": left}, request=request)
    return otp.Proof(user_id=user.pk, method=method, at=clock.now())


def otp_recovery_regenerate(*, user: User, code: str, request: HttpRequest | None = None) -> list[str]:
    """New recovery codes (the old ones stop working), after a code from the app."""
    _checked(user, code, allow_recovery=False)
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit_record(actor=user, action="otp.recovery_regenerate", target=user, request=request)
    return codes


def otp_disable(*, user: User, code: str, request: HttpRequest | None = None) -> None:
    """Turn the second step off — only for users the policy does not require it of."""
    if otp.required(user):
        raise PermissionDenied(_("您的角色必须使用两步验证，不能停用"))
    _checked(user, code)
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit_record(actor=user, action="otp.disable", target=user, request=request)


@transaction.atomic
def otp_reset(*, actor: User, user: User, reason: str, request: HttpRequest | None = None) -> None:
    """An administrator removes a lost authenticator and its recovery codes; the user enrols again at next sign-in.

    The actor must hold `accounts.otp_reset` over every area where the user holds a role (a superuser reaches all).
    """
    reason = (reason or "").strip()
    codes = sorted({code for _role, code in rules._memberships(user)})
    if not codes:
        codes = [""]  # a user with no role: only someone reaching everything may reset them
    for code in codes:
        rules.require(actor, "accounts.otp_reset", code)
    if actor.pk == user.pk:
        raise Conflict(_("不能重置自己的两步验证，请另一位管理员办理"))
    if not reason:
        raise ValidationFailed(_("请说明重置原因"), field="reason")
    had = TotpDevice.objects.filter(user=user).exists()
    if not had:
        raise NotFound(_("用户 %(u)s 没有启用两步验证") % {"u": user.username})
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action="otp.reset",
        target=user,
        area_code=codes[0],
        data={"user": user.username, "reason": reason[:200]},
        request=request,
    )


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def otp_enrol_known_secret(*, actor: User | None, user: User, secret: str) -> TotpDevice:
    """Enrol `user` with a secret the caller chose (the demo seed's published one); refused in production."""
    if settings.PRODUCTION:
        raise PermissionDenied(_("生产环境不能使用预设密钥"))
    TotpDevice.objects.filter(user=user).delete()
    device = TotpDevice.objects.create(user=user, secret_encrypted=pii.encrypt(secret), confirmed_at=clock.now())
    audit_record(actor=actor, action="otp.enrol", target=user, data={"preset": True})
    return device
