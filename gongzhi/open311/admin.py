from django.contrib import admin

from gongzhi.open311.models import Open311Client


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    """Keys are issued by `manage.py open311_key` (the raw key is shown once); here they can be switched off."""

    list_display = ["name", "key_prefix", "user", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "key_prefix"]
    fields = ["name", "key_prefix", "user", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["name", "key_prefix", "user", "created_at", "last_used_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
