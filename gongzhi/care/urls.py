from django.urls import path

from gongzhi.care import views

app_name = "care"

urlpatterns = [
    path("", views.home, name="home"),
    path("archives/", views.archive_list, name="archives"),
    path("archives/export.xlsx", views.archive_export, name="export"),
    path("archives/<int:archive_id>/", views.archive_detail, name="archive"),
    path("archives/<int:archive_id>/visit/", views.visit_new, name="visit"),
    path("archives/<int:archive_id>/warning/", views.warning_new, name="warning"),
    path("needs/<int:need_id>/<slug:action>/", views.need_move, name="need_move"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("config/", views.configuration, name="config"),
    path("config/<slug:what>/", views.configuration_save, name="config_save"),
]
