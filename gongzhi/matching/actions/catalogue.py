"""The service catalogue: categories and items with their per-step deadlines, edited by street staff."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.matching import catalogue as defaults
from gongzhi.matching.models import STEP_DEADLINE_FIELDS, ServiceCategory, ServiceItem

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

RULE = "matching.catalogue"
MAX_HOURS = 24 * 90
EDITABLE = ("name", "description", "active", *STEP_DEADLINE_FIELDS.values())


def _require(actor: User | None) -> None:
    # The catalogue is one for the platform: whoever holds the rule at some area (street staff) edits it.
    if not rules.scope_codes(actor, RULE):
        rules.require(actor, RULE, "")


def _hours(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (1 <= value <= MAX_HOURS):
        raise ValidationFailed(
            _("%(field)s 须为 1 到 %(max)d 之间的整数（小时）") % {"field": field, "max": MAX_HOURS}, field=field
        )
    return value


@transaction.atomic
def item_create(
    *, actor: User, category_id: int, name: str, description: str = "", hours: dict[str, int] | None = None
) -> ServiceItem:
    _require(actor)
    category = ServiceCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound(_("服务类别不存在：%(id)s") % {"id": category_id}, field="category_id")
    name = clean_text(name, field="name", max_length=48, required=True)
    if ServiceItem.objects.filter(category=category, name=name).exists():
        raise ValidationFailed(_("该类别下已有同名服务项目：%(name)s") % {"name": name}, field="name")
    item = ServiceItem(
        category=category, name=name, description=clean_text(description, field="description", max_length=200)
    )
    for key, value in (hours or {}).items():
        if key not in STEP_DEADLINE_FIELDS.values():
            raise ValidationFailed(_("未知的时限字段：%(f)s") % {"f": key}, field=key)
        setattr(item, key, _hours(value, key))
    item.save()
    audit_record(actor=actor, action="matching.item.create", target=item, data={"name": name})
    return item


@transaction.atomic
def item_update(*, actor: User, item_id: int, changes: dict[str, Any]) -> ServiceItem:
    """Change an item's name, description, active flag or deadlines; an unknown field is refused, nothing changes."""
    _require(actor)
    item = ServiceItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("服务项目不存在：%(id)s") % {"id": item_id}, field="item_id")
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(_("不能修改的字段：%(f)s") % {"f": "、".join(unknown)}, field=unknown[0])
    for key, value in changes.items():
        if key == "name":
            value = clean_text(value, field="name", max_length=48, required=True)
        elif key == "description":
            value = clean_text(value, field="description", max_length=200)
        elif key == "active":
            if not isinstance(value, bool):
                raise ValidationFailed(_("active 须为 true 或 false"), field="active")
        else:
            value = _hours(value, key)
        setattr(item, key, value)
    item.save(update_fields=sorted(changes) or None)
    audit_record(actor=actor, action="matching.item.update", target=item, data={k: str(v) for k, v in changes.items()})
    return item


@transaction.atomic
def catalogue_seed() -> dict[str, int]:
    """The default catalogue (7 categories, 50 items), added where missing; run by seed_matching. Idempotent."""
    made = {"categories": 0, "items": 0}
    for order, (code, name, items) in enumerate(defaults.CATEGORIES):
        category, created = ServiceCategory.objects.get_or_create(code=code, defaults={"name": name, "order": order})
        made["categories"] += created
        for item_name, description, (d, a, c, f, r) in items:
            _item, created = ServiceItem.objects.get_or_create(
                category=category,
                name=item_name,
                defaults={
                    "description": description, "dispatch_hours": d, "accept_hours": a, "claim_hours": c,
                    "fulfil_hours": f, "rate_hours": r,
                },
            )  # fmt: skip
            made["items"] += created
    return made
