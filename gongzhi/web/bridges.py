"""Links between apps of one layer line that must not import each other (.importlinter: `care | deliberation |
inspections | matching`). This module sits above them (the pages layer) and plugs one into the other's hook.

- deliberation → matching: a deliberation action item opens a service demand. Deliberation offers the hook
  (`gongzhi.deliberation.followups`); here the opener calls matching's own `demand_create` (its rules, its checks)
  and writes the link on the demand's record; deliberation keeps the demand's id, label and link.

`WebConfig.ready()` registers the openers, so every process that loads the apps has them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from gongzhi.core.errors import ValidationFailed
from gongzhi.deliberation import followups
from gongzhi.deliberation.models import FollowUpKind
from gongzhi.matching.actions.demands import demand_create, demand_timeline_note

if TYPE_CHECKING:
    from gongzhi.accounts.models import User
    from gongzhi.deliberation.models import ActionItem

DEMAND_FIELDS = frozenset({"kind", "item_id", "title", "description", "resident_id"})


def open_demand(actor: User, item: ActionItem, fields: dict[str, Any]) -> followups.Opened:
    unknown = sorted(set(fields) - DEMAND_FIELDS)
    if unknown:
        raise ValidationFailed(_("未知字段：%(k)s") % {"k": "、".join(unknown)}, field=unknown[0])
    item_id = fields.get("item_id")
    if not isinstance(item_id, int) or isinstance(item_id, bool):
        raise ValidationFailed(_("item_id 必须是服务项目编号（整数）"), field="item_id")
    demand = demand_create(
        actor=actor,
        kind=fields.get("kind") or "order",
        item_id=item_id,
        title=fields.get("title") or item.title[:100],
        description=fields.get("description") or "",
        resident_id=fields.get("resident_id"),
    )
    if not demand.area_code.startswith(item.area_code[:12]):
        raise ValidationFailed(_("需求所属居民须在事项所在社区之内"), field="resident_id")
    demand_timeline_note(
        demand=demand,
        actor=actor,
        action="deliberation",
        note=_("由议事落实事项「%(t)s」发起") % {"t": item.title},
        data={"action_id": item.pk, "action_url": f"/deliberation/actions/{item.pk}/"},
    )
    return followups.Opened(target_id=demand.pk, label=demand.title, url=f"/matching/demands/{demand.pk}/")


def register() -> None:
    followups.register(FollowUpKind.DEMAND, open_demand)
