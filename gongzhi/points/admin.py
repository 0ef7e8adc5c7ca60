"""Read-mostly admin: changes go through the actions (pages and API), so the admin shows, it does not edit."""

from typing import TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from gongzhi.points.models import AwardEvent, PointsAccount, PointsAward, PointsRule, PointsScheme

_M = TypeVar("_M", bound=Model)


class ReadOnly(admin.ModelAdmin[_M]):
    def has_add_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False


@admin.register(PointsScheme)
class PointsSchemeAdmin(ReadOnly[PointsScheme]):
    list_display = ["name", "area_code", "holder_kind", "floor", "publicity_days", "monthly_cap", "is_active"]


@admin.register(PointsRule)
class PointsRuleAdmin(ReadOnly[PointsRule]):
    list_display = ["code", "name", "dimension", "points", "cap_per_month", "needs_review", "scheme", "is_active"]
    list_filter = ["dimension", "scheme"]


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnly[PointsAccount]):
    list_display = ["id", "ledger_account", "area_code", "scheme"]
    search_fields = ["area_code", "ledger_account__code"]


@admin.register(PointsAward)
class PointsAwardAdmin(ReadOnly[PointsAward]):
    list_display = ["id", "rule", "points", "state", "area_code", "proposed_at", "publicity_ends_at"]
    list_filter = ["state"]


@admin.register(AwardEvent)
class AwardEventAdmin(ReadOnly[AwardEvent]):
    list_display = ["award", "action", "from_state", "to_state", "actor", "occurred_at"]
