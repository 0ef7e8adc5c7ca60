from django.urls import path

from gongzhi.command import views

app_name = "command"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("leagues.xlsx", views.leagues_export, name="leagues_export"),
]
