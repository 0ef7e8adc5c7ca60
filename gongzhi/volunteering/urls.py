from django.urls import path

from gongzhi.volunteering import views

app_name = "volunteering"

urlpatterns = [
    path("", views.activity_list, name="activities"),
    path("activities/<int:activity_id>/", views.activity_detail, name="activity"),
    path("activities/<int:activity_id>/signup/", views.activity_signup, name="signup"),
    path("activities/<int:activity_id>/scan/", views.scan, name="scan"),
    path("activities/<int:activity_id>/organise/", views.organise, name="organise"),
    path("activities/<int:activity_id>/organise/qr/", views.organise_qr, name="organise_qr"),
    path("activities/<int:activity_id>/organise/act/", views.organise_action, name="organise_action"),
    path("signups/<int:signup_id>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("register/", views.register, name="register"),
    path("me/", views.my_record, name="me"),
    path("volunteers/<int:volunteer_id>/", views.volunteer_record, name="volunteer"),
    path("certificates/<str:number>/", views.certificate_verify, name="certificate"),
    path("certificates/<str:number>.pdf", views.certificate_download, name="certificate_pdf"),
    path("teams/", views.teams, name="teams"),
]
