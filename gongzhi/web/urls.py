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
    path("people/residents/", views.residents, name="residents"),
    path("people/residents/<int:resident_id>/", views.resident_detail, name="resident"),
    path("people/residents/<int:resident_id>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("people/households/<int:household_id>/", views.household_detail, name="household"),
    path("people/registrations/", views.registrations, name="registrations"),
    path("people/registrations/<int:registration_id>/decide/", views.registration_decide, name="registration_decide"),
    path("party/", views.party_index, name="party"),
    path("party/<int:org_id>/", views.party_detail, name="party_org"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
]
