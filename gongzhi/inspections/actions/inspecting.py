"""Submitting an inspection: check every answer against the template version, store it once, open the work.

The phone keeps an inspection in the browser until it is sent and sends it with a key of its own (`client_key`,
also the request's Idempotency-Key): the same key from the same inspector returns the inspection stored the first
time, so a retry after a lost answer never stores it twice. Bad input — a place outside the inspector's area, an
answer of the wrong type, a required item missing, an item its condition hides — is refused naming the field, and
nothing is stored.

A failed item whose severity is at least the template's threshold opens a rectification order (整改单) due after
the template's `rectify_days`, or, when the item names an appeal category, an appeal of that category in the
place's micro-grid. An inspection that re-inspects an order decides the order by the same item's result.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import User
from gongzhi.appeals import photos as appeal_photos
from gongzhi.appeals.actions import appeal_submit
from gongzhi.appeals.checkin import checkin_location
from gongzhi.appeals.models import Channel
from gongzhi.core import clock, fsm
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text as _text
from gongzhi.inspections.actions.rectifications import RECTIFICATION
from gongzhi.inspections.models import (
    OPEN_RECTIFICATION,
    Answer,
    AnswerPhoto,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAppeal,
    ItemKind,
    Place,
    Rectification,
    Result,
)

MAX_PHOTOS_PER_ITEM = 5
MAX_CLOCK_SKEW = dt.timedelta(minutes=10)
MAX_AGE = dt.timedelta(days=45)  # an inspection kept offline longer than this is refused
NEAR_M = 150.0  # the phone within this (plus its accuracy, up to 500 m) of the place: the location matches
ANSWER_KEYS = {"item", "result", "value", "note", "photos"}
SEVERITY_TEXT = {1: "一般", 2: "较重", 3: "重大"}


@dataclass
class Submitted:
    inspection: Inspection
    created: bool
    rectifications: list[Rectification] = field(default_factory=list)
    appeals: list[Any] = field(default_factory=list)
    # A new inspection's rows as written (its answers with their item, the photos of each answer), so the caller
    # can answer without reading them back; empty for an inspection stored before (read it with the selectors).
    answers: list[Answer] = field(default_factory=list)
    photos: dict[int, list[AnswerPhoto]] = field(default_factory=dict)


@dataclass
class _Checked:
    item: ChecklistItem
    result: str
    value: Any
    note: str
    photos: list[tuple[bytes, str, int, int]]


def _distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def holds(condition: dict[str, Any] | None, answers: dict[str, _Checked]) -> bool:
    """Whether an item with `condition` is shown, given the answers to the items before it."""
    if not condition:
        return True
    earlier = answers.get(condition["item"])
    if earlier is None:
        return False
    if "result" in condition:
        return bool(earlier.result == condition["result"])
    return bool(earlier.value == condition["value"])


def _photo(raw: Any, *, where: str) -> tuple[bytes, str, int, int]:
    if not isinstance(raw, str) or not raw:
        raise ValidationFailed(_("%(field)s 须为 base64 编码的图片") % {"field": where}, field=where)
    text = raw.split(",", 1)[1] if raw.startswith("data:") and "," in raw else raw
    if len(text) > appeal_photos.MAX_BYTES * 4 // 3 + 4:
        raise ValidationFailed(_("照片不能超过 10 MB"), field=where)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(_("%(field)s 须为 base64 编码的图片") % {"field": where}, field=where) from None
    if not data:
        raise ValidationFailed(_("照片是空文件"), field=where)
    fmt, width, height = appeal_photos.inspect(data, field=where)
    return data, fmt, width, height


def _value(item: ChecklistItem, value: Any, *, where: str) -> Any:
    """The answer's value checked against the item's type (None: not given)."""
    if value is None:
        return None
    if item.kind == ItemKind.YES_NO:
        if not isinstance(value, bool):
            raise ValidationFailed(_("「%(item)s」须回答是或否（true/false）") % {"item": item.text}, field=where)
    elif item.kind == ItemKind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValidationFailed(_("「%(item)s」须填写数字") % {"item": item.text}, field=where)
        if not -1e9 < value < 1e9:
            raise ValidationFailed(_("「%(item)s」的数值超出范围") % {"item": item.text}, field=where)
    elif item.kind == ItemKind.CHOICE:
        if value not in item.choices:
            raise ValidationFailed(
                _("「%(item)s」只能选：%(v)s") % {"item": item.text, "v": "、".join(item.choices)}, field=where
            )
    elif item.kind == ItemKind.PHOTO:
        raise ValidationFailed(_("照片项「%(item)s」的照片请放在 photos 中") % {"item": item.text}, field=where)
    return value


def check_answers(items: list[ChecklistItem], raw: Any) -> list[_Checked]:
    """Every answer checked against its item, in the template's order: the error names the item's field."""
    if not isinstance(raw, list):
        raise ValidationFailed(_("answers 须为列表"), field="answers")
    by_key = {item.key: item for item in items}
    given: dict[str, dict[str, Any]] = {}
    for i, answer in enumerate(raw):
        where = f"answers[{i}]"
        if not isinstance(answer, dict):
            raise ValidationFailed(_("%(field)s 须为对象") % {"field": where}, field=where)
        unknown = sorted(set(answer) - ANSWER_KEYS)
        if unknown:
            raise ValidationFailed(
                _("%(field)s 不接受的字段：%(keys)s") % {"field": where, "keys": "、".join(unknown)},
                field=f"{where}.{unknown[0]}",
            )
        key = answer.get("item")
        if not isinstance(key, str) or key not in by_key:
            raise ValidationFailed(_("清单中没有这一项：%(key)s") % {"key": key}, field=f"{where}.item")
        if key in given:
            raise ValidationFailed(_("同一项回答了两次：%(key)s") % {"key": key}, field=f"answers.{key}")
        given[key] = answer
    checked: dict[str, _Checked] = {}
    for item in items:
        where = f"answers.{item.key}"
        answer = given.get(item.key)
        shown = holds(item.condition, checked)
        if answer is None:
            if shown and item.required:
                raise ValidationFailed(_("必填项未填写：「%(item)s」") % {"item": item.text}, field=where)
            continue
        if not shown:
            raise ValidationFailed(
                _("「%(item)s」按显示条件不适用于本次巡查，不应填写") % {"item": item.text}, field=where
            )
        result = answer.get("result")
        if result not in Result.values:
            raise ValidationFailed(
                _("「%(item)s」的结论只能是：%(v)s") % {"item": item.text, "v": "、".join(Result.values)},
                field=f"{where}.result",
            )
        value = _value(item, answer.get("value"), where=f"{where}.value")
        photos_raw = answer.get("photos") or []
        if not isinstance(photos_raw, list):
            raise ValidationFailed(_("photos 须为列表"), field=f"{where}.photos")
        if len(photos_raw) > MAX_PHOTOS_PER_ITEM:
            raise ValidationFailed(_("每项最多 %(n)d 张照片") % {"n": MAX_PHOTOS_PER_ITEM}, field=f"{where}.photos")
        if result != Result.NA and item.required:
            if item.kind in (ItemKind.NUMBER, ItemKind.CHOICE) and value is None:
                raise ValidationFailed(_("必填项未填写：「%(item)s」") % {"item": item.text}, field=f"{where}.value")
            if item.kind == ItemKind.PHOTO and not photos_raw:
                raise ValidationFailed(_("「%(item)s」须拍照") % {"item": item.text}, field=f"{where}.photos")
        photos = [_photo(p, where=f"{where}.photos[{n}]") for n, p in enumerate(photos_raw)]
        note = _text(answer.get("note"), field=f"{where}.note", max_length=300)
        checked[item.key] = _Checked(item=item, result=result, value=value, note=note, photos=photos)
    return list(checked.values())


def _done_at(raw: Any, now: dt.datetime) -> dt.datetime:
    if raw is None:
        return now
    if isinstance(raw, str):
        try:
            raw = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise ValidationFailed(_("巡查时间须为 ISO 8601 日期时间"), field="done_at") from None
    if not isinstance(raw, dt.datetime):
        raise ValidationFailed(_("巡查时间须为 ISO 8601 日期时间"), field="done_at")
    value: dt.datetime = timezone.make_aware(raw) if timezone.is_naive(raw) else raw
    if value > now + MAX_CLOCK_SKEW:
        raise ValidationFailed(_("巡查时间不能晚于现在"), field="done_at")
    if value < now - MAX_AGE:
        raise ValidationFailed(_("巡查记录已超过 45 天未上传，不能再补报"), field="done_at")
    return value


def _place(actor: User, place_id: Any) -> Place:
    if isinstance(place_id, bool) or not isinstance(place_id, int):
        raise ValidationFailed(_("place_id 须为场所编号"), field="place_id")
    place = Place.objects.select_related("area").filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("场所不存在：%(id)s") % {"id": place_id}, field="place_id")
    if not rules.allows(actor, "inspections.inspect", place.area_code):
        raise PermissionDenied(
            _("场所「%(name)s」不在您负责的区域，不能巡查") % {"name": place.name},
            field="place_id",
            details={"rule": "inspections.inspect", "area": place.area_code},
        )
    if not place.is_active:
        raise ValidationFailed(_("场所「%(name)s」已注销，不能巡查") % {"name": place.name}, field="place_id")
    return place


def _template(template_id: Any, place: Place) -> ChecklistTemplate:
    if isinstance(template_id, bool) or not isinstance(template_id, int):
        raise ValidationFailed(_("template_id 须为清单版本编号"), field="template_id")
    template = ChecklistTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise NotFound(_("巡查清单不存在：%(id)s") % {"id": template_id}, field="template_id")
    if place.kind not in template.place_kinds:
        raise ValidationFailed(
            _("清单「%(t)s」不适用于%(kind)s") % {"t": template.name, "kind": place.get_kind_display()},
            field="template_id",
        )
    return template


def _rectification(rectification_id: Any, place: Place, template: ChecklistTemplate) -> Rectification | None:
    if rectification_id is None:
        return None
    if isinstance(rectification_id, bool) or not isinstance(rectification_id, int):
        raise ValidationFailed(_("rectification_id 须为整改单编号"), field="rectification_id")
    order = Rectification.objects.filter(pk=rectification_id, place=place).first()
    if order is None:
        raise NotFound(_("该场所没有这张整改单：%(id)s") % {"id": rectification_id}, field="rectification_id")
    if order.template_code != template.code:
        raise ValidationFailed(_("复查须使用开出整改单的清单"), field="template_id")
    if order.state not in OPEN_RECTIFICATION:
        raise ValidationFailed(
            _("整改单 %(n)s 已%(state)s，不能再复查") % {"n": order.number, "state": order.get_state_display()},
            field="rectification_id",
        )
    return order


def _location(value: Any, place: Place) -> dict[str, Any]:
    if value is None:
        return {}
    where = checkin_location(value)
    out: dict[str, Any] = {"lat": where["lat"], "lng": where["lng"], "accuracy_m": where.get("accuracy")}
    if place.lat is not None and place.lng is not None:
        distance = _distance_m(place.lat, place.lng, where["lat"], where["lng"])
        out["distance_m"] = round(distance, 1)
        out["location_ok"] = distance <= NEAR_M + min(where.get("accuracy") or 0.0, 500.0)
    return out


def _existing(actor: User, client_key: str) -> Submitted | None:
    found = Inspection.objects.filter(inspector=actor, client_key=client_key).first()
    return Submitted(inspection=found, created=False) if found is not None else None


@transaction.atomic
def inspection_submit(
    *,
    actor: User,
    place_id: Any,
    template_id: Any,
    answers: Any,
    done_at: Any = None,
    location: Any = None,
    client_key: str = "",
    rectification_id: Any = None,
    note: str = "",
) -> Submitted:
    """Store one inspection with its answers and photos, open what its failed items call for; see the module."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录"))
    client_key = _text(client_key, field="client_key", max_length=128)
    place = _place(actor, place_id)
    if client_key:
        first = _existing(actor, client_key)
        if first is not None:
            return first
    template = _template(template_id, place)
    order = _rectification(rectification_id, place, template)
    items = list(template.items.all())
    checked = check_answers(items, answers)
    if order is not None:
        reinspected = next((c for c in checked if c.item.key == order.item_key), None)
        if reinspected is None or reinspected.result == Result.NA:
            raise ValidationFailed(
                _("复查须填写整改项「%(item)s」的结论（合格或不合格）") % {"item": order.text},
                field=f"answers.{order.item_key}",
            )
    now = clock.now()
    when = _done_at(done_at, now)
    where = _location(location, place)
    note = _text(note, field="note", max_length=500)
    inspection = Inspection(
        place=place,
        template=template,
        inspector=actor,
        area_code=place.area_code,
        client_key=client_key,
        done_at=when,
        received_at=now,
        failed=sum(1 for c in checked if c.result == Result.FAIL),
        note=note,
        rectification=order,
        **where,
    )
    try:
        with transaction.atomic():
            inspection.save(force_insert=True)
    except IntegrityError:
        # The same offline inspection arrived twice at once: the other request stored it first.
        first = _existing(actor, client_key) if client_key else None
        if first is None:
            raise
        return first
    rows = Answer.objects.bulk_create(
        [Answer(inspection=inspection, item=c.item, result=c.result, value=c.value, note=c.note) for c in checked]
    )
    stamp = f"{inspection.pk}-{now:%Y%m%d%H%M%S}"
    out = Submitted(inspection=inspection, created=True, answers=rows)
    for answer, c in zip(rows, checked, strict=True):
        out.photos[answer.pk] = []
        for n, (data, fmt, width, height) in enumerate(c.photos):
            content_type, ext = appeal_photos.FORMATS[fmt]
            photo = AnswerPhoto(answer=answer, content_type=content_type, size=len(data), width=width, height=height)
            name = f"{stamp}-{c.item.key}-{n}.{ext}"
            photo.original.save(name, ContentFile(data), save=False)
            photo.public.save(name, ContentFile(appeal_photos.public_copy(data, fmt)), save=False)
            photo.save()
            out.photos[answer.pk].append(photo)
    today = timezone.localdate(when)
    orders: list[Rectification] = []
    for answer, c in zip(rows, checked, strict=True):
        if order is not None and c.item.key == order.item_key:
            continue
        if c.result != Result.FAIL or c.item.severity < template.severity_threshold:
            continue
        if c.item.appeal_category:
            out.appeals.append(_open_appeal(actor, inspection, answer, c))
        else:
            orders.append(_rectification_row(inspection, answer, c, today, len(orders) + 1))
    out.rectifications = Rectification.objects.bulk_create(orders) if orders else []
    if order is not None:
        passed = next(c for c in checked if c.item.key == order.item_key).result == Result.PASS
        if passed:
            fsm.transition(
                RECTIFICATION,
                order.pk,
                "reinspect_pass",
                actor=actor,
                data={"inspection": inspection.pk},
                savepoint=False,
            )
        else:
            deadline = max(today, timezone.localdate(now)) + dt.timedelta(days=template.rectify_days)
            fsm.transition(
                RECTIFICATION,
                order.pk,
                "reinspect_fail",
                actor=actor,
                data={"inspection": inspection.pk, "deadline": deadline},
                savepoint=False,
            )
    audit_record(
        actor=actor,
        action="inspections.inspection.submit",
        target=inspection,
        area_code=inspection.area_code,
        data={
            "template": f"{template.code}@{template.version}",
            "failed": inspection.failed,
            "rectifications": [r.pk for r in out.rectifications],
            "appeals": [a.number for a in out.appeals],
            "reinspection_of": order.pk if order is not None else None,
        },
    )
    return out


