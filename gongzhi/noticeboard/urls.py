from django.urls import path

from gongzhi.noticeboard import views

app_name = "noticeboard"

urlpatterns = [
    path("<str:area_code>/", views.board, name="board"),
    path("<str:area_code>/<int:notice_id>/withdraw/", views.withdraw, name="withdraw"),
]
