"""Configuration of care: tags, risk levels, trigger lists (三必到、六必访) and communities' visit schedules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.care.actions._common import choice, risk_level
from gongzhi.care.models import CareTag, RiskLevel, TriggerGroup, VisitSchedule, VisitTrigger
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

MAX_INTERVAL_DAYS = 366


def _require_configure(actor: User) -> None:
    """The lists are shared by every street: whoever holds `care.configure` somewhere edits them (audited)."""
    if not rules.scope_codes(actor, "care.configure"):
        raise PermissionDenied(_("您没有权限修改关爱配置"), details={"rule": "care.configure"})


def _days(value: object, field: str, *, low: int = 1, high: int = MAX_INTERVAL_DAYS) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(
            _("%(field)s 应为 %(low)d 到 %(high)d 之间的整数") % {"field": field, "low": low, "high": high},
            field=field,
        )
    return value


def _slug(value: object, field: str = "code") -> str:
    code = clean_text(value, field=field, max_length=32, required=True)
    if not code.replace("-", "").replace("_", "").isalnum() or not code.isascii():
        raise ValidationFailed(_("代码只能由字母、数字、- 和 _ 组成"), field=field)
    return code


@transaction.atomic
def tag_save(
    *, actor: User, code: str, name: str, is_child: bool = False, order: int = 0, active: bool = True
) -> CareTag:
    _require_configure(actor)
    code = _slug(code)
    name = clean_text(name, field="name", max_length=32, required=True)
    order = _days(order, "order", low=0, high=999)
    if CareTag.objects.exclude(code=code).filter(name=name).exists():
        raise ValidationFailed(_("名称已被其他标签使用"), field="name")
    tag, _created = CareTag.objects.update_or_create(
        code=code, defaults={"name": name, "is_child": bool(is_child), "order": order, "active": bool(active)}
    )
    audit_record(actor=actor, action="care.config.tag", target=tag, data={"code": code, "active": active})
    return tag


@transaction.atomic
def risk_level_save(
    *, actor: User, code: str, name: str, rank: int, interval_days: int, color: str = "#999999", active: bool = True
) -> RiskLevel:
    _require_configure(actor)
    code = _slug(code)
    name = clean_text(name, field="name", max_length=16, required=True)
    rank = _days(rank, "rank", low=1, high=99)
    interval_days = _days(interval_days, "interval_days")
    if RiskLevel.objects.exclude(code=code).filter(name=name).exists():
        raise ValidationFailed(_("名称已被其他等级使用"), field="name")
    level, _created = RiskLevel.objects.update_or_create(
        code=code,
        defaults={"name": name, "rank": rank, "interval_days": interval_days,
                  "color": clean_text(color, field="color", max_length=16), "active": bool(active)},
    )  # fmt: skip
    audit_record(actor=actor, action="care.config.risk_level", target=level, data={"code": code})
    return level


@transaction.atomic
def trigger_save(
    *, actor: User, code: str, name: str, group: str, within_days: int = 1, order: int = 0, active: bool = True
) -> VisitTrigger:
    _require_configure(actor)
    code = _slug(code)
    name = clean_text(name, field="name", max_length=64, required=True)
    group = choice(group, TriggerGroup.values, field="group", label=_("类别"))
    within_days = _days(within_days, "within_days", low=0, high=30)
    order = _days(order, "order", low=0, high=999)
    trigger, _created = VisitTrigger.objects.update_or_create(
        code=code,
        defaults={"name": name, "group": group, "within_days": within_days, "order": order, "active": bool(active)},
    )
    audit_record(actor=actor, action="care.config.trigger", target=trigger, data={"code": code})
    return trigger


@transaction.atomic
def schedule_set(
    *, actor: User, community_code: str, level_code: str, interval_days: int | None
) -> VisitSchedule | None:
    """A community's own visit interval for a risk level; None removes it (the level's default applies)."""
    community = Area.objects.filter(code=str(community_code), level=AreaLevel.COMMUNITY).first()
    if community is None:
        raise NotFound(_("社区不存在：%(code)s") % {"code": community_code}, field="community_code")
    rules.require(actor, "care.manage", community.code)
    level = risk_level(level_code, field="risk_level")
    if interval_days is None:
        VisitSchedule.objects.filter(area=community, risk_level=level).delete()
        audit_record(actor=actor, action="care.config.schedule", area_code=community.code,
                     data={"risk_level": level.code, "interval_days": None})  # fmt: skip
        return None
    days = _days(interval_days, "interval_days")
    row, _created = VisitSchedule.objects.update_or_create(
        area=community, risk_level=level, defaults={"area_code": community.code, "interval_days": days}
    )
    audit_record(actor=actor, action="care.config.schedule", area_code=community.code,
                 data={"risk_level": level.code, "interval_days": days})  # fmt: skip
    return row
