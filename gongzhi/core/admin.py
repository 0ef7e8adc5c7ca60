from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from gongzhi.core.models import AuditEvent, CalendarDay


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ("occurred_at", "actor", "action", "target_type", "target_id", "area_code")
    list_filter = ("action",)
    search_fields = ("target_id", "area_code")

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
