"""Street dispatch board and department console pages (mounted at /appeals/staff/)."""

from django.urls import path

from gongzhi.appeals import staff_views

app_name = "appeals_staff"

urlpatterns = [
    path("", staff_views.board, name="board"),
    path("intake/", staff_views.intake, name="intake"),
    path("department/", staff_views.department, name="department"),
    path("department/summons/<int:summons_id>/", staff_views.department_act, name="department_act"),
    path("<int:appeal_id>/act/", staff_views.act, name="act"),
    path("<int:appeal_id>/summons/", staff_views.summons_page, name="summons"),
    path("<int:appeal_id>/summons/<int:summons_id>/rate/", staff_views.summons_rate, name="summons_rate"),
]
