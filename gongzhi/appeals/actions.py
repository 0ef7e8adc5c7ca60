"""Writes of the appeals app: intake from every channel, categories, photos and the deadline sweep.

State changes go through workflow.appeal_transition (re-exported here), the one function that moves an appeal.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.appeals import notify as appeal_notify
from gongzhi.appeals import policy
from gongzhi.appeals.models import (
    Appeal,
    AppealEvent,
    AppealNumberCounter,
    Category,
    Channel,
    Level,
    PhotoKind,
    State,
    Tier,
)
from gongzhi.appeals.photos import photo_add
from gongzhi.appeals.workflow import appeal_transition, dispatch_in_place, escalate_overdue, route
from gongzhi.areas.geometry import resolve_point
from gongzhi.areas.models import Area
from gongzhi.core import clock, pii
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.recent import Recent
from gongzhi.core.text import clean_text as _text

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

log = logging.getLogger(__name__)

__all__ = ["appeal_photo_add", "appeal_submit", "appeal_transition", "category_update", "sweep_deadlines"]

# Channels staff use to record a case on someone's behalf (the reporter is not the logged-in user).
ON_BEHALF_CHANNELS = frozenset({Channel.HOTLINE_12345, Channel.SUSUBAN, Channel.WALK_IN})
# Channels only staff may use.
STAFF_CHANNELS = ON_BEHALF_CHANNELS | {Channel.GRID_REPORT}
MAX_DESCRIPTION = 4000


# The PostgreSQL intake path (one statement for the day's number and the appeal's id, one for the appeal and its
# events) and the plain-SQL reads below name tables and columns from the models, never by hand;
# tests/appeals/test_intake_paths.py runs it and the ORM path on the same data and compares every row written.
_qn = connection.ops.quote_name


def _col(field: Any) -> str:
    """A concrete field's column, quoted."""
    return str(_qn(field.column))


def _column(model: Any, name: str) -> str:
    return _col(model._meta.get_field(name))


_COUNTER = _qn(AppealNumberCounter._meta.db_table)
_DAY, _LAST = _column(AppealNumberCounter, "day"), _column(AppealNumberCounter, "last")
_COUNTER_SQL = (
    f"INSERT INTO {_COUNTER} ({_DAY}, {_LAST}) VALUES (%s, 1) "  # noqa: S608 - our names, values are bound
    f"ON CONFLICT ({_DAY}) DO UPDATE SET {_LAST} = {_COUNTER}.{_LAST} + 1 RETURNING {_LAST}"
)


def fast_insert() -> bool:
    """Whether intake writes the appeal and its events in one statement (PostgreSQL); else through the ORM."""
    return connection.vendor == "postgresql"


def _number(now: dt.datetime, *, with_id: bool = False) -> tuple[str, int | None]:
    """SQ<day>-<serial>: the day's counter bumped and read in one statement (an upsert with RETURNING).

    With `with_id` (PostgreSQL) the same statement also draws the new appeal's id from its sequence, so the appeal
    and its events can be inserted together (see _insert_with_events).
    """
    day = timezone.localdate(now)
    with connection.cursor() as cursor:
        if with_id:
            cursor.execute(
                f"WITH c AS ({_COUNTER_SQL}) SELECT c.*, nextval(pg_get_serial_sequence(%s, %s)) FROM c",  # noqa: S608
                [day, Appeal._meta.db_table, Appeal._meta.pk.column],
            )
            serial, new_id = cursor.fetchone()
        else:
            cursor.execute(_COUNTER_SQL, [day])
            serial, new_id = cursor.fetchone()[0], None
    return f"SQ{day:%Y%m%d}-{serial:06d}", new_id


