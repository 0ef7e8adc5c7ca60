"""Open311 GeoReport v2 under /open311/v2/ (thin: parse, call a selector or action, render).

Reads need no key, as the spec says; POST requests needs the client's api_key (form field or query string).
Every failure is the standard error body in the requested format.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gongzhi.core.errors import DomainError, ValidationFailed
from gongzhi.open311 import actions, render, selectors, serializers

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
ATTRIBUTE_RE = re.compile(r"^attribute\[(?P<code>[^\]]{1,64})\]$")


def _message(exc: DomainError) -> str:
    text = str(exc.message)
    # Name the field unless the message already does, so a client can tell which input to fix.
    return f"{exc.field}: {text}" if exc.field and exc.field not in text else text


def open311_view(*methods: str) -> Callable[[Callable[..., Any]], Callable[..., HttpResponse]]:
    """Allow only `methods`, validate jurisdiction_id, and turn domain errors into GeoReport error bodies."""

    def decorate(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            allowed = (*methods, "HEAD") if "GET" in methods else methods
            if request.method not in allowed:
                response = render.error(fmt, 405, _("不支持的请求方法：%(m)s") % {"m": request.method})
                response["Allow"] = ", ".join(allowed)
                return response
            try:
                params = request.POST if request.method == "POST" else request.GET
                jurisdiction_id = params.get("jurisdiction_id") or request.GET.get("jurisdiction_id")
                street = selectors.jurisdiction_get(jurisdiction_id)
                result: HttpResponse = view(request, *args, fmt=fmt, street=street, **kwargs)
                return result
            except DomainError as exc:
                status = 400 if exc.status_code in (409, 422) else exc.status_code
                return render.error(fmt, status, _message(exc))

        return wrapper

    return decorate


@open311_view("GET")
def discovery(request: HttpRequest, *, fmt: str, street: Any) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    changeset = render.w3c(selectors.services_changeset()) or ""
    body = {
        "changeset": changeset,
        "contact": _("请联系所在街道办事处（共治平台）"),
        "key_service": _("街道管理员用 python manage.py open311_key --name <客户端> 签发 api_key"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render.respond(fmt, "discovery", body)


@open311_view("GET")
def services(request: HttpRequest, *, fmt: str, street: Any) -> HttpResponse:
    return render.respond(fmt, "services", [serializers.service_out(c) for c in selectors.services_list()])


@open311_view("GET")
def service_definition(request: HttpRequest, *, fmt: str, street: Any, code: str) -> HttpResponse:
    service = selectors.service_get(code)
    return render.respond(fmt, "service_definition", serializers.service_definition_out(service))


def _page(params: Any) -> tuple[int, int]:
    """The widely used page/page_size extension (default and maximum: the spec's 1,000 requests)."""
    values = {}
    for name, default in (("page", 1), ("page_size", selectors.MAX_RESULTS)):
        raw = params.get(name)
        if raw in (None, ""):
            values[name] = default
            continue
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationFailed(_("%(field)s 必须是正整数") % {"field": name}, field=name)
        values[name] = int(raw)
    size = min(values["page_size"], selectors.MAX_RESULTS)
    return size, (values["page"] - 1) * size


@open311_view("GET", "POST")
def requests(request: HttpRequest, *, fmt: str, street: Any) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt=fmt, street=street)
    params = request.GET
    limit, offset = _page(params)
    appeals = selectors.requests_list(
        jurisdiction=street,
        service_request_id=params.get("service_request_id"),
        service_code=params.get("service_code"),
        start_date=params.get("start_date"),
        end_date=params.get("end_date"),
        status=params.get("status"),
        limit=limit,
        offset=offset,
    )
    agencies = selectors.agencies(appeals)
    body = [serializers.request_out(a, request=request, agencies=agencies) for a in appeals]
    return render.respond(fmt, "service_requests", body)


def _post_request(request: HttpRequest, *, fmt: str, street: Any) -> HttpResponse:
    data = request.POST
    client = actions.client_for_key(data.get("api_key") or request.GET.get("api_key"))
    attributes = {}
    for key in data:
        match = ATTRIBUTE_RE.match(key)
        if match:
            attributes[match["code"]] = data.get(key, "")
    posted = actions.request_submit(
        client=client,
        service_code=data.get("service_code"),
        jurisdiction_id=street.code if street else None,
        lat=data.get("lat"),
        long=data.get("long"),
        address_string=data.get("address_string", ""),
        address_id=data.get("address_id", ""),
        description=data.get("description", ""),
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        phone=data.get("phone", ""),
        email=data.get("email", ""),
        device_id=data.get("device_id", ""),
        account_id=data.get("account_id", ""),
        media=request.FILES.get("media"),
        attributes=attributes,
    )
    return render.respond(fmt, "service_requests", [serializers.posted_out(posted.appeal)])


@open311_view("GET")
def request_detail(request: HttpRequest, *, fmt: str, street: Any, request_id: str) -> HttpResponse:
    appeal = selectors.request_get(request_id=request_id, jurisdiction=street)
    agencies = selectors.agencies([appeal])
    return render.respond(
        fmt, "service_requests", [serializers.request_out(appeal, request=request, agencies=agencies)]
    )


@open311_view("GET")
def token(request: HttpRequest, *, fmt: str, street: Any, token: str) -> HttpResponse:
    appeal = selectors.request_by_token(token=token, jurisdiction=street)
    return render.respond(fmt, "service_requests", [serializers.token_out(appeal)])


@open311_view("GET")
def updates(request: HttpRequest, *, fmt: str, street: Any) -> HttpResponse:
    params = request.GET
    events = selectors.updates_list(
        jurisdiction=street, start_date=params.get("start_date"), end_date=params.get("end_date")
    )
    body = [serializers.update_out(e, request=request) for e in events]
    return render.respond(fmt, "service_request_updates", body)


@csrf_exempt
def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    """Anything else under /open311/v2/ gets the standard error body (XML unless it asked for .json)."""
    fmt = "json" if rest.endswith(".json") else "xml"
    return render.error(fmt, 404, _("没有这个 Open311 资源：%(path)s") % {"path": rest})
