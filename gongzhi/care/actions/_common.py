"""What the care actions share: the event row, who may act on an archive, checks of input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.care import access
from gongzhi.care.models import CareArchive, CareEvent, RiskLevel
from gongzhi.core import clock
from gongzhi.core.errors import PermissionDenied, ValidationFailed

if TYPE_CHECKING:
    from gongzhi.accounts.models import User


def event(
    *,
    archive: CareArchive,
    target: str,
    action: str,
    actor: User | None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> CareEvent:
    return CareEvent.objects.create(
        archive=archive,
        target=target,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        note=note[:300],
        data=data or {},
        created_at=at or clock.now(),
    )


def lock_archive(archive_id: object) -> CareArchive:
    archive = CareArchive.objects.select_for_update().filter(pk=_int(archive_id, "archive_id")).first()
    if archive is None:
        from gongzhi.core.errors import NotFound

        raise NotFound(_("关爱档案不存在：%(id)s") % {"id": archive_id}, field="archive_id")
    return archive


def _int(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            return int(str(value))
        except (TypeError, ValueError):
            raise ValidationFailed(_("%(field)s 必须是整数") % {"field": field}, field=field) from None
    return value


def require_manage(actor: User, archive: CareArchive) -> None:
    """Managing an archive: `care.manage` at its area and, for a child's, the children's role as well."""
    rules.require(actor, "care.manage", archive.area_code)
    if archive.is_child and not rules.allows(actor, "care.children", archive.area_code):
        raise PermissionDenied(
            _("儿童关爱档案仅限指派的关爱人和儿童主任查看"), field="archive_id", details={"rule": "care.children"}
        )


def require_carer_or_manage(actor: User, archive: CareArchive, *, field: str = "archive_id") -> bool:
    """An assigned carer, or someone who manages the archive; returns whether the actor is assigned."""
    access.check_read(actor, archive, why="write")
    if access.is_assigned(actor, archive):
        return True
    require_manage(actor, archive)
    return False


def risk_level(code: object, *, field: str = "risk_level") -> RiskLevel:
    levels = {lvl.code: lvl for lvl in RiskLevel.objects.filter(active=True)}
    if not isinstance(code, str) or code not in levels:
        raise ValidationFailed(
            _("风险等级「%(v)s」不在列表中；可选：%(allowed)s")
            % {"v": code, "allowed": "、".join(f"{lvl.name}（{c}）" for c, lvl in levels.items())},
            field=field,
            details={"allowed": list(levels)},
        )
    return levels[code]


def choice(value: object, allowed: Iterable[str], *, field: str, label: str) -> str:
    allowed = list(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ValidationFailed(
            _("%(label)s「%(v)s」无效；可选：%(allowed)s")
            % {"label": label, "v": value, "allowed": "、".join(allowed)},
            field=field,
        )
    return value


def aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def coordinates(lat: object, lng: object) -> tuple[float | None, float | None]:
    if lat is None and lng is None:
        return None, None
    if lat is None or lng is None:
        raise ValidationFailed(_("经纬度须同时填写"), field="lat" if lat is None else "lng")
    try:
        la, ln = float(str(lat)), float(str(lng))
    except ValueError:
        raise ValidationFailed(_("经纬度必须是数字"), field="lat") from None
    if not -90 <= la <= 90:
        raise ValidationFailed(_("纬度应在 -90 到 90 之间"), field="lat")
    if not -180 <= ln <= 180:
        raise ValidationFailed(_("经度应在 -180 到 180 之间"), field="lng")
    return la, ln
