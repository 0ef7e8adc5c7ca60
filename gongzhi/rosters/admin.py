from django.contrib import admin
from django.http import HttpRequest

from gongzhi.rosters.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin[ImportJob]):
    list_display = ("id", "kind", "mode", "status", "total_rows", "error_count", "created_by", "created_at")
    list_filter = ("kind", "status", "mode")
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # jobs are started from the roster page, the API or the import_roster command
