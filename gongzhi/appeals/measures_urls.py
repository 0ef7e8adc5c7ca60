from django.urls import path

from gongzhi.appeals import measures_views

app_name = "appeals_measures"

urlpatterns = [
    path("", measures_views.measures_page, name="page"),
    path("export.xlsx", measures_views.measures_export, name="export"),
]
