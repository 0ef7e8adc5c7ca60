"""Admin: read-only views of the patrol records (every write goes through the actions, every state change through
core.fsm); contacts shown masked, as residents' are."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongzhi.inspections import models as m


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.Place)
class PlaceAdmin(ReadOnly, admin.ModelAdmin[m.Place]):
    list_display = ("name", "kind", "area_code", "contact_name", "phone_masked", "responsible", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "address", "licence_no")
    exclude = ("id_number_encrypted", "id_number_hash", "phone_encrypted", "phone_hash")

    @admin.display(description="联系电话")
    def phone_masked(self, obj: m.Place) -> str:
        return obj.phone_masked


@admin.register(m.ChecklistTemplate)
class ChecklistTemplateAdmin(ReadOnly, admin.ModelAdmin[m.ChecklistTemplate]):
    list_display = ("name", "code", "version", "committee", "frequency_days", "is_current")
    list_filter = ("is_current", "committee")


@admin.register(m.Inspection)
class InspectionAdmin(ReadOnly, admin.ModelAdmin[m.Inspection]):
    list_display = ("place", "template", "inspector", "done_at", "failed", "location_ok")
    list_filter = ("template__code",)


@admin.register(m.Rectification)
class RectificationAdmin(ReadOnly, admin.ModelAdmin[m.Rectification]):
    list_display = ("number", "place", "committee", "state", "deadline", "closed_at")
    list_filter = ("state", "committee")
