from django.urls import path

from gongzhi.points import views

app_name = "points"

urlpatterns = [
    path("", views.my_points, name="me"),
    path("accounts/<int:account_id>/", views.account_detail, name="account"),
    path("accounts/<int:account_id>/passbook.pdf", views.account_pdf, name="account_pdf"),
    path("store/", views.store_index, name="store"),
    path("store/redeem/", views.store_redeem, name="redeem"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("board/", views.board, name="board"),
    path("board/<int:award_id>/object/", views.board_object, name="object"),
    path("awards/<int:award_id>/appeal/", views.award_appeal, name="appeal"),
    path("rankings/", views.rankings, name="rankings"),
    path("review/", views.queue, name="queue"),
    path("review/propose/", views.queue_propose, name="propose"),
    path("review/<int:award_id>/", views.queue_move, name="move"),
    path("manage/", views.manage, name="manage"),
    path("counter/", views.counter, name="counter"),
]
