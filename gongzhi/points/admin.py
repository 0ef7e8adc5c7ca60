"""Read-mostly admin: changes go through the actions (pages and API), so the admin shows, it does not edit."""

from django.contrib import admin

from gongzhi.points.models import AwardEvent, PointsAccount, PointsAward, PointsRule, PointsScheme


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PointsScheme)
class PointsSchemeAdmin(ReadOnly):
    list_display = ["name", "area_code", "holder_kind", "floor", "publicity_days", "monthly_cap", "is_active"]


@admin.register(PointsRule)
class PointsRuleAdmin(ReadOnly):
    list_display = ["code", "name", "dimension", "points", "cap_per_month", "needs_review", "scheme", "is_active"]
    list_filter = ["dimension", "scheme"]


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnly):
    list_display = ["id", "ledger_account", "area_code", "scheme"]
    search_fields = ["area_code", "ledger_account__code"]


@admin.register(PointsAward)
class PointsAwardAdmin(ReadOnly):
    list_display = ["id", "rule", "points", "state", "area_code", "proposed_at", "publicity_ends_at"]
    list_filter = ["state"]


@admin.register(AwardEvent)
class AwardEventAdmin(ReadOnly):
    list_display = ["award", "action", "from_state", "to_state", "actor", "occurred_at"]
