"""The people pages' addresses (unchanged from when they lived in web/): /people/… and /party/…."""

from django.urls import path

from gongzhi.people import views

app_name = "people"

urlpatterns = [
    path("people/residents/", views.residents, name="residents"),
    path("people/residents/<int:resident_id>/", views.resident_detail, name="resident"),
    path("people/residents/<int:resident_id>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("people/households/<int:household_id>/", views.household_detail, name="household"),
    path("people/registrations/", views.registrations, name="registrations"),
    path("people/registrations/<int:registration_id>/decide/", views.registration_decide, name="registration_decide"),
    path("party/", views.party_index, name="party"),
    path("party/<int:org_id>/", views.party_detail, name="party_org"),
]
