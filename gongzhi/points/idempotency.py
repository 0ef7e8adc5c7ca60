"""`Idempotency-Key` for retried writes: the same key from the same user gets the first response again.

The key row is written in the same database transaction as the write it guards, so two concurrent requests with
one key cannot both write: the second one's insert fails on the unique index, its write rolls back, and it
answers with the first one's stored response.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.points.models import IdempotencyKey

HEADER = "Idempotency-Key"


def _stored(existing: IdempotencyKey, fingerprint: str) -> tuple[int, Any]:
    if existing.fingerprint != fingerprint:
        raise Conflict(
            _("Idempotency-Key 已用于另一个不同的请求，请换一个新的键"),
            field=HEADER,
            details={"key": existing.key},
        )
    return existing.status_code, existing.response


def run_once(
    request: HttpRequest, *, endpoint: str, payload: dict[str, Any], write: Callable[[], tuple[int, Any]]
) -> tuple[int, Any]:
    """Run `write` (returning status and a JSON-able body) at most once per (user, Idempotency-Key)."""
    key = request.headers.get(HEADER)
    if key is None:
        return write()
    key = key.strip()
    if not key or len(key) > 128:
        raise ValidationFailed(_("Idempotency-Key 必须是 1 到 128 个字符"), field=HEADER)
    user = request.auth  # type: ignore[attr-defined]
    raw = json.dumps({"endpoint": endpoint, "payload": payload}, sort_keys=True, ensure_ascii=False, default=str)
    fingerprint = hashlib.sha256(raw.encode()).hexdigest()
    existing = IdempotencyKey.objects.filter(user=user, key=key).first()
    if existing is not None:
        return _stored(existing, fingerprint)
    try:
        with transaction.atomic():
            status, body = write()
            IdempotencyKey.objects.create(
                user=user, key=key, endpoint=endpoint, fingerprint=fingerprint, status_code=status, response=body
            )
    except IntegrityError:
        existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is None:
            raise
        return _stored(existing, fingerprint)
    return status, body
