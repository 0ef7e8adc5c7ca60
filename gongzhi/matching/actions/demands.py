"""The demand list (需求清单): orders (点单), micro-wishes (微心愿) and errands (帮办代办), by residents for
themselves or entered by staff for a resident; the micro-wish value cap per community. A demand is created in its
first state (an order or errand waits for dispatch, a micro-wish goes on the wall); every later change is a move of
`flow.DEMAND`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import AreaLevel
from gongzhi.core import clock
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.matching.actions._common import active_item, area_by_code, fen_from_yuan
from gongzhi.matching.actions.flow import next_due
from gongzhi.matching.models import DEFAULT_WISH_CAP_FEN, Demand, DemandEvent, DemandKind, DemandState, WishCap
from gongzhi.people.models import Resident

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

REQUEST = "matching.request"
ENTER_FOR = "matching.view"  # entering a demand for someone else is staff work
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def wish_cap_fen(area_code: str) -> int:
    """The micro-wish cap of the community the area lies in (DEFAULT_WISH_CAP_FEN when it has set none)."""
    community = code_at(area_code, AreaLevel.COMMUNITY)
    cap = WishCap.objects.filter(area__code=community).values_list("cap_fen", flat=True).first()
    return DEFAULT_WISH_CAP_FEN if cap is None else int(cap)


@transaction.atomic
def wish_cap_set(*, actor: User, community_code: str, cap_yuan: object) -> WishCap:
    area = area_by_code(community_code, field="community")
    if area.level != AreaLevel.COMMUNITY:
        raise ValidationFailed(_("微心愿上限按社区设定，请选择社区"), field="community")
    rules.require(actor, "matching.dispatch", area.code)
    fen = fen_from_yuan(cap_yuan, field="cap")
    if fen < 100:
        raise ValidationFailed(_("微心愿上限至少 1 元"), field="cap")
    cap, _created = WishCap.objects.update_or_create(area=area, defaults={"cap_fen": fen, "updated_at": clock.now()})
    return cap


def _for_whom(actor: User, resident_id: int | None) -> tuple[Resident, User | None]:
    """The resident the demand is for, and the login who will rate it (None when staff enter it for someone who
    has none: then the staff member records the resident's rating)."""
    if resident_id is None:
        if not actor.resident_id:
            raise ValidationFailed(_("您的账号尚未关联居民档案，请先完成居民认证或请社区代录"), field="resident_id")
        resident = Resident.objects.select_related("household").get(pk=actor.resident_id)
        rules.require(actor, REQUEST, resident.area_code)
        return resident, actor
    if isinstance(resident_id, bool) or not isinstance(resident_id, int):
        raise ValidationFailed(_("resident_id 须为整数"), field="resident_id")
    found = Resident.objects.select_related("household").filter(pk=resident_id).first()
    if found is None:
        raise NotFound(_("居民不存在：%(id)s") % {"id": resident_id}, field="resident_id")
    resident = found
    if resident.pk == actor.resident_id:
        rules.require(actor, REQUEST, resident.area_code)
        return resident, actor
    if not (rules.allows(actor, ENTER_FOR, resident.area_code) and rules.allows(actor, REQUEST, resident.area_code)):
        raise PermissionDenied(_("只能为本辖区的居民代录需求"), field="resident_id")
    login = getattr(resident, "user", None)
    return resident, login


@transaction.atomic
def demand_create(
    *,
    actor: User,
    kind: str,
    item_id: int,
    title: str,
    description: str = "",
    resident_id: int | None = None,
    value_yuan: object = None,
    photo: UploadedFile[Any] | None = None,
    at: dt.datetime | None = None,
) -> Demand:
    """Post an order, a micro-wish (with its value, at most the community's cap) or an errand. `at` dates it
    (default now; the demo seed records a history)."""
    if kind not in DemandKind.values:
        raise ValidationFailed(_("需求类型须为：%(k)s") % {"k": "、".join(DemandKind.values)}, field="kind")
    item = active_item(item_id)
    title = clean_text(title, field="title", max_length=100, required=True)
    description = clean_text(description, field="description", max_length=1000)
    resident, requester = _for_whom(actor, resident_id)
    value_fen = None
    if kind == DemandKind.WISH:
        if value_yuan is None or value_yuan == "":
            raise ValidationFailed(_("请填写微心愿的金额（元）"), field="value")
        value_fen = fen_from_yuan(value_yuan, field="value")
        cap = wish_cap_fen(resident.area_code)
        if value_fen > cap:
            raise ValidationFailed(
                _("微心愿金额不能超过本社区上限 %(cap)s 元") % {"cap": f"{cap / 100:.2f}"}, field="value"
            )
    elif value_yuan not in (None, ""):
        raise ValidationFailed(_("只有微心愿填写金额"), field="value")
    if photo is not None and photo.size is not None and photo.size > MAX_PHOTO_BYTES:
        raise ValidationFailed(_("照片不能超过 5 MB"), field="photo")
    state = DemandState.ACCEPTED if kind == DemandKind.WISH else DemandState.ORDERED
    now = at or clock.now()
    demand = Demand(
        kind=kind,
        item=item,
        title=title,
        description=description,
        resident=resident,
        requester=requester,
        entered_by=actor,
        requester_name=resident.name,
        area_id=resident.area_id,
        area_code=resident.area_code,
        value_fen=value_fen,
        state=state,
        created_at=now,
        updated_at=now,
    )
    demand.due_at = next_due(demand, state, now)
    if photo is not None:
        demand.photo = photo
    demand.save()
    DemandEvent.objects.create(
        demand=demand, action="create", from_state="", to_state=state, actor=actor, at=now,
        data={"kind": kind, "item": item.pk, "for_resident": resident.pk},
    )  # fmt: skip
    return demand


def demand_timeline_note(*, demand: Demand, actor: User | None, action: str, note: str, data: dict[str, Any]) -> None:
    """One entry on a demand's record that does not move its state (e.g. "由议事落实事项发起" when a deliberation
    action item opened it, written by the bridge in gongzhi.web.bridges)."""
    DemandEvent.objects.create(
        demand=demand, action=action[:24], from_state=demand.state, to_state=demand.state, actor=actor,
        note=note[:1000], data=data, at=clock.now(),
    )  # fmt: skip
