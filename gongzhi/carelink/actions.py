"""A care need found on a visit becomes a micro-wish (微心愿) or an errand (帮办代办) of the matching flow.

One transaction, through each side's public actions only: the need is locked and checked (visible to the actor,
still open, never handed over before; the actor may move it and holds `care.to_demand` at the archive's area),
then matching's `demand_create` posts the demand for the archive's resident (its own checks: the item, the
micro-wish cap, `matching.view` + `matching.request` at the resident's area), then care's move `to_demand` records
it on the need (a CareEvent naming the demand) and the link row joins the two. Any refusal rolls all of it back.

Nothing of the care record is copied into the demand: its title is the carer's (default: the need's kind, e.g.
"生活照料帮办"), its description only what the carer writes for the matching side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.care import access
from gongzhi.care.actions.archives import NEED
from gongzhi.care.models import CareNeed, NeedKind, NeedStatus
from gongzhi.carelink.models import NeedDemand
from gongzhi.core import fsm
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.matching.actions.demands import demand_create
from gongzhi.matching.models import Demand, DemandKind

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

RULE = "care.to_demand"
KINDS = (DemandKind.WISH, DemandKind.ERRAND)


def default_title(need_kind: str, demand_kind: str) -> str:
    label = NeedKind(need_kind).label if need_kind in NeedKind.values else ""
    return (_("%(kind)s微心愿") if demand_kind == DemandKind.WISH else _("%(kind)s帮办")) % {"kind": label}


@transaction.atomic
def need_to_demand(
    *,
    actor: User,
    need_id: object,
    kind: object,
    item_id: object,
    title: str | None = None,
    description: str = "",
    value_yuan: object = None,
) -> NeedDemand:
    if isinstance(need_id, bool) or not isinstance(need_id, int):
        raise ValidationFailed(_("need_id 必须是整数"), field="need_id")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValidationFailed(
            _("转办类型须为：%(k)s") % {"k": "、".join(f"{k.label}（{k.value}）" for k in KINDS)}, field="kind"
        )
    need = CareNeed.objects.select_for_update(of=("self",)).select_related("archive").filter(pk=need_id).first()
    if need is None or not (access.is_assigned(actor, need.archive) or access.reaches_by_area(actor, need.archive)):
        raise NotFound(_("关爱需求不存在：%(id)s") % {"id": need_id}, field="need_id")
    existing = NeedDemand.objects.filter(need=need).values_list("demand_id", flat=True).first()
    if existing is not None:
        raise Conflict(
            _("该需求已转为服务需求 #%(id)s") % {"id": existing}, field="need_id", details={"demand_id": existing}
        )
    if need.status != NeedStatus.OPEN:
        raise NEED.refused(need, "to_demand")
    if "to_demand" not in NEED.allowed(need, actor):
        raise PermissionDenied(
            _("只有指派的关爱人或档案管理人员可以转办该需求"), field="need_id", details={"rule": "care.carer_or_manage"}
        )
    if not rules.allows(actor, RULE, need.archive.area_code):
        raise PermissionDenied(_("您没有权限将关爱需求转为微心愿或帮办代办"), field="need_id", details={"rule": RULE})
    demand = demand_create(
        actor=actor,
        kind=kind,
        item_id=item_id,  # type: ignore[arg-type]  # matching's active_item checks the type and names the field
        title=title if title and str(title).strip() else default_title(need.kind, kind),
        description=description or "",
        resident_id=need.archive.resident_id,
        value_yuan=value_yuan,
    )
    fsm.transition(NEED, need.pk, "to_demand", actor=actor, data={"demand_id": demand.pk, "demand_kind": kind})
    return NeedDemand.objects.create(need=need, demand=demand, created_by=actor)


def link_of_demand(demand: Demand) -> NeedDemand | None:
    return NeedDemand.objects.select_related("need__archive", "need__visit").filter(demand=demand).first()
