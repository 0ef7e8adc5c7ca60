import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.throttling import AnonRateThrottle

from gongzhi.accounts import actions, otp, otp_actions, rules
from gongzhi.accounts.auth import api_auth
from gongzhi.accounts.models import ApiToken, User
from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.types import ApiRequest

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = ""
    # The code of the authenticator app (or a recovery code): needed by users who use two-factor sign-in.
    otp: str = ""
    expires_in_days: int | None = None


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - a scheme name, not a secret
    user: str
    expires_at: dt.datetime
    detail: str


class TokenRowOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    active: bool


class TokenCreateIn(Schema):
    name: str = ""
    expires_in_days: int | None = None
    otp: str = ""


class CodeIn(Schema):
    code: str


class OtpStatusOut(Schema):
    required: bool
    enrolled: bool
    recovery_codes_left: int
    second_step_owed: bool


class EnrolOut(Schema):
    secret: str
    otpauth_uri: str


class RecoveryCodesOut(Schema):
    recovery_codes: list[str]
    detail: str


class DetailOut(Schema):
    detail: str


class ResetIn(Schema):
    reason: str


class MembershipOut(Schema):
    role: str
    role_label: str
    area_code: str


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[MembershipOut]


@router.post(
    "/token",
    response={201: TokenOut},
    auth=None,
    summary="Exchange username/phone and password for a token",
    throttle=[AnonRateThrottle("30/m")],
)
def issue_token(request: HttpRequest, data: TokenIn) -> Status[TokenOut]:
    user = actions.user_sign_in(username=data.username, password=data.password, request=request)
    proof = None
    if otp.required(user) or otp.enrolled(user):
        if not otp.enrolled(user):
            raise otp_actions.SecondFactorRequired(
                _("请先在网页上登录并设置两步验证（/account/2fa/），再申请令牌"), field="otp"
            )
        if not data.otp.strip():
            raise otp_actions.SecondFactorRequired(_("请提供身份验证器上的验证码（otp）"), field="otp")
        proof = otp_actions.otp_verify(user=user, code=data.otp, request=request)
    token, raw = actions.api_token_issue(user=user, name=data.name or "api", proof=proof, days=data.expires_in_days)
    return Status(
        201,
        TokenOut(token=raw, user=user.username, expires_at=token.expires_at, detail=_("令牌只显示一次，请妥善保存")),
    )


def _token_row(token: ApiToken) -> TokenRowOut:
    return TokenRowOut(
        id=token.pk,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        active=token.revoked_at is None and token.expires_at > clock.now(),
    )


@router.get("/tokens", response=list[TokenRowOut], auth=api_auth, summary="My API tokens")
def list_tokens(request: ApiRequest) -> list[TokenRowOut]:
    return [_token_row(t) for t in ApiToken.objects.filter(user=request.auth).order_by("-created_at")]


@router.post("/tokens", response={201: TokenOut}, auth=api_auth, summary="Create an API token (after the second step)")
def create_token(request: ApiRequest, data: TokenCreateIn) -> Status[TokenOut]:
    user = request.auth
    proof = otp.session_proof(request.session, user) if hasattr(request, "session") else None
    if proof is None and data.otp.strip():
        proof = otp_actions.otp_verify(user=user, code=data.otp, request=request)
    token, raw = actions.api_token_issue(user=user, name=data.name or "api", proof=proof, days=data.expires_in_days)
    return Status(
        201,
        TokenOut(token=raw, user=user.username, expires_at=token.expires_at, detail=_("令牌只显示一次，请妥善保存")),
    )


@router.delete("/tokens/{token_id}", response={204: None}, auth=api_auth, summary="Revoke one of my API tokens")
def revoke_token(request: ApiRequest, token_id: int) -> Status[None]:
    token = ApiToken.objects.filter(pk=token_id, user=request.auth).first()
    if token is None:
        raise NotFound(_("令牌不存在"))
    actions.api_token_revoke(user=request.auth, token=token)
    return Status(204, None)


