"""Writes for accounts: users, memberships, tokens, throttled sign-in, resident self-registration (whose
confirm/reject moves are the table `REGISTRATION` on the core state-machine helper)."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts import otp, otp_actions, rules
from gongzhi.accounts.auth import forget_token
from gongzhi.accounts.models import ApiToken, Membership, Registration, RegistrationStatus, Role, User
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core import clock, fsm, pii
from gongzhi.core.audit import audit_record, client_ip
from gongzhi.core.errors import Conflict, NotFound, RateLimited, Unauthenticated, ValidationFailed
from gongzhi.core.models import AuditEvent


def _failure_keys(username: str, request: HttpRequest | None) -> list[str]:
    keys = [f"login-fail:user:{username.strip().lower()}"]
    ip = client_ip(request)
    if ip:
        keys.append(f"login-fail:ip:{ip}")
    return keys


def _is_throttled(keys: list[str]) -> bool:
    # An address gets more room than one name: a street office shares one public IP.
    limits = [settings.LOGIN_MAX_FAILURES, settings.LOGIN_MAX_FAILURES * 4]
    return any((cache.get(key) or 0) >= limit for key, limit in zip(keys, limits, strict=False))


def _note_failure(keys: list[str]) -> None:
    for key in keys:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def user_sign_in(*, username: str, password: str, request: HttpRequest | None) -> User:
    """Check credentials with throttling; raises instead of returning None so callers cannot forget to check."""
    username = (username or "").strip()
    if not username or not password:
        raise ValidationFailed(_("请输入用户名（或手机号）和密码"), field="username")
    keys = _failure_keys(username, request)
    if _is_throttled(keys):
        raise RateLimited(
            _("登录失败次数过多，请 %(m)d 分钟后再试") % {"m": settings.LOGIN_FAILURE_WINDOW_SECONDS // 60}
        )
    user = authenticate(request, username=username, password=password)
    if user is None:
        _note_failure(keys)
        audit_record(
            actor=None, action="auth.sign_in_failed", target_type="user", target_id=username[:64], request=request
        )
        raise Unauthenticated(_("用户名或密码错误"), field="password")
    for key in keys:
        cache.delete(key)
    return user


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    display_name: str = "",
    phone: str = "",
    is_staff: bool = False,
) -> User:
    username = (username or "").strip()
    if not username:
        raise ValidationFailed(_("用户名不能为空"), field="username")
    if User.objects.filter(username=username).exists():
        raise Conflict(_("用户名 %(u)s 已存在") % {"u": username}, field="username")
    user = User(username=username, display_name=display_name, is_staff=is_staff)
    if phone:
        phone = pii.normalize_phone(phone)
        if User.objects.filter(phone_hash__in=pii.lookup_hashes(phone)).exists():
            raise Conflict(_("该手机号已注册"), field="phone")
        user.phone_encrypted = pii.encrypt(phone)
        user.phone_hash = pii.lookup_hash(phone)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(actor=actor, action="user.create", target=user)
    return user


@transaction.atomic
def membership_grant(
    *, actor: User | None, user: User, role: str, area: Area, department: Any = None, partner: Any = None
) -> Membership:
    if role not in Role.values:
        raise ValidationFailed(_("未知角色：%(r)s") % {"r": role}, field="role")
    membership, created = Membership.objects.get_or_create(
        user=user, role=role, area=area, defaults={"department": department, "partner": partner}
    )
    if created:
        audit_record(
            actor=actor,
            action="membership.grant",
            target=membership,
            area_code=area.code,
            data={"user": user.pk, "role": role},
        )
    rules.forget_memberships(user)
    return membership


@transaction.atomic
def api_token_issue(
    *, user: User, name: str = "", proof: otp.Proof | None = None, days: int | None = None
) -> tuple[ApiToken, str]:
    """A bearer token ending after `days` (API_TOKEN_TTL_DAYS at most and by default).

    A user who needs a second factor (the policy requires it, or they turned it on) gets one only with the proof of
    a second-factor check just passed (`otp_actions.otp_verify`, or a session that passed it)."""
    ttl = settings.API_TOKEN_TTL_DAYS
    if days is None:
        days = ttl
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= ttl:
        raise ValidationFailed(_("有效期应为 1 到 %(n)d 天") % {"n": ttl}, field="expires_in_days")
    if (proof is None or proof.user_id != user.pk) and (otp.required(user) or otp.enrolled(user)):
        raise otp_actions.SecondFactorRequired(_("创建令牌前请先完成两步验证（提供身份验证器上的验证码）"), field="otp")
    raw = ApiToken.new_raw()
    token = ApiToken.objects.create(
        user=user,
        name=name[:64],
        digest=ApiToken.digest_of(raw),
        prefix=raw[:8],
        expires_at=clock.now() + dt.timedelta(days=days),
    )
    audit_record(actor=user, action="api_token.issue", target=token, data={"days": days})
    return token, raw


@transaction.atomic
def api_token_revoke(*, user: User, token: ApiToken) -> None:
    if token.user_id != user.pk:
        raise NotFound(_("令牌不存在"))
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
    audit_record(actor=user, action="api_token.revoke", target=token)
    # This process stops accepting it at once; the others within auth.TOKEN_CACHE_SECONDS.
    digest = token.digest
    forget_token(digest)
    transaction.on_commit(lambda: forget_token(digest))  # and again, should a check have raced the commit


@transaction.atomic
def registration_submit(
    *, username: str, password: str, full_name: str, id_number: str, phone: str, address: str, community: Area
) -> Registration:
    """A resident signs up; the account stays without resident rights until a community worker confirms."""
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationFailed(_("姓名不能为空"), field="full_name")
    if not (address or "").strip():
        raise ValidationFailed(_("请填写住址"), field="address")
    if community.level != AreaLevel.COMMUNITY:
        raise ValidationFailed(_("请选择所在社区"), field="community")
    id_number = pii.normalize_id_number(id_number)
    if len(password or "") < 8:
        raise ValidationFailed(_("密码至少 8 位"), field="password")
    if Registration.objects.filter(
        id_number_hash__in=pii.lookup_hashes(id_number),
        status__in=[RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED],
    ).exists():
        raise Conflict(_("该身份证号已有注册申请"), field="id_number")
    user = user_create(actor=None, username=username, password=password, display_name=full_name, phone=phone)
    try:
        return Registration.objects.create(
            user=user,
            full_name=full_name,
            id_number_hash=pii.lookup_hash(id_number),
            id_number_encrypted=pii.encrypt(id_number),
            address=address.strip(),
            community=community,
        )
    except IntegrityError as exc:
        raise Conflict(_("重复提交")) from exc


# ---------------------------------------------------------------------------------------------------------------
# The registration lifecycle: pending → confirmed (matched to a resident) | rejected. A decision is final.

RegistrationStep = fsm.Step[Registration, User]


def _confirm(step: RegistrationStep) -> None:
    registration, actor, chosen = step.obj, step.actor, step.data["resident"]
    # `resident` is the people.Resident the worker chose; accounts sits below people, so it locks that row
    # through the instance's own model instead of importing people.
    resident = type(chosen)._default_manager.select_for_update().get(pk=chosen.pk)
    rules.require(actor, "registrations.confirm", resident.area_code)
    # By value, not hash against hash: during a PII_KEY rotation one may still carry the previous key's hash.
    if not pii.hash_matches(registration.id_number_hash, resident.id_number_plain):
        raise ValidationFailed(_("申请人的身份证号与所选居民不一致"), field="resident")
    if resident.household_id is None:
        raise ValidationFailed(_("所选居民没有登记户，无法确认"), field="resident")
    if User.objects.filter(resident=resident).exists():
        raise Conflict(_("该居民已绑定其他账号"), field="resident")
    registration.resident = resident
    step.fields.add("resident")
    User.objects.filter(pk=registration.user_id).update(resident=resident)
    area = Area.objects.get(code=resident.area_code)
    membership_grant(actor=actor, user=registration.user, role=Role.RESIDENT, area=area)
    _decided(step)


def _decided(step: RegistrationStep) -> None:
    registration = step.obj
    registration.reason = str(step.data.get("reason") or "").strip()
    registration.decided_by = step.actor
    registration.decided_at = step.now
    step.fields.update({"reason", "decided_by", "decided_at"})


def _registration_event(step: RegistrationStep) -> AuditEvent:
    registration = step.obj
    return audit_record(
        actor=step.actor,
        action=f"registration.{step.target}",
        target=registration,
        area_code=registration.community.code,
    )


S = RegistrationStatus
REGISTRATION: fsm.Lifecycle[Registration, User, AuditEvent] = fsm.Lifecycle(
    model=Registration,
    noun=gettext_lazy("注册申请"),
    state_field="status",
    moves={
        "confirm": fsm.Move(
            {S.PENDING},
            S.CONFIRMED,
            "registrations.confirm",
            _confirm,
            needs=("resident",),
            accepts=frozenset({"reason"}),
            label=gettext_lazy("确认"),
        ),
        "reject": fsm.Move(
            {S.PENDING}, S.REJECTED, "registrations.confirm", _decided, needs=("reason",), label=gettext_lazy("驳回")
        ),
    },
    write_event=_registration_event,
    authorize=fsm.rule_check(lambda user, rule, reg: rules.allows(user, rule, reg.community.code)),
    authorize_first=True,  # someone outside the community learns nothing about the application
    refused_as=Conflict,  # a decision is final: deciding again is a conflict with the first decision
    locked=lambda: Registration.objects.select_related("community", "user"),
    lock_of=("self",),
    field_messages={"resident": gettext_lazy("请选择要匹配的居民"), "reason": gettext_lazy("驳回时请说明原因")},
)


def registration_decide(
    *, actor: User, registration: Registration, confirm: bool, resident: Any = None, reason: str = ""
) -> Registration:
    """A community worker confirms the applicant against a resident of a household, or rejects with a reason."""
    data = {"resident": resident, "reason": reason} if confirm else {"reason": reason}
    move = "confirm" if confirm else "reject"
    return fsm.transition(REGISTRATION, registration, move, actor=actor, data=data).obj