def _rectification_row(inspection: Inspection, answer: Answer, c: _Checked, today: dt.date, n: int) -> Rectification:
    """An order for a failed item, numbered from the inspection (ZG<date>-<inspection>-<n>), not saved yet."""
    template = inspection.template
    return Rectification(
        number=f"ZG{today:%Y%m%d}-{inspection.pk}-{n}",
        place=inspection.place,
        inspection=inspection,
        answer=answer,
        item_key=c.item.key,
        template_code=template.code,
        committee=template.committee,
        text=(c.item.text + (f"：{c.note}" if c.note else ""))[:300],
        severity=c.item.severity,
        area_code=inspection.area_code,
        deadline=today + dt.timedelta(days=template.rectify_days),
        created_at=inspection.received_at,
        updated_at=inspection.received_at,
    )


def _open_appeal(actor: User, inspection: Inspection, answer: Answer, c: _Checked) -> Any:
    place = inspection.place
    description = _("巡查发现问题：%(place)s「%(item)s」不合格（%(severity)s）%(note)s") % {
        "place": place.name,
        "item": c.item.text,
        "severity": SEVERITY_TEXT.get(c.item.severity, ""),
        "note": f"。{c.note}" if c.note else "",
    }
    submitted = appeal_submit(
        actor=actor,
        description=description,
        channel=Channel.GRID_REPORT,
        category=c.item.appeal_category,
        area_code=place.area_code,
        address=place.address or place.name,
    )
    InspectionAppeal.objects.create(answer=answer, appeal=submitted.appeal)
    return submitted.appeal
