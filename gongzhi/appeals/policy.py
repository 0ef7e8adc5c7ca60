"""The 7135 policy: 7 minutes to arrive, minor 1 day (micro-grid), major 3 days (grid), hard 5 days (street).

The numbers and the day unit come from settings.APPEALS_POLICY (environment-readable) and may be overridden per
category. An appeal keeps the policy it is judged by in `policy_snapshot`, taken when it is accepted, so a later
change of policy never moves the deadline of an appeal already running.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals.models import LEVEL_ORDER, Category, Level, Tier
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.workdays import add_workdays

DAY_UNITS = ("natural", "workday")
DEFAULTS: dict[str, Any] = {
    "arrival_minutes": 7,
    "days": {Tier.MINOR: 1, Tier.MAJOR: 3, Tier.HARD: 5},
    "day_unit": "natural",
    "summons_report_minutes": 30,
}
# Each tier is handled at one level, and reaching a level raises the tier to that level's (小事/大事/难事).
TIER_LEVEL = {Tier.MINOR: Level.MICROGRID, Tier.MAJOR: Level.GRID, Tier.HARD: Level.STREET}
LEVEL_TIER = {level: tier for tier, level in TIER_LEVEL.items()}
TIER_ORDER = [Tier.MINOR, Tier.MAJOR, Tier.HARD]


def validate(policy: dict[str, Any], *, field: str = "policy_overrides", partial: bool = True) -> dict[str, Any]:
    """Check a (partial) policy dict; returns it cleaned. Unknown keys and bad numbers are refused."""
    if not isinstance(policy, dict):
        raise ValidationFailed(_("时限政策必须是一个对象"), field=field)
    allowed = set(DEFAULTS)
    unknown = sorted(set(policy) - allowed)
    if unknown:
        raise ValidationFailed(
            _("时限政策中有未知项：%(keys)s；可用：%(allowed)s")
            % {"keys": "、".join(unknown), "allowed": "、".join(sorted(allowed))},
            field=field,
        )
    out: dict[str, Any] = {}
    for key in ("arrival_minutes", "summons_report_minutes"):
        if key in policy:
            value = policy[key]
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 24 * 60:
                raise ValidationFailed(_("%(key)s 必须是 1 到 1440 之间的整数（分钟）") % {"key": key}, field=field)
            out[key] = value
    if "day_unit" in policy:
        if policy["day_unit"] not in DAY_UNITS:
            raise ValidationFailed(
                _("day_unit 只能是：%(units)s") % {"units": "、".join(DAY_UNITS)},
                field=field,
            )
        out["day_unit"] = policy["day_unit"]
    if "days" in policy:
        days = policy["days"]
        if not isinstance(days, dict) or set(days) - set(Tier.values):
            raise ValidationFailed(
                _("days 必须按分级给出天数：%(tiers)s") % {"tiers": "、".join(Tier.values)}, field=field
            )
        for tier, value in days.items():
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 365:
                raise ValidationFailed(_("%(tier)s 的天数必须是 1 到 365 之间的整数") % {"tier": tier}, field=field)
        out["days"] = dict(days)
    if not partial:
        missing = allowed - set(out)
        if missing:
            raise ValidationFailed(_("时限政策缺少：%(keys)s") % {"keys": "、".join(sorted(missing))}, field=field)
    return out


def deployment_policy() -> dict[str, Any]:
    """The deployment's policy: defaults overlaid with settings.APPEALS_POLICY."""
    policy = copy.deepcopy(DEFAULTS)
    configured = validate(getattr(settings, "APPEALS_POLICY", {}) or {}, field="APPEALS_POLICY")
    days = configured.pop("days", {})
    policy.update(configured)
    policy["days"] = {**policy["days"], **days}
    return policy


def policy_for(category: Category | None) -> dict[str, Any]:
    """The policy an appeal of this category is judged by (JSON-ready: stored as the appeal's snapshot)."""
    policy = deployment_policy()
    if category is not None and category.policy_overrides:
        overrides = validate(category.policy_overrides)
        days = overrides.pop("days", {})
        policy.update(overrides)
        policy["days"] = {**policy["days"], **days}
    policy["days"] = {str(k): v for k, v in policy["days"].items()}
    policy["category"] = category.code if category is not None else ""
    return policy


def add_days(start: dt.datetime, days: int, unit: str) -> dt.datetime:
    """`days` natural days (24 h each) or working days after `start`, at the same local time of day."""
    if unit == "natural":
        return start + dt.timedelta(days=days)
    local = timezone.localtime(start)
    target = add_workdays(local.date(), days)
    naive = dt.datetime.combine(target, local.time().replace(tzinfo=None))
    return timezone.make_aware(naive, local.tzinfo)


def deadline(start: dt.datetime, tier: str, policy: dict[str, Any]) -> dt.datetime:
    return add_days(start, int(policy["days"][str(tier)]), policy["day_unit"])


def arrival_deadline(dispatched_at: dt.datetime, policy: dict[str, Any]) -> dt.datetime:
    return dispatched_at + dt.timedelta(minutes=int(policy["arrival_minutes"]))


def next_level(level: str) -> str | None:
    index = LEVEL_ORDER.index(Level(level))
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


def tier_at_least(tier: str, level: str) -> str:
    """The tier an appeal has once it reaches `level`: never lower than it was."""
    wanted = LEVEL_TIER[Level(level)]
    return max(Tier(tier), wanted, key=TIER_ORDER.index)
