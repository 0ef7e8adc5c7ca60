from typing import TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from gongzhi.volunteering import models


@admin.register(models.Volunteer)
class VolunteerAdmin(admin.ModelAdmin[models.Volunteer]):
    list_display = ["number", "name", "kind", "area_code", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["number", "name"]
    raw_id_fields = ["user", "resident", "party_member", "area"]


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin[models.Team]):
    list_display = ["name", "focus", "area_code", "brand"]
    search_fields = ["name"]


@admin.register(models.Brand)
class BrandAdmin(admin.ModelAdmin[models.Brand]):
    list_display = ["name", "area_code"]


@admin.register(models.Project)
class ProjectAdmin(admin.ModelAdmin[models.Project]):
    list_display = ["name", "kind", "area_code"]
    list_filter = ["kind"]


@admin.register(models.Activity)
class ActivityAdmin(admin.ModelAdmin[models.Activity]):
    list_display = ["title", "kind", "starts_at", "ends_at", "capacity", "area_code", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    raw_id_fields = ["organiser", "area", "parent", "created_by"]


_M = TypeVar("_M", bound=Model)


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    # Attendance and certificates change only through actions (hours, points, audit rows).
    def has_add_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False


@admin.register(models.Attendance)
class AttendanceAdmin(ReadOnlyAdmin[models.Attendance]):
    list_display = ["activity", "volunteer", "checked_in_at", "checked_out_at", "hours", "confirmed_at"]


@admin.register(models.Certificate)
class CertificateAdmin(ReadOnlyAdmin[models.Certificate]):
    list_display = ["number", "volunteer", "total_hours", "issued_at", "revoked_at"]
    search_fields = ["number"]


admin.site.register(models.Skill)
admin.site.register(models.PartyRegistration)
admin.site.register(models.Training)
admin.site.register(models.Honour)
