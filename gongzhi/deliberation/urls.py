from django.urls import path

from gongzhi.deliberation import views

app_name = "deliberation"

urlpatterns = [
    path("", views.home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("votes/<int:vote_id>/receipt/", views.vote_receipt, name="receipt"),
    path("actions/<int:action_id>/", views.action, name="action"),
    path("surveys/<int:survey_id>/", views.survey, name="survey"),
    path("complaints/", views.complaints, name="complaints"),
]
