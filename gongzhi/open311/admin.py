from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongzhi.open311.models import Open311Client


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin[Open311Client]):
    """Keys are issued by `manage.py open311_key` (the raw key is shown once); here they can be switched off."""

    list_display = ["name", "key_prefix", "user", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "key_prefix"]
    fields = ["name", "key_prefix", "user", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["name", "key_prefix", "user", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
