from django.contrib import admin
from django.urls import include, path

from gongzhi.api import api
from gongzhi.core.metrics import metrics_view
from gongzhi.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("rosters/", include("gongzhi.rosters.urls")),
    path("volunteering/", include("gongzhi.volunteering.urls")),
    path("deliberation/", include("gongzhi.deliberation.urls")),
    path("matching/", include("gongzhi.matching.urls")),
    path("care/", include("gongzhi.care.urls")),
    path("privacy/", include("gongzhi.privacy.urls")),
    path("care/links/", include("gongzhi.carelink.urls")),
    path("awards/", include("gongzhi.awards.urls")),
    path("command/", include("gongzhi.command.urls")),
    path("notifications/", include("gongzhi.notifications.urls")),
    path("points/", include("gongzhi.points.urls")),
    path("open311/v2/", include("gongzhi.open311.urls")),
    path("appeals/measures/", include("gongzhi.appeals.measures_urls")),
    path("appeals/categories/", include("gongzhi.appeals.category_urls")),
    path("appeals/staff/", include("gongzhi.appeals.staff_urls")),
    path("appeals/", include("gongzhi.appeals.urls")),
    path("board/", include("gongzhi.noticeboard.urls")),
    path("inspections/", include("gongzhi.inspections.urls")),
    path("account/", include("gongzhi.accounts.urls")),
    path("", include("gongzhi.people.urls")),
    path("", include("gongzhi.web.urls")),
]

# Django's own 404 and 403 show the same error page as a domain error does (core.pages).
handler404 = "gongzhi.core.pages.not_found"
handler403 = "gongzhi.core.pages.forbidden"
