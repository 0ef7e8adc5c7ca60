"""Checklist templates: publishing a version. A version is never changed; an edit is the next version."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import User
from gongzhi.appeals.models import Category
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.inspections.models import ChecklistItem, ChecklistTemplate, ItemKind, PlaceKind, Result, Severity

KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_ITEMS = 200
ITEM_KEYS = {"key", "text", "kind", "required", "severity", "choices", "condition", "appeal_category"}


def _int(value: Any, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(
            _("%(field)s 必须是 %(low)d 到 %(high)d 之间的整数") % {"field": field, "low": low, "high": high},
            field=field,
        )
    return value


def _items(raw: Any) -> list[ChecklistItem]:
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed(_("清单至少要有一项"), field="items")
    if len(raw) > MAX_ITEMS:
        raise ValidationFailed(_("清单最多 %(n)d 项") % {"n": MAX_ITEMS}, field="items")
    out: list[ChecklistItem] = []
    seen: dict[str, ChecklistItem] = {}
    for i, spec in enumerate(raw):
        where = f"items[{i}]"
        if not isinstance(spec, dict):
            raise ValidationFailed(_("%(field)s 必须是对象") % {"field": where}, field=where)
        unknown = sorted(set(spec) - ITEM_KEYS)
        if unknown:
            raise ValidationFailed(
                _("%(field)s 不接受的字段：%(keys)s") % {"field": where, "keys": "、".join(unknown)},
                field=f"{where}.{unknown[0]}",
            )
        key = spec.get("key")
        if not isinstance(key, str) or not KEY.match(key):
            raise ValidationFailed(
                _("%(field)s 的代码须为小写字母开头的字母、数字或下划线") % {"field": where}, field=f"{where}.key"
            )
        if key in seen:
            raise ValidationFailed(_("清单项代码重复：%(key)s") % {"key": key}, field=f"{where}.key")
        kind = spec.get("kind")
        if kind not in ItemKind.values:
            raise ValidationFailed(
                _("%(field)s 的类型只能是：%(v)s") % {"field": where, "v": "、".join(ItemKind.values)},
                field=f"{where}.kind",
            )
        required = spec.get("required", True)
        if not isinstance(required, bool):
            raise ValidationFailed(
                _("%(field)s 必须是布尔值") % {"field": f"{where}.required"}, field=f"{where}.required"
            )
        severity = _int(spec.get("severity", Severity.MINOR), field=f"{where}.severity", low=1, high=3)
        choices = spec.get("choices") or []
        if kind == ItemKind.CHOICE:
            if (
                not isinstance(choices, list)
                or len(choices) < 2
                or not all(isinstance(c, str) and c.strip() for c in choices)
            ):
                raise ValidationFailed(_("选择题至少要有两个选项"), field=f"{where}.choices")
            if len(set(choices)) != len(choices):
                raise ValidationFailed(_("选项重复"), field=f"{where}.choices")
        elif choices:
            raise ValidationFailed(_("只有选择题才有选项"), field=f"{where}.choices")
        condition = spec.get("condition")
        if condition is not None:
            condition = _condition(condition, seen, where=f"{where}.condition")
        category = spec.get("appeal_category") or ""
        if category and (
            not isinstance(category, str) or not Category.objects.filter(code=category, parent__isnull=False).exists()
        ):
            raise ValidationFailed(_("未知的诉求小类：%(code)s") % {"code": category}, field=f"{where}.appeal_category")
        item = ChecklistItem(
            key=key,
            order=i + 1,
            text=_text(spec.get("text"), field=f"{where}.text", max_length=200, required=True),
            kind=kind,
            required=required,
            choices=choices,
            condition=condition,
            severity=severity,
            appeal_category=category,
        )
        seen[key] = item
        out.append(item)
    return out


def _condition(raw: Any, earlier: dict[str, ChecklistItem], *, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict) or "item" not in raw or len(raw) != 2 or not ({"result", "value"} & set(raw)):
        raise ValidationFailed(_("显示条件须为 {item, result} 或 {item, value}"), field=where)
    target = earlier.get(raw["item"]) if isinstance(raw["item"], str) else None
    if target is None:
        raise ValidationFailed(_("显示条件只能引用前面的清单项：%(key)s") % {"key": raw["item"]}, field=where)
    if "result" in raw and raw["result"] not in Result.values:
        raise ValidationFailed(_("显示条件的结论只能是：%(v)s") % {"v": "、".join(Result.values)}, field=where)
    if "value" in raw and target.kind == ItemKind.CHOICE and raw["value"] not in target.choices:
        raise ValidationFailed(_("显示条件的取值不是该项的选项"), field=where)
    return {"item": raw["item"], **({"result": raw["result"]} if "result" in raw else {"value": raw["value"]})}


def _item_spec(item: ChecklistItem) -> tuple[Any, ...]:
    return (item.key, item.text, item.kind, item.required, list(item.choices or []), item.condition, item.severity,
            item.appeal_category)  # fmt: skip


def _same(current: ChecklistTemplate, header: tuple[Any, ...], rows: list[ChecklistItem]) -> bool:
    now = (current.name, current.committee, sorted(current.place_kinds), current.frequency_days,
           current.severity_threshold, current.rectify_days)  # fmt: skip
    return now == header and [_item_spec(i) for i in current.items.all()] == [_item_spec(r) for r in rows]


@transaction.atomic
def template_publish(
    *,
    actor: User | None,
    code: str,
    name: str,
    committee: str,
    place_kinds: list[str],
    frequency_days: int,
    items: list[dict[str, Any]],
    severity_threshold: int = Severity.SERIOUS,
    rectify_days: int = 7,
    system: bool = False,
    base_version: int | None = None,
) -> ChecklistTemplate:
    """Publish the next version of the template `code`; the one before stops being current (it stays for the
    inspections done with it). `system` is the seed command's publishing (no actor).

    `base_version` is the version the editor started from (the edit page always sends it): when another version was
    published since — a second tap on "publish", or a colleague's edit — nothing is written (409). A version that
    changes nothing of the current one is refused too."""
    if not system and not rules.scope_codes(actor, "inspections.configure"):
        raise PermissionDenied(_("您没有权限发布巡查清单"), details={"rule": "inspections.configure"})
    if not isinstance(code, str) or not KEY.match(code):
        raise ValidationFailed(_("清单代码须为小写字母开头的字母、数字或下划线"), field="code")
    name = _text(name, field="name", max_length=64, required=True)
    committee = _text(committee, field="committee", max_length=32, required=True)
    if not isinstance(place_kinds, list) or not place_kinds or not set(place_kinds) <= set(PlaceKind.values):
        raise ValidationFailed(_("适用场所类型只能是：%(v)s") % {"v": "、".join(PlaceKind.values)}, field="place_kinds")
    frequency_days = _int(frequency_days, field="frequency_days", low=1, high=366)
    severity_threshold = _int(severity_threshold, field="severity_threshold", low=1, high=3)
    rectify_days = _int(rectify_days, field="rectify_days", low=1, high=180)
    rows = _items(items)
    last = ChecklistTemplate.objects.select_for_update().filter(code=code).aggregate(v=Max("version"))["v"] or 0
    if base_version is not None:
        base_version = _int(base_version, field="base_version", low=0, high=2**31)
        if base_version != last:
            raise Conflict(
                _("清单「%(code)s」已有新版本 v%(v)d，请刷新后再修改") % {"code": code, "v": last},
                field="base_version",
                details={"version": last},
            )
    current = ChecklistTemplate.objects.filter(code=code, is_current=True).prefetch_related("items").first()
    header = (name, committee, sorted(set(place_kinds)), frequency_days, severity_threshold,
              rectify_days)  # fmt: skip
    if current is not None and _same(current, header, rows):
        raise ValidationFailed(_("与当前版本 v%(v)d 完全相同，未发布新版本") % {"v": current.version}, field="items")
    ChecklistTemplate.objects.filter(code=code, is_current=True).update(is_current=False)
    template = ChecklistTemplate.objects.create(
        code=code,
        version=last + 1,
        name=name,
        committee=committee,
        place_kinds=sorted(set(place_kinds), key=place_kinds.index),
        frequency_days=frequency_days,
        severity_threshold=severity_threshold,
        rectify_days=rectify_days,
        is_current=True,
        created_by=actor,
    )
    for row in rows:
        row.template = template
    ChecklistItem.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="inspections.template.publish",
        target=template,
        data={"code": code, "version": template.version, "items": len(rows)},
    )
    return template
