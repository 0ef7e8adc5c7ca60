from django.contrib import admin

from gongzhi.noticeboard.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read-only: notices are published and withdrawn through the actions, never edited or deleted."""

    list_display = ["title", "area_code", "kind", "published_at", "withdrawn_at"]
    list_filter = ["kind"]
    search_fields = ["title", "area_code"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
