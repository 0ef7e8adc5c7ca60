"""Writing to the append-only audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model
from django.http import HttpRequest

from gongzhi.core.models import AuditEvent

if TYPE_CHECKING:
    from gongzhi.core.types import User


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    target: Model | None = None,
    target_type: str = "",
    target_id: str = "",
    area_code: str = "",
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    return AuditEvent.objects.create(
        actor=None if actor is None or isinstance(actor, AnonymousUser) else actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        area_code=area_code,
        data=data or {},
        ip_address=client_ip(request),
    )
