"""A URL conf whose appeals_staff namespace has the staff pages' names, to show the home page links them."""

from django.http import HttpResponse
from django.urls import include, path

from gongzhi.urls import urlpatterns as real


def _stub(request):
    return HttpResponse("stub")


staff = (
    [
        path("board/", _stub, name="board"),
        path("department/", _stub, name="department"),
        path("intake/", _stub, name="intake"),
    ],
    "appeals_staff",
)
urlpatterns = [path("appeals/staff/", include(staff)), *[p for p in real if "appeals/staff/" not in str(p.pattern)]]
