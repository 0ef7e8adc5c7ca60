from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongzhi.notifications.models import InboxMessage, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    """Read-only: delivery state is the worker's to change; staff look here to see why something was not sent."""

    list_display = ["id", "user", "channel", "kind", "title", "status", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["title", "delivery_key", "user__username"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InboxMessage)
class InboxMessageAdmin(admin.ModelAdmin[InboxMessage]):
    list_display = ["id", "user", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__username"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
