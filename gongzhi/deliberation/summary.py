"""A read (selector) for 评: what deliberation resolved and how the area's complaints moved.

For an area (a street or a community, its whole subtree) and a period [from, to) — by default the last 90 days:

- **appeals resolved through deliberation**: appeals attached to topics of the area that are decided, closed or
  solved on the spot (`TopicAppeal`), counted by channel, with the 12345 and 诉速办 ones named (seed 004: "7 cases
  from 12345 and 诉速办");
- **the complaint rate** (千户投诉率, complaints per 1,000 households) of the area in the period and in the previous
  period of the same length, and its relative change (−0.61 is "down 61 %"), read from the appeals measures
  (`gongzhi.appeals.measures.measures_for`: received appeals ÷ households of the register × 1000);
- the same **per child area** (a community's grids, a street's communities) next to the topics resolved there, so
  the places where deliberation worked can be read against their complaints before and after.

Staff only (`deliberation.manage` over the area): the figures come from the appeals measures, which residents do
not read.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from gongzhi.appeals import measures
from gongzhi.appeals.models import Channel
from gongzhi.areas.models import Area
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.deliberation import selectors
from gongzhi.deliberation.models import Topic, TopicAppeal, TopicState

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gongzhi.accounts.models import User

RESOLVED = (TopicState.DECIDED, TopicState.CLOSED, TopicState.SOLVED_ON_SPOT)
HOTLINES = (Channel.HOTLINE_12345, Channel.SUSUBAN)
DEFAULT_DAYS = 90


def _period(start: Any, end: Any) -> measures.Period:
    if start in (None, "") and end in (None, ""):
        today = clock.today()
        return measures.Period(today - dt.timedelta(days=DEFAULT_DAYS - 1), today + dt.timedelta(days=1))
    return measures.period_parse(start, end)


def complaint_summary(
    *, user: User | AnonymousUser | None, area_code: Any, start: Any = None, end: Any = None
) -> dict[str, Any]:
    if not isinstance(area_code, str) or not area_code.isdigit():
        raise ValidationFailed(_("请填写区域编码"), field="area")
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise NotFound(_("区域编码 %(code)s 不存在") % {"code": area_code}, field="area")
    selectors.require_manager(user, area.code, field="area")
    period = _period(start, end)
    m = measures.measures_for(area=area, period=period, include_trend=False)

    links = list(
        TopicAppeal.objects.filter(code_range_q(area.code, "topic__area_code"), topic__state__in=RESOLVED).values_list(
            "topic__area_code", "appeal__channel"
        )
    )
    topics = list(
        Topic.objects.filter(code_range_q(area.code, "area_code"), state__in=RESOLVED).values_list(
            "area_code", flat=True
        )
    )
    by_channel = Counter(channel for _code, channel in links)
    labels = dict(Channel.choices)
    children = []
    for row in m["children"]:
        code = row["code"]
        children.append(
            {
                "code": code,
                "name": row["name"],
                "topics_resolved": sum(1 for c in topics if c.startswith(code)),
                "appeals_resolved": sum(1 for c, _ch in links if c.startswith(code)),
                "complaints_per_1000": row["complaints_per_1000"],
                "previous_complaints_per_1000": row["previous_complaints_per_1000"],
                "complaints_change": row["complaints_change"],
            }
        )
    return {
        "area_code": area.code,
        "area_name": area.name,
        "period": {"from": period.start, "to": period.end},
        "previous_period": {"from": m["previous_period"].start, "to": m["previous_period"].end},
        "topics_resolved": len(topics),
        "appeals_resolved": len(links),
        "hotline_appeals_resolved": sum(by_channel[c] for c in HOTLINES),
        "by_channel": [
            {"channel": c, "label": str(labels.get(c, c)), "count": n} for c, n in sorted(by_channel.items())
        ],
        "received": m["total"]["received"],
        "previous_received": m["previous"]["received"],
        "households": m["total"]["households"],
        "complaints_per_1000": m["total"]["complaints_per_1000"],
        "previous_complaints_per_1000": m["previous"]["complaints_per_1000"],
        "complaints_change": m["changes"]["complaints_per_1000"],
        "children": children,
    }
