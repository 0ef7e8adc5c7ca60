"""Reads of the points bank, each limited to what the user may see."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.areas.codes import ancestor_codes
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock, ledger
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.points.models import EventItem, PointsAccount, PointsAward, PointsRule, PointsScheme


def scheme_for_area_code(area_code: str) -> PointsScheme | None:
    """The active scheme nearest above an area (a community's own scheme wins over its street's)."""
    return (
        PointsScheme.objects.filter(area_code__in=ancestor_codes(area_code), is_active=True)
        .order_by("-area_code")  # the longest code is the nearest
        .first()
    )


def rule_by_code(*, scheme: PointsScheme, code: str) -> PointsRule:
    rule = PointsRule.objects.filter(scheme=scheme, code=(code or "").strip()).first()
    if rule is None or not rule.is_active:
        raise NotFound(
            _("积分规则不存在或已停用：%(code)s（方案：%(scheme)s）") % {"code": code, "scheme": scheme.name},
            field="rule_code",
        )
    return rule


def _is_own(user: Any, account: PointsAccount) -> bool:
    resident = getattr(user, "resident", None) if getattr(user, "is_authenticated", False) else None
    if resident is None:
        return False
    if account.household_id is not None:
        return resident.household_id == account.household_id
    return resident.pk == account.resident_id


def may_view_account(user: Any, account: PointsAccount) -> bool:
    return rules.allows(user, "points.view", account.area_code) or _is_own(user, account)


def account_get(*, user: Any, account_id: int) -> PointsAccount:
    account = (
        PointsAccount.objects.select_related("ledger_account", "scheme", "household", "resident")
        .filter(pk=account_id)
        .first()
    )
    if account is None:
        raise NotFound(_("积分账户不存在：%(id)s") % {"id": account_id}, field="account_id")
    if not may_view_account(user, account):
        raise PermissionDenied(_("您没有权限查看该积分账户"), details={"rule": "points.view"})
    return account


def account_for_holder(
    *, user: Any, account_id: int | None = None, household_id: int | None = None, resident_id: int | None = None
) -> PointsAccount:
    """An existing account named by its id, its household or its person (exactly one of them)."""
    given = {
        k: v for k, v in (("account_id", account_id), ("household_id", household_id), ("resident_id", resident_id)) if v
    }
    if len(given) != 1:
        raise ValidationFailed(
            _("请只指定积分账户（account_id）、户（household_id）或居民（resident_id）中的一个"), field="account_id"
        )
    field, value = next(iter(given.items()))
    if field == "account_id":
        return account_get(user=user, account_id=value)
    lookup = {"household_id": value} if field == "household_id" else {"resident_id": value}
    found = PointsAccount.objects.filter(**lookup).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound(
            _("该%(who)s还没有积分账户：%(id)s")
            % {"who": _("户") if field == "household_id" else _("居民"), "id": value},
            field=field,
        )
    return account_get(user=user, account_id=found)


def account_statement(*, account: PointsAccount, before_id: int | None = None, limit: int = 50) -> list:
    return ledger.statement(account=account.ledger_account, before_id=before_id, limit=limit)


def award_get(*, user: Any, award_id: int) -> PointsAward:
    award = PointsAward.objects.select_related("rule", "account", "scheme").filter(pk=award_id).first()
    if award is None:
        raise NotFound(_("积分奖惩记录不存在：%(id)s") % {"id": award_id}, field="award_id")
    if not (rules.allows(user, "points.view", award.area_code) or _is_own(user, award.account)):
        raise PermissionDenied(_("您没有权限查看该积分奖惩记录"), details={"rule": "points.view"})
    return award


def awards_visible(*, user: Any, state: str | None = None) -> QuerySet[PointsAward]:
    qs = PointsAward.objects.filter(rules.scope_q(user, "points.view"))
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("rule", "account").order_by("-id")


def items_on_offer(*, area_code: str) -> list[EventItem]:
    """Offers of events running now or later over `area_code`, above it (a street's event) or inside it."""
    return list(
        EventItem.objects.filter(
            Q(event__area_code__in=ancestor_codes(area_code)) | code_range_q(area_code, "event__area_code"),
            event__ends_at__gt=clock.now(),
            item__is_active=True,
        )
        .select_related("event", "item", "item__sponsor")
        .order_by("event__starts_at", "item__price", "id")
    )
