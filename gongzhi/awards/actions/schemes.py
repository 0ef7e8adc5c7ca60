"""Award schemes: a street's award for a year or a quarter, with its weights, targets and star thresholds."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.models import Area
from gongzhi.awards import scoring
from gongzhi.awards.models import PeriodKind, Scheme, SchemeKind
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import Conflict, NotFound, ValidationFailed
from gongzhi.core.text import clean_text

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

CONFIGURE = "awards.configure"
MAX_ID: int = 2**62


def period_of(period_kind: Any, year: Any, quarter: Any) -> tuple[dt.date, dt.date]:
    if period_kind not in PeriodKind.values:
        raise ValidationFailed(_("周期只能是：%(v)s") % {"v": "、".join(PeriodKind.values)}, field="period_kind")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationFailed(_("年度必须是 2000 到 2100 之间的整数"), field="year")
    if period_kind == PeriodKind.YEAR:
        if quarter not in (None, ""):
            raise ValidationFailed(_("年度评选不填季度"), field="quarter")
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    if isinstance(quarter, bool) or not isinstance(quarter, int) or not 1 <= quarter <= 4:
        raise ValidationFailed(_("季度必须是 1 到 4"), field="quarter")
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start, end


def _number(value: Any, *, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(_("%(f)s 必须是数字") % {"f": field}, field=field)
    if not low <= value <= high:
        raise ValidationFailed(_("%(f)s 必须在 %(a)s 到 %(b)s 之间") % {"f": field, "a": low, "b": high}, field=field)
    return float(value)


def config_clean(kind: str, config: Any) -> dict[str, Any]:
    """The scheme's config, checked: every factor of the kind with a weight (0–100, not all 0) and, for a count, a
    target (> 0); five star thresholds, rising, in (0, 100]. Missing parts take the defaults."""
    base = scoring.default_config(kind)
    if kind == SchemeKind.HONOUR:
        if config not in (None, {}):
            raise ValidationFailed(_("居民推选荣誉没有评分规则"), field="config")
        return {}
    if config in (None, {}):
        return base
    if not isinstance(config, dict):
        raise ValidationFailed(_("评分规则必须是对象"), field="config")
    unknown = sorted(set(config) - {"factors", "stars"})
    if unknown:
        raise ValidationFailed(_("评分规则不接受：%(k)s") % {"k": "、".join(unknown)}, field="config")
    factors = config.get("factors", base["factors"])
    specs = {f.key: f for f in scoring.FACTORS[kind]}
    if not isinstance(factors, dict) or set(factors) - set(specs):
        raise ValidationFailed(
            _("评分因素只能是：%(v)s") % {"v": "、".join(specs)},
            field="config.factors",
            details={"allowed": list(specs)},
        )
    out: dict[str, Any] = {}
    for key, spec in specs.items():
        given = factors.get(key, base["factors"][key])
        if not isinstance(given, dict):
            raise ValidationFailed(_("评分因素 %(k)s 必须是对象") % {"k": key}, field=f"config.factors.{key}")
        item: dict[str, Any] = {
            "weight": int(_number(given.get("weight"), field=f"config.factors.{key}.weight", low=0, high=100))
        }
        if spec.kind == "count":
            target = given.get("target", base["factors"][key]["target"])
            item["target"] = _number(target, field=f"config.factors.{key}.target", low=0.1, high=100000)
        out[key] = item
    if not any(f["weight"] for f in out.values()):
        raise ValidationFailed(_("至少一个评分因素的权重大于 0"), field="config.factors")
    stars = config.get("stars", base["stars"])
    if not isinstance(stars, list) or len(stars) != 5:
        raise ValidationFailed(_("星级门槛须是 5 个分数（一星到五星）"), field="config.stars")
    values = [_number(s, field="config.stars", low=0.01, high=100) for s in stars]
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise ValidationFailed(_("星级门槛必须逐级升高"), field="config.stars")
    return {"factors": out, "stars": values}


def _street(code: Any) -> Area:
    if not isinstance(code, str):
        raise ValidationFailed(_("请给出街道编码"), field="area_code")
    area = Area.objects.filter(code=code.strip()).first()
    if area is None:
        raise ValidationFailed(_("区域编码 %(code)s 不存在") % {"code": code}, field="area_code")
    if area.level != "street":
        raise ValidationFailed(_("评选方案按街道设置，%(code)s 不是街道") % {"code": code}, field="area_code")
    return area


def _voting(kind: str, opens: Any, closes: Any) -> tuple[dt.datetime | None, dt.datetime | None]:
    if kind != SchemeKind.HONOUR:
        if opens or closes:
            raise ValidationFailed(_("只有居民推选荣誉设投票时间"), field="votes_open_at")
        return None, None
    for value, field in ((opens, "votes_open_at"), (closes, "votes_close_at")):
        if not isinstance(value, dt.datetime):
            raise ValidationFailed(_("请给出投票时间（开始与截止）"), field=field)
    if closes <= opens:
        raise ValidationFailed(_("投票截止必须晚于投票开始"), field="votes_close_at")
    return opens, closes


@transaction.atomic
def scheme_create(
    *,
    actor: User,
    kind: str,
    name: str,
    area_code: str,
    period_kind: str,
    year: int,
    quarter: int | None = None,
    config: dict[str, Any] | None = None,
    votes_open_at: dt.datetime | None = None,
    votes_close_at: dt.datetime | None = None,
    winners_per_community: int = 3,
    points_rule: str = "",
) -> Scheme:
    """A street's award for a period. Needs `awards.configure` over the street."""
    if kind not in SchemeKind.values:
        raise ValidationFailed(_("评选类型只能是：%(v)s") % {"v": "、".join(SchemeKind.values)}, field="kind")
    name = clean_text(name, field="name", max_length=64, required=True)
    street = _street(area_code)
    rules.require(actor, CONFIGURE, street.code)
    starts_on, ends_on = period_of(period_kind, year, quarter)
    opens, closes = _voting(kind, votes_open_at, votes_close_at)
    if isinstance(winners_per_community, bool) or not isinstance(winners_per_community, int):
        raise ValidationFailed(_("每社区评选名额必须是整数"), field="winners_per_community")
    if not 1 <= winners_per_community <= 50:
        raise ValidationFailed(_("每社区评选名额必须在 1 到 50 之间"), field="winners_per_community")
    points_rule = clean_text(points_rule, field="points_rule", max_length=48)
    if points_rule and kind == SchemeKind.GRID_STARS:
        raise ValidationFailed(_("星级网格不是个人，不计积分"), field="points_rule")
    try:
        with transaction.atomic():
            scheme = Scheme.objects.create(
                kind=kind,
                name=name,
                area=street,
                area_code=street.code,
                period_kind=period_kind,
                year=year,
                quarter=quarter if period_kind == PeriodKind.QUARTER else None,
                starts_on=starts_on,
                ends_on=ends_on,
                config=config_clean(kind, config),
                votes_open_at=opens,
                votes_close_at=closes,
                winners_per_community=winners_per_community,
                points_rule=points_rule,
                created_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("该街道本周期已有同名评选：%(n)s") % {"n": name}, field="name") from None
    audit_record(actor=actor, action="awards.scheme.create", target=scheme, area_code=street.code)
    return scheme


def scheme_lock(scheme_id: Any) -> Scheme:
    if isinstance(scheme_id, bool) or not isinstance(scheme_id, int) or not 0 < scheme_id <= MAX_ID:
        raise NotFound(_("评选不存在：%(id)s") % {"id": scheme_id}, field="scheme_id")
    scheme = Scheme.objects.select_for_update().filter(pk=scheme_id).first()
    if scheme is None:
        raise NotFound(_("评选不存在：%(id)s") % {"id": scheme_id}, field="scheme_id")
    return scheme


@transaction.atomic
def scheme_configure(*, actor: User, scheme_id: int, config: dict[str, Any]) -> Scheme:
    """New weights, targets or star thresholds; results not yet confirmed follow at the next computation."""
    scheme = scheme_lock(scheme_id)
    rules.require(actor, CONFIGURE, scheme.area_code)
    scheme.config = config_clean(scheme.kind, config)
    scheme.save(update_fields=["config"])
    audit_record(actor=actor, action="awards.scheme.configure", target=scheme, area_code=scheme.area_code,
                 data={"config": scheme.config})  # fmt: skip
    return scheme
