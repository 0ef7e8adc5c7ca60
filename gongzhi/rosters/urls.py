from django.urls import path

from gongzhi.rosters import views

app_name = "rosters"

urlpatterns = [
    path("", views.index, name="index"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/status/", views.job_status, name="job_status"),
    path("jobs/<int:job_id>/commit-good-rows/", views.job_commit, name="job_commit"),
    path("jobs/<int:job_id>/errors.xlsx", views.job_errors, name="job_errors"),
    path("templates/<str:kind>.xlsx", views.template_download, name="template"),
    path("export/", views.export, name="export"),
]
