"""The JSON API under /api/v1/: one ninja Router per app."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.renderers import JSONRenderer

from gongzhi.accounts.api import router as auth_router
from gongzhi.accounts.auth import api_auth
from gongzhi.appeals.api import router as appeals_router
from gongzhi.appeals.measures_api import router as appeals_measures_router
from gongzhi.areas.api import router as areas_router
from gongzhi.awards.api import router as awards_router
from gongzhi.care.api import router as care_router
from gongzhi.carelink.api import router as carelink_router
from gongzhi.command.api import router as command_router
from gongzhi.core.errors import DomainError
from gongzhi.deliberation.api import router as deliberation_router
from gongzhi.inspections.api import router as inspections_router
from gongzhi.matching.api import router as matching_router
from gongzhi.noticeboard.api import router as board_router
from gongzhi.notifications.api import router as notifications_router
from gongzhi.people.api import router as people_router
from gongzhi.points.api import router as points_router
from gongzhi.privacy.api import router as privacy_router
from gongzhi.rosters.api import router as rosters_router
from gongzhi.volunteering.api import router as volunteering_router


class ReadableJSONRenderer(JSONRenderer):
    # Chinese stays readable in responses instead of \u escapes.
    json_dumps_params = {"ensure_ascii": False}


class ErrorOut(Schema):
    """Every error body: a DomainError (code, detail, field) or ninja's own (detail only; a list for bad input)."""

    code: str | None = Field(None, description="machine-readable, e.g. validation_error, not_found, forbidden")
    detail: str | list[dict[str, Any]] = Field(..., description="a message in the user's language, or field errors")
    field: str | None = Field(None, description="the input field the message is about")
    details: Any = None


ERROR_STATUSES = {
    400: "请求无效 Bad request",
    401: "未登录或令牌无效 Unauthenticated",
    403: "无权访问 Forbidden",
    404: "不存在 Not found",
    409: "冲突 Conflict",
    422: "输入有误 Validation failed",
    429: "请求过于频繁 Rate limited",
}


class GongzhiAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        # Clients (and the schema fuzz test) need the error shapes; ninja documents only the declared responses.
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                for status, description in ERROR_STATUSES.items():
                    operation["responses"].setdefault(status, {"description": description, **error})
        return schema


api = GongzhiAPI(
    renderer=ReadableJSONRenderer(),
    title="Gongzhi 共治 API",
    version="1.0.0",
    description=gettext_lazy(  # type: ignore[arg-type]  # lazy on purpose: the schema is built per request, in its language
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


class PingOut(Schema):
    ok: bool


@api.get(
    "/ping", auth=api_auth, response=PingOut, tags=["meta"], summary="Token check: the cheapest authenticated call"
)
def ping(request: HttpRequest) -> dict[str, bool]:
    return {"ok": True}


api.add_router("/auth", auth_router)
api.add_router("/areas", areas_router)
api.add_router("/", people_router)
api.add_router("/rosters", rosters_router)
api.add_router("/points", points_router)
api.add_router("/", volunteering_router)
api.add_router("/", matching_router)
api.add_router("/appeals/measures", appeals_measures_router)  # before /appeals: "measures" is no appeal id
api.add_router("/appeals", appeals_router)
api.add_router("/notifications", notifications_router)
api.add_router("/board", board_router)
api.add_router("/inspections", inspections_router)

api.add_router("/", deliberation_router)
api.add_router("/care", care_router)
api.add_router("/privacy", privacy_router)
api.add_router("/care", carelink_router)
api.add_router("/", awards_router)
api.add_router("/command", command_router)