def _insert_with_events(appeal: Appeal, events: list[AppealEvent]) -> None:
    """PostgreSQL: the appeal (its id drawn already) and its events in one INSERT statement, one round trip.

    The values are prepared by each field exactly as Model.save and bulk_create prepare them; the events' foreign
    key to the appeal is checked at commit (Django creates it deferrable), when the appeal row exists.
    """

    def columns(fields: list[Any]) -> str:
        return ", ".join(_col(f) for f in fields)

    def values(obj: Any, fields: list[Any]) -> list[Any]:
        return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]

    appeal_fields = list(Appeal._meta.concrete_fields)
    event_pk = AppealEvent._meta.pk
    event_fields = [f for f in AppealEvent._meta.concrete_fields if f is not event_pk]
    row = "(" + ", ".join(["%s"] * len(event_fields)) + ")"
    sql = (
        f"WITH a AS (INSERT INTO {_qn(Appeal._meta.db_table)} ({columns(appeal_fields)}) "  # noqa: S608 - our names
        f"VALUES ({', '.join(['%s'] * len(appeal_fields))})) "
        f"INSERT INTO {_qn(AppealEvent._meta.db_table)} ({columns(event_fields)}) "
        f"VALUES {', '.join([row] * len(events))} RETURNING {_col(event_pk)}"
    )
    params = values(appeal, appeal_fields) + [v for event in events for v in values(event, event_fields)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [r[0] for r in cursor.fetchall()]
    for obj, pk in ((appeal, appeal.pk), *zip(events, ids, strict=True)):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


# Intake reads a category and an area by code per request. As plain SQL they skip the ORM's query compilation,
# which cost more than the database (about 1 ms each), and each is kept in the process for a second (REFERENCE_
# SECONDS): a category or area edited elsewhere reaches intake within that time, one edited here at once.
# The boundary (GeoJSON) stays deferred: intake never reads it.
REFERENCE_SECONDS = 1.0
_AREA_COLUMNS = ", ".join(_col(f) for f in Area._meta.concrete_fields if f.name != "boundary")
_AREA_SQL = f"SELECT {_AREA_COLUMNS} FROM {_qn(Area._meta.db_table)} WHERE {_column(Area, 'code')} = %s"  # noqa: S608
_CATEGORIES = _qn(Category._meta.db_table)
_CATEGORY_SQL = (
    f"SELECT * FROM {_CATEGORIES} WHERE {_column(Category, 'code')} = %s AND {_column(Category, 'is_active')} "  # noqa: S608
    f"UNION ALL SELECT * FROM {_CATEGORIES} WHERE {_column(Category, 'id')} = (SELECT {_column(Category, 'parent')} "
    f"FROM {_CATEGORIES} WHERE {_column(Category, 'code')} = %s AND {_column(Category, 'is_active')})"
)


def _read_area(code: str) -> Area | None:
    return next(iter(Area.objects.raw(_AREA_SQL, [code])), None)


def _read_category(code: str) -> Category | None:
    rows = {row.code: row for row in Category.objects.raw(_CATEGORY_SQL, [code, code])}
    category = rows.pop(code, None)
    if category is not None:
        category.parent = next(iter(rows.values()), None)  # as select_related("parent") would
    return category


_areas: Recent[str, Area] = Recent(REFERENCE_SECONDS)
_categories: Recent[str, Category] = Recent(REFERENCE_SECONDS)


def _kept_copy(obj: Any) -> Any:
    """A shallow copy of a kept row, so that a caller setting attributes on it never changes the kept one."""
    return copy.copy(obj) if obj is not None else None


def forget_categories() -> None:
    """After a category is edited in this process: intake reads categories afresh."""
    _categories.forget()


def resolve_location(*, lat: Any, lng: Any, area_code: Any) -> tuple[Area, float | None, float | None]:
    """The micro-grid of a point, or of a given micro-grid code; a clear error when neither leads to one."""
    if lat is None and lng is None and not area_code:
        raise ValidationFailed(_("请在地图上选点（lat/lng）或给出微网格编码（area_code）"), field="lat")
    code: str | None = None
    if lat is not None or lng is not None:
        for name, value, bound in (("lat", lat, 90), ("lng", lng, 180)):
            if not isinstance(value, int | float) or isinstance(value, bool) or not -bound <= value <= bound:
                raise ValidationFailed(
                    _("%(field)s 必须是 -%(b)d 到 %(b)d 之间的数") % {"field": name, "b": bound}, field=name
                )
        code = resolve_point(float(lat), float(lng))
        if code is None:
            raise ValidationFailed(
                _("该位置不在任何网格内，请确认位置是否在本辖区"),
                field="lat",
                details={"lat": lat, "lng": lng},
            )
        if area_code and area_code != code:
            raise ValidationFailed(
                _("地图位置属于微网格 %(point)s，与给出的区域编码 %(code)s 不一致")
                % {"point": code, "code": area_code},
                field="area_code",
            )
    else:
        if not isinstance(area_code, str):
            raise ValidationFailed(_("区域编码必须是文本"), field="area_code")
        code = area_code.strip()
    area: Area | None = _kept_copy(_areas.get(code, _read_area))
    if area is None:
        raise ValidationFailed(_("区域编码 %(code)s 不存在") % {"code": code}, field="area_code")
    if area.level != "microgrid":
        raise ValidationFailed(
            _("区域编码必须是微网格（17位），%(code)s 是%(level)s") % {"code": code, "level": area.get_level_display()},
            field="area_code",
        )
    return area, (float(lat) if lat is not None else None), (float(lng) if lng is not None else None)


def _category(code: Any) -> Category | None:
    if code is None or code == "":
        return None
    if not isinstance(code, str):
        raise ValidationFailed(_("分类代码必须是文本"), field="category")
    category: Category | None = _kept_copy(_categories.get(code.strip(), _read_category))
    if category is None:
        raise ValidationFailed(_("未知的诉求分类：%(code)s") % {"code": code}, field="category")
    if category.parent_id is None:
        raise ValidationFailed(_("请选择小类，而不是大类：%(name)s") % {"name": category.name}, field="category")
    return category


@dataclass
class Submitted:
    appeal: Appeal
    created: bool


@transaction.atomic
def appeal_submit(
    *,
    actor: User,
    description: str,
    channel: str,
    category: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
    area_code: str | None = None,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    external_ref: str = "",
    is_public: bool = False,
    auto_dispatch: bool = True,
) -> Submitted:
    """Take in an appeal from any channel. The same external ticket of a channel returns the existing appeal.

    With a (sub)category known, the appeal is registered and routed to the micro-grid's on-duty worker at
    once (the 7-minute arrival runs from that dispatch); without one it waits for a dispatcher to register it.
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录"))
    if channel not in Channel.values:
        raise ValidationFailed(_("来源渠道只能是：%(v)s") % {"v": "、".join(Channel.values)}, field="channel")
    description = _text(description, field="description", max_length=MAX_DESCRIPTION, required=True)
    address = _text(address, field="address", max_length=200)
    contact_name = _text(contact_name, field="contact_name", max_length=32)
    contact_phone = _text(contact_phone, field="contact_phone", max_length=32)
    if contact_phone:
        contact_phone = pii.normalize_phone(contact_phone, field="contact_phone")
    external_ref = _text(external_ref, field="external_ref", max_length=64)
    if channel in (Channel.HOTLINE_12345, Channel.SUSUBAN) and not external_ref:
        raise ValidationFailed(_("12345 与诉速办工单必须填写外部工单号"), field="external_ref")
    if not isinstance(is_public, bool):
        raise ValidationFailed(_("is_public 必须是布尔值"), field="is_public")
    cat = _category(category)
    area, lat_f, lng_f = resolve_location(lat=lat, lng=lng, area_code=area_code)
    if channel in STAFF_CHANNELS:
        rules.require(actor, "appeals.intake", area.code)

    if external_ref:
        existing = Appeal.objects.filter(channel=channel, external_ref=external_ref).first()
        if existing is not None:
            return _same_ticket(existing, description=description, area=area, actor=actor)

    now = clock.now()
    # PostgreSQL inserts the appeal and its events in one statement; a ticket number that may be a duplicate
    # keeps the ORM path (its savepoint and the IntegrityError answer), as SQLite does.
    together = fast_insert() and not external_ref
    number, new_id = _number(now, with_id=together)
    appeal = Appeal(
        pk=new_id,
        number=number,
        description=description,
        address=address,
        category=cat,
        channel=channel,
        external_ref=external_ref,
        reporter=None if channel in ON_BEHALF_CHANNELS else actor,
        lat=lat_f,
        lng=lng_f,
        area=area,
        area_code=area.code,
        state=State.REPORTED,
        tier=cat.default_tier if cat else Tier.MINOR,
        handling_level=cat.default_level if cat else Level.MICROGRID,
        is_public=is_public,
        created_at=now,
        updated_at=now,
    )
    appeal.set_contact_name(contact_name)
    if contact_phone:
        appeal.set_phone(contact_phone)
    # With a category the appeal is registered and dispatched at once: the same moves as the table's
    # register and dispatch (dispatch_in_place), written with the appeal in one insert, one event row each.
    moves: list[tuple[str, str, str, dict[str, Any], str]] = [
        (
            "submit",
            "",
            State.REPORTED,
            {"channel": channel, "external_ref": external_ref, "category": cat.code if cat else ""},
            "",
        )
    ]
    if cat is not None and auto_dispatch:
        dispatch_data: dict[str, Any] = {"routing": "auto"}
        dispatch_in_place(appeal, now, assignee=route(appeal, appeal.handling_level), event_data=dispatch_data)
        moves.append(("register", State.REPORTED, State.REGISTERED, {}, str(_("按所选分类自动登记"))))
        moves.append(("dispatch", State.REGISTERED, State.DISPATCHED, dispatch_data, ""))
        appeal.state = State.DISPATCHED
        appeal.version = 2

    def events() -> list[AppealEvent]:
        return [
            AppealEvent(
                appeal=appeal,
                actor=actor if action == "submit" else None,
                action=action,
                from_state=from_state,
                to_state=to_state,
                data=data,
                note=note,
                occurred_at=now,
            )
            for action, from_state, to_state, data, note in moves
        ]

    if together:
        appeal.created_events = events()
        _insert_with_events(appeal, appeal.created_events)
    else:
        try:
            if external_ref:
                with transaction.atomic():  # a savepoint only where a duplicate ticket can make the insert fail
                    appeal.save(force_insert=True)
            else:
                appeal.save(force_insert=True)
        except IntegrityError:
            # The same ticket arrived twice at once; the other request stored it first.
            existing = Appeal.objects.filter(channel=channel, external_ref=external_ref).first()
            if existing is None:
                raise
            return _same_ticket(existing, description=description, area=area, actor=actor)
        appeal.created_events = AppealEvent.objects.bulk_create(events())
    if appeal.state == State.DISPATCHED:
        appeal_notify.dispatched(appeal, actor=actor)  # one outbox insert (the assignee is already loaded)
    return Submitted(appeal=appeal, created=True)


def _same_ticket(existing: Appeal, *, description: str, area: Area, actor: User) -> Submitted:
    if existing.description != description or existing.area_code != area.code:
        raise Conflict(
            _("外部工单号已用于另一件诉求（%(number)s）") % {"number": existing.number},
            field="external_ref",
            details={"appeal_id": existing.pk, "number": existing.number},
        )
    return Submitted(appeal=existing, created=False)


def appeal_photo_add(*, actor: User, appeal: Appeal, upload: Any, kind: str = PhotoKind.REPORT) -> Any:
    """A photo of an appeal: the reporter adds report photos; workers add evidence of handling."""
    is_reporter = appeal.reporter_id is not None and appeal.reporter_id == getattr(actor, "pk", None)
    if kind == PhotoKind.REPORT:
        allowed = is_reporter or rules.allows(actor, "appeals.intake", appeal.area_code)
    else:
        allowed = rules.allows(actor, "appeals.handle", appeal.area_code)
    if not allowed:
        raise PermissionDenied(_("您不能为该诉求上传这类照片"), field="kind")
    if appeal.state in (State.CLOSED, State.RATED, State.CANCELLED):
        raise ValidationFailed(_("诉求已办结，不能再上传照片"), field="photo")
    return photo_add(actor=actor, appeal=appeal, upload=upload, kind=kind)


CATEGORY_FIELDS = {
    "name",
    "default_tier",
    "default_level",
    "closure_condition",
    "on_site",
    "policy_overrides",
    "is_active",
}


@transaction.atomic
def category_update(*, actor: User, category: Category, **changes: Any) -> Category:
    """Street staff edit a category's defaults and 7135 overrides (applies to appeals accepted afterwards)."""
    street_codes = rules.scope_codes(actor, "appeals.configure")
    if not street_codes:
        raise PermissionDenied(_("只有街道工作人员可以维护诉求分类"))
    unknown = sorted(set(changes) - CATEGORY_FIELDS)
    if unknown:
        raise ValidationFailed(_("不能修改：%(keys)s") % {"keys": "、".join(unknown)}, field=unknown[0])
    before = {k: getattr(category, k) for k in changes}
    if "name" in changes:
        category.name = _text(changes["name"], field="name", max_length=64, required=True)
    if "default_tier" in changes:
        if changes["default_tier"] not in Tier.values:
            raise ValidationFailed(_("分级只能是：%(v)s") % {"v": "、".join(Tier.values)}, field="default_tier")
        category.default_tier = changes["default_tier"]
    if "default_level" in changes:
        if changes["default_level"] not in Level.values:
            raise ValidationFailed(_("处置层级只能是：%(v)s") % {"v": "、".join(Level.values)}, field="default_level")
        category.default_level = changes["default_level"]
    if "closure_condition" in changes:
        category.closure_condition = _text(changes["closure_condition"], field="closure_condition", max_length=2000)
    for flag in ("on_site", "is_active"):
        if flag in changes:
            if not isinstance(changes[flag], bool):
                raise ValidationFailed(_("%(field)s 必须是布尔值") % {"field": flag}, field=flag)
            setattr(category, flag, changes[flag])
    if "policy_overrides" in changes:
        category.policy_overrides = policy.validate(changes["policy_overrides"] or {})
    category.save()
    forget_categories()
    transaction.on_commit(forget_categories)  # and again, should an intake have read it before the commit
    audit_record(
        actor=actor,
        action="appeals.category_update",
        target=category,
        data={
            "before": {k: str(v) for k, v in before.items()},
            "after": {k: str(getattr(category, k)) for k in changes},
        },
    )
    return category


# ---------------------------------------------------------------------------------------------------------------
# The deadline sweep


@dataclass
class SweepResult:
    at: dt.datetime
    escalated: list[int] = field(default_factory=list)
    skipped: int = 0


# The partial index's condition written out as literal SQL: SQLite uses a partial index only when the query
# repeats its terms literally (bound parameters do not count), and PostgreSQL proves the match either way.
SWEEP_INDEX_WHERE = (
    "\"appeals_appeal\".\"handling_level\" IN ('microgrid', 'grid') "
    "AND \"appeals_appeal\".\"state\" IN ('dispatched', 'accepted', 'on_site')"
)


def _claim(at: dt.datetime, batch: int) -> list[int]:
    """Lock up to `batch` overdue appeals nobody else holds; on PostgreSQL other sweepers skip them."""
    qs = Appeal.objects.filter(due_at__lte=at).extra(where=[SWEEP_INDEX_WHERE]).order_by("due_at")  # noqa: S610
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.values_list("pk", flat=True)[:batch])


