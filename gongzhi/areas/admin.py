from django.contrib import admin
from django.http import HttpRequest

from gongzhi.areas.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin[Area]):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    # Codes are never reused, and boundaries go through area_set_boundary's checks.
    readonly_fields = ("code", "boundary", "point_lat", "point_lng")

    def has_delete_permission(self, request: HttpRequest, obj: Area | None = None) -> bool:
        return False
