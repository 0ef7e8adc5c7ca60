from django.urls import path

from gongzhi.carelink import views

app_name = "carelink"

urlpatterns = [
    path("needs/<int:need_id>/demand/", views.need_demand, name="need_demand"),
]
