from collections.abc import Callable
from typing import TypeVar

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import DomainError
from gongzhi.volunteering import models
from gongzhi.volunteering.actions.activities import activity_cancel, activity_reopen


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
    # The status changes only by the moves of activities.ACTIVITY (the actions below), never by editing it.
    readonly_fields = ["status"]
    actions = ["cancel_activities", "reopen_activities"]

    @admin.action(description=_("取消所选活动"))
    def cancel_activities(self, request: HttpRequest, queryset: QuerySet[models.Activity]) -> None:
        self._move(request, queryset, activity_cancel)

    @admin.action(description=_("恢复所选活动的招募"))
    def reopen_activities(self, request: HttpRequest, queryset: QuerySet[models.Activity]) -> None:
        self._move(request, queryset, activity_reopen)

    def _move(
        self, request: HttpRequest, queryset: QuerySet[models.Activity], action: Callable[..., models.Activity]
    ) -> None:
        done = 0
        for pk in queryset.values_list("pk", flat=True):
            try:
                action(actor=request.user, activity_id=pk)
            except DomainError as exc:
                self.message_user(request, f"{pk}: {exc.message}", level=messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("已处理 %(n)s 个活动") % {"n": done}, level=messages.SUCCESS)


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
