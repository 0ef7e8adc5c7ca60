from django.contrib import admin
from django.http import HttpRequest

from gongzhi.appeals.models import Appeal, AppealEvent, Category, Summons


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["code", "name", "parent", "default_tier", "default_level", "on_site", "is_active"]
    list_filter = ["default_tier", "default_level", "is_active"]
    search_fields = ["code", "name"]


class EventInline(admin.TabularInline[AppealEvent, Appeal]):
    model = AppealEvent
    extra = 0
    can_delete = False
    fields = ["occurred_at", "action", "from_state", "to_state", "actor", "note"]
    readonly_fields = ["occurred_at", "action", "from_state", "to_state", "actor", "note"]

    def has_add_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin[Appeal]):
    # Read-only here: every state change must go through the workflow so it leaves an event.
    list_display = ["number", "state", "tier", "handling_level", "area_code", "channel", "due_at", "created_at"]
    list_filter = ["state", "tier", "handling_level", "channel"]
    search_fields = ["number", "external_ref", "area_code"]
    inlines = [EventInline]

    def has_change_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Summons)
class SummonsAdmin(admin.ModelAdmin[Summons]):
    list_display = ["appeal", "department", "state", "report_by", "reported_at", "late", "score"]
    list_filter = ["state", "late"]
