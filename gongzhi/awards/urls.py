from django.urls import path

from gongzhi.awards import views

app_name = "awards"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.scheme_new, name="new"),
    path("schemes/<int:scheme_id>/", views.scheme_detail, name="scheme"),
    path("schemes/<int:scheme_id>/compute/", views.scheme_compute_page, name="compute"),
    path("schemes/<int:scheme_id>/publish/", views.scheme_publish_page, name="publish"),
    path("schemes/<int:scheme_id>/vote/", views.vote_page, name="vote"),
    path("schemes/<int:scheme_id>/nominate/", views.nominate_page, name="nominate"),
    path("nominations/<int:nomination_id>/vote/", views.vote_cast_page, name="cast"),
    path("results/<int:result_id>/move/", views.result_move_page, name="move"),
]