def _session_verified(request: ApiRequest, proof: otp.Proof | str) -> None:
    session = getattr(request, "session", None)
    if session is not None and str(session.get("_auth_user_id")) == str(request.auth.pk):
        otp.mark_verified(session, request.auth, method=proof.method if isinstance(proof, otp.Proof) else proof)


@router.get("/otp", response=OtpStatusOut, auth=api_auth, summary="My two-factor sign-in status")
def otp_status(request: ApiRequest) -> OtpStatusOut:
    state = otp.state(request.session) if hasattr(request, "session") else None
    return OtpStatusOut(
        required=otp.required(request.auth),
        enrolled=otp.enrolled(request.auth),
        recovery_codes_left=otp_actions.recovery_codes_left(request.auth),
        second_step_owed=bool(state and state.get("owed")),
    )


@router.post("/otp/enrol", response=EnrolOut, auth=api_auth, summary="Start enrolling an authenticator app")
def otp_enrol(request: ApiRequest) -> EnrolOut:
    enrolment = otp_actions.otp_enrol_start(user=request.auth)
    return EnrolOut(secret=enrolment.secret, otpauth_uri=enrolment.uri)


@router.post("/otp/confirm", response=RecoveryCodesOut, auth=api_auth, summary="Confirm enrolment with a first code")
def otp_confirm(request: ApiRequest, data: CodeIn) -> RecoveryCodesOut:
    codes = otp_actions.otp_enrol_confirm(user=request.auth, code=data.code, request=request)
    _session_verified(request, "totp")
    return RecoveryCodesOut(recovery_codes=codes, detail=_("恢复码只显示这一次，请妥善保存"))


@router.post("/otp/verify", response=DetailOut, auth=api_auth, summary="Pass the second sign-in step")
def otp_verify(request: ApiRequest, data: CodeIn) -> DetailOut:
    proof = otp_actions.otp_verify(user=request.auth, code=data.code, request=request)
    _session_verified(request, proof)
    return DetailOut(detail=_("两步验证已通过"))


@router.post("/otp/recovery-codes", response=RecoveryCodesOut, auth=api_auth, summary="New recovery codes")
def otp_recovery_codes(request: ApiRequest, data: CodeIn) -> RecoveryCodesOut:
    codes = otp_actions.otp_recovery_regenerate(user=request.auth, code=data.code, request=request)
    return RecoveryCodesOut(recovery_codes=codes, detail=_("恢复码只显示这一次，请妥善保存"))


@router.post("/otp/disable", response=DetailOut, auth=api_auth, summary="Turn two-factor sign-in off (if optional)")
def otp_disable(request: ApiRequest, data: CodeIn) -> DetailOut:
    otp_actions.otp_disable(user=request.auth, code=data.code, request=request)
    return DetailOut(detail=_("两步验证已停用"))


@router.post(
    "/users/{username}/otp/reset", response=DetailOut, auth=api_auth, summary="Reset a user's lost authenticator"
)
def otp_reset(request: ApiRequest, username: str, data: ResetIn) -> DetailOut:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(_("用户 %(u)s 不存在") % {"u": username})
    otp_actions.otp_reset(actor=request.auth, user=user, reason=data.reason, request=request)
    return DetailOut(detail=_("已重置 %(u)s 的两步验证") % {"u": username})


@router.get("/me", response=MeOut, auth=api_auth, summary="Who the token or session belongs to")
def me(request: ApiRequest) -> MeOut:
    from gongzhi.accounts.models import Membership, Role

    rows = Membership.objects.filter(user=request.auth).select_related("area").order_by("role")
    rules.forget_memberships(request.auth)
    return MeOut(
        username=request.auth.username,
        display_name=request.auth.display_name,
        roles=[MembershipOut(role=m.role, role_label=str(Role(m.role).label), area_code=m.area.code) for m in rows],
    )
