from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.throttling import AnonRateThrottle

from gongzhi.accounts import actions, rules
from gongzhi.accounts.auth import api_auth
from gongzhi.core.types import ApiRequest

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = ""


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - a scheme name, not a secret
    user: str
    detail: str


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
    _token, raw = actions.api_token_issue(user=user, name=data.name or "api")
    return Status(201, TokenOut(token=raw, user=user.username, detail=_("令牌只显示一次，请妥善保存")))


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
