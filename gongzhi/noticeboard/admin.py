from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongzhi.noticeboard.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin[Notice]):
    """Read-only: notices are published and withdrawn through the actions, never edited or deleted."""

    list_display = ["title", "area_code", "kind", "published_at", "withdrawn_at"]
    list_filter = ["kind"]
    search_fields = ["title", "area_code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
