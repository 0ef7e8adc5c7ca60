"""Domain errors a view lets through become the error page (or, under /api/, the JSON error body).

As zulip's `JsonErrorHandler` does for its JSON errors: views and the actions they call raise typed errors
(`core.errors`) and never build their own refusal pages, so every page a user cannot use looks and reads the same.
The ninja API turns errors into JSON itself (`gongzhi.api.domain_error`) before they get here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from gongzhi.core.errors import DomainError
from gongzhi.core.pages import error_response


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            return error_response(request, exception)
        return None
