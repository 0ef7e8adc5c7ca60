"""Appeal pages for residents, grid workers and everyone's appeal detail (mounted at /appeals/)."""

from django.urls import path

from gongzhi.appeals import pages

app_name = "appeals"

urlpatterns = [
    path("new/", pages.submit, name="new"),
    path("new/suggest/", pages.suggest, name="suggest"),
    path("mine/", pages.mine, name="mine"),
    path("tasks/", pages.tasks, name="tasks"),
    path("<int:appeal_id>/", pages.detail, name="detail"),
    path("<int:appeal_id>/move/", pages.move, name="move"),
    path("photos/<int:photo_id>/", pages.photo, name="photo"),
    path("photos/<int:photo_id>/original/", pages.photo, {"original": True}, name="photo_original"),
]
