"""`Idempotency-Key` for retried writes: the same key from the same user gets the first response again.

Every API write that clients may retry (mobile networks) wears one decorator, under the router's:

    @router.post("/awards", response={201: AwardOut})
    @idempotent("points.awards.create")
    def propose_award(request: ApiRequest, data: AwardIn) -> Status[AwardOut]:
        ...
        return Status(201, AwardOut.build(award))

Without the header the endpoint runs as it is. With it, the key row is written in the same database transaction
as the write it guards, so two concurrent requests with one key cannot both write: the second one's insert fails
on the unique index, its write rolls back, and it answers with the first one's stored response. The same key with a
different request (another endpoint, body or path) is refused with 409. A write that fails stores nothing, so the
client may correct it and send it again with the same key.

`run_once` is the same rule for a caller that is not an endpoint (the resident submit page keys its form token).
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Status
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel

from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.core.models import IdempotencyKey
from gongzhi.core.types import ApiRequest

if TYPE_CHECKING:
    from gongzhi.core.types import User

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 128

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def _jsonable(value: Any) -> Any:
    """What the client reads: the value encoded as ninja's renderer encodes it (so a replay is byte for byte the
    first answer, times to the millisecond included), read back as JSON types."""
    return json.loads(json.dumps(value, cls=NinjaJSONEncoder))


def fingerprint(endpoint: str, payload: Any) -> str:
    raw = json.dumps({"endpoint": endpoint, "payload": payload}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _stored(existing: IdempotencyKey, print_: str) -> tuple[int, Any]:
    if existing.fingerprint != print_:
        raise Conflict(
            _("Idempotency-Key 已用于另一个不同的请求，请换一个新的键"),
            field=HEADER,
            details={"key": existing.key},
        )
    return existing.status_code, existing.response


def run_once(
    *, user: User, key: str, endpoint: str, print_: str, write: Callable[[], tuple[int, Any]]
) -> tuple[int, Any, bool]:
    """Run `write` (returning a status and a JSON-able body) at most once per (user, key).

    Answers (status, body, replayed): the first run's own answer, or the stored one with replayed=True.
    """
    existing = IdempotencyKey.objects.filter(user=user, key=key).first()
    if existing is not None:
        return (*_stored(existing, print_), True)
    try:
        with transaction.atomic():
            status, body = write()
            IdempotencyKey.objects.create(
                user=user, key=key, endpoint=endpoint, fingerprint=print_, status_code=status, response=body
            )
    except IntegrityError:
        existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is None:
            raise
        return (*_stored(existing, print_), True)
    return status, body, False


def _key(request: HttpRequest) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(_("Idempotency-Key 必须是 1 到 128 个字符"), field=HEADER)
    return key


def _payload(arguments: dict[str, Any]) -> dict[str, Any]:
    """The request as the endpoint received it: path and query values, and the body schema's fields."""
    payload: dict[str, Any] = {}
    for name, value in arguments.items():
        if isinstance(value, BaseModel):
            payload.update(value.model_dump())
        else:
            payload[name] = value
    return payload


def _answer(result: Any) -> tuple[int, Any]:
    """An endpoint's return value as the (status, JSON body) to store."""
    if isinstance(result, Status):
        return result.status_code, _jsonable(result.value)
    if isinstance(result, HttpResponse):
        return result.status_code, json.loads(result.content) if result.content else None
    return 200, _jsonable(result)


def _replay(status: int, body: Any) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )


def idempotent(endpoint: str) -> Callable[[Endpoint], Endpoint]:
    """The endpoint honours `Idempotency-Key` (see the module's docstring); `endpoint` names it in the key row.

    Put it under `@router.post(...)`. It runs behind the router's authentication, so `request.auth` is the user
    the key belongs to.
    """

    def decorate(view: Endpoint) -> Endpoint:
        # ninja reads the parameters (and resolves their string annotations) from the signature it is given.
        signature = inspect.signature(view, eval_str=True)

        @wraps(view)
        def wrapper(request: ApiRequest, *args: Any, **kwargs: Any) -> Any:
            key = _key(request)
            if key is None:
                return view(request, *args, **kwargs)
            first: list[Any] = []

            def write() -> tuple[int, Any]:
                first.append(view(request, *args, **kwargs))
                return _answer(first[0])

            print_ = fingerprint(endpoint, _payload(kwargs))  # ninja passes every parameter by name
            user = request.auth  # set by the router's authentication
            status, body, replayed = run_once(user=user, key=key, endpoint=endpoint, print_=print_, write=write)
            return _replay(status, body) if replayed else first[0]

        wrapper.__signature__ = signature  # type: ignore[attr-defined]  # inspect.signature reads it
        wrapper.idempotent_endpoint = endpoint  # type: ignore[attr-defined]  # for the OpenAPI note and the tests
        return cast(Endpoint, wrapper)

    return decorate
