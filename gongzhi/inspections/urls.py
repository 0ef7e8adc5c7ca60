from django.urls import path

from gongzhi.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.today, name="today"),
    path("places/", views.places, name="places"),
    path("places/<int:place_id>/inspect/<int:template_id>/", views.inspect, name="inspect"),
    path("records/", views.records, name="records"),
    path("records/<int:inspection_id>/", views.inspection, name="inspection"),
    path("rectifications/", views.rectifications, name="rectifications"),
    path("rectifications/<int:rectification_id>/act/", views.rectification_action, name="rectification_action"),
    path("rollup/", views.rollup, name="rollup"),
    path("templates/", views.templates, name="templates"),
    path("templates/<slug:code>/edit/", views.template_edit, name="template_edit"),
    path("export.xlsx", views.export, name="export"),
]
