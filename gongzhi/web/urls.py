from django.urls import path

from gongzhi.web import calendar_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register, name="register"),
    path("areas/", views.areas_index, name="areas"),
    path("areas/<str:code>/", views.area_detail, name="area"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
]
