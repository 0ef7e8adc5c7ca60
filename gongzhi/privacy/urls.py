from django.urls import path

from gongzhi.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("my-data.<slug:fmt>", views.download, name="download"),
    path("corrections/", views.queue, name="queue"),
    path("corrections/<int:request_id>/<slug:action>/", views.move, name="move"),
]
