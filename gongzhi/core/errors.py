"""Typed domain errors. The API and pages turn them into clear messages in the user's language."""

from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: Any, *, field: str | None = None, details: Any = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "detail": str(self.message)}
        if self.field:
            body["field"] = self.field
        if self.details is not None:
            body["details"] = self.details
        return body


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_error"


class Unauthenticated(DomainError):
    status_code = 401
    code = "unauthenticated"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"
