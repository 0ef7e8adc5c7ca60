"""A request id on every response and every log record, and the JSON log formatter (docs/operations.md).

`RequestIdMiddleware` (first in `MIDDLEWARE`) takes the caller's `X-Request-ID` when it is a sane token (the proxy's
`$request_id`, a UUID …) or makes one, keeps it in a context variable for the request's duration, and sends it back
in the response's `X-Request-ID`. `RequestIdFilter`, on the console handler, copies it onto every record (`-` outside
a request: the worker, the sweeps, `manage.py`). `LOG_FORMAT=json` (the production default) selects
`JsonFormatter`: one JSON object per line.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# Letters, digits and . _ : - only, 1–128 characters: what proxies and tracing systems send (nginx's 32 hex digits,
# UUIDs, "Root=1-…"-like ids without '='), and nothing that could break a log line or a header.
VALID_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
NO_REQUEST = "-"

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=NO_REQUEST)
request_logger = logging.getLogger("gongzhi.request")


def current_request_id() -> str:
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(raw: str | None) -> str | None:
    """The caller's id when it is acceptable; None when absent or not (the middleware then makes one)."""
    if raw and VALID_ID.fullmatch(raw):
        return raw
    return None


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accepted_request_id(request.headers.get(HEADER)) or new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs a 4xx/5xx answer ("django.request") after the middleware returns, so
        # the id is cleared when the response is closed (request_finished, below).
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = request_id
        if request_logger.isEnabledFor(logging.INFO):
            match = getattr(request, "resolver_match", None)
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "route": match.view_name if match else None,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
        return response


@receiver(request_finished, dispatch_uid="gongzhi.core.logs.clear_request_id")
def _clear_request_id(sender: Any, **kwargs: Any) -> None:
    request_id_var.set(NO_REQUEST)


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record that passes the handler (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


# The attributes every LogRecord has; anything else on a record came from `extra=` and goes into the JSON too.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, the `extra=` fields, and
    the exception's traceback as `exc_info` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
