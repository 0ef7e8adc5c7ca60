"""The JSON API under /api/v1/: one ninja Router per app."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.renderers import JSONRenderer

from gongzhi.accounts.api import router as auth_router
from gongzhi.areas.api import router as areas_router
from gongzhi.core.errors import DomainError
from gongzhi.people.api import router as people_router
from gongzhi.rosters.api import router as rosters_router


class ReadableJSONRenderer(JSONRenderer):
    # Chinese stays readable in responses instead of \u escapes.
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ReadableJSONRenderer(),
    title="Gongzhi 共治 API",
    version="1.0.0",
    description=_(
        "网格化基层治理平台接口。客户端使用 POST /api/v1/auth/token 取得令牌，以 `Authorization: Bearer …` 发送。"
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status_code)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "unauthenticated", "detail": _("请先登录或提供有效的令牌")}, status=401
    )


api.add_router("/auth", auth_router)
api.add_router("/areas", areas_router)
api.add_router("/", people_router)
api.add_router("/rosters", rosters_router)