def sweep_deadlines(*, at: dt.datetime | None = None, batch: int = 500) -> SweepResult:
    """Escalate every appeal whose deadline has passed by `at` one level up (micro-grid → grid → street).

    Each batch is one transaction holding its rows' locks; a second sweeper skips locked rows and the
    once-per-level escalation constraint stops a double escalation even if a row slipped through.
    """
    at = at or clock.now()
    result = SweepResult(at=at)
    seen: set[int] = set()
    while True:
        with transaction.atomic():
            ids = [pk for pk in _claim(at, batch) if pk not in seen]
            if not ids:
                break
            seen.update(ids)
            try:
                with transaction.atomic():
                    done = escalate_overdue(ids=ids, at=at)
                result.escalated += done
                result.skipped += len(ids) - len(done)
                continue
            except IntegrityError:
                log.warning("sweep: batch escalation met an existing escalation; retrying one by one")
            for pk in ids:
                try:
                    with transaction.atomic():
                        appeal_transition(
                            actor=None,
                            appeal=pk,
                            action="escalate",
                            system=True,
                            as_of=at,
                            note=_("超过办结期限，系统自动上报"),
                        )
                    result.escalated.append(pk)
                except (Conflict, ValidationFailed) as exc:
                    log.info("sweep skipped appeal %s: %s", pk, exc)
                    result.skipped += 1
    return result


def appeals_timeline_note(
    *, appeal_ids: list[int], actor: User | None, action: str, note: str, data: dict[str, Any]
) -> int:
    """One timeline entry on each of these appeals that does not move their state (e.g. "列入议事议题" when
    deliberation turns a cluster of them into a topic). Returns the number of entries written."""
    appeals = list(Appeal.objects.filter(pk__in=appeal_ids).only("pk", "state"))
    now = clock.now()
    AppealEvent.objects.bulk_create(
        [
            AppealEvent(
                appeal=a,
                actor=actor,
                action=action,
                from_state=a.state,
                to_state=a.state,
                note=note,
                data=data,
                occurred_at=now,
            )
            for a in appeals
        ]
    )
    return len(appeals)
